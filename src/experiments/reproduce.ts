/**
 * The whole reproduction (Node only): every study of the paper this project runs, on one data
 * set, with settings fixed here before any outcome was seen (`reproduceSettings`), and the
 * models each study needs trained once and kept in a store (`trainOrReuse`). `runReproduction`
 * returns plain data — every study's result, the settings, seeds, versions, timings and peak memory
 * — which the report (report.ts) and results.json are made from. Only sizes differ between the
 * quick, default and full runs (and, for time, on Fashion-MNIST); the methods and seeds are the same.
 *
 * A run is resumable: every finished part but the first (whose trained model the model store
 * keeps) is written to `<out>/parts/<part>.json` with a hash of everything its numbers depend on;
 * a rerun with the same settings, data and version reads it instead of computing it again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { biasStudy, type BiasStudy } from '../curvature/bias.ts';
import { cgStudy, type CgStudy } from '../curvature/cg-study.ts';
import { biasOverModels, biasOverTraining, type BiasOverModels, type BiasOverTraining } from '../curvature/eigen-bias.ts';
import { kfacBiasStudy, type KfacBiasStudy } from '../curvature/kfac-bias.ts';
import { laplaceStudy, type LaplaceStudy } from '../curvature/laplace-study.ts';
import type { CurvatureKind } from '../curvature/operators.ts';
import { problem } from '../curvature/problem.ts';
import { fromSpec } from '../nn/model.ts';
import { fail } from '../tensor/index.ts';
import { convNet } from '../nn/presets.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { logSpacedEpochs, paperStyleTrainSettings, type EpochMetrics, type TrainSettings } from '../nn/train.ts';
import { corruptedTestSets, type Split } from './datasets.ts';
import { atomicWrite, ensureDirectory, readInputFile } from './files.ts';
import { trainOrReuse } from './model-store.ts';
import type { ProgressBar } from './progress.ts';
import { canonical } from './run-folder.ts';

/** What to train and measure; every number of a run follows from these and the data. */
export interface ReproduceSettings {
  mode: ReproduceMode;
  /** The one seed of every partition, corruption and sample (each study's `seed`); training has its own in `train`. */
  seed: number;
  /** A seeded subset of the data (quick runs and Fashion-MNIST, for time), or null for all of it. */
  subset: { train: number; test: number; seed: number } | null;
  model: { depth: number; width: number; train: TrainSettings; checkpoints: number[] };
  bias: { kinds: CurvatureKind[]; batchSizes: number[]; k: number; repeats: number };
  kfac: { batchSizes: number[]; k: number };
  overTraining: { batchSize: number; k: number; b1Count: number };
  family: { depths: number[]; widths: number[]; train: TrainSettings; batchSize: number; k: number; b1Count: number };
  cg: { batchSizes: number[]; iterations: number; repeats: number; fullBatch: boolean };
  /** The prior precisions δ; N·λ (the training's weight decay as a prior) is added to them. */
  laplace: { batchSizes: number[]; repeats: number; priorPrecisions: number[]; samples: number };
  /** Where a setting is smaller than the paper's for time, what was cut and why (the full run states them; empty elsewhere). */
  cuts: string[];
}

/** quick: a smoke test on a subset; default: digits whole, Fashion-MNIST on a subset; full: every image of a real-sized set. */
export type ReproduceMode = 'quick' | 'default' | 'full';
export const REPRODUCE_MODES: readonly ReproduceMode[] = ['quick', 'default', 'full'];

/**
 * What the full run needs: the paper's experiments train on 50,000 images (CIFAR's), and its test
 * sets hold 10,000; on less, "full" would not be the real-sized evidence it is named for.
 */
export const FULL_SCALE_MINIMUM = { train: 50_000, test: 10_000 } as const;

/** Adam as the paper trains the ConvNet family (B.1 (D): standard hyperparameters, no weight decay). */
function familyTrainSettings(epochs: number): TrainSettings {
  return { optimizer: 'adam', learningRate: 0.001, momentum: 0.9, weightDecay: 0, batchSize: 32, epochs, milestones: [], gamma: 0.1, seed: 0 };
}

/**
 * The settings of a run, chosen before any outcome was seen. Default on digits: the study
 * commands' own defaults where they have them (so `mbquad bias` gives the same numbers), fewer
 * repeats, directions, prior precisions and samples where the 15-minute budget needs it (a first
 * timing run took 17 min with k = 8 for the family, 14 δ, 50 samples and θ0 in B.9). Quick: a
 * subset of 800 training and 200 test images, small grids and few repeats (≤ 2 minutes).
 * Fashion-MNIST (28×28, 60,000 images): a subset of 3,000 training and 1,000 test images, a
 * narrower CNN and fewer directions (its run took 37 minutes on 2 cores).
 */
export function reproduceSettings(mode: ReproduceMode, data: 'digits' | 'fashion-mnist'): ReproduceSettings {
  if (mode === 'full') return fullSettings();
  const quick = mode === 'quick', fashion = data === 'fashion-mnist';
  const paper = paperStyleTrainSettings();
  const mainTrain: TrainSettings = quick
    ? { ...paper, epochs: 15, milestones: [8, 12] }
    : fashion ? { ...paper, epochs: 30, milestones: [15, 23] } : paper;
  return {
    mode,
    seed: 0,
    subset: quick ? { train: fashion ? 1000 : 800, test: fashion ? 300 : 200, seed: 0 } : fashion ? { train: 3000, test: 1000, seed: 0 } : null,
    // Fig. 21 spans the first to the last epoch (B.9), so θ0 (epoch 0) is not measured.
    model: { depth: 1, width: fashion ? 8 : 16, train: mainTrain, checkpoints: logSpacedEpochs(mainTrain.epochs, quick ? 4 : fashion ? 6 : 8).filter((e) => e >= 1) },
    bias: quick ? { kinds: ['ggn'], batchSizes: [128], k: 4, repeats: 2 }
      : fashion ? { kinds: ['ggn', 'hessian'], batchSizes: [128], k: 4, repeats: 4 }
      : { kinds: ['ggn', 'hessian'], batchSizes: [32, 128], k: 8, repeats: 8 },
    kfac: quick ? { batchSizes: [32, 128], k: 4 } : { batchSizes: [8, 32, 128, 512], k: fashion ? 4 : 8 },
    overTraining: { batchSize: 128, k: quick || fashion ? 4 : 8, b1Count: quick ? 2 : 3 },
    family: quick
      ? { depths: [0, 1], widths: [4, 8], train: familyTrainSettings(5), batchSize: 128, k: 4, b1Count: 2 }
      : fashion ? { depths: [0, 1, 2], widths: [4, 8, 16], train: familyTrainSettings(10), batchSize: 128, k: 4, b1Count: 3 }
      : { depths: [0, 1, 2], widths: [4, 8, 16, 32], train: familyTrainSettings(30), batchSize: 128, k: 4, b1Count: 3 },
    cg: quick ? { batchSizes: [128], iterations: 10, repeats: 2, fullBatch: false } : { batchSizes: [128], iterations: fashion ? 30 : 50, repeats: 3, fullBatch: true },
    // One δ per decade (mbquad laplace: two): the predictive's cost is linear in their number.
    laplace: quick ? { batchSizes: [64], repeats: 1, priorPrecisions: [1e-2, 1, 1e2, 1e4], samples: 10 }
      : { batchSizes: fashion ? [128] : [32, 128], repeats: 3, priorPrecisions: [1e-2, 1e-1, 1, 10, 1e2, 1e3, 1e4], samples: 30 },
    cuts: [],
  };
}

/**
 * The full run: every one of the 60,000 training and 10,000 test images in every study (the data
 * of a `--data` source with at least FULL_SCALE_MINIMUM images). Chosen before its first run from
 * per-image costs measured on 2 cores (a full-data gradient of the main CNN 21 s, a GGN-vector
 * product 27 s, exact K-FAC 150 s; the Laplace predictive per input), to fit about 90 minutes;
 * each cut against the paper's settings or the Fashion-MNIST subset run is stated in `cuts`.
 */
function fullSettings(): ReproduceSettings {
  const mainTrain: TrainSettings = { ...paperStyleTrainSettings(), epochs: 8, milestones: [4, 6] };
  return {
    mode: 'full',
    seed: 0,
    subset: null,
    model: { depth: 1, width: 8, train: mainTrain, checkpoints: logSpacedEpochs(mainTrain.epochs, 4).filter((e) => e >= 1) },
    bias: { kinds: ['ggn'], batchSizes: [32, 128], k: 3, repeats: 4 },
    kfac: { batchSizes: [32, 512], k: 4 },
    overTraining: { batchSize: 128, k: 3, b1Count: 2 },
    family: { depths: [0, 1, 2], widths: [4, 8, 16], train: familyTrainSettings(1), batchSize: 128, k: 2, b1Count: 2 },
    cg: { batchSizes: [128], iterations: 20, repeats: 2, fullBatch: false },
    laplace: { batchSizes: [128], repeats: 2, priorPrecisions: [1e-1, 10, 1e3], samples: 10 },
    cuts: [
      'Main model: 8 epochs of SGD (×0.1 at epochs 4 and 6) instead of the digits run\'s 60: one epoch is 1,875 steps on 60,000 images (20× the subset run\'s), about 30 s each.',
      'Bias study: the GGN only (no Hessian), k = 3 directions per B1: every direction costs a product on all 60,000 images per batch size (about 27 s; the Hessian\'s 37 s).',
      'K-FAC bias: |B| = 32 and 512 (the ends of the paper\'s range) instead of 8, 32, 128, 512: each batch size builds exact K-FAC on every batch and on all the data (about 300 s).',
      'Bias over training: k = 3 directions from 2 B1s at each of the log-spaced checkpoints: each direction is a product on all the data.',
      'ConvNet family: 1 epoch of Adam per model (1,875 steps), k = 2 directions from 2 B1s: the 9 models\' training and full-data products are the run\'s largest part.',
      'CG experiment: 20 iterations, 2 repeats, no full-batch CG (Fig. 13): each iterate is evaluated on all 70,000 images (about 7 s), and a full-batch CG iteration is a product on all 60,000.',
      'Laplace experiment: |B| = 128, 2 repeats, 3 prior precisions (and N·λ), 10 logit samples: the predictive is evaluated input by input on 120,000 inputs (train, test, 5 corrupted test sets).',
    ],
  };
}

/** A trained model as the results describe it. */
export interface ModelSummary {
  label: string;
  spec: ModelSpec;
  numParams: number;
  train: TrainSettings;
  /** Read from the model store instead of trained in this run. */
  reused: boolean;
  trainSeconds: number;
  final: EpochMetrics;
}

/** Everything a reproduction measured (results.json), as plain data. */
export interface Reproduction {
  format: 'mbquad-reproduction-1';
  versions: { mbquad: string; node: string };
  startedAt: string;
  data: { source: string; name: string; trainExamples: number; testExamples: number; inputShape: number[] };
  settings: ReproduceSettings;
  models: { main: ModelSummary; family: ModelSummary[] };
  bias: { weightDecay: number; studies: BiasStudy[] };
  kfac: KfacBiasStudy;
  overTraining: BiasOverTraining;
  family: BiasOverModels;
  cg: CgStudy;
  laplace: LaplaceStudy;
  /**
   * Seconds per part, in the order they ran, with the process's peak resident memory when it
   * ended; a part read from a finished earlier run (`resumed`) keeps that run's seconds and memory.
   */
  timings: PartTiming[];
  totalSeconds: number;
  /** The high-water mark of the resident memory (process.resourceUsage().maxRSS) of this process, in bytes. */
  peakRssBytes: number;
}

export interface PartTiming {
  part: string;
  seconds: number;
  peakRssBytes?: number;
  resumed?: boolean;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const PARTS = ['main model', 'bias study', 'K-FAC bias', 'bias over training', 'ConvNet family', 'CG experiment', 'Laplace experiment'] as const;
/** The parts of a run, in order (the report is one more, done by the command). */
export const REPRODUCE_PARTS: readonly string[] = PARTS;

function summary(label: string, spec: ModelSpec, train: TrainSettings, t: { reused: boolean; trainSeconds: number; history: EpochMetrics[] }): ModelSummary {
  return { label, spec, numParams: fromSpec(spec).numParams, train, reused: t.reused, trainSeconds: t.trainSeconds, final: t.history[t.history.length - 1] };
}

/** The peak resident memory of this process so far, in bytes (maxRSS is in kilobytes). */
export const peakRssBytes = () => process.resourceUsage().maxRSS * 1024;

const PART_FORMAT = 'mbquad-reproduction-part-1';

/** The file a finished part is kept in: `<parts>/<part, as a file name>.json`. */
export const partFile = (partsDir: string, part: string) => join(partsDir, `${part.replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase()}.json`);

const TAGS = ['$number', '$float64', '$int32'];

/**
 * JSON that gives back the same numbers: NaN, ±Infinity and −0 (which JSON.stringify writes as
 * null or 0) and typed arrays are written as tagged objects and read back as they were. An
 * object of the value with a tag's name as a key would read back as something else: refused.
 */
export function exactStringify(value: unknown): string {
  return JSON.stringify(value, function (key, v) {
    const raw = (this as Record<string, unknown>)[key];
    if (raw !== null && typeof raw === 'object' && TAGS.some((t) => Object.hasOwn(raw, t))) fail('exactStringify', `an object with a key named ${TAGS.join(', ')} cannot be written exactly (at '${key}')`);
    if (typeof raw === 'number' && (!Number.isFinite(raw) || Object.is(raw, -0))) return { $number: Object.is(raw, -0) ? '-0' : String(raw) };
    if (raw instanceof Float64Array) return { $float64: Array.from(raw) };
    if (raw instanceof Int32Array) return { $int32: Array.from(raw) };
    return v;
  });
}

/** The value exactStringify wrote. */
export function exactParse(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$number') return Number(v.$number);
      if (keys.length === 1 && keys[0] === '$float64') return Float64Array.from(v.$float64);
      if (keys.length === 1 && keys[0] === '$int32') return Int32Array.from(v.$int32);
    }
    return v;
  });
}

/** Where a run's models and finished parts are kept (`<out>/models`, `<out>/parts`). */
export interface RunStore {
  models: string;
  parts: string;
}

/** Runs every study on `data` (from `source`), keeping trained models and finished parts in `store`; see the file header. */
export function runReproduction(data: Split, source: string, settings: ReproduceSettings, store: RunStore, bar: ProgressBar, totalParts: number = PARTS.length): Reproduction {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const timings: Reproduction['timings'] = [];
  // Everything a part's numbers depend on; a kept part with another key is computed anew.
  const partKey = (name: string) => createHash('sha256').update(canonical({
    format: PART_FORMAT, part: name, mbquad: packageVersion(), source, settings,
    data: { train: data.train.targets.length, test: data.test.targets.length, inputShape: data.train.inputShape },
  })).digest('hex');
  const kept = (name: string): { seconds: number; peakRssBytes: number; result: unknown } | null => {
    const file = partFile(store.parts, name);
    if (!existsSync(file)) return null;
    try {
      const stored = exactParse(readInputFile(file, 'finished part').toString('utf8')) as { format: string; key: string; seconds: number; peakRssBytes: number; result: unknown };
      if (stored?.format === PART_FORMAT && stored.key === partKey(name)) return stored;
      console.error(`mbquad: notice: computing ${name} again: ${file} was made with other settings, data or version`);
    } catch (e) {
      console.error(`mbquad: notice: computing ${name} again: ${file} cannot be read (${(e as Error).message})`);
    }
    return null;
  };
  const resumable = PARTS.slice(1).filter((name) => kept(name) !== null);
  if (resumable.length > 0) bar.finish(`resuming: ${resumable.length} of ${PARTS.length} parts already finished in ${store.parts} (${resumable.join(', ')})`);
  let partIndex = 0;
  /** Runs one part, or (`keep`) reads it from a finished earlier run of the same settings. */
  const part = <T>(name: (typeof PARTS)[number], run: () => T, done: (result: T) => string, keep = true): T => {
    bar.setOverall(partIndex, totalParts);
    partIndex++;
    const stored = keep ? kept(name) : null;
    if (stored) {
      timings.push({ part: name, seconds: stored.seconds, peakRssBytes: stored.peakRssBytes, resumed: true });
      bar.finish(`${name}: resumed from ${partFile(store.parts, name)}: ${done(stored.result as T)} (${stored.seconds.toFixed(1)} s when it ran)`);
      return stored.result as T;
    }
    const t0 = performance.now();
    const result = run();
    const seconds = (performance.now() - t0) / 1000;
    const peak = peakRssBytes();
    timings.push({ part: name, seconds, peakRssBytes: peak });
    if (keep) {
      ensureDirectory(store.parts, 'folder of finished parts');
      atomicWrite(partFile(store.parts, name), exactStringify({ format: PART_FORMAT, key: partKey(name), seconds, peakRssBytes: peak, result }), 'finished part');
    }
    bar.finish(`${name}: ${done(result)} (${seconds.toFixed(1)} s, peak memory ${(peak / 2 ** 20).toFixed(0)} MiB)`);
    return result;
  };
  const progress = (prefix: string) => (stage: string, done: number, total: number) => bar.update(`${prefix}: ${stage}`, done, total, '');
  const shape = data.train.inputShape as [number, number, number];
  const classes = data.train.numClasses;
  const trainBatch = { inputs: data.train.inputs, targets: data.train.targets };
  const seed = settings.seed;
  // The store tells models on a subset from models on all of the data.
  const sub = settings.subset;
  const trainedOn = sub ? `${source} (subset ${sub.train}/${sub.test}, seed ${sub.seed})` : source;

  // The model every study but B.10 runs on, with θ kept at the log-spaced epochs B.9 needs.
  const s = settings.model;
  const mainSpec = convNet(shape, classes, s.depth, s.width);
  // The model store keeps this part (θ at every checkpoint), so it is not kept again in `parts`.
  const main = part('main model', () => trainOrReuse(store.models, { label: 'main', spec: mainSpec, source: trainedOn, data, settings: s.train, checkpointEpochs: s.checkpoints }, bar),
    (t) => `${t.reused ? 'reused' : 'trained'} the CNN (depth ${s.depth}, width ${s.width}, ${fromSpec(mainSpec).numParams} parameters): train accuracy ${(100 * t.history[t.history.length - 1].trainAccuracy).toFixed(1)} %`, false);
  const model = fromSpec(mainSpec);
  const weightDecay = s.train.weightDecay;
  const p = problem({ model, loss: 'cross_entropy', weightDecay, params: main.params });

  const b = settings.bias;
  const studies = part('bias study', () => b.kinds.flatMap((kind) => b.batchSizes.map((batchSize) => biasStudy(p, trainBatch, {
    kind, batchSize, k: b.k, seed, repeats: b.repeats, onProgress: progress(`bias ${kind} |B|=${batchSize}`),
  }))), (r) => `${r.length} stud${r.length === 1 ? 'y' : 'ies'} (${b.kinds.join(', ')} × |B| = ${b.batchSizes.join(', ')})`);

  const kfac = part('K-FAC bias', () => kfacBiasStudy(p, trainBatch, { batchSizes: settings.kfac.batchSizes, k: settings.kfac.k, seed, onProgress: progress('K-FAC bias') }),
    (r) => `|B| = ${r.sizes.map((z) => z.batchSize).join(', ')}`);

  const o = settings.overTraining;
  const overTraining = part('bias over training', () => biasOverTraining(p, main.checkpoints, trainBatch, { batchSize: o.batchSize, k: o.k, b1Count: o.b1Count, seed, onProgress: progress('bias over training') }),
    (r) => `${r.checkpoints.length} checkpoints`);

  const f = settings.family;
  const familyPart = part('ConvNet family', () => {
    const models: ModelSummary[] = [];
    const members = f.depths.flatMap((depth) => f.widths.map((width) => {
      const spec = convNet(shape, classes, depth, width);
      const label = `convnet-d${depth}-w${width}`;
      const t = trainOrReuse(store.models, { label, spec, source: trainedOn, data, settings: f.train }, bar);
      models.push(summary(label, spec, f.train, t));
      const m = fromSpec(spec);
      return { label, depth, width, trainAccuracy: t.history[t.history.length - 1].trainAccuracy, problem: problem({ model: m, loss: 'cross_entropy', weightDecay: f.train.weightDecay, params: t.params }) };
    }));
    return { models, family: biasOverModels(members, trainBatch, { batchSize: f.batchSize, k: f.k, b1Count: f.b1Count, seed, onProgress: progress('ConvNet family') }) };
  }, ({ family: r }) => `${r.models.length} models, ${Math.min(...r.models.map((m) => m.numParams))} to ${Math.max(...r.models.map((m) => m.numParams))} parameters`);
  const family = familyPart.family;
  // A resumed part's models were trained by the earlier run, not by this one.
  const familyModels = familyPart.models.map((m) => (timings[timings.length - 1].resumed ? { ...m, reused: true } : m));

  const c = settings.cg;
  const cg = part('CG experiment', () => cgStudy(p, data.train, data.test, { ...c, seed, onProgress: progress('CG') }),
    (r) => `|B| = ${c.batchSizes.join(', ')}, ${c.repeats} repeats, ${r.iterations} iterations`);

  const l = settings.laplace;
  const laplace = part('Laplace experiment', () => laplaceStudy(p, { train: data.train, test: data.test, corrupted: corruptedTestSets(data, seed) }, {
    batchSizes: l.batchSizes, repeats: l.repeats, samples: l.samples, seed, onProgress: progress('Laplace'),
    priorPrecisions: [...l.priorPrecisions, ...(weightDecay > 0 ? [data.train.targets.length * weightDecay] : [])].sort((x, y) => x - y),
  }), (r) => `${r.runs.length} approximations × ${r.priorPrecisions.length} prior precisions`);

  return {
    format: 'mbquad-reproduction-1',
    versions: { mbquad: packageVersion(), node: process.version },
    startedAt,
    data: { source, name: data.train.name, trainExamples: data.train.targets.length, testExamples: data.test.targets.length, inputShape: data.train.inputShape },
    settings,
    models: { main: summary('main', mainSpec, s.train, main), family: familyModels },
    bias: { weightDecay, studies },
    kfac,
    overTraining,
    family,
    cg,
    laplace,
    timings,
    totalSeconds: (performance.now() - started) / 1000,
    peakRssBytes: peakRssBytes(),
  };
}

/** Where a run keeps its trained models (`<out>/models`) and its finished parts (`<out>/parts`). */
export const runStore = (outDir: string): RunStore => ({ models: join(outDir, 'models'), parts: join(outDir, 'parts') });

/**
 * The whole reproduction (Node only): every study of the paper this project runs, on one data
 * set, with settings fixed here before any outcome was seen (`reproduceSettings`), and the
 * models each study needs trained once and kept in a store (`trainOrReuse`). `runReproduction`
 * returns plain data — every study's result, the settings, seeds, versions and timings — which
 * the report (report.ts) and results.json are made from. Only sizes differ between the default
 * and the quick run (and, for time, on Fashion-MNIST); the methods and seeds are the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { biasStudy, type BiasStudy } from '../curvature/bias.ts';
import { cgStudy, type CgStudy } from '../curvature/cg-study.ts';
import { biasOverModels, biasOverTraining, type BiasOverModels, type BiasOverTraining } from '../curvature/eigen-bias.ts';
import { kfacBiasStudy, type KfacBiasStudy } from '../curvature/kfac-bias.ts';
import { laplaceStudy, type LaplaceStudy } from '../curvature/laplace-study.ts';
import type { CurvatureKind } from '../curvature/operators.ts';
import { problem } from '../curvature/problem.ts';
import { fromSpec } from '../nn/model.ts';
import { convNet } from '../nn/presets.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { logSpacedEpochs, paperStyleTrainSettings, type EpochMetrics, type TrainSettings } from '../nn/train.ts';
import { corruptedTestSets, type Split } from './datasets.ts';
import { trainOrReuse } from './model-store.ts';
import type { ProgressBar } from './progress.ts';

/** What to train and measure; every number of a run follows from these and the data. */
export interface ReproduceSettings {
  mode: 'default' | 'quick';
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
}

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
export function reproduceSettings(mode: 'default' | 'quick', data: 'digits' | 'fashion-mnist'): ReproduceSettings {
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
  /** Seconds per part, in the order they ran. */
  timings: { part: string; seconds: number }[];
  totalSeconds: number;
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

/** Runs every study on `data` (from `source`), keeping trained models in `storeDir`; see the file header. */
export function runReproduction(data: Split, source: string, settings: ReproduceSettings, storeDir: string, bar: ProgressBar, totalParts: number = PARTS.length): Reproduction {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const timings: Reproduction['timings'] = [];
  let partIndex = 0;
  const part = <T>(name: (typeof PARTS)[number], run: () => T, done: (result: T) => string): T => {
    bar.setOverall(partIndex, totalParts);
    const t0 = performance.now();
    const result = run();
    const seconds = (performance.now() - t0) / 1000;
    timings.push({ part: name, seconds });
    bar.finish(`${name}: ${done(result)} (${seconds.toFixed(1)} s)`);
    partIndex++;
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
  const main = part('main model', () => trainOrReuse(storeDir, { label: 'main', spec: mainSpec, source: trainedOn, data, settings: s.train, checkpointEpochs: s.checkpoints }, bar),
    (t) => `${t.reused ? 'reused' : 'trained'} the CNN (depth ${s.depth}, width ${s.width}, ${fromSpec(mainSpec).numParams} parameters): train accuracy ${(100 * t.history[t.history.length - 1].trainAccuracy).toFixed(1)} %`);
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
  const familyModels: ModelSummary[] = [];
  const family = part('ConvNet family', () => {
    const members = f.depths.flatMap((depth) => f.widths.map((width) => {
      const spec = convNet(shape, classes, depth, width);
      const label = `convnet-d${depth}-w${width}`;
      const t = trainOrReuse(storeDir, { label, spec, source: trainedOn, data, settings: f.train }, bar);
      familyModels.push(summary(label, spec, f.train, t));
      const m = fromSpec(spec);
      return { label, depth, width, trainAccuracy: t.history[t.history.length - 1].trainAccuracy, problem: problem({ model: m, loss: 'cross_entropy', weightDecay: f.train.weightDecay, params: t.params }) };
    }));
    return biasOverModels(members, trainBatch, { batchSize: f.batchSize, k: f.k, b1Count: f.b1Count, seed, onProgress: progress('ConvNet family') });
  }, (r) => `${r.models.length} models, ${Math.min(...r.models.map((m) => m.numParams))} to ${Math.max(...r.models.map((m) => m.numParams))} parameters`);

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
  };
}

/** Where a run keeps its trained models: `<out>/models`. */
export const modelStore = (outDir: string) => join(outDir, 'models');

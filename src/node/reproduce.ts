/**
 * The whole reproduction (Node only): every study of the paper this project runs, on one data
 * set, with the settings fixed before any outcome was seen (`reproduceSettings`, in
 * src/report/reproduction.ts), and the models each study needs trained once and kept in a store
 * (`trainOrReuse`). `runReproduction` returns plain data — every study's result, the settings,
 * seeds, versions, timings and peak memory — which the report (report.ts) and results.json are
 * made from. Only sizes differ between the
 * quick, default and full runs (and, for time, on Fashion-MNIST); the methods and seeds are the same.
 *
 * A run is resumable: every finished part but the first (whose trained model the model store
 * keeps) is written to `<out>/parts/<part>.json` with a hash of everything its numbers depend on;
 * a rerun with the same settings, data and version reads it instead of computing it again.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { biasStudy } from '../curvature/bias.ts';
import { cgStudy } from '../curvature/cg-study.ts';
import { biasOverModels, biasOverTraining } from '../curvature/eigen-bias.ts';
import { kfacBiasStudy } from '../curvature/kfac-bias.ts';
import { laplaceStudy } from '../curvature/laplace-study.ts';
import { problem } from '../curvature/problem.ts';
import { fromSpec } from '../nn/model.ts';
import { convNet } from '../nn/presets.ts';
import type { ModelSpec } from '../nn/spec.ts';
import type { EpochMetrics, TrainSettings } from '../nn/train.ts';
import { formatMiB } from '../report/report.ts';
import { REPRODUCE_PARTS, type ModelSummary, type Reproduction, type ReproduceSettings } from '../report/reproduction.ts';
import { fail } from '../tensor/index.ts';
import { corruptedTestSets, type Split } from './datasets.ts';
import { atomicWrite, ensureDirectory, readInputFile } from './files.ts';
import { trainOrReuse } from './model-store.ts';
import type { ProgressBar } from './progress.ts';
import { canonical } from './run-folder.ts';

export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

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
export function runReproduction(data: Split, source: string, settings: ReproduceSettings, store: RunStore, bar: ProgressBar, totalParts: number = REPRODUCE_PARTS.length): Reproduction {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const timings: Reproduction['timings'] = [];
  // Everything a part's numbers depend on; a kept part with another key is computed anew.
  const version = packageVersion();
  const partKey = (name: string) => createHash('sha256').update(canonical({
    format: PART_FORMAT, part: name, mbquad: version, source, settings,
    data: { train: data.train.targets.length, test: data.test.targets.length, inputShape: data.train.inputShape },
  })).digest('hex');
  const readKept = (name: string): { seconds: number; peakRssBytes: number; result: unknown } | null => {
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
  // Every kept part is read (and checked) once, here, so that the first line can say what resumes.
  const kept = new Map(REPRODUCE_PARTS.slice(1).map((name) => [name, readKept(name)]));
  const resumable = [...kept].filter(([, stored]) => stored !== null).map(([name]) => name);
  if (resumable.length > 0) bar.finish(`resuming: ${resumable.length} of ${REPRODUCE_PARTS.length} parts already finished in ${store.parts} (${resumable.join(', ')})`);
  let partIndex = 0;
  /** Runs one part, or (`keep`) reads it from a finished earlier run of the same settings. */
  const part = <T>(name: (typeof REPRODUCE_PARTS)[number], run: () => T, done: (result: T) => string, keep = true): T => {
    bar.setOverall(partIndex, totalParts);
    partIndex++;
    const stored = keep ? kept.get(name) : null;
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
    bar.finish(`${name}: ${done(result)} (${seconds.toFixed(1)} s, peak memory ${formatMiB(peak)})`);
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

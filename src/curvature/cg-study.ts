/**
 * The paper's CG experiment (Sec. 6.1, B.5; Fig. 5 and Fig. 13): CG on a mini-batch quadratic
 * of the GGN (with the weight decay, no damping) against debiased CG at the same cost, each
 * iterate applied as θ0 + x_k and evaluated on the training and test data.
 *
 * For a batch size |B| the training set is partitioned (shuffled with `seed`) into batches of
 * |B|/2; repeat r uses halves 2r and 2r+1:
 *  - single-batch CG on their union (|B| examples): CG on (G_B + λD) x = −g_B (MATH.md §2);
 *  - debiased CG (MATH.md §3, Eq. 8/12): directions from half 2r, step sizes from half 2r+1 —
 *    the paper's fair comparison (2K products at |B|/2 against K at |B|), on the same data.
 * Optionally the two full-batch variants of Fig. 13: CG on the whole training set, and debiased
 * CG with the directions from one half of it and the step sizes from the other (a seeded split).
 * After every iteration k = 0 … K: the regularized training loss (Eq. 1), the regularized test
 * loss, and the training and test accuracy at θ0 + x_k. CG runs K iterations (tol 0) unless it
 * stops early (non-positive curvature, non-finite values); the reason is reported.
 */
import { cg, cgIterations, type CgStopReason } from '../linalg/cg.ts';
import { debiasedCg, debiasedCgIterations } from '../linalg/debiased-cg.ts';
import type { LinearOperator } from '../linalg/operator.ts';
import { norm } from '../linalg/vector.ts';
import { batchOf, partitionBatches, type Dataset } from '../nn/data/dataset.ts';
import { evaluate } from '../nn/train.ts';
import { fail, Random } from '../tensor/index.ts';
import { ggnOperator } from './operators.ts';
import type { Batch, Problem } from './problem.ts';
import { gradient, type ChunkOptions } from './products.ts';

/** Single-batch CG, debiased CG, and their full-batch variants (Fig. 13). */
export type CgMethod = 'single' | 'debiased' | 'full' | 'debiased-full';

/** The four metrics at θ0 + x_k for k = 0 … K (test ones null without a test set). */
export interface CgMetrics {
  /** L(θ0 + x_k) on the training set: mean cross-entropy + (λ/2)‖θ_w‖² (Eq. 1). */
  trainLoss: number[];
  /** The same on the test set (regularized, as the paper's B.5 evaluates it). */
  testLoss: number[] | null;
  trainAccuracy: number[];
  testAccuracy: number[] | null;
}

/** One CG trajectory and its evaluation. */
export interface CgTrajectory {
  method: CgMethod;
  /** The repeat r (0 for the full-batch variants). */
  repeat: number;
  /** Examples behind the directions (|B|, |B|/2, N or ⌊N/2⌋). */
  directionExamples: number;
  /** Examples behind the step sizes (as the directions' for plain CG). */
  stepExamples: number;
  /** Iterations done (K unless it stopped early). */
  iterations: number;
  reason: CgStopReason;
  /** GGN-vector products, at their batch sizes. */
  matvecs: number;
  /** Update magnitudes τ_k = ‖x_{k+1} − x_k‖ (Eq. 3 / Eq. 8). */
  steps: number[];
  /** ‖x_k‖ for k = 0 … K. */
  distances: number[];
  metrics: CgMetrics;
}

/** Mean and range over the repeats of one metric, per iteration (the figures' line and band). */
export interface Band {
  mean: number[];
  min: number[];
  max: number[];
}

/** What the runs of one method at one batch size show, for the table in docs/results.md. */
export interface CgMethodSummary {
  method: CgMethod;
  runs: number;
  /** Bands over the repeats, per metric (test ones null without a test set). */
  bands: { trainLoss: Band; testLoss: Band | null; trainAccuracy: Band; testAccuracy: Band | null };
  /** Per run, its peak (peakOf). */
  peak: CgPeak[];
}

/** A run's peak: the iteration with the highest test accuracy (training accuracy without a test set; the first of ties), its accuracy and loss there and at k = K. */
export interface CgPeak {
  iteration: number;
  accuracy: number;
  finalAccuracy: number;
  lossAtPeak: number;
  finalLoss: number;
}

/** The peak of one trajectory's metrics (see CgPeak). */
export function peakOf(metrics: CgMetrics): CgPeak {
  const accuracy = metrics.testAccuracy ?? metrics.trainAccuracy;
  const loss = metrics.testLoss ?? metrics.trainLoss;
  let best = 0;
  for (let k = 1; k < accuracy.length; k++) if (accuracy[k] > accuracy[best]) best = k; // the first of ties
  return { iteration: best, accuracy: accuracy[best], finalAccuracy: accuracy[accuracy.length - 1], lossAtPeak: loss[best], finalLoss: loss[loss.length - 1] };
}

/** Results at one batch size |B|. */
export interface CgStudyAtSize {
  batchSize: number;
  /** The number of |B|/2 halves in the seeded partition. */
  numHalves: number;
  trajectories: CgTrajectory[];
  summaries: CgMethodSummary[];
}

/** Options of cgStudy. */
export interface CgStudyOptions extends ChunkOptions {
  /** Mini-batch sizes |B| (even; default [128]). */
  batchSizes?: number[];
  /** CG iterations K (default 50). */
  iterations?: number;
  /** Repeats R: batches (single) and batch pairs (debiased) per size (default 5). */
  repeats?: number;
  /** Seed of the partitions (default 0). */
  seed?: number;
  /** Also run the full-batch variants of Fig. 13 (default true). */
  fullBatch?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** The whole experiment, as plain data. */
export interface CgStudy {
  iterations: number;
  repeats: number;
  seed: number;
  weightDecay: number;
  numParams: number;
  trainExamples: number;
  testExamples: number | null;
  /** θ0's metrics (k = 0 of every trajectory). */
  atStart: { trainLoss: number; testLoss: number | null; trainAccuracy: number; testAccuracy: number | null };
  sizes: CgStudyAtSize[];
  /** The full-batch variants (Fig. 13), or null. */
  fullBatch: { trajectories: CgTrajectory[]; split: string } | null;
}

const OP = 'cgStudy';

/** (λ/2)‖θ_w‖², the regularizer of Eq. 1. */
function regularizer(p: Problem, params: Float64Array): number {
  let s = 0;
  for (let i = 0; i < params.length; i++) s += p.weightMask[i] * params[i] * params[i];
  return 0.5 * p.weightDecay * s;
}

/** The four metrics at θ0 + x for each iterate x. */
function evaluateIterates(p: Problem, iterates: Float64Array[], train: Dataset, test: Dataset | null): CgMetrics {
  const metrics: CgMetrics = { trainLoss: [], testLoss: test ? [] : null, trainAccuracy: [], testAccuracy: test ? [] : null };
  for (const x of iterates) {
    const theta = p.params.map((v, i) => v + x[i]);
    const reg = regularizer(p, theta);
    const onTrain = evaluate(p.model, theta, train);
    metrics.trainLoss.push(onTrain.loss + reg);
    metrics.trainAccuracy.push(onTrain.accuracy);
    if (test) {
      const onTest = evaluate(p.model, theta, test);
      metrics.testLoss!.push(onTest.loss + reg);
      metrics.testAccuracy!.push(onTest.accuracy);
    }
  }
  return metrics;
}

const negated = (v: Float64Array) => v.map((x) => -x);
const distances = (iterates: Float64Array[]) => iterates.map(norm);
const stepsOf = (iterates: Float64Array[]) => iterates.slice(1).map((x, k) => norm(x.map((v, i) => v - iterates[k][i])));

/** The Newton system of a batch's GGN quadratic, (G_B + λD) x = −g_B, as CG's (operator, right-hand side). */
function newtonSystem(p: Problem, batch: Batch, chunk: ChunkOptions): [LinearOperator, Float64Array] {
  return [ggnOperator(p, batch, chunk), negated(gradient(p, batch, chunk))];
}

/** Repeat r's batches: halves 2r and 2r+1 of the partition into |B|/2, and their union (|B|). */
function repeatBatches(train: Dataset, halves: Int32Array[], r: number): { first: Batch; second: Batch; union: Batch } {
  return { first: batchOf(train, halves[2 * r]), second: batchOf(train, halves[2 * r + 1]), union: batchOf(train, [...halves[2 * r], ...halves[2 * r + 1]]) };
}

/** Plain CG on the quadratic of one batch: (G_B + λD) x = −g_B. */
function singleRun(p: Problem, batch: Batch, examples: number, K: number, options: ChunkOptions, train: Dataset, test: Dataset | null, method: CgMethod, repeat: number): CgTrajectory {
  const chunk = { chunkSize: options.chunkSize };
  const run = cg(...newtonSystem(p, batch, chunk), { maxIter: K, tol: 0 });
  return {
    method, repeat, directionExamples: examples, stepExamples: examples, iterations: run.iterations, reason: run.reason, matvecs: run.matvecs,
    steps: stepsOf(run.iterates), distances: distances(run.iterates), metrics: evaluateIterates(p, run.iterates, train, test),
  };
}

/** Debiased CG: directions from `directions`' quadratic, step sizes from `steps`' (Eq. 8, Eq. 12). */
function debiasedRun(p: Problem, directions: Batch, steps: Batch, examples: [number, number], K: number, options: ChunkOptions, train: Dataset, test: Dataset | null, method: CgMethod, repeat: number): CgTrajectory {
  const chunk = { chunkSize: options.chunkSize };
  const run = debiasedCg(...newtonSystem(p, directions, chunk), ...newtonSystem(p, steps, chunk), { maxIter: K, tol: 0 });
  return {
    method, repeat, directionExamples: examples[0], stepExamples: examples[1], iterations: run.steps.length, reason: run.reason, matvecs: run.matvecs,
    steps: run.steps.map(Math.abs), distances: distances(run.iterates), metrics: evaluateIterates(p, run.iterates, train, test),
  };
}

/** Mean, min and max over runs per iteration; a run that stopped early contributes up to its last iterate. */
function band(series: number[][]): Band {
  const length = Math.max(...series.map((s) => s.length));
  const at = (k: number) => series.filter((s) => k < s.length).map((s) => s[k]);
  return {
    mean: Array.from({ length }, (_, k) => at(k).reduce((a, b) => a + b, 0) / at(k).length),
    min: Array.from({ length }, (_, k) => Math.min(...at(k))),
    max: Array.from({ length }, (_, k) => Math.max(...at(k))),
  };
}

function summarize(method: CgMethod, runs: CgTrajectory[]): CgMethodSummary {
  const m = runs.map((r) => r.metrics);
  const hasTest = m[0].testAccuracy !== null;
  return {
    method,
    runs: runs.length,
    bands: {
      trainLoss: band(m.map((x) => x.trainLoss)),
      testLoss: hasTest ? band(m.map((x) => x.testLoss!)) : null,
      trainAccuracy: band(m.map((x) => x.trainAccuracy)),
      testAccuracy: hasTest ? band(m.map((x) => x.testAccuracy!)) : null,
    },
    peak: m.map(peakOf),
  };
}

/** The CG experiment of the paper (Fig. 5 and Fig. 13); see the file header. */
export function cgStudy(p: Problem, train: Dataset, test: Dataset | null, options: CgStudyOptions = {}): CgStudy {
  if (p.loss !== 'cross_entropy') fail(OP, `the experiment evaluates accuracy and cross-entropy; the problem's loss is ${p.loss}`);
  const K = options.iterations ?? 50, R = options.repeats ?? 5, seed = options.seed ?? 0;
  const sizes = options.batchSizes ?? [128];
  const N = train.targets.length;
  if (!Number.isInteger(K) || K < 1) fail(OP, `iterations must be an integer ≥ 1, given ${K}`);
  if (!Number.isInteger(R) || R < 1) fail(OP, `repeats must be an integer ≥ 1, given ${R}`);
  if (!Number.isInteger(seed) || seed < 0) fail(OP, `seed must be an integer ≥ 0, given ${seed}`);
  if (!Array.isArray(sizes)) fail(OP, 'batchSizes must be an array of even integers');
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) fail(OP, `batch sizes must be even integers ≥ 2 (debiased CG uses two halves), given ${size}`);
    if (2 * R * (size / 2) > N) fail(OP, `${R} repeats at |B| = ${size} need ${R * size} training examples (disjoint batches), the data have ${N}`);
  }
  const fullBatch = options.fullBatch ?? true;
  const progress = options.onProgress ?? (() => {});
  const steps = sizes.length * R * 2 + (fullBatch ? 2 : 0);
  let done = 0;
  const tick = (stage: string) => progress(stage, ++done, steps);

  const start = evaluateIterates(p, [new Float64Array(p.model.numParams)], train, test);
  const results: CgStudyAtSize[] = sizes.map((size) => {
    const half = size / 2;
    const halves = partitionBatches(N, half, new Random(seed), 'drop');
    const trajectories: CgTrajectory[] = [];
    for (let r = 0; r < R; r++) {
      const { first, second, union } = repeatBatches(train, halves, r);
      trajectories.push(singleRun(p, union, size, K, options, train, test, 'single', r));
      tick(`|B|=${size}: single-batch CG ${r + 1}/${R}`);
      trajectories.push(debiasedRun(p, first, second, [half, half], K, options, train, test, 'debiased', r));
      tick(`|B|=${size}: debiased CG ${r + 1}/${R}`);
    }
    const summaries = (['single', 'debiased'] as const).map((method) => summarize(method, trajectories.filter((t) => t.method === method)));
    return { batchSize: size, numHalves: halves.length, trajectories, summaries };
  });

  let full: CgStudy['fullBatch'] = null;
  if (fullBatch) {
    const whole = { inputs: train.inputs, targets: train.targets };
    const trajectories = [singleRun(p, whole, N, K, options, train, test, 'full', 0)];
    tick('full-batch CG');
    const [a, b] = partitionBatches(N, Math.floor(N / 2), new Random(seed), 'drop');
    trajectories.push(debiasedRun(p, batchOf(train, a), batchOf(train, b), [a.length, b.length], K, options, train, test, 'debiased-full', 0));
    tick('debiased full-batch CG');
    full = { trajectories, split: `two halves of ${a.length} of the training set shuffled with seed ${seed}${N % 2 ? ' (one example left out)' : ''}` };
  }
  return {
    iterations: K, repeats: R, seed, weightDecay: p.weightDecay, numParams: p.model.numParams, trainExamples: N, testExamples: test ? test.targets.length : null,
    atStart: {
      trainLoss: start.trainLoss[0], testLoss: start.testLoss?.[0] ?? null,
      trainAccuracy: start.trainAccuracy[0], testAccuracy: start.testAccuracy?.[0] ?? null,
    },
    sizes: results,
    fullBatch: full,
  };
}

/** Options of cgStepper: one batch size and one repeat of cgStudy's. */
export interface CgStepperOptions extends ChunkOptions {
  /** |B| (even): single-batch CG on |B| examples, debiased CG on two halves of |B|/2. */
  batchSize: number;
  /** Which repeat r of cgStudy's partition: halves 2r and 2r+1 (default 0). */
  repeat?: number;
  /** Seed of the partition (default 0). */
  seed?: number;
}

/** One method's trajectory so far, evaluated at θ0 + x_k for k = 0 … iterations. */
export interface CgStepLine {
  method: 'single' | 'debiased';
  iterations: number;
  /** Why it stopped (non-positive curvature, non-finite values), or null while it can go on. */
  stopped: CgStopReason | null;
  /** Update magnitudes ‖x_{k+1} − x_k‖. */
  steps: number[];
  metrics: CgMetrics;
}

/** Single-batch and debiased CG of one cgStudy repeat, advanced one iteration at a time. */
export interface CgStepper {
  batchSize: number;
  repeat: number;
  seed: number;
  single: CgStepLine;
  debiased: CgStepLine;
  /** One more iteration of each method that has not stopped. */
  step(): void;
}

/**
 * The CG experiment one step at a time, for the interactive page: repeat r of cgStudy at |B|,
 * the same batches and the same trajectories (k steps give cgStudy's first k iterates bit for
 * bit), advanced through linalg.cgIterations and debiasedCgIterations, so a step costs one
 * product (two for debiased CG) and one evaluation at θ0 + x_{k+1}.
 */
export function cgStepper(p: Problem, train: Dataset, test: Dataset | null, options: CgStepperOptions): CgStepper {
  const op = 'cgStepper';
  if (p.loss !== 'cross_entropy') fail(op, `the experiment evaluates accuracy and cross-entropy; the problem's loss is ${p.loss}`);
  const size = options.batchSize, r = options.repeat ?? 0, seed = options.seed ?? 0;
  const N = train.targets.length;
  if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) fail(op, `the batch size must be an even integer ≥ 2 (debiased CG uses two halves), given ${size}`);
  if (!Number.isInteger(r) || r < 0) fail(op, `repeat must be an integer ≥ 0, given ${r}`);
  if (!Number.isInteger(seed) || seed < 0) fail(op, `seed must be an integer ≥ 0, given ${seed}`);
  if ((r + 1) * size > N) fail(op, `repeat ${r} at |B| = ${size} needs ${(r + 1) * size} training examples (disjoint batches), the data have ${N}`);
  const halves = partitionBatches(N, size / 2, new Random(seed), 'drop');
  const { first, second, union } = repeatBatches(train, halves, r);
  const chunk = { chunkSize: options.chunkSize };
  // tol 0 and no recording, as cgStudy's runs (the stepper keeps only the metrics).
  const single = cgIterations(...newtonSystem(p, union, chunk), { tol: 0, record: false });
  const debiased = debiasedCgIterations(...newtonSystem(p, first, chunk), ...newtonSystem(p, second, chunk), { tol: 0 });
  const start = evaluateIterates(p, [new Float64Array(p.model.numParams)], train, test);
  const line = (method: CgStepLine['method']): CgStepLine => ({ method, iterations: 0, stopped: null, steps: [], metrics: structuredClone(start) });
  /** Appends θ0 + x_{k+1}'s metrics and the step (as cgStudy reports it: ‖x_{k+1} − x_k‖ for CG, |τ̃_k| for debiased CG). */
  const advance = (l: CgStepLine, x: Float64Array, step: number) => {
    const at = evaluateIterates(p, [x], train, test);
    l.metrics.trainLoss.push(at.trainLoss[0]);
    l.metrics.trainAccuracy.push(at.trainAccuracy[0]);
    if (test) {
      l.metrics.testLoss!.push(at.testLoss![0]);
      l.metrics.testAccuracy!.push(at.testAccuracy![0]);
    }
    l.steps.push(step);
    l.iterations++;
  };
  const stepper: CgStepper = {
    batchSize: size, repeat: r, seed,
    single: line('single'),
    debiased: line('debiased'),
    step() {
      const s = stepper.single, d = stepper.debiased;
      if (s.stopped === null) {
        let it = single.next();
        if (!it.done && it.value.next === null) it = single.next(); // a direction without a step: CG ends after it
        if (it.done) s.stopped = it.value.reason;
        else advance(s, it.value.next!, stepsOf([it.value.x, it.value.next!])[0]);
      }
      if (d.stopped === null) {
        const it = debiased.next();
        if (it.done) d.stopped = it.value.reason;
        else advance(d, it.value.x, Math.abs(it.value.step));
      }
    },
  };
  return stepper;
}

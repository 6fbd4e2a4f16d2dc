/**
 * The bias of a mini-batch quadratic along its own top eigenvectors, against the full data
 * (B.9, Fig. 21; B.10, Fig. 22). For each B1 of a seeded partition: the top-k eigenvectors u_i of
 * B_{B1} (Lanczos), and along each the directional slope s(0, u) = uᵀg and curvature
 * c(u) = uᵀBu (Eq. 10) on B1 and on the full data (one operator over every example, in chunks).
 * The relative errors |x_{B1} − x_full| / |x_full| (MATH.md §4) are what both figures plot: per
 * B1 their mean and the 5–95 % range over the k directions.
 *
 * Cheaper than biasStudy (which measures on every batch of the partition): only B1 and the full
 * data, so it can be repeated at every training checkpoint (B.9) and for every model of a family
 * (B.10). The B1s are batches 0 … b1Count−1 of the partition, fixed before the run.
 */
import { lanczos } from '../linalg/lanczos.ts';
import { dot, orientSign } from '../linalg/vector.ts';
import { fail } from '../tensor/index.ts';
import { partitionData } from './bias.ts';
import { directionalCurvature } from './directional.ts';
import { curvatureOperator, type CurvatureKind } from './operators.ts';
import { batchSize as countExamples, problem, type Batch, type Problem } from './problem.ts';
import { gradient, type ChunkOptions } from './products.ts';

/** Options of eigenBias. */
export interface EigenBiasOptions extends ChunkOptions {
  /** 'ggn' (default, as the paper's B.9 and B.10) or 'hessian'. */
  kind?: CurvatureKind;
  batchSize: number;
  /** Top eigenvectors per B1 (default 8). */
  k?: number;
  /** How many B1s: batches 0 … b1Count−1 of the partition (default 3). */
  b1Count?: number;
  /** Seed of the partition (default 0). */
  seed?: number;
  /** Lanczos tolerance (default 1e-8). */
  lanczosTol?: number;
}

/** The mean and the 5th and 95th percentiles of a list of values. */
export interface Spread {
  mean: number;
  p5: number;
  p95: number;
}

/** One B1: its top-k Ritz values, the slopes and curvatures along its eigenvectors, and their relative errors. */
export interface EigenBiasRun {
  b1Batch: number;
  values: number[];
  slopes: { b1: number; full: number }[];
  curvatures: { b1: number; full: number }[];
  /** |s_B1(u_i) − s_full(u_i)| / |s_full(u_i)|, and the same for c. */
  slopeError: number[];
  curvatureError: number[];
  slopeSpread: Spread;
  curvatureSpread: Spread;
}

/** Everything eigenBias measured, JSON-ready. */
export interface EigenBias {
  kind: CurvatureKind;
  batchSize: number;
  k: number;
  seed: number;
  numBatches: number;
  /** Examples of the full data (every one, not only the partition's). */
  fullExamples: number;
  runs: EigenBiasRun[];
  /** The medians over every B1 and direction of the two relative errors. */
  medianSlopeError: number;
  medianCurvatureError: number;
}

/** The q-th percentile (0 ≤ q ≤ 100) with linear interpolation between order statistics (numpy's default). */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) fail('percentile', 'needs at least one value');
  if (!(q >= 0 && q <= 100)) fail('percentile', `q must be in [0, 100], given ${q}`);
  const s = xs.slice().sort((a, b) => a - b);
  const at = (q / 100) * (s.length - 1);
  const lo = Math.floor(at), hi = Math.ceil(at);
  return s[lo] + (at - lo) * (s[hi] - s[lo]);
}

/** The mean and the 5th and 95th percentiles of a non-empty list. */
export function spread(xs: readonly number[]): Spread {
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, p5: percentile(xs, 5), p95: percentile(xs, 95) };
}

/** |x − x_full| / |x_full| (MATH.md §4, what B.8–B.10 plot). */
const relativeError = (x: number, full: number) => Math.abs(x - full) / Math.abs(full);

/**
 * For each B1 (batches 0 … b1Count−1 of a seeded partition into batches of `batchSize`): the top-k
 * eigenvectors of B1's GGN or Hessian (Lanczos, oriented by `orientSign`), and along each the
 * slope uᵀg and curvature uᵀBu (Eq. 10) on B1 and on the full data, with the relative errors
 * |x_B1 − x_full| / |x_full| and their mean and 5–95 % range per B1.
 */
export function eigenBias(p: Problem, data: Batch, options: EigenBiasOptions): EigenBias {
  const kind = options.kind ?? 'ggn', k = options.k ?? 8, seed = options.seed ?? 0, b1Count = options.b1Count ?? 3;
  const batches = partitionData(p, data, options.batchSize, seed);
  const M = batches.length;
  if (!Number.isInteger(k) || k < 1 || k > p.model.numParams) fail('eigenBias', `k must be an integer in [1, ${p.model.numParams}], given ${k}`);
  if (!Number.isInteger(b1Count) || b1Count < 1 || b1Count > M) fail('eigenBias', `b1Count must be an integer in [1, ${M}] (the batches of ${options.batchSize}), given ${b1Count}`);
  const chunk = { chunkSize: options.chunkSize };
  const fullOp = curvatureOperator(p, data, kind, chunk);
  const fullGradient = gradient(p, data, chunk);
  const runs = Array.from({ length: b1Count }, (_, b1): EigenBiasRun => {
    const op = curvatureOperator(p, batches[b1], kind, chunk);
    const g = gradient(p, batches[b1], chunk);
    const top = lanczos(op, k, { tol: options.lanczosTol ?? 1e-8, seed: 1 });
    const vectors = top.vectors.map(orientSign);
    // Eq. 10 at x = 0: s(u) = uᵀg, c(u) = uᵀBu, on B1 and on the full data.
    const slopes = vectors.map((u) => ({ b1: dot(u, g), full: dot(u, fullGradient) }));
    const curvatures = vectors.map((u) => ({ b1: directionalCurvature(op, u), full: directionalCurvature(fullOp, u) }));
    const slopeError = slopes.map((s) => relativeError(s.b1, s.full));
    const curvatureError = curvatures.map((c) => relativeError(c.b1, c.full));
    return { b1Batch: b1, values: Array.from(top.values), slopes, curvatures, slopeError, curvatureError, slopeSpread: spread(slopeError), curvatureSpread: spread(curvatureError) };
  });
  return {
    kind, batchSize: options.batchSize, k, seed, numBatches: M, fullExamples: countExamples(p, data, 'eigenBias'),
    runs,
    medianSlopeError: percentile(runs.flatMap((r) => r.slopeError), 50),
    medianCurvatureError: percentile(runs.flatMap((r) => r.curvatureError), 50),
  };
}

/** Options of biasOverTraining and biasOverModels: eigenBias's, and a progress callback. */
export type EigenBiasStudyOptions = EigenBiasOptions & { onProgress?: (stage: string, done: number, total: number) => void };

/** What biasOverTraining measured: eigenBias at each checkpoint, with its epoch. */
export interface BiasOverTraining {
  checkpoints: ({ epoch: number } & EigenBias)[];
}

/** What biasOverModels measured: eigenBias of each model, with its shape, size and training accuracy. */
export interface BiasOverModels {
  models: ({ label: string; depth: number; width: number; numParams: number; trainAccuracy: number } & EigenBias)[];
}

/** B.9 (Fig. 21): eigenBias at each training checkpoint (θ of that epoch, the same model and objective). */
export function biasOverTraining(p: Problem, checkpoints: readonly { epoch: number; params: Float64Array }[], data: Batch, options: EigenBiasStudyOptions): BiasOverTraining {
  if (checkpoints.length === 0) fail('biasOverTraining', 'needs at least one checkpoint');
  return {
    checkpoints: checkpoints.map((c, i) => {
      options.onProgress?.(`checkpoint ${i + 1}/${checkpoints.length} (epoch ${c.epoch})`, i, checkpoints.length);
      return { epoch: c.epoch, ...eigenBias(problem({ model: p.model, loss: p.loss, weightDecay: p.weightDecay, params: c.params, backend: p.backend }), data, options) };
    }),
  };
}

/** One trained model of a family (B.10), as biasOverModels takes it. */
export interface FamilyMember {
  label: string;
  depth: number;
  width: number;
  problem: Problem;
  trainAccuracy: number;
}

/** B.10 (Fig. 22): eigenBias of each trained model of a family, with its parameter count. */
export function biasOverModels(models: readonly FamilyMember[], data: Batch, options: EigenBiasStudyOptions): BiasOverModels {
  if (models.length === 0) fail('biasOverModels', 'needs at least one model');
  return {
    models: models.map((m, i) => {
      options.onProgress?.(`model ${m.label}`, i, models.length);
      return { label: m.label, depth: m.depth, width: m.width, numParams: m.problem.model.numParams, trainAccuracy: m.trainAccuracy, ...eigenBias(m.problem, data, options) };
    }),
  };
}

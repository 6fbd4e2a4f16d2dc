/**
 * The K-FAC curvature bias against the batch size (B.8, Fig. 20): for each batch size, the top-k
 * eigenvectors u_i of B1's K-FAC (from its factors, kfacEigen) and the curvature uᵢᵀ K uᵢ along
 * each on B1 (= λ_i), on every other batch of the partition and on the full-data K-FAC — which
 * is a K-FAC of its own, accumulated over all examples, not the average of the batches' (Eq. 5
 * fails for K-FAC). K is the data term's K-FAC (no weight decay), so the numbers show the bias of
 * the factors alone. B1 is each of batches 0, 1, 2 of the seeded partition, as in biasStudy.
 */
import { fail } from '../tensor/index.ts';
import type { Measured } from './bias.ts';
import { median, partitionData } from './bias.ts';
import { directionalCurvature } from './directional.ts';
import { kfac, kfacEigen, kfacOperator, type Kfac, type KfacType } from './kfac.ts';
import { batchSize as countExamples, problem as makeProblem, type Batch, type Problem } from './problem.ts';
import type { ChunkOptions } from './products.ts';

/** Options of kfacBiasStudy. */
export interface KfacBiasOptions extends ChunkOptions {
  /** The batch sizes; each must leave at least 2 batches. */
  batchSizes: number[];
  /** Eigenvectors per B1 (default 8). */
  k?: number;
  /** Seed of the partitions (default 0). */
  seed?: number;
  /** The batches that play B1 (default [0, 1, 2], capped at the number of batches). */
  b1Batches?: number[];
  /** The K-FAC type (default 'exact'). */
  type?: KfacType;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** One B1 at one batch size. */
export interface KfacBiasRun {
  b1Batch: number;
  /** Eigenvalues λ_i of B1's K-FAC (descending). */
  values: number[];
  /** uᵢᵀ K uᵢ on B1, on every other batch (partition order, B1 left out) and on the full data. */
  curvatures: Measured[];
  /** λ_i / c_full(u_i): > 1 where B1 overestimates the full data's curvature. */
  ratios: number[];
}

/** All B1s at one batch size. */
export interface KfacBiasAtSize {
  batchSize: number;
  numBatches: number;
  numExamples: number;
  runs: KfacBiasRun[];
  /** The median of λ_i(B1)/c_full(u_i) over every B1 and eigenvector, with its range. */
  medianRatio: number;
  minRatio: number;
  maxRatio: number;
}

/** Everything kfacBiasStudy measured, JSON-ready. */
export interface KfacBiasStudy {
  type: KfacType;
  k: number;
  seed: number;
  b1Rule: string;
  sizes: KfacBiasAtSize[];
}

/** The K-FAC bias study (B.8); see the file header. */
export function kfacBiasStudy(p: Problem, data: Batch, options: KfacBiasOptions): KfacBiasStudy {
  const k = options.k ?? 8, seed = options.seed ?? 0, type = options.type ?? 'exact';
  const progress = options.onProgress ?? (() => {});
  const n = countExamples(p, data, 'kfacBiasStudy');
  if (!Array.isArray(options.batchSizes) || options.batchSizes.length === 0) fail('kfacBiasStudy', 'batchSizes must list at least one batch size');
  for (const size of options.batchSizes) {
    if (!Number.isInteger(size) || size < 1 || 2 * size > n) fail('kfacBiasStudy', `every batch size must be an integer in [1, ${Math.floor(n / 2)}] (2 batches of the ${n} examples), given ${size}`);
  }
  if (!Number.isInteger(k) || k < 1) fail('kfacBiasStudy', `k must be an integer ≥ 1, given ${k}`);
  const dataTerm = makeProblem({ model: p.model, loss: p.loss, weightDecay: 0, params: p.params }); // K alone, on the CPU
  const chunk = { chunkSize: options.chunkSize };
  const sizes = options.batchSizes.map((size): KfacBiasAtSize => {
    const batches = partitionData(p, data, size, seed);
    const M = batches.length;
    const b1Batches = options.b1Batches ?? [0, 1, 2].filter((b) => b < M);
    if (b1Batches.some((b) => !Number.isInteger(b) || b < 0 || b >= M)) fail('kfacBiasStudy', `b1Batches must be integers in [0, ${M - 1}] at batch size ${size}, given [${b1Batches}]`);
    const label = `|B|=${size}`;
    progress(`${label}: K-FAC of each B1`, 0, M + 1);
    const b1Kfacs = new Map(b1Batches.map((b) => [b, kfac(dataTerm, batches[b], { type, seed: b, ...chunk })] as [number, Kfac]));
    const eigen = b1Batches.map((b) => kfacEigen(b1Kfacs.get(b)!, k));
    // Curvature of every B1's eigenvectors on every batch m: uᵀ K_m u (the factors' K, by products).
    const perBatch = eigen.map((e) => e.vectors.map(() => [] as number[]));
    batches.forEach((batch, m) => {
      progress(`${label}: K-FAC of every batch`, m, M + 1);
      const km = b1Kfacs.get(m) ?? kfac(dataTerm, batch, { type, seed: m, ...chunk });
      const op = kfacOperator(dataTerm, km);
      eigen.forEach((e, r) => e.vectors.forEach((u, i) => perBatch[r][i].push(directionalCurvature(op, u))));
    });
    progress(`${label}: the full-data K-FAC`, M, M + 1);
    const all = { inputs: concatenate(batches.map((b) => b.inputs)), targets: concatenate<Float64Array | Int32Array>(batches.map((b) => b.targets)) };
    const fullOp = kfacOperator(dataTerm, kfac(dataTerm, all, { type, seed: M, ...chunk }));
    progress(`${label}: the full-data K-FAC`, M + 1, M + 1);
    const runs = b1Batches.map((b1, r): KfacBiasRun => {
      const curvatures = eigen[r].vectors.map((u, i) => ({
        b1: perBatch[r][i][b1],
        others: perBatch[r][i].filter((_, m) => m !== b1),
        full: directionalCurvature(fullOp, u),
      }));
      return { b1Batch: b1, values: Array.from(eigen[r].values), curvatures, ratios: curvatures.map((c, i) => eigen[r].values[i] / c.full) };
    });
    const ratios = runs.flatMap((r) => r.ratios);
    return { batchSize: size, numBatches: M, numExamples: M * size, runs, medianRatio: median(ratios), minRatio: Math.min(...ratios), maxRatio: Math.max(...ratios) };
  });
  return {
    type, k, seed,
    b1Rule: options.b1Batches ? `batches [${options.b1Batches}] of each seeded partition (given)` : `the first 3 batches of each partition shuffled with seed ${seed} (fixed before the run)`,
    sizes,
  };
}

/** The parts one after another, in an array of the parts' type. */
function concatenate<A extends Float64Array | Int32Array>(parts: A[]): A {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = (parts[0] instanceof Int32Array ? new Int32Array(total) : new Float64Array(total)) as A;
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

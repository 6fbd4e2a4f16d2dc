/**
 * The bias study of Sec. 3.1 / B.4 (MATH.md §4): directions found on one mini-batch B1 — the
 * top-k eigenvectors of B_{B1} (Lanczos) and the first k CG directions with their iterates —
 * and their directional slopes and curvatures (Eq. 10) measured on B1 itself ("biased"), on
 * every other batch of the same size ("unbiased") and on the full data. The full-data values
 * are the averages over all batches of the partition (Eq. 5), so they cost no extra passes.
 *
 * One B1 is one sample, so the study repeats this for several B1s (the paper uses three, B.4),
 * fixed by a rule stated before any number is seen: batches 0, 1, 2 of the seeded partition
 * (itself a random shuffle), or the indices given. Every summary is over all of them.
 */
import { cg } from '../linalg/cg.ts';
import { lanczos } from '../linalg/lanczos.ts';
import { dot, orientSign } from '../linalg/vector.ts';
import { fail } from '../tensor/index.ts';
import { Random } from '../tensor/random.ts';
import { partitionBatches, selectExamples } from '../nn/data/dataset.ts';
import { directionalCurvature, directionalSlope, newtonStep, overlapWeights } from './directional.ts';
import { curvatureOperator, type CurvatureKind } from './operators.ts';
import { batchSize as countExamples, type Batch, type Problem } from './problem.ts';
import { gradient, loss, type ChunkOptions } from './products.ts';
import { projectWithProducts, type ProjectedQuadratic } from './projected.ts';

/** One quantity along one direction: on B1, on each other batch (partition order, B1 left out), and on the full data. */
export interface Measured {
  b1: number;
  others: number[];
  full: number;
}

/** Options of biasStudy. */
export interface BiasStudyOptions extends ChunkOptions {
  kind: CurvatureKind;
  batchSize: number;
  /** Number of eigen- and CG directions (default 8). */
  k?: number;
  /** Seed of the partition into batches (default 0). */
  seed?: number;
  /** Lanczos tolerance for the top eigenvectors (default 1e-8). */
  lanczosTol?: number;
  /** The batches (indices into the seeded partition) that play B1, one whole study each (default [0, 1, 2]). */
  b1Batches?: number[];
  /**
   * The top-curvature overestimate λ1(B_r) / c_full(u1 of B_r) is also measured with each of the
   * first `repeats` batches r as B1 (default 8; 0 skips it). Cheap: one top-1 Lanczos run and
   * one full-data curvature per batch.
   */
  repeats?: number;
  /**
   * Measure the top-k eigenvectors only (Fig. 1, the left half of Fig. 2): no CG run and no
   * eigenvectors of B2, so `cg` holds no directions (reason 'not run') and `overlaps` is empty —
   * about half the products, for the interactive page (default false).
   */
  eigenOnly?: boolean;
  /** Keep each B1's directions (oriented eigenvectors, CG directions and iterates) in `runs[r].vectors` (default false). */
  keepVectors?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Everything measured along the directions of one B1. */
export interface B1Run {
  /** Index of B1 in the seeded partition. */
  b1Batch: number;
  /** The batch after B1 in the partition (cyclically): the B2 whose eigenvectors give the overlaps (Eq. 6). */
  b2Batch: number;
  /** Partition indices of the `others` of every Measured (and of `projected.others`), in order. */
  otherBatches: number[];
  eigen: {
    /** Ritz values of B_{B1} (descending); eigenvectors oriented by `orientSign`. */
    values: number[];
    /** At x = 0: s = uᵀg, c = uᵀBu. */
    slopes: Measured[];
    curvatures: Measured[];
    /** Signed relative errors on B1, (x_B1 − x_full)/|x_full|; |·| of the curvature one is what B.8–B.10 plot. */
    slopeError: number[];
    curvatureError: number[];
    /** Top-k eigenvalues of B_{B2} and overlaps w_ij = (u_iᵀ v_j)² with its eigenvectors v_j (Eq. 6). */
    b2Values: number[];
    overlaps: number[][];
  };
  cg: {
    reason: string;
    /** At the iterate x_k along d_k = p_k/‖p_k‖ (only directions with positive curvature on B1). */
    slopes: Measured[];
    curvatures: Measured[];
    /** Update magnitudes τ = −s/c (Eq. 3) on each batch: b1 equals CG's α_k‖p_k‖. */
    steps: Measured[];
    slopeError: number[];
    curvatureError: number[];
  };
  /** The quadratics of Fig. 1 in the span of B1's top-2 eigenvectors: on B1, on every other batch, on the full data. */
  projected: { b1: ProjectedQuadratic; others: ProjectedQuadratic[]; full: ProjectedQuadratic } | null;
  /** With keepVectors: the directions themselves (P-vectors), e.g. to save as .npy. */
  vectors?: { eigenvectors: Float64Array[]; cgDirections: Float64Array[]; cgIterates: Float64Array[] };
}

/** Signed relative errors (x_B − x_full)/|x_full| pooled over every B1 and direction. */
export interface ErrorSummary {
  /** The median (the mean of the two middle values for an even count). */
  median: number;
  /** How many are overestimates (> 0) and underestimates (< 0), of `count`. */
  over: number;
  under: number;
  count: number;
}

/** The study pooled over every B1: signed error summaries of slopes and curvatures, and the top-curvature ratios. */
export interface BiasSummary {
  /** For each measure: the errors of B1 itself ("biased") and of the other batches along the same directions ("unbiased"). */
  eigenCurvature: { b1: ErrorSummary; others: ErrorSummary };
  eigenSlope: { b1: ErrorSummary; others: ErrorSummary };
  cgCurvature: { b1: ErrorSummary; others: ErrorSummary };
  cgSlope: { b1: ErrorSummary; others: ErrorSummary };
  /** λ1(B_r)/c_full(u1 of B_r) over the first `repeats` batches (null when repeats = 0). */
  topCurvatureRatio: { median: number; min: number; max: number; count: number } | null;
}

/** Everything biasStudy measured, as plain JSON-ready data, with its settings and the rule that chose the B1s. */
export interface BiasStudy {
  kind: CurvatureKind;
  batchSize: number;
  k: number;
  /** Seed of the partition. */
  seed: number;
  numBatches: number;
  /** Examples used: numBatches · batchSize (the remainder of a seeded shuffle is left out). */
  numExamples: number;
  /** How the B1s were chosen, in words (stated before the run). */
  b1Rule: string;
  runs: B1Run[];
  /** λ1(B_r) / c_full(u1 of B_r) for each of the first `repeats` batches r of the partition (> 1: overestimate). */
  topCurvatureRatios: number[];
  summary: BiasSummary;
}

/** Splits a data set into ⌊N/size⌋ disjoint batches of equal size with a seeded shuffle. */
export function partitionData(p: Problem, data: Batch, size: number, seed: number): Batch[] {
  const n = countExamples(p, data, 'partitionData');
  if (!Number.isInteger(size) || size < 1 || size > n) fail('partitionData', `batch size must be an integer in [1, ${n}], given ${size}`);
  return partitionBatches(n, size, new Random(seed), 'drop').map((indices) => selectExamples(data, n, indices));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The median of a non-empty list: the middle value, or the mean of the two middle values. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) fail('median', 'needs at least one value');
  const s = xs.slice().sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** perBatch in partition order → B1's value, the others' (B1 left out) and the full data's, their mean (Eq. 5). */
function measured(perBatch: number[], b1: number): Measured {
  return { b1: perBatch[b1], others: perBatch.filter((_, m) => m !== b1), full: mean(perBatch) };
}

/** (x_B − x_full) / |x_full|: > 0 overestimates, < 0 underestimates. */
const signedRelativeError = (value: number, full: number) => (value - full) / Math.abs(full);

function summarizeErrors(errors: number[]): ErrorSummary {
  return { median: errors.length ? median(errors) : NaN, over: errors.filter((e) => e > 0).length, under: errors.filter((e) => e < 0).length, count: errors.length };
}

/** B1's and the other batches' signed errors along every direction of every run. */
function pooled(runs: B1Run[], pick: (r: B1Run) => Measured[]): { b1: ErrorSummary; others: ErrorSummary } {
  const all = runs.flatMap(pick);
  return {
    b1: summarizeErrors(all.map((v) => signedRelativeError(v.b1, v.full))),
    others: summarizeErrors(all.flatMap((v) => v.others.map((o) => signedRelativeError(o, v.full)))),
  };
}

/** Average of projected quadratics over batches (each term is a batch mean, so this is exact, Eq. 5). */
function averageProjected(qs: ProjectedQuadratic[]): ProjectedQuadratic {
  const m = (f: (q: ProjectedQuadratic) => number) => mean(qs.map(f));
  const off = m((q) => q.curvature[0][1]);
  return {
    value: m((q) => q.value),
    gradient: [m((q) => q.gradient[0]), m((q) => q.gradient[1])],
    curvature: [[m((q) => q.curvature[0][0]), off], [off, m((q) => q.curvature[1][1])]],
  };
}

/** The directions found on one B1, and the per-batch measurements filled in batch by batch. */
interface Directions {
  b1: number;
  b2: number;
  values: number[];
  b2Values: number[];
  eigenvectors: Float64Array[];
  overlaps: number[][];
  cgReason: string;
  cgDirections: Float64Array[];
  cgIterates: Float64Array[];
  eigenSlopes: number[][];
  eigenCurvatures: number[][];
  cgSlopes: number[][];
  cgCurvatures: number[][];
  projected: ProjectedQuadratic[];
}

/** The bias study (Sec. 3.1, B.4; MATH.md §4): directions from each B1, their slopes and curvatures on every batch and on the full data. */
export function biasStudy(p: Problem, data: Batch, options: BiasStudyOptions): BiasStudy {
  const k = options.k ?? 8;
  const seed = options.seed ?? 0;
  const progress = options.onProgress ?? (() => {});
  const batches = partitionData(p, data, options.batchSize, seed);
  const M = batches.length;
  if (M < 2) fail('biasStudy', `need at least 2 batches of ${options.batchSize}; the data hold ${M}`);
  if (!Number.isInteger(k) || k < 1 || k > p.model.numParams) fail('biasStudy', `k must be an integer in [1, ${p.model.numParams}], given ${k}`);
  const b1Batches = options.b1Batches ?? [0, 1, 2].filter((b) => b < M);
  if (b1Batches.length === 0 || b1Batches.some((b) => !Number.isInteger(b) || b < 0 || b >= M) || new Set(b1Batches).size !== b1Batches.length) {
    fail('biasStudy', `b1Batches must be distinct integers in [0, ${M - 1}] (the batches of the partition), given [${b1Batches}]`);
  }
  const repeats = options.repeats ?? Math.min(8, M);
  if (!Number.isInteger(repeats) || repeats < 0 || repeats > M) fail('biasStudy', `repeats must be an integer in [0, ${M}] (the number of batches), given ${repeats}`);
  const chunk = { chunkSize: options.chunkSize };
  const ops = batches.map((b) => curvatureOperator(p, b, options.kind, chunk));
  const tol = options.lanczosTol ?? 1e-8;

  // Directions from each B1: top-k eigenvectors (oriented), B2's for the overlaps, k CG steps on q_{B1} (B x = −g).
  const gradients: (Float64Array | null)[] = batches.map(() => null);
  const gradientOf = (m: number) => (gradients[m] ??= gradient(p, batches[m], chunk));
  const runs: Directions[] = b1Batches.map((b1, r) => {
    progress('directions on each B1', r, b1Batches.length);
    const b2 = (b1 + 1) % M;
    const top1 = lanczos(ops[b1], k, { tol, seed: 1 });
    const eigenvectors = top1.vectors.map(orientSign);
    const top2 = options.eigenOnly ? null : lanczos(ops[b2], k, { tol, seed: 2 });
    const run = options.eigenOnly ? null : cg(ops[b1], gradientOf(b1).map((x) => -x), { maxIter: k, tol: 0 });
    const steps = run ? run.curvatures.filter((c) => c > 0).length : 0; // a non-positive curvature ends CG (Hessian)
    return {
      b1, b2,
      values: Array.from(top1.values),
      b2Values: top2 ? Array.from(top2.values) : [],
      eigenvectors,
      overlaps: top2 ? overlapWeights(eigenvectors, top2.vectors.map(orientSign)) : [],
      cgReason: run ? run.reason : 'not run',
      cgDirections: run ? run.normalizedDirections.slice(0, steps) : [],
      cgIterates: run ? run.iterates.slice(0, steps) : [],
      eigenSlopes: eigenvectors.map(() => []),
      eigenCurvatures: eigenvectors.map(() => []),
      cgSlopes: Array.from({ length: steps }, () => []),
      cgCurvatures: Array.from({ length: steps }, () => []),
      projected: [],
    };
  });
  progress('directions on each B1', b1Batches.length, b1Batches.length);

  // Slopes and curvatures of every direction on every batch m, with that batch's g_m and B_m.
  batches.forEach((b, m) => {
    progress(`slopes and curvatures on ${M} batches`, m, M);
    const g = gradientOf(m), op = ops[m];
    for (const run of runs) {
      // B_m u once per eigenvector: its curvature, and for u1, u2 Fig. 1's projected quadratic.
      const products = run.eigenvectors.map((u) => op.apply(u));
      run.eigenvectors.forEach((u, i) => {
        run.eigenSlopes[i].push(directionalSlope(g, op, null, u)); // s_m(0, u) = uᵀg_m
        run.eigenCurvatures[i].push(dot(u, products[i])); // c_m(u) = uᵀB_m u   (Eq. 10)
      });
      run.cgDirections.forEach((d, j) => {
        run.cgSlopes[j].push(directionalSlope(g, op, j === 0 ? null : run.cgIterates[j], d)); // s_m(x_j, d_j), x_0 = 0
        run.cgCurvatures[j].push(directionalCurvature(op, d));
      });
      if (k >= 2) run.projected.push(projectWithProducts(loss(p, b, chunk), g, run.eigenvectors[0], run.eigenvectors[1], products[0], products[1]));
    }
    gradients[m] = null; // done with g_m: one gradient is held at a time
  });
  progress(`slopes and curvatures on ${M} batches`, M, M);

  const results: B1Run[] = runs.map((run) => {
    const errors = (xs: Measured[]) => xs.map((x) => signedRelativeError(x.b1, x.full));
    const eigenSlopes = run.eigenSlopes.map((v) => measured(v, run.b1));
    const eigenCurvatures = run.eigenCurvatures.map((v) => measured(v, run.b1));
    const cgSlopes = run.cgSlopes.map((v) => measured(v, run.b1));
    const cgCurvatures = run.cgCurvatures.map((v) => measured(v, run.b1));
    // τ_m = −s_m / c_m on each batch m (Eq. 3), pairing every batch's slope with its own curvature.
    // The full data's step is its own Newton step −s_full/c_full, not the mean of the batches' steps.
    const cgSteps = run.cgSlopes.map((slopes, j) => ({
      ...measured(slopes.map((s, m) => newtonStep(s, run.cgCurvatures[j][m])), run.b1),
      full: newtonStep(cgSlopes[j].full, cgCurvatures[j].full),
    }));
    return {
      b1Batch: run.b1,
      b2Batch: run.b2,
      otherBatches: batches.map((_, m) => m).filter((m) => m !== run.b1),
      eigen: {
        values: run.values,
        slopes: eigenSlopes,
        curvatures: eigenCurvatures,
        slopeError: errors(eigenSlopes),
        curvatureError: errors(eigenCurvatures),
        b2Values: run.b2Values,
        overlaps: run.overlaps,
      },
      cg: { reason: run.cgReason, slopes: cgSlopes, curvatures: cgCurvatures, steps: cgSteps, slopeError: errors(cgSlopes), curvatureError: errors(cgCurvatures) },
      projected: run.projected.length > 0
        ? { b1: run.projected[run.b1], others: run.projected.filter((_, m) => m !== run.b1), full: averageProjected(run.projected) }
        : null,
      ...(options.keepVectors ? { vectors: { eigenvectors: run.eigenvectors, cgDirections: run.cgDirections, cgIterates: run.cgIterates } } : {}),
    };
  });

  // The top-curvature overestimate λ1(B_r) / c_full(u1 of B_r) for each of the first `repeats` batches.
  const topCurvatureRatios = Array.from({ length: repeats }, (_, r) => {
    progress('top curvature of the first batches against the full data', r, repeats);
    const asB1 = results.find((run) => run.b1Batch === r);
    if (asB1) return asB1.eigen.values[0] / asB1.eigen.curvatures[0].full;
    const top = lanczos(ops[r], 1, { tol, seed: 1 });
    return top.values[0] / mean(ops.map((op) => directionalCurvature(op, top.vectors[0])));
  });

  return {
    kind: options.kind,
    batchSize: options.batchSize,
    k,
    seed,
    numBatches: M,
    numExamples: M * options.batchSize,
    b1Rule: options.b1Batches
      ? `batches [${b1Batches}] of the seeded partition (given)`
      : `the first ${b1Batches.length} batches of the partition shuffled with seed ${seed} (fixed before the run)`,
    runs: results,
    topCurvatureRatios,
    summary: {
      eigenCurvature: pooled(results, (r) => r.eigen.curvatures),
      eigenSlope: pooled(results, (r) => r.eigen.slopes),
      cgCurvature: pooled(results, (r) => r.cg.curvatures),
      cgSlope: pooled(results, (r) => r.cg.slopes),
      topCurvatureRatio: repeats > 0
        ? { median: median(topCurvatureRatios), min: Math.min(...topCurvatureRatios), max: Math.max(...topCurvatureRatios), count: repeats }
        : null,
    },
  };
}

/** Sanity relation used by tests and the report: on B1, an eigenvector's curvature is its Ritz value. */
export function ritzConsistency(study: BiasStudy): number {
  return Math.max(...study.runs.flatMap((run) => run.eigen.curvatures.map((c, i) => Math.abs(c.b1 - run.eigen.values[i]) / Math.abs(run.eigen.values[i]))));
}

/**
 * The bias study of Sec. 3.1 / B.4 (MATH.md §4): directions found on one mini-batch B1 — the
 * top-k eigenvectors of B_{B1} (Lanczos) and the first k CG directions with their iterates —
 * and their directional slopes and curvatures (Eq. 10) measured on B1 itself ("biased"), on
 * every other batch of the same size ("unbiased") and on the full data. The full-data values
 * are the averages over all batches of the partition (Eq. 5), so they cost no extra passes.
 */
import { cg } from '../linalg/cg.ts';
import { lanczos } from '../linalg/lanczos.ts';
import { fail } from '../tensor/index.ts';
import { Random } from '../tensor/random.ts';
import { partitionBatches, selectExamples } from '../nn/data/dataset.ts';
import { directionalCurvature, directionalSlope, newtonStep, overlapWeights } from './directional.ts';
import { curvatureOperator, type CurvatureKind } from './operators.ts';
import { batchSize as countExamples, type Batch, type Problem } from './problem.ts';
import { gradient, loss, type ChunkOptions } from './products.ts';
import { projectQuadratic, type ProjectedQuadratic } from './projected.ts';

/** One quantity along one direction: on B1, on each other batch, and on the full data. */
export interface Measured {
  b1: number;
  others: number[];
  full: number;
}

export interface BiasStudyOptions extends ChunkOptions {
  kind: CurvatureKind;
  batchSize: number;
  /** Number of eigen- and CG directions (default 8). */
  k?: number;
  /** Seed of the partition into batches (default 0). */
  seed?: number;
  /** Lanczos tolerance for the top eigenvectors (default 1e-8). */
  lanczosTol?: number;
  /**
   * One B1 is one sample: the top-curvature overestimate λ1(B_r) / c_full(u1 of B_r) is also
   * measured with each of the first `repeats` batches as B1 (default 8; 0 to skip).
   */
  repeats?: number;
  /**
   * Which batch plays B1 (B2 is the next one): 'median' (default) takes, among the first
   * `repeats` batches, the one whose top eigenvalue is the median — a typical batch, chosen
   * without looking at any full-data quantity; 'first' takes batch 0 of the partition.
   */
  chooseB1?: 'median' | 'first';
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface BiasStudy {
  kind: CurvatureKind;
  batchSize: number;
  numBatches: number;
  /** Examples used: numBatches · batchSize (the remainder of a seeded shuffle is left out). */
  numExamples: number;
  /** Index of B1 in the seeded partition (B2 is the next batch). */
  b1Batch: number;
  eigen: {
    /** Ritz values of B_{B1} (descending). */
    values: number[];
    /** At x = 0: s = uᵀg, c = uᵀBu. */
    slopes: Measured[];
    curvatures: Measured[];
    /** |c_{B1}(u) − c(u)| / |c(u)| (B.8–B.10). */
    relativeCurvatureError: number[];
    /** Top-k eigenvalues of B_{B2} (B2 = the second batch) and overlaps w_ij = (u_iᵀ v_j)² (Eq. 6). */
    b2Values: number[];
    overlaps: number[][];
    /** λ1(B_r) / c_full(u1 of B_r) for each of the first `repeats` batches r of the partition (> 1: overestimate). */
    topCurvatureRatios: number[];
  };
  cg: {
    reason: string;
    /** At the iterate x_k along d_k = p_k/‖p_k‖. */
    slopes: Measured[];
    curvatures: Measured[];
    /** Update magnitudes τ = −s/c (Eq. 3): b1 equals CG's α_k‖p_k‖. */
    steps: Measured[];
    relativeCurvatureError: number[];
  };
  /** The quadratics of Fig. 1 in the span of B1's top-2 eigenvectors. */
  projected: { b1: ProjectedQuadratic; b2: ProjectedQuadratic; full: ProjectedQuadratic } | null;
}

/** Splits a data set into ⌊N/size⌋ disjoint batches of equal size with a seeded shuffle. */
export function partitionData(p: Problem, data: Batch, size: number, seed: number): Batch[] {
  const n = countExamples(p, data, 'partitionData');
  if (!Number.isInteger(size) || size < 1 || size > n) fail('partitionData', `batch size must be an integer in [1, ${n}], given ${size}`);
  return partitionBatches(n, size, new Random(seed), 'drop').map((indices) => selectExamples(data, n, indices));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function measured(perBatch: number[]): Measured {
  return { b1: perBatch[0], others: perBatch.slice(1), full: mean(perBatch) }; // full by Eq. 5
}

/** Average of projected quadratics over batches (each term is a batch mean, so this is exact). */
function averageProjected(qs: ProjectedQuadratic[]): ProjectedQuadratic {
  const m = (f: (q: ProjectedQuadratic) => number) => mean(qs.map(f));
  const off = m((q) => q.curvature[0][1]);
  return {
    value: m((q) => q.value),
    gradient: [m((q) => q.gradient[0]), m((q) => q.gradient[1])],
    curvature: [[m((q) => q.curvature[0][0]), off], [off, m((q) => q.curvature[1][1])]],
  };
}

export function biasStudy(p: Problem, data: Batch, options: BiasStudyOptions): BiasStudy {
  const k = options.k ?? 8;
  const progress = options.onProgress ?? (() => {});
  const batches = partitionData(p, data, options.batchSize, options.seed ?? 0);
  if (batches.length < 2) fail('biasStudy', `need at least 2 batches of ${options.batchSize}; the data hold ${batches.length}`);
  if (!Number.isInteger(k) || k < 1 || k > p.model.numParams) fail('biasStudy', `k must be an integer in [1, ${p.model.numParams}], given ${k}`);
  const chunk = { chunkSize: options.chunkSize };
  const operatorOf = (b: Batch) => curvatureOperator(p, b, options.kind, chunk);
  const tol = options.lanczosTol ?? 1e-8;
  const repeats = Math.min(options.repeats ?? 8, batches.length);
  let ops = batches.map(operatorOf);
  let b1Batch = 0;

  // Top eigenpair of each of the first `repeats` batches (for the choice of B1 and the ratios).
  const tops = Array.from({ length: repeats }, (_, r) => {
    progress('top eigenvectors of candidate batches', r, repeats);
    return lanczos(ops[r], 1, { tol, seed: 1 });
  });
  if ((options.chooseB1 ?? 'median') === 'median' && repeats > 0) {
    const order = tops.map((t, r) => [t.values[0], r] as const).sort((a, b) => a[0] - b[0]);
    const chosen = order[Math.floor((order.length - 1) / 2)][1];
    // Put B1 first and the batch after it second (B2); the rest keep their order.
    const second = (chosen + 1) % batches.length;
    const rest = batches.map((_, i) => i).filter((i) => i !== chosen && i !== second);
    const reorder = [chosen, second, ...rest];
    const [b, o] = [reorder.map((i) => batches[i]), reorder.map((i) => ops[i])];
    batches.splice(0, batches.length, ...b);
    ops = o;
    b1Batch = chosen;
  }

  // Directions from B1: top-k eigenvectors, then k CG steps on q_{B1} (B x = −g).
  progress('eigenvectors of B1 and B2', 0, 2);
  const op1 = ops[0];
  const top1 = lanczos(op1, k, { tol, seed: 1 });
  progress('eigenvectors of B1 and B2', 1, 2);
  const top2 = lanczos(ops[1], k, { tol, seed: 2 });
  const g1 = gradient(p, batches[0], chunk);
  const run = cg(op1, g1.map((x) => -x), { maxIter: k, tol: 0 });
  const directions = run.normalizedDirections.slice(0, run.curvatures.filter((c) => c > 0).length);
  const iterates = run.iterates.slice(0, directions.length);

  // Slopes and curvatures of every direction on every batch.
  const eigenSlopes: number[][] = top1.vectors.map(() => []);
  const eigenCurvatures: number[][] = top1.vectors.map(() => []);
  const cgSlopes: number[][] = directions.map(() => []);
  const cgCurvatures: number[][] = directions.map(() => []);
  const projected: ProjectedQuadratic[] = [];
  batches.forEach((b, m) => {
    progress(`slopes and curvatures on ${batches.length} batches`, m, batches.length);
    const op = ops[m];
    const g = m === 0 ? g1 : gradient(p, b, chunk);
    top1.vectors.forEach((u, i) => {
      eigenSlopes[i].push(directionalSlope(g, op, null, u)); // s(0, u) = uᵀg
      eigenCurvatures[i].push(directionalCurvature(op, u)); // c(u) = uᵀBu
    });
    directions.forEach((d, j) => {
      cgSlopes[j].push(directionalSlope(g, op, j === 0 ? null : iterates[j], d)); // x_0 = 0
      cgCurvatures[j].push(directionalCurvature(op, d));
    });
    if (k >= 2) projected.push(projectQuadratic(loss(p, b, chunk), g, op, top1.vectors[0], top1.vectors[1]));
  });
  progress(`slopes and curvatures on ${batches.length} batches`, batches.length, batches.length);

  // The top-curvature overestimate λ1(B_r) / c_full(u1 of B_r) for each candidate batch r.
  const topCurvatureRatios = tops.map((top, r) => {
    progress('full-data curvature along candidate top eigenvectors', r, repeats);
    return top.values[0] / mean(ops.map((op) => directionalCurvature(op, top.vectors[0])));
  });

  const relError = (c: Measured) => Math.abs(c.b1 - c.full) / Math.abs(c.full);
  const eigenC = eigenCurvatures.map(measured);
  const cgS = cgSlopes.map(measured), cgC = cgCurvatures.map(measured);
  const steps = cgS.map((s, j) => ({
    b1: newtonStep(s.b1, cgC[j].b1),
    others: s.others.map((sm, m) => newtonStep(sm, cgC[j].others[m])),
    full: newtonStep(s.full, cgC[j].full),
  }));
  return {
    kind: options.kind,
    batchSize: options.batchSize,
    numBatches: batches.length,
    numExamples: batches.length * options.batchSize,
    b1Batch,
    eigen: {
      values: Array.from(top1.values),
      slopes: eigenSlopes.map(measured),
      curvatures: eigenC,
      relativeCurvatureError: eigenC.map(relError),
      b2Values: Array.from(top2.values),
      overlaps: overlapWeights(top1.vectors, top2.vectors),
      topCurvatureRatios,
    },
    cg: { reason: run.reason, slopes: cgS, curvatures: cgC, steps, relativeCurvatureError: cgC.map(relError) },
    projected: projected.length > 0 ? { b1: projected[0], b2: projected[1], full: averageProjected(projected) } : null,
  };
}

/** Sanity relation used by tests and the report: on B1, an eigenvector's curvature is its Ritz value. */
export function ritzConsistency(study: BiasStudy): number {
  return Math.max(...study.eigen.curvatures.map((c, i) => Math.abs(c.b1 - study.eigen.values[i]) / Math.abs(study.eigen.values[i])));
}


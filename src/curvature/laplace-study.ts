/**
 * The paper's Laplace experiment (Sec. 6.2, B.6; Figs. 6, 14, 15): the vanilla network against
 * K-FAC Laplace approximations (MATH.md §6) built from a single batch of |B|, debiased from two
 * batches of |B|/2 (Eq. 9: B1's eigenbases, B2's eigenvalues) and from the full training set,
 * over a grid of prior precisions δ, scored by accuracy, NLL and ECE on the training set, the test
 * set and the corrupted test sets, and by the AUROC of test vs corrupted (entropy as the score).
 *
 * Batches: the training set is shuffled (`seed`) into halves of |B|/2; repeat r uses halves 2r
 * and 2r+1 — their union for the single-batch LA, the first as B1 and the second as B2 for the
 * debiased LA (the paper's fair comparison, on the same data). K-FAC is the exact (GGN) type.
 *
 * The predictive (Eq. 18, linearized network): f_lin(x; θ_s) = f(x; θ*) + J(x)(θ_s − θ*) with
 * θ_s ~ N(θ*, Σ) is, for each input, distributed as N(f(x; θ*), J(x) Σ J(x)ᵀ). The study samples
 * the logits from that C-dimensional Gaussian — the same predictive per input as sampling θ (what
 * `laplace().predictive` does), at a cost that does not grow with P per sample — because one
 * Jacobian J(x) (C pullbacks per input) then serves every approximation and every δ:
 *   J Σ Jᵀ = Σ_blocks Σ_ij (u_G,iᵀ J_c u_A,j)(u_G,iᵀ J_d u_A,j) / (N λ_G,i λ_A,j + δ).
 * Each logit sample is f + L ε with L the Cholesky factor of J Σ Jᵀ and ε ~ N(0, I_C) drawn from
 * Random(seed) in the order: set, input, approximation, δ, sample. N is the training-set size.
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { cholesky } from '../linalg/cholesky.ts';
import { transposeDense } from '../linalg/kron.ts';
import { batchOf, partitionBatches, type Dataset } from '../nn/data/dataset.ts';
import { accuracy, auroc, ece, entropy, nll } from '../nn/metrics.ts';
import { addLowerGram } from '../linalg/gram.ts';
import { kernelWorkspace } from '../tensor/cpu/kernels.ts';
import * as T from '../tensor/index.ts';
import { fail, Random } from '../tensor/index.ts';
import { debiasKfac, blockEigen, kfac, type Kfac } from './kfac.ts';
import type { Problem } from './problem.ts';

/** Accuracy, NLL and ECE (15 bins) of a predictive on one data set. */
export interface SetMetrics {
  accuracy: number;
  nll: number;
  ece: number;
}

/** The metrics on every evaluation set (train, test, c1…c5) and the AUROC of test vs each corrupted set. */
export interface PredictiveMetrics {
  sets: Record<string, SetMetrics>;
  /** AUROC of the test set against corrupted set s (severity s + 1), entropy as the score. */
  auroc: number[];
}

/** One Laplace approximation over the δ grid. */
export interface LaplaceRun {
  method: 'single' | 'debiased' | 'full';
  batchSize: number | null;
  repeat: number;
  /** Seconds to build it: K-FAC of its batch(es), debiasing, the factors' eigendecompositions. */
  buildSeconds: number;
  /** One entry per prior precision, in the grid's order. */
  byPrecision: PredictiveMetrics[];
}

/** Options of laplaceStudy. */
export interface LaplaceStudyOptions {
  /** |B| of the single-batch LA (even; the debiased LA uses two halves). Default [32, 128]. */
  batchSizes?: number[];
  /** Batches / batch pairs per size (default 5). */
  repeats?: number;
  /** The prior precisions δ (default: 13 log-spaced from 1e-2 to 1e4 and N·λ, sorted). */
  priorPrecisions?: number[];
  /** Logit samples per input (default 100). */
  samples?: number;
  /** Seed of the partition and of the samples (default 0). */
  seed?: number;
  /** Include the full-batch LA (default true). */
  fullBatch?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Everything the experiment measured, as plain data. */
export interface LaplaceStudy {
  dataSize: number;
  priorPrecisions: number[];
  samples: number;
  seed: number;
  repeats: number;
  batchSizes: number[];
  /** The evaluation sets' names: 'train', 'test', then 'c1' … for the corrupted sets. */
  setNames: string[];
  vanilla: PredictiveMetrics;
  runs: LaplaceRun[];
}

/** One approach of a study — single-batch or debiased at a batch size, or full batch — with its runs. */
export interface LaplaceApproach {
  method: LaplaceRun['method'];
  batchSize: number | null;
  runs: LaplaceRun[];
}

/** A study's approaches in a fixed order: single-batch and debiased per batch size, then full batch (those that ran). */
export function laplaceApproaches(study: LaplaceStudy): LaplaceApproach[] {
  const keys = [...study.batchSizes.flatMap((b) => [['single', b], ['debiased', b]] as const), ['full', null] as const];
  return keys
    .map(([method, batchSize]) => ({ method, batchSize, runs: study.runs.filter((r) => r.method === method && r.batchSize === batchSize) }))
    .filter((g) => g.runs.length > 0);
}

/** The index of the prior precision with the lowest mean NLL of `runs` on `set` (default 'test'; the first of ties). */
export function bestPrecisionIndex(runs: LaplaceRun[], set = 'test'): number {
  const nll = (di: number) => runs.reduce((sum, r) => sum + r.byPrecision[di].sets[set].nll, 0) / runs.length;
  let best = 0;
  for (let di = 1; di < runs[0].byPrecision.length; di++) if (nll(di) < nll(best)) best = di;
  return best;
}

const OP = 'laplaceStudy';

/** The default grid: 13 log-spaced δ from 1e-2 to 1e4, plus N·λ (the training weight decay's). */
export function defaultPriorPrecisions(dataSize: number, weightDecay: number): number[] {
  const grid = Array.from({ length: 13 }, (_, i) => 10 ** (-2 + i / 2));
  return weightDecay > 0 ? [...grid, dataSize * weightDecay].sort((a, b) => a - b) : grid;
}

/** The blocks' eigenbases and eigenvalue products λ_G,i λ_A,j of one K-FAC. */
function eigenbases(k: Kfac) {
  return k.blocks.map((b) => {
    const { a, g } = blockEigen(b);
    const products = new Float64Array(b.gSize * b.aSize);
    for (let i = 0; i < b.gSize; i++) for (let j = 0; j < b.aSize; j++) products[i * b.aSize + j] = g.values[i] * a.values[j];
    return { b, uG: transposeDense(g.vectors, b.gSize, b.gSize), uA: a.vectors, products };
  });
}

/** softmax of a logit vector, stable. */
function softmaxInto(z: ArrayLike<number>, out: Float64Array, offset: number, weight: number): void {
  let max = -Infinity;
  for (let c = 0; c < z.length; c++) max = Math.max(max, z[c]);
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += Math.exp(z[c] - max);
  for (let c = 0; c < z.length; c++) out[offset + c] += (weight * Math.exp(z[c] - max)) / sum;
}

function metricsOf(probs: Float64Array[], sets: Dataset[], names: string[], C: number): PredictiveMetrics {
  const out: PredictiveMetrics = { sets: {}, auroc: [] };
  sets.forEach((d, s) => {
    out.sets[names[s]] = { accuracy: accuracy(probs[s], d.targets), nll: nll(probs[s], d.targets), ece: ece(probs[s], d.targets, { bins: 15 }) };
  });
  const testEntropy = entropy(probs[1], C);
  for (let s = 2; s < sets.length; s++) out.auroc.push(auroc(testEntropy, entropy(probs[s], C)));
  return out;
}

/** The Laplace experiment (Figs. 6, 14, 15); see the file header. */
export function laplaceStudy(p: Problem, data: { train: Dataset; test: Dataset; corrupted: Dataset[] }, options: LaplaceStudyOptions = {}): LaplaceStudy {
  if (p.loss !== 'cross_entropy') fail(OP, `the experiment needs a classifier; the problem's loss is ${p.loss}`);
  const N = data.train.targets.length;
  const sizes = options.batchSizes ?? [32, 128], R = options.repeats ?? 5, S = options.samples ?? 100, seed = options.seed ?? 0;
  const deltas = options.priorPrecisions ?? defaultPriorPrecisions(N, p.weightDecay);
  if (!Number.isInteger(R) || R < 1) fail(OP, `repeats must be an integer ≥ 1, given ${R}`);
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) fail(OP, `batch sizes must be even integers ≥ 2 (the debiased LA uses two halves), given ${size}`);
    if (R * size > N) fail(OP, `${R} repeats at |B| = ${size} need ${R * size} training examples (disjoint batches), the data have ${N}`);
  }
  if (!Number.isInteger(S) || S < 1) fail(OP, `samples must be an integer ≥ 1, given ${S}`);
  if (!Number.isInteger(seed) || seed < 0) fail(OP, `seed must be an integer ≥ 0, given ${seed}`);
  if (deltas.length === 0 || deltas.some((d) => !(Number.isFinite(d) && d > 0))) fail(OP, `prior precisions must be finite and > 0, given [${deltas}]`);
  const progress = options.onProgress ?? (() => {});
  const C = p.model.outputShape.reduce((a, b) => a * b, 1);
  const sets = [data.train, data.test, ...data.corrupted];
  const setNames = ['train', 'test', ...data.corrupted.map((_, s) => `c${s + 1}`)];

  // The approximations, timed as they are built: K-FAC of the batch(es), debiasing, eigenbases.
  const builds: { method: LaplaceRun['method']; batchSize: number | null; repeat: number; make: () => Kfac }[] = [];
  for (const size of sizes) {
    const halves = partitionBatches(N, size / 2, new Random(seed), 'drop');
    for (let r = 0; r < R; r++) {
      const first = halves[2 * r], second = halves[2 * r + 1];
      builds.push({ method: 'single', batchSize: size, repeat: r, make: () => kfac(p, batchOf(data.train, [...first, ...second])) });
      builds.push({ method: 'debiased', batchSize: size, repeat: r, make: () => debiasKfac(kfac(p, batchOf(data.train, first)), kfac(p, batchOf(data.train, second))) });
    }
  }
  if (options.fullBatch ?? true) builds.push({ method: 'full', batchSize: null, repeat: 0, make: () => kfac(p, { inputs: data.train.inputs, targets: data.train.targets }) });
  const approximations = builds.map((build, bi) => {
    progress('building the Laplace approximations', bi, builds.length);
    const started = performance.now();
    const bases = eigenbases(build.make());
    const W = bases.reduce((sum, e) => sum + e.products.length, 0);
    const products = new Float64Array(W);
    let at = 0;
    for (const e of bases) {
      products.set(e.products, at);
      at += e.products.length;
    }
    // Σ in the eigenbasis per δ: 1/(N λ_G,i λ_A,j + δ), as square roots (J Σ Jᵀ = Y Yᵀ with Y = M ⊙ √w).
    const roots = deltas.map((delta) => products.map((v) => 1 / Math.sqrt(N * v + delta)));
    // The largest block (for the work arrays of the evaluation below).
    const maxBlock = Math.max(...bases.map((e) => e.products.length)), maxA = Math.max(...bases.map((e) => e.b.aSize)), maxG = Math.max(...bases.map((e) => e.b.gSize));
    return { ...build, bases, W, roots, maxBlock, maxA, maxG, buildSeconds: (performance.now() - started) / 1000 };
  });

  // Per input (set by set, input by input): the logits and Jacobian rows at θ* once; then for every
  // approximation its rows in the eigenbases, and for every δ the covariance and S logit samples.
  const probs = approximations.map(() => deltas.map(() => sets.map((d) => new Float64Array(d.targets.length * C))));
  const vanillaProbs = sets.map((d) => new Float64Array(d.targets.length * C));
  const rng = new Random(seed);
  const params = p.model.split(p.params);
  const z = new Float64Array(C), eps = new Float64Array(C);
  sets.forEach((d, s) => {
    const n = d.targets.length, per = d.inputs.length / n;
    for (let i = 0; i < n; i++) {
      if (i % 64 === 0) progress(`evaluating ${setNames[s]}`, i, n);
      const x = p.model.inputTensor(d.inputs.slice(i * per, (i + 1) * per));
      const [out, , pullback] = ad.linearize((ps: readonly Value[]) => p.model.forward(ps, x), params);
      const f = ad.concrete(out).data;
      softmaxInto(f, vanillaProbs[s], i * C, 1);
      const rows = Array.from({ length: C }, (_, c) => {
        const e = new Float64Array(C);
        e[c] = 1;
        return p.model.join(pullback(T.tensor(e, [1, C])) as Value[]); // ∂f_c/∂θ at x
      });
      approximations.forEach((a, ai) => {
        // Everything below runs where the kernels read it in place (WebAssembly memory: no copies
        // per product, kernelWorkspace); nothing else runs a kernel until the δ loop ends.
        const { arrays: [m, scale, y, covariance, stacked, uA, right, uG], kernels } =
          kernelWorkspace([C * a.W, a.W, C * a.W, C * C, C * a.maxBlock, a.maxA * a.maxA, C * a.maxBlock, a.maxG * a.maxG]);
        // Row c of M: M_c = U_Gᵀ J_c U_A per block, concatenated (row c of J in the eigenbases). The
        // classes' blocks J_c are stacked so that · U_A is one product; U_Gᵀ · (J_c U_A) is written
        // straight into row c of M.
        let at = 0;
        for (const block of a.bases) {
          const { b } = block, g = b.gSize, k = b.aSize, size = g * k;
          rows.forEach((row, c) => stacked.set(row.subarray(b.offset, b.offset + size), c * size));
          uA.set(block.uA);
          uG.set(block.uG);
          kernels.gemm(C * g, k, k, stacked, 0, k, 1, uA, 0, k, 1, right, 0, k, false); // [J_0; …; J_{C−1}] U_A
          for (let c = 0; c < C; c++) kernels.gemm(g, k, g, uG, 0, g, 1, right, c * size, k, 1, m, c * a.W + at, k, false); // U_Gᵀ (J_c U_A)
          at += size;
        }
        a.roots.forEach((root, di) => {
          scale.set(root);
          kernels.scaleRows(m, scale, y, C, a.W); // Y = M ⊙ √w, row by row
          // J Σ Jᵀ = Y Yᵀ on its lower triangle, in row blocks of 4 (the GEMM's register block), mirrored.
          covariance.fill(0);
          addLowerGram(covariance, y, C, a.W, a.W, 1, 4, kernels.gemm);
          for (let c = 0; c < C; c++) for (let e = 0; e < c; e++) covariance[e * C + c] = covariance[c * C + e]; // exactly symmetric
          const l = cholesky(covariance, C, { semidefinite: true, symmetryTolerance: 1e-12 });
          const target = probs[ai][di][s];
          for (let sample = 0; sample < S; sample++) {
            for (let c = 0; c < C; c++) eps[c] = rng.normal();
            for (let c = 0; c < C; c++) {
              let v = f[c];
              for (let e = 0; e <= c; e++) v += l[c * C + e] * eps[e];
              z[c] = v; // f + L ε ~ N(f(x; θ*), J Σ Jᵀ)
            }
            softmaxInto(z, target, i * C, 1 / S); // Eq. 18
          }
        });
      });
    }
  });
  const vanilla = metricsOf(vanillaProbs, sets, setNames, C);
  const runs: LaplaceRun[] = approximations.map((a, ai) => ({
    method: a.method, batchSize: a.batchSize, repeat: a.repeat, buildSeconds: a.buildSeconds,
    byPrecision: deltas.map((_, di) => metricsOf(probs[ai][di], sets, setNames, C)),
  }));
  return {
    dataSize: N, priorPrecisions: deltas, samples: S, seed, repeats: R, batchSizes: sizes,
    setNames, vanilla, runs,
  };
}

/**
 * The Kronecker-factored Laplace approximation (MATH.md §6, Eq. 4, 17, 18; A.3): with the MAP θ*,
 * the data size N and the prior precision δ, over the weights of the K-FAC blocks (biases stay
 * at θ*),
 *   p(θ | D) ≈ N(θ*, Σ),   Σ = (N·K + δ I)⁻¹   block by block, K = G ⊗ A the K-FAC of the data term.
 * With the factors' eigendecompositions G = U_G Λ_G U_Gᵀ, A = U_A Λ_A U_Aᵀ (eigenvalues clamped
 * at 0), a block's precision is (U_G ⊗ U_A)(N Λ_G ⊗ Λ_A + δ)(U_G ⊗ U_A)ᵀ, so
 *  - a sample is θ_w = θ*_w + vec(U_G (Z ⊘ √(N λ_G λ_Aᵀ + δ)) U_Aᵀ), Z ~ N(0, I) of shape out × in
 *    (no Kronecker product is formed);
 *  - the linearized network's function-space covariance at x is J(x) Σ J(x)ᵀ
 *    = Σ_blocks Σ_ij (u_G,iᵀ J_c u_A,j)(u_G,iᵀ J_c' u_A,j) / (N λ_G,i λ_A,j + δ) for the block
 *    parts J_c (out × in) of the rows of J;
 *  - the predictive (Eq. 18) is (1/S) Σ_s softmax(f(x; θ*) + J(x)(θ_s − θ*)), one JVP per sample
 *    on the whole input batch (the linearized network of Immer et al. 2021).
 * The debiased LA is this with curvature.debiasKfac(k1, k2) as the K-FAC (Eq. 9).
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { matmulDense, transposeDense } from '../linalg/kron.ts';
import * as T from '../tensor/index.ts';
import { fail, Random, type Tensor } from '../tensor/index.ts';
import { checkKfacOfModel, blockEigen, type Kfac } from './kfac.ts';
import type { Problem } from './problem.ts';

/** Options of laplace. */
export interface LaplaceOptions {
  /** N: the number of training examples the posterior conditions on (≥ 1). */
  dataSize: number;
  /** δ > 0: the precision of the isotropic Gaussian prior on the weights. */
  priorPrecision: number;
}

/** A Kronecker-factored Laplace approximation around a problem's θ*. */
export interface Laplace {
  /** N and δ it was built with. */
  readonly dataSize: number;
  readonly priorPrecision: number;
  /** θ_s: a full parameter vector drawn from N(θ*, Σ) (biases at θ*). */
  sample(rng: Random): Float64Array;
  /** [count, C, C]: J(x) Σ J(x)ᵀ of the linearized network for each input, exactly. */
  functionCovariance(inputs: Float64Array, count: number): Float64Array;
  /** [count, C]: Eq. 18 with the linearized network, `samples` draws of sample(rng) in turn. */
  predictive(inputs: Float64Array, count: number, options: { samples: number; rng: Random }): Float64Array;
}

const OP = 'laplace';

/** The Laplace approximation of `p` with the K-FAC `k` (MATH.md §6); see the file header. */
export function laplace(p: Problem, k: Kfac, options: LaplaceOptions): Laplace {
  const { dataSize, priorPrecision } = options ?? ({} as LaplaceOptions);
  if (!(Number.isFinite(priorPrecision) && priorPrecision > 0)) fail(OP, `priorPrecision δ must be finite and > 0, given ${priorPrecision}`);
  if (!(Number.isInteger(dataSize) && dataSize >= 1)) fail(OP, `dataSize N must be an integer ≥ 1, given ${dataSize}`);
  checkKfacOfModel(OP, p, k);
  const N = dataSize, delta = priorPrecision, P = p.model.numParams;
  // Per block: the factors' eigenpairs and 1/√(N λ_G,i λ_A,j + δ), the posterior's scales.
  const blocks = k.blocks.map((b) => {
    const { a, g } = blockEigen(b);
    const scale = new Float64Array(b.gSize * b.aSize);
    for (let i = 0; i < b.gSize; i++) for (let j = 0; j < b.aSize; j++) scale[i * b.aSize + j] = 1 / Math.sqrt(N * g.values[i] * a.values[j] + delta);
    return { b, a, g, scale, uAt: transposeDense(a.vectors, b.aSize, b.aSize), uGt: transposeDense(g.vectors, b.gSize, b.gSize) };
  });

  const sample = (rng: Random): Float64Array => {
    const theta = p.params.slice();
    for (const { b, g, scale, uAt } of blocks) {
      const z = new Float64Array(b.gSize * b.aSize);
      for (let q = 0; q < z.length; q++) z[q] = rng.normal() * scale[q]; // Z ⊘ √(N λ_G λ_Aᵀ + δ)
      const w = matmulDense(matmulDense(g.vectors, z, b.gSize, b.gSize, b.aSize), uAt, b.gSize, b.aSize, b.aSize); // U_G Z' U_Aᵀ
      for (let q = 0; q < w.length; q++) theta[b.offset + q] += w[q];
    }
    return theta;
  };

  const checkInputs = (op: string, inputs: Float64Array, count: number) => {
    const per = p.model.inputShape.reduce((x, y) => x * y, 1);
    if (!Number.isInteger(count) || count < 1) fail(op, `count must be an integer ≥ 1, given ${count}`);
    if (!(inputs instanceof Float64Array) || inputs.length !== count * per) fail(op, `inputs must be a Float64Array of ${count} × ${per} values, given ${inputs?.length}`);
    for (let i = 0; i < inputs.length; i++) if (!Number.isFinite(inputs[i])) fail(op, `inputs[${i}] is ${inputs[i]}`);
    return per;
  };

  const functionCovariance = (inputs: Float64Array, count: number): Float64Array => {
    const per = checkInputs('laplace.functionCovariance', inputs, count);
    const C = p.model.outputShape.reduce((x, y) => x * y, 1);
    const params = p.model.split(p.params);
    const out = new Float64Array(count * C * C);
    for (let n = 0; n < count; n++) {
      const x = p.model.inputTensor(inputs.slice(n * per, (n + 1) * per));
      const [, , pullback] = ad.linearize((ps: readonly Value[]) => p.model.forward(ps, x), params);
      // Row c of J(x) in the blocks' eigenbases: M_c = U_Gᵀ J_c U_A, weighted by the scales.
      const rows = Array.from({ length: C }, (_, c) => {
        const cotangent = new Float64Array(C);
        cotangent[c] = 1;
        const jc = p.model.join(pullback(T.tensor(cotangent, [1, C])) as Value[]);
        return blocks.map(({ b, a, scale, uGt }) => {
          const m = matmulDense(matmulDense(uGt, jc.subarray(b.offset, b.offset + b.gSize * b.aSize), b.gSize, b.gSize, b.aSize), a.vectors, b.gSize, b.aSize, b.aSize);
          for (let q = 0; q < m.length; q++) m[q] *= scale[q]; // Σ^{1/2} in the eigenbasis
          return m;
        });
      });
      for (let c = 0; c < C; c++) {
        for (let d = 0; d <= c; d++) {
          let s = 0;
          rows[c].forEach((m, bi) => {
            const other = rows[d][bi];
            for (let q = 0; q < m.length; q++) s += m[q] * other[q];
          });
          out[n * C * C + c * C + d] = out[n * C * C + d * C + c] = s;
        }
      }
    }
    return out;
  };

  const predictive = (inputs: Float64Array, count: number, opts: { samples: number; rng: Random }): Float64Array => {
    const per = checkInputs('laplace.predictive', inputs, count);
    const S = opts?.samples;
    if (!Number.isInteger(S) || S < 1) fail('laplace.predictive', `samples must be an integer ≥ 1, given ${S}`);
    if (!(opts.rng instanceof Random)) fail('laplace.predictive', 'rng must be a Random');
    const C = p.model.outputShape.reduce((x, y) => x * y, 1);
    const tangents = Array.from({ length: S }, () => {
      const theta = sample(opts.rng);
      for (let q = 0; q < P; q++) theta[q] -= p.params[q]; // θ_s − θ*
      return p.model.split(theta);
    });
    const out = new Float64Array(count * C);
    const CHUNK = 512;
    const params = p.model.split(p.params);
    for (let start = 0; start < count; start += CHUNK) {
      const end = Math.min(count, start + CHUNK);
      const x = p.model.inputTensor(inputs.subarray(start * per, end * per));
      const [logits, pushforward] = ad.linearize((ps: readonly Value[]) => p.model.forward(ps, x), params);
      const f = ad.concrete(logits);
      for (const v of tangents) {
        const probs = T.softmax(T.add(f, ad.concrete(pushforward(v)) as Tensor), 1).data; // softmax(f(x; θ*) + J(x)(θ_s − θ*))
        for (let q = 0; q < probs.length; q++) out[start * C + q] += probs[q] / S;
      }
    }
    return out;
  };

  return { dataSize: N, priorPrecision: delta, sample, functionCovariance, predictive };
}

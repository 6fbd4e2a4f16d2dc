/**
 * The K-FAC Laplace approximation (MATH.md §6) against dense matrices on a small CNN: the dense
 * posterior covariance Σ = (N·(G ⊗ A) + δI)⁻¹ per weight block (linalg.kron, Cholesky), zero on
 * the biases; the dense Jacobian J(x) from one JVP per parameter (never a pullback, which the
 * implementation uses). Sampling is linear in z, θ_s − θ* = L z, so feeding unit vectors z = e_q
 * gives L column by column and L Lᵀ must be Σ exactly: the factors' eigendecompositions and the
 * Cholesky inverse agree to ~1e-14 of ‖Σ‖, compared at 1e-11.
 */
import { describe, expect, it } from 'vitest';
import { curvature, linalg, nn } from '../../src/index.ts';
import * as ad from '../../src/autodiff/index.ts';
import { Random } from '../../src/tensor/index.ts';

const model = nn.fromSpec({ input: [1, 4, 4], layers: [{ type: 'conv2d', out: 2, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 3 }] });
const P = model.numParams, C = 3;
const rng = new Random(11);
const normal = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params: model.init(rng) });
const batch = (n: number) => ({ inputs: normal(16 * n), targets: Int32Array.from({ length: n }, () => rng.integer(3)) });
const k = curvature.kfac(p, batch(6));
const N = 40, delta = 0.7;
const la = curvature.laplace(p, k, { dataSize: N, priorPrecision: delta });

/** Dense Σ (P × P): the inverse of N·(G ⊗ A) + δI on each weight block, zero elsewhere. */
function denseCovariance(kf: curvature.Kfac): Float64Array {
  const sigma = new Float64Array(P * P);
  for (const b of kf.blocks) {
    const size = b.aSize * b.gSize;
    const precision = linalg.kron({ data: b.g, rows: b.gSize, cols: b.gSize }, { data: b.a, rows: b.aSize, cols: b.aSize }).data.map((v) => N * v);
    for (let i = 0; i < size; i++) precision[i * size + i] += delta;
    for (let j = 0; j < size; j++) {
      const e = new Float64Array(size);
      e[j] = 1;
      const column = linalg.choleskySolve(linalg.cholesky(precision, size), size, e);
      for (let i = 0; i < size; i++) sigma[(b.offset + i) * P + b.offset + j] = column[i];
    }
  }
  return sigma;
}

/** A Random whose normal() returns the given values in turn (zero after them). */
function scripted(values: number[]): Random {
  let i = 0;
  return Object.assign(Object.create(Random.prototype) as Random, { normal: () => values[i++] ?? 0 });
}

/** J(x) of one input, C × P, one JVP per parameter direction. */
function denseJacobian(x: Float64Array): Float64Array {
  const input = model.inputTensor(x);
  const J = new Float64Array(C * P);
  for (let q = 0; q < P; q++) {
    const e = new Float64Array(P);
    e[q] = 1;
    const [, tangent] = ad.jvp((ps: readonly ad.Value[]) => model.forward(ps, input), model.split(p.params), model.split(e));
    const column = ad.concrete(tangent as ad.Value).data;
    for (let c = 0; c < C; c++) J[c * P + q] = column[c];
  }
  return J;
}

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const weights = k.blocks.reduce((s, b) => s + b.aSize * b.gSize, 0);

/** The columns of L (θ_s − θ* = L z), from samples with z = e_q. */
function sampleMap(approximation: curvature.Laplace): Float64Array[] {
  return Array.from({ length: weights }, (_, q) => {
    const z = new Array<number>(weights).fill(0);
    z[q] = 1;
    return approximation.sample(scripted(z)).map((v, i) => v - p.params[i]);
  });
}

/** max |L Lᵀ − Σ| over all entries. */
function covarianceError(L: Float64Array[], sigma: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) worst = Math.max(worst, Math.abs(L.reduce((s, column) => s + column[i] * column[j], 0) - sigma[i * P + j]));
  return worst;
}

describe('K-FAC Laplace approximation against dense matrices', () => {
  it('sampling: θ_s − θ* = L z with L Lᵀ = Σ = (N·K + δI)⁻¹ per block; biases stay at θ*', () => {
    const sigma = denseCovariance(k);
    const L = sampleMap(la);
    const mask = model.weightMask();
    for (let i = 0; i < P; i++) if (mask[i] === 0) for (const column of L) expect(column[i]).toBe(0);
    const worst = covarianceError(L, sigma);
    expect(worst).toBeLessThanOrEqual(1e-11 * maxAbs(sigma));
  });

  it('functionCovariance is J(x) Σ J(x)ᵀ for each input', () => {
    const sigma = denseCovariance(k);
    const inputs = normal(3 * 16);
    const covariance = la.functionCovariance(inputs, 3);
    for (let n = 0; n < 3; n++) {
      const J = denseJacobian(inputs.slice(16 * n, 16 * (n + 1)));
      for (let c = 0; c < C; c++) for (let d = 0; d < C; d++) {
        let s = 0;
        for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) s += J[c * P + i] * sigma[i * P + j] * J[d * P + j];
        expect(Math.abs(covariance[n * C * C + c * C + d] - s)).toBeLessThanOrEqual(1e-11 * Math.max(1e-3, Math.abs(s)));
      }
    }
  });

  it('predictive: the mean of softmax(f(x; θ*) + J(x)(θ_s − θ*)) over the samples drawn in turn', () => {
    const inputs = normal(4 * 16);
    const probs = la.predictive(inputs, 4, { samples: 5, rng: new Random(3) });
    const draws = new Random(3);
    const samples = Array.from({ length: 5 }, () => la.sample(draws));
    for (let n = 0; n < 4; n++) {
      const x = inputs.slice(16 * n, 16 * (n + 1));
      const f = ad.concrete(model.forward(p.params, model.inputTensor(x))).data;
      const J = denseJacobian(x);
      const expected = new Float64Array(C);
      for (const theta of samples) {
        const z = Array.from({ length: C }, (_, c) => f[c] + J.subarray(c * P, (c + 1) * P).reduce((s, v, i) => s + v * (theta[i] - p.params[i]), 0));
        const max = Math.max(...z), sum = z.reduce((s, v) => s + Math.exp(v - max), 0);
        z.forEach((v, c) => (expected[c] += Math.exp(v - max) / sum / 5));
      }
      for (let c = 0; c < C; c++) expect(Math.abs(probs[n * C + c] - expected[c])).toBeLessThanOrEqual(1e-12);
    }
    // Rows are probability vectors.
    for (let n = 0; n < 4; n++) expect(Math.abs(probs[n * C] + probs[n * C + 1] + probs[n * C + 2] - 1)).toBeLessThanOrEqual(1e-14);
  });

  it('the debiased LA is the LA of debiasKfac(k1, k2); with k2 = k1 it is the single-batch LA', () => {
    const k2 = curvature.kfac(p, batch(6));
    // Same distribution (samples with the same z may differ: a repeated eigenvalue's basis is arbitrary).
    const same = curvature.laplace(p, curvature.debiasKfac(k, k), { dataSize: N, priorPrecision: delta });
    const sigma = denseCovariance(k);
    expect(covarianceError(sampleMap(same), sigma)).toBeLessThanOrEqual(1e-11 * maxAbs(sigma));
    const debiased = curvature.laplace(p, curvature.debiasKfac(k, k2), { dataSize: N, priorPrecision: delta });
    const debiasedSigma = denseCovariance(curvature.debiasKfac(k, k2));
    expect(covarianceError(sampleMap(debiased), debiasedSigma)).toBeLessThanOrEqual(1e-11 * maxAbs(debiasedSigma));
    expect(covarianceError(sampleMap(debiased), sigma)).toBeGreaterThan(1e-3 * maxAbs(sigma));
  });

  it('refuses bad input with a clear error', () => {
    expect(() => curvature.laplace(p, k, { dataSize: N, priorPrecision: 0 })).toThrow(/laplace: priorPrecision δ must be finite and > 0, given 0/);
    expect(() => curvature.laplace(p, k, { dataSize: N, priorPrecision: NaN })).toThrow(/laplace: priorPrecision δ must be finite and > 0, given NaN/);
    expect(() => curvature.laplace(p, k, { dataSize: 0, priorPrecision: 1 })).toThrow(/laplace: dataSize N must be an integer ≥ 1, given 0/);
    const mlp = nn.fromSpec({ input: [4], layers: [{ type: 'linear', out: 3 }] });
    const other = curvature.kfac(curvature.problem({ model: mlp, loss: 'cross_entropy', params: mlp.init(rng) }), { inputs: normal(8), targets: Int32Array.of(0, 2) });
    expect(() => curvature.laplace(p, other, { dataSize: N, priorPrecision: 1 })).toThrow(/laplace: the K-FAC's blocks are not this model's weights: given \[0.weight@0 3×4\], the model has \[0.weight@0 2×9, 4.weight@20 3×8\]/);
    const broken = { ...k, blocks: k.blocks.map((b, i) => (i === 0 ? { ...b, a: b.a.map((v, q) => (q === 3 ? NaN : v)) } : b)) };
    expect(() => curvature.laplace(p, broken, { dataSize: N, priorPrecision: 1 })).toThrow(/laplace: block 0.weight: a factor has a non-finite entry NaN/);
    expect(() => la.predictive(normal(15), 1, { samples: 2, rng })).toThrow(/laplace.predictive: inputs must be a Float64Array of 1 × 16 values, given 15/);
    expect(() => la.predictive(normal(16), 1, { samples: 0, rng })).toThrow(/laplace.predictive: samples must be an integer ≥ 1, given 0/);
    expect(() => la.functionCovariance(normal(16), 0)).toThrow(/laplace.functionCovariance: count must be an integer ≥ 1, given 0/);

  });
});

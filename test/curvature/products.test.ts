/**
 * Curvature operators against independent constructions of the same matrices on small models of
 * every layer type, and the identities of MATH.md: Eq. 5 (batch averages), Eq. 20, symmetry and
 * PSD-ness, GGN = Hessian for a model linear in θ, and Eq. 7.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.ts';
import type { Value } from '../../src/autodiff/index.ts';
import { curvature, linalg, nn } from '../../src/index.ts';
import { Random, Tensor } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { expectClose, finiteDifference } from '../helpers/derivatives.ts';
import { withSpectrum } from '../helpers/matrices.ts';

/** Smooth small models covering every layer type (max pool and ReLU kept away from FD use). */
const SPECS: nn.ModelSpec[] = [
  { input: [1, 5, 5], layers: [{ type: 'conv2d', out: 2, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2, padding: 1 }, { type: 'conv2d', out: 2, kernel: 2, stride: 2, bias: false }, { type: 'sigmoid' }, { type: 'flatten' }, { type: 'linear', out: 3 }] },
  { input: [2, 4, 4], layers: [{ type: 'conv2d', out: 3, kernel: 2 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2, stride: 1 }, { type: 'globalavgpool' }, { type: 'flatten' }, { type: 'linear', out: 3 }] },
  { input: [4], layers: [{ type: 'linear', out: 5 }, { type: 'tanh' }, { type: 'linear', out: 3 }] },
];

function randomProblem(spec: nn.ModelSpec, rng: Random, loss: nn.LossKind, n: number, weightDecay = 0.01) {
  const model = nn.fromSpec(spec);
  const params = model.init(rng);
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  const inputs = Float64Array.from({ length: n * per }, () => rng.normal());
  const outputs = model.outputShape.reduce((a, b) => a * b, 1);
  const targets = loss === 'cross_entropy' ? Int32Array.from({ length: n }, () => rng.integer(outputs)) : Float64Array.from({ length: n * outputs }, () => rng.normal());
  return { p: curvature.problem({ model, loss, weightDecay, params }), batch: { inputs, targets } as curvature.Batch, n, per, outputs };
}

const randomVector = (n: number, rng: Random) => Float64Array.from({ length: n }, () => rng.normal());
const unit = (v: Float64Array) => v.map((x) => x / linalg.norm(v));
describe('Hessian-vector products', () => {
  it('equal the reverse-over-reverse Hessian and finite differences of the gradient (every layer type)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: SPECS.length - 1 }), fc.constantFrom<nn.LossKind>('cross_entropy', 'mse'), seed, (which, loss, s) => {
      if (which === 1) return; // ReLU + max pool: finite differences would cross kinks; covered below by the exact paths
      const rng = new Random(s);
      const { p, batch } = randomProblem(SPECS[which], rng, loss, 3);
      const v = randomVector(p.model.numParams, rng);
      const hv = curvature.hessianVectorProduct(p, batch, v);
      // Finite differences of the gradient along v/‖v‖∞ (five-point stencil, h = 1e-3).
      const scale = Math.max(...Array.from(v, Math.abs));
      const fd = finiteDifference(([t]) => curvature.gradient({ ...p, params: t.data }, batch), [new Tensor([v.length], p.params)], [new Tensor([v.length], v.map((x) => x / scale))]);
      expectClose(hv.map((x) => x / scale), fd, 1e-8, 'HVP vs FD of the gradient', linalg.norm(curvature.gradient(p, batch)));
    }), { numRuns: 12 });
  });
  it('equal reverse-over-reverse products exactly up to rounding, ReLU and max pooling included', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: SPECS.length - 1 }), seed, (which, s) => {
      const rng = new Random(s);
      const { p, batch, n } = randomProblem(SPECS[which], rng, 'cross_entropy', 4);
      const v = randomVector(p.model.numParams, rng);
      const f = ([t]: readonly Value[]) => {
        const [gt] = ad.grad((ts: readonly Value[]) => nn.crossEntropy(p.model.forward(ts[0], new Tensor([n, ...p.model.inputShape], batch.inputs)), batch.targets as Int32Array))([t]);
        return ad.sum(ad.mul(gt, new Tensor([v.length], v)));
      };
      // ∇_θ (∇L(θ)ᵀ v) = H v, computed by reverse mode over reverse mode; plus λ D v.
      const [rr] = ad.grad(f)([new Tensor([v.length], p.params)]);
      const want = ad.concrete(rr).data.map((x, i) => x + p.weightDecay * p.weightMask[i] * v[i]);
      expectClose(curvature.hessianVectorProduct(p, batch, v), want, 1e-12, 'HVP vs reverse-over-reverse');
    }), { numRuns: 12 });
  });
});

describe('GGN-vector products', () => {
  it('equal Σ_n J_nᵀ Λ_n J_n v / N + λ D v built from explicit per-example Jacobians (every layer type, both losses)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: SPECS.length - 1 }), fc.constantFrom<nn.LossKind>('cross_entropy', 'mse'), seed, (which, loss, s) => {
      const rng = new Random(s);
      const { p, batch, n, per, outputs } = randomProblem(SPECS[which], rng, loss, 3);
      const P = p.model.numParams;
      const v = randomVector(P, rng);
      const want = p.weightMask.map((m, i) => p.weightDecay * m * v[i]);
      for (let e = 0; e < n; e++) {
        const x = new Tensor([1, ...p.model.inputShape], batch.inputs.subarray(e * per, (e + 1) * per));
        const [z, pullback] = ad.vjp(([t]: readonly Value[]) => p.model.forward(t, x), [new Tensor([P], p.params)]);
        // Rows of J_n: J_n[c] = ∇_θ z_c, one VJP per output.
        const J = Array.from({ length: outputs }, (_, c) => {
          const e_c = new Float64Array(outputs);
          e_c[c] = 1;
          return ad.concrete(pullback(new Tensor([1, outputs], e_c))[0]).data;
        });
        const zn = ad.concrete(z).data;
        let lambda: number[][];
        if (loss === 'cross_entropy') {
          const m = Math.max(...zn);
          const ex = Array.from(zn, (q) => Math.exp(q - m));
          const prob = ex.map((q) => q / ex.reduce((a, b) => a + b, 0));
          lambda = prob.map((pi, i) => prob.map((pj, j) => ((i === j ? pi : 0) - pi * pj) / n)); // (diag p − p pᵀ) / N
        } else {
          lambda = Array.from({ length: outputs }, (_, i) => Array.from({ length: outputs }, (_, j) => (i === j ? 2 / (n * outputs) : 0)));
        }
        const jv = J.map((row) => linalg.dot(row, v));
        const ljv = lambda.map((row) => row.reduce((s2, l, j) => s2 + l * jv[j], 0));
        J.forEach((row, c) => row.forEach((jc, i) => (want[i] += jc * ljv[c])));
      }
      expectClose(curvature.ggnVectorProduct(p, batch, v), want, 1e-12, 'GGNVP vs explicit Jacobians');
    }), { numRuns: 15 });
  });
  it('GGN = Hessian for a model linear in its parameters (one linear layer)', () => {
    fc.assert(fc.property(fc.constantFrom<nn.LossKind>('cross_entropy', 'mse'), seed, (loss, s) => {
      const rng = new Random(s);
      const { p, batch } = randomProblem({ input: [4], layers: [{ type: 'linear', out: 3 }] }, rng, loss, 5);
      const v = randomVector(p.model.numParams, rng);
      expectClose(curvature.ggnVectorProduct(p, batch, v), curvature.hessianVectorProduct(p, batch, v), 1e-12, 'GGN vs Hessian');
    }), { numRuns: 20 });
  });
});

describe('the GGN operator that records its forward pass', () => {
  it('equals ggnVectorProduct bit for bit: first product, replays, a slot taken over by another operator, round-robin, chunked batches', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: SPECS.length - 1 }), seed, (which, s) => {
      const rng = new Random(s);
      const { p, batch } = randomProblem(SPECS[which], rng, 'cross_entropy', 5);
      const other = { inputs: batch.inputs.map((x) => -x), targets: batch.targets };
      const ops = [curvature.ggnOperator(p, batch), curvature.ggnOperator(p, other), curvature.ggnOperator(p, batch, { chunkSize: 2 })];
      const batches = [batch, other, batch];
      // Repeats (the record is made on the second product), then alternation (the slot changes hands).
      const order = [0, 0, 0, 1, 1, 0, 2, 2, 1, 0, 1, 0, 0];
      for (const i of order) {
        const v = randomVector(p.model.numParams, rng);
        const got = ops[i].apply(v), want = curvature.ggnVectorProduct(p, batches[i], v, i === 2 ? { chunkSize: 2 } : {});
        if (!got.every((x, j) => Object.is(x, want[j]))) return false;
      }
      return true;
    }), { numRuns: 15 });
  });
});

describe("the GGN's quadratic form from one JVP", () => {
  it('vᵀ G v = (J v)ᵀ Λ (J v) + λ vᵀ D v equals vᵀ(G v) and the dense vᵀ G v to rounding: one chunk (JVP, then a replayed pass) and several chunks, both losses', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: SPECS.length - 1 }), fc.constantFrom<nn.LossKind>('cross_entropy', 'mse'), seed, (which, loss, s) => {
      const rng = new Random(s);
      const { p, batch } = randomProblem(SPECS[which], rng, loss, 5);
      const dense = curvature.ggnMatrix(p, batch), P = p.model.numParams;
      for (const options of [{}, { chunkSize: 2 }]) {
        const op = curvature.ggnOperator(p, batch, options);
        for (let repeat = 0; repeat < 3; repeat++) {
          const v = randomVector(P, rng);
          const product = op.apply(v); // the second apply on a one-chunk batch records the forward pass
          const form = op.quadraticForm!(v);
          let viaDense = 0;
          for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) viaDense += v[i] * dense[i * P + j] * v[j];
          // Both sides are sums of O(P) products of size ≤ ‖v‖² ‖G‖: relative 1e-12 of that scale.
          const scale = linalg.dot(v, v) * Math.max(...Array.from(dense, Math.abs)) * P;
          expect(Math.abs(form - linalg.dot(v, product))).toBeLessThanOrEqual(1e-13 * scale);
          expect(Math.abs(form - viaDense)).toBeLessThanOrEqual(1e-13 * scale);
        }
      }
    }), { numRuns: 12 });
  });

  it('directional curvatures use it: c(d) of the GGN operator is the quadratic form, of the Hessian dᵀ(H d)', () => {
    const rng = new Random(9);
    const { p, batch } = randomProblem(SPECS[0], rng, 'cross_entropy', 4);
    const d = unit(randomVector(p.model.numParams, rng));
    const ggn = curvature.ggnOperator(p, batch), hessian = curvature.hessianOperator(p, batch);
    expect(curvature.directionalCurvature(ggn, d)).toBe(ggn.quadraticForm!(d));
    expect(hessian.quadraticForm).toBeUndefined();
    expect(curvature.directionalCurvature(hessian, d)).toBe(linalg.dot(d, hessian.apply(d)));
  });
});

describe('curvature matrices', () => {
  it('the Hessian is symmetric; the GGN is symmetric positive semi-definite with λD added', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: SPECS.length - 1 }), seed, (which, s) => {
      const rng = new Random(s);
      const { p, batch } = randomProblem(SPECS[which], rng, 'cross_entropy', 3, 0.05);
      const P = p.model.numParams;
      const h = curvature.hessianMatrix(p, batch), g = curvature.ggnMatrix(p, batch);
      const maxAbs = (m: Float64Array) => Math.max(...Array.from(m, Math.abs));
      for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) {
        expect(Math.abs(h[i * P + j] - h[j * P + i])).toBeLessThanOrEqual(1e-12 * maxAbs(h));
        expect(Math.abs(g[i * P + j] - g[j * P + i])).toBeLessThanOrEqual(1e-12 * maxAbs(g));
      }
      // G − λD = (1/N) Σ J_nᵀ Λ_n J_n is PSD: its smallest eigenvalue is ≥ −rounding.
      const data = g.map((x, idx) => (Math.floor(idx / P) === idx % P ? x - p.weightDecay * p.weightMask[idx % P] : x));
      expect(linalg.eigh(data, P, { symmetryTolerance: 1e-10 }).values[0]).toBeGreaterThanOrEqual(-1e-12 * maxAbs(g));
    }), { numRuns: 10 });
  });
  it('each operator equals its dense matrix times v', () => {
    const rng = new Random(3);
    const { p, batch } = randomProblem(SPECS[1], rng, 'cross_entropy', 4);
    const P = p.model.numParams;
    const v = randomVector(P, rng);
    for (const kind of ['hessian', 'ggn'] as const) {
      const m = curvature.denseMatrix(curvature.curvatureOperator(p, batch, kind));
      const mv = Float64Array.from({ length: P }, (_, i) => linalg.dot(m.subarray(i * P, (i + 1) * P), v));
      expectClose(curvature.curvatureOperator(p, batch, kind).apply(v), mv, 1e-12, kind);
    }
  });
});

describe('Eq. 5: batch averages equal the full batch', () => {
  it('(1/M) Σ_m s_m(x, d) = s(x, d) and (1/M) Σ_m c_m(d) = c(d), Hessian and GGN, any partition', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: SPECS.length - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), seed, (which, size, count, s) => {
      const rng = new Random(s);
      const n = size * count;
      const { p, batch } = randomProblem(SPECS[which], rng, which === 2 ? 'mse' : 'cross_entropy', n);
      const x = randomVector(p.model.numParams, rng).map((q) => 0.1 * q);
      const d = unit(randomVector(p.model.numParams, rng));
      const batches = nn.partitionBatches(n, size, rng).map((idx) => nn.selectExamples(batch, n, idx));
      for (const kind of ['hessian', 'ggn'] as const) {
        const full = curvature.curvatureOperator(p, batch, kind);
        const fullSlope = curvature.directionalSlope(curvature.gradient(p, batch), full, x, d);
        const fullCurv = curvature.directionalCurvature(full, d);
        const slopes = batches.map((b) => curvature.directionalSlope(curvature.gradient(p, b), curvature.curvatureOperator(p, b, kind), x, d));
        const curvs = batches.map((b) => curvature.directionalCurvature(curvature.curvatureOperator(p, b, kind), d));
        const mean = (a: number[]) => a.reduce((q, r) => q + r, 0) / a.length;
        // Exact identity; only the summation order differs.
        expect(Math.abs(mean(slopes) - fullSlope)).toBeLessThanOrEqual(1e-12 * Math.max(...slopes.map(Math.abs), 1e-300));
        expect(Math.abs(mean(curvs) - fullCurv)).toBeLessThanOrEqual(1e-12 * Math.max(...curvs.map(Math.abs), 1e-300));
      }
    }), { numRuns: 25 });
  });
  it('a data set evaluated in chunks equals the unchunked full batch', () => {
    const rng = new Random(8);
    const { p, batch } = randomProblem(SPECS[0], rng, 'cross_entropy', 7);
    const v = randomVector(p.model.numParams, rng);
    expectClose(curvature.ggnVectorProduct(p, batch, v, { chunkSize: 3 }), curvature.ggnVectorProduct(p, batch, v), 1e-13, 'chunked GGN');
    expectClose(curvature.hessianVectorProduct(p, batch, v, { chunkSize: 2 }), curvature.hessianVectorProduct(p, batch, v), 1e-13, 'chunked Hessian');
    expectClose(curvature.gradient(p, batch, { chunkSize: 4 }), curvature.gradient(p, batch), 1e-13, 'chunked gradient');
    expect(curvature.loss(p, batch, { chunkSize: 5 })).toBeCloseTo(curvature.loss(p, batch), 13);
  });
});

describe('overlaps and the eigenvalue bias', () => {
  it('Eq. 20: Σ_j w_ij = 1 over a full eigenbasis; partial sums ≤ 1', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 12 }), seed, (n, s) => {
      const rng = new Random(s);
      const cols = (m: Float64Array) => Array.from({ length: n }, (_, c) => Float64Array.from({ length: n }, (_, r) => m[r * n + c]));
      const u = cols(withSpectrum(Array.from({ length: n }, () => rng.normal()), rng).q);
      const v = cols(withSpectrum(Array.from({ length: n }, () => rng.normal()), rng).q);
      const w = curvature.overlapWeights(u, v);
      for (const row of w) {
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-13);
        let partial = 0;
        for (const x of row) {
          expect(x).toBeGreaterThanOrEqual(0);
          partial += x;
          expect(partial).toBeLessThanOrEqual(1 + 1e-13);
        }
      }
    }), { numRuns: 30 });
  });
  it('Eq. 6 and Eq. 7: with equal spectra and rotated eigenvectors, u_1ᵀB2u_1 < λ_1 and u_Pᵀ B2 u_P > λ_P', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 10 }), seed, (n, s) => {
      const rng = new Random(s);
      const spectrum = Array.from({ length: n }, () => rng.normal()).sort((a, b) => b - a);
      if (spectrum[0] - spectrum[n - 1] < 1e-3) return;
      const b1 = withSpectrum(spectrum, rng), b2 = withSpectrum(spectrum, rng); // same λ, random eigenvectors
      const e1 = linalg.eigh(b1.a, n), e2 = linalg.eigh(b2.a, n);
      const col = (m: Float64Array, c: number) => Float64Array.from({ length: n }, (_, r) => m[r * n + c]);
      const op2 = linalg.denseOperator(b2.a, n);
      const top = col(e1.vectors, n - 1), bottom = col(e1.vectors, 0);
      // Eq. 6: u_iᵀ B2 u_i = Σ_j w_ij μ_j
      const vs = Array.from({ length: n }, (_, c) => col(e2.vectors, c));
      const w = curvature.overlapWeights([top], vs)[0];
      const viaOverlaps = w.reduce((acc, wij, j) => acc + wij * e2.values[j], 0);
      const direct = curvature.directionalCurvature(op2, top);
      expect(Math.abs(viaOverlaps - direct)).toBeLessThanOrEqual(1e-12 * Math.max(...spectrum.map(Math.abs)));
      // Eq. 7 (strict unless u_1 happens to be aligned with v_1, which random rotations never are)
      expect(direct).toBeLessThan(e1.values[n - 1]);
      expect(curvature.directionalCurvature(op2, bottom)).toBeGreaterThan(e1.values[0]);
    }), { numRuns: 30 });
  });
});

describe('errors', () => {
  it('bad problems, batches and vectors are refused clearly', () => {
    const rng = new Random(0);
    const { p, batch } = randomProblem(SPECS[2], rng, 'cross_entropy', 3);
    expect(() => curvature.problem({ model: p.model, loss: 'hinge' as nn.LossKind, params: p.params })).toThrow(/curvature.problem: unknown loss "hinge"/);
    expect(() => curvature.problem({ model: p.model, loss: 'mse', params: new Float64Array(3) })).toThrow(/curvature.problem: parameter vector must have length/);
    expect(() => curvature.hessianVectorProduct(p, batch, new Float64Array(2))).toThrow(/curvature.hessianVectorProduct: v must have length numParams = \d+, given 2/);
    expect(() => curvature.gradient(p, { inputs: new Float64Array(5), targets: Int32Array.of(0) })).toThrow(/batch.inputs length 5 is not a positive multiple of the example size 4/);
    expect(() => curvature.loss(p, { inputs: new Float64Array(8), targets: Int32Array.of(0) })).toThrow(/expected 2 targets for 2 examples, given 1/);
    expect(() => curvature.loss(p, { inputs: Float64Array.of(0, 0, NaN, 0), targets: Int32Array.of(0) })).toThrow(/batch.inputs\[2\] is NaN/);
    expect(() => curvature.directionalCurvature(curvature.ggnOperator(p, batch), new Float64Array(p.model.numParams).fill(1))).toThrow(/directionalCurvature: direction d must be normalized/);
  });
});

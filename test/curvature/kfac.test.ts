/**
 * K-FAC (MATH.md §5, §6): factors against the exact GGN block and against factors assembled by
 * hand from per-example gradients; MC against exact within a derived statistical bound; conv on a
 * 1×1 input = linear; chunking; batch averages of factors (Eq. 5 holds for factors, not for the
 * K-FAC matrix); debiasing (Eq. 9); kfacEigen and kfacOperator against dense matrices; errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curvature, linalg, nn } from '../../src/index.ts';
import * as ad from '../../src/autodiff/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';

const rng = new Random(21);
const normal = (n: number, r = rng) => Float64Array.from({ length: n }, () => r.normal());
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
const dense = (data: Float64Array, n: number): linalg.Dense => ({ data, rows: n, cols: n });

const mlp = nn.fromSpec({ input: [4], layers: [{ type: 'linear', out: 5 }, { type: 'tanh' }, { type: 'linear', out: 3 }] });
const mlpProblem = curvature.problem({ model: mlp, loss: 'cross_entropy', weightDecay: 0, params: mlp.init(new Random(2)) });
const mlpData = (n: number, r = rng) => ({ inputs: normal(4 * n, r), targets: Int32Array.from({ length: n }, () => r.integer(3)) });

/** The dense P×P block of a row-major matrix at [offset, offset + size). */
function block(m: Float64Array, P: number, offset: number, size: number): Float64Array {
  return Float64Array.from({ length: size * size }, (_, k) => m[(offset + Math.floor(k / size)) * P + offset + (k % size)]);
}

describe('K-FAC factors', () => {
  it('|B| = 1, exact: G ⊗ A is the exact GGN block of every linear weight', () => {
    for (const loss of ['cross_entropy', 'mse'] as const) {
      const p = curvature.problem({ ...mlpProblem, loss, model: mlp });
      const x = loss === 'mse' ? { inputs: normal(4), targets: normal(3) } : mlpData(1);
      const ggn = curvature.ggnMatrix(p, x);
      const k = curvature.kfac(p, x);
      expect(k.blocks.map((b) => [b.param, b.offset, b.gSize, b.aSize])).toEqual([['0.weight', 0, 5, 4], ['2.weight', 25, 3, 5]]);
      for (const b of k.blocks) {
        const kron = linalg.kron(dense(b.g, b.gSize), dense(b.a, b.aSize)).data;
        const exact = block(ggn, mlp.numParams, b.offset, b.aSize * b.gSize);
        expect(maxDiff(kron, exact)).toBeLessThan(1e-13 * maxAbs(exact)); // the same sums in another order
      }
    }
  });

  it('empirical: the factors assembled by hand from per-example gradients', () => {
    const data = mlpData(7);
    const k = curvature.kfac(mlpProblem, data, { type: 'empirical' });
    // Per example n: the last layer's bias gradient is g_n = ∂ℓ_n/∂s, its input a_n = tanh(W0 x + b0).
    const P = mlp.numParams;
    const A = new Float64Array(25), G = new Float64Array(9);
    for (let n = 0; n < 7; n++) {
      const one = { inputs: data.inputs.subarray(4 * n, 4 * n + 4), targets: data.targets.subarray(n, n + 1) };
      const grad = curvature.gradient(mlpProblem, one);
      const g = grad.subarray(P - 3, P); // 2.bias
      const theta = mlpProblem.params;
      const a = Float64Array.from({ length: 5 }, (_, o) => Math.tanh(theta[20 + o] + [0, 1, 2, 3].reduce((s, i) => s + theta[o * 4 + i] * one.inputs[i], 0)));
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) A[i * 5 + j] += a[i] * a[j] / 7;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) G[i * 3 + j] += g[i] * g[j] / 7;
      // vec(∇W) = g ⊗ a (row-major): the weight gradient is the outer product.
      expect(maxDiff(grad.subarray(25, 40), Float64Array.from({ length: 15 }, (_, q) => g[Math.floor(q / 5)] * a[q % 5]))).toBeLessThan(1e-14);
    }
    expect(maxDiff(k.blocks[1].a, A)).toBeLessThan(1e-14);
    expect(maxDiff(k.blocks[1].g, G)).toBeLessThan(1e-15);
  });

  it('MC is unbiased for exact: the mean of 400 seeds is within 5 standard errors, entry by entry', () => {
    // Each seed's G is an average of N independent rank-one terms g gᵀ with E[g gᵀ] = the exact
    // per-example G; over S seeds the mean's error per entry has standard deviation σ/√S, with σ
    // the entry's standard deviation across seeds (estimated from the same seeds). 5σ/√S: a
    // normal tail of 6e-7 per entry, over the 34 entries ~2e-5 — and the seeds are fixed.
    const data = mlpData(3, new Random(5));
    const exact = curvature.kfac(mlpProblem, data);
    const S = 400;
    const samples = Array.from({ length: S }, (_, s) => curvature.kfac(mlpProblem, data, { type: 'mc', seed: s }));
    for (let b = 0; b < 2; b++) {
      const m = exact.blocks[b].g.length;
      for (let i = 0; i < m; i++) {
        const xs = samples.map((k) => k.blocks[b].g[i]);
        const mean = xs.reduce((a, v) => a + v, 0) / S;
        const sd = Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (S - 1));
        expect(Math.abs(mean - exact.blocks[b].g[i])).toBeLessThanOrEqual(5 * sd / Math.sqrt(S) + 1e-15);
      }
      expect(samples[0].blocks[b].a).toEqual(exact.blocks[b].a); // A does not depend on the type
    }
    // The empirical factor is another matrix: it misses the bound on some entry.
    const empirical = curvature.kfac(mlpProblem, data, { type: 'empirical' });
    expect(maxDiff(empirical.blocks[1].g, exact.blocks[1].g)).toBeGreaterThan(1e-3 * maxAbs(exact.blocks[1].g));
  });

  it('a conv layer on a 1×1 input gives the factors of the equivalent linear layer', () => {
    const conv = nn.fromSpec({ input: [4, 1, 1], layers: [{ type: 'conv2d', out: 5, kernel: 1 }, { type: 'tanh' }, { type: 'flatten' }, { type: 'linear', out: 3 }] });
    const pc = curvature.problem({ model: conv, loss: 'cross_entropy', weightDecay: 0, params: mlpProblem.params });
    const data = mlpData(6);
    const [kc, kl] = [curvature.kfac(pc, data), curvature.kfac(mlpProblem, data)];
    kc.blocks.forEach((b, i) => {
      expect(maxDiff(b.a, kl.blocks[i].a)).toBeLessThan(1e-14);
      expect(maxDiff(b.g, kl.blocks[i].g)).toBeLessThan(1e-14);
    });
  });

  it('conv: A averages the im2col patches (padding included) over images and locations, G sums locations', () => {
    const model = nn.fromSpec({ input: [2, 3, 3], layers: [{ type: 'conv2d', out: 2, kernel: 2, padding: 1, stride: 2 }, { type: 'flatten' }, { type: 'linear', out: 3 }] });
    const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0, params: model.init(new Random(3)) });
    const data = { inputs: normal(2 * 18), targets: Int32Array.of(0, 2) };
    const k = curvature.kfac(p, data, { type: 'empirical' });
    // By hand: output 2×2 locations, patch (c, i, j) of location (y, x) = x[c, 2y − 1 + i, 2x − 1 + j] (0 outside).
    const A = new Float64Array(64);
    for (let n = 0; n < 2; n++) for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) {
      const patch = Float64Array.from({ length: 8 }, (_, q) => {
        const [c, i, j] = [Math.floor(q / 4), Math.floor(q / 2) % 2, q % 2];
        const [r, s] = [2 * y - 1 + i, 2 * x - 1 + j];
        return r >= 0 && r < 3 && s >= 0 && s < 3 ? data.inputs[n * 18 + c * 9 + r * 3 + s] : 0;
      });
      for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) A[i * 8 + j] += patch[i] * patch[j] / (2 * 4);
    }
    expect(maxDiff(k.blocks[0].a, A)).toBeLessThan(1e-14);
    // G by hand: s = conv(x) is the conv output; the rest, flatten → linear → cross-entropy, is
    // written here with autodiff ops, and its gradient per example and location is g_{n,t}.
    const theta = p.params;
    const W1 = T.tensor(theta.subarray(18, 18 + 24), [3, 8]), b1 = T.tensor(theta.subarray(42, 45), [3]);
    const s = T.add(T.conv2d(model.inputTensor(data.inputs), T.tensor(theta.subarray(0, 16), [2, 2, 2, 2]), { stride: 2, padding: 1 }), T.reshape(T.tensor(theta.subarray(16, 18), [2]), [1, 2, 1, 1]));
    const rest = (out: ad.Value) => {
      const z = ad.add(ad.matmul(ad.reshape(out, [2, 8]), W1, { transB: true }), b1); // logits [2, 3]
      return ad.sum(ad.sub(ad.logsumexp(z, 1), ad.gather(ad.reshape(z, [6]), Int32Array.of(0, 5), [2]))); // Σ_n ℓ_n, labels 0 and 2
    };
    const gs = ad.concrete(ad.grad(rest)(s)).data; // [2, 2, 2, 2]: the per-example loss ℓ_n (a sum, not a mean)
    const G = new Float64Array(4);
    for (let n = 0; n < 2; n++) for (let t = 0; t < 4; t++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) G[i * 2 + j] += gs[n * 8 + i * 4 + t] * gs[n * 8 + j * 4 + t] / 2;
    expect(maxDiff(k.blocks[0].g, G)).toBeLessThan(1e-14 * maxAbs(G));
  });

  it('chunked equals one-shot; factors of the full data are the averages over batches (Eq. 5), the K-FAC matrix is not', () => {
    const data = mlpData(12, new Random(8));
    const oneShot = curvature.kfac(mlpProblem, data);
    const chunked = curvature.kfac(mlpProblem, data, { chunkSize: 5 });
    oneShot.blocks.forEach((b, i) => {
      expect(maxDiff(chunked.blocks[i].a, b.a)).toBeLessThan(1e-14 * maxAbs(b.a));
      expect(maxDiff(chunked.blocks[i].g, b.g)).toBeLessThan(1e-14 * maxAbs(b.g));
    });
    const halves = [0, 1].map((h) => curvature.kfac(mlpProblem, { inputs: data.inputs.subarray(h * 24, h * 24 + 24), targets: data.targets.subarray(h * 6, h * 6 + 6) }));
    oneShot.blocks.forEach((b, i) => {
      const meanA = halves[0].blocks[i].a.map((v, q) => (v + halves[1].blocks[i].a[q]) / 2);
      const meanG = halves[0].blocks[i].g.map((v, q) => (v + halves[1].blocks[i].g[q]) / 2);
      expect(maxDiff(meanA, b.a)).toBeLessThan(1e-14 * maxAbs(b.a));
      expect(maxDiff(meanG, b.g)).toBeLessThan(1e-14 * maxAbs(b.g));
      const kronOf = (k: curvature.Kfac) => linalg.kron(dense(k.blocks[i].g, b.gSize), dense(k.blocks[i].a, b.aSize)).data;
      const meanKron = kronOf(halves[0]).map((v, q) => (v + kronOf(halves[1])[q]) / 2);
      expect(maxDiff(meanKron, kronOf(oneShot))).toBeGreaterThan(1e-6 * maxAbs(kronOf(oneShot)));
    });
  });
});

/** A random PSD n×n matrix M Mᵀ (rank ≤ r). */
function randomPsd(n: number, r: number, rand: Random): Float64Array {
  const m = Float64Array.from({ length: n * r }, () => rand.normal());
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let q = 0; q < r; q++) out[i * n + j] += m[i * r + q] * m[j * r + q];
  return out;
}

describe('debiased K-FAC (Eq. 9)', () => {
  const makeKfac = (rand: Random, gSize: number, aSize: number): curvature.Kfac => ({
    blocks: [{ param: '0.weight', offset: 0, aSize, gSize, a: randomPsd(aSize, 1 + rand.integer(aSize), rand), g: randomPsd(gSize, 1 + rand.integer(gSize), rand) }],
  });
  it('debiasKfac(k, k) = k; along (U_G ⊗ U_A) e_ij the debiased curvature is G2 ⊗ A2\'s; the factors are symmetric PSD', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), seed, (gSize, aSize, s) => {
      const rand = new Random(s);
      const k1 = makeKfac(rand, gSize, aSize), k2 = makeKfac(rand, gSize, aSize);
      const same = curvature.debiasKfac(k1, k1).blocks[0];
      expect(maxDiff(same.a, k1.blocks[0].a)).toBeLessThanOrEqual(1e-12 * Math.max(1, maxAbs(k1.blocks[0].a)));
      expect(maxDiff(same.g, k1.blocks[0].g)).toBeLessThanOrEqual(1e-12 * Math.max(1, maxAbs(k1.blocks[0].g)));
      const d = curvature.debiasKfac(k1, k2).blocks[0];
      const [ua, ug] = [linalg.eigh(k1.blocks[0].a, aSize), linalg.eigh(k1.blocks[0].g, gSize)];
      const col = (m: Float64Array, n: number, c: number) => Float64Array.from({ length: n }, (_, r) => m[r * n + c]);
      const quad = (m: Float64Array, n: number, v: Float64Array) => v.reduce((acc, x, i) => acc + x * v.reduce((t, y, j) => t + m[i * n + j] * y, 0), 0);
      for (let i = 0; i < gSize; i++) for (let j = 0; j < aSize; j++) {
        const [u, w] = [col(ug.vectors, gSize, i), col(ua.vectors, aSize, j)];
        // (u ⊗ w)ᵀ (G ⊗ A)(u ⊗ w) = (uᵀ G u)(wᵀ A w)
        const debiased = quad(d.g, gSize, u) * quad(d.a, aSize, w);
        const onB2 = quad(k2.blocks[0].g, gSize, u) * quad(k2.blocks[0].a, aSize, w);
        expect(Math.abs(debiased - onB2)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(onB2)));
      }
      for (const [m, n] of [[d.a, aSize], [d.g, gSize]] as const) {
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(m[i * n + j]).toBe(m[j * n + i]);
        expect(linalg.eigh(m, n).values[0]).toBeGreaterThanOrEqual(-1e-12 * Math.max(1, maxAbs(m)));
      }
    }), { numRuns: 40 });
  });
  it('each debiased block carries its eigendecompositions: a = U_A diag(ã) U_Aᵀ, g likewise', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), seed, (gSize, aSize, s) => {
      const rand = new Random(s);
      const d = curvature.debiasKfac(makeKfac(rand, gSize, aSize), makeKfac(rand, gSize, aSize)).blocks[0];
      for (const [m, e, n] of [[d.a, d.eigen!.a, aSize], [d.g, d.eigen!.g, gSize]] as const) {
        const rebuilt = Float64Array.from({ length: n * n }, (_, q) => {
          const [r, c] = [Math.floor(q / n), q % n];
          let v = 0;
          for (let j = 0; j < n; j++) v += e.vectors[r * n + j] * e.values[j] * e.vectors[c * n + j];
          return v;
        });
        expect(maxDiff(rebuilt, m)).toBeLessThanOrEqual(1e-12 * Math.max(1, maxAbs(m)));
      }
    }), { numRuns: 30 });
  });
  it('debiasedKfac builds the same block by block; kfac({ blocks }) computes only the named weights', () => {
    const b1 = mlpData(7), b2 = mlpData(9);
    const whole = curvature.kfac(mlpProblem, b1);
    const second = curvature.kfac(mlpProblem, b1, { blocks: ['2.weight'] });
    expect(second.blocks).toHaveLength(1);
    expect(second.blocks[0]).toEqual(whole.blocks[1]);
    const byBlock = curvature.debiasedKfac(mlpProblem, b1, b2);
    const together = curvature.debiasKfac(whole, curvature.kfac(mlpProblem, b2));
    expect(byBlock.blocks.map((b) => b.param)).toEqual(['0.weight', '2.weight']);
    byBlock.blocks.forEach((b, i) => {
      expect(b.a).toEqual(together.blocks[i].a);
      expect(b.g).toEqual(together.blocks[i].g);
    });
    expect(() => curvature.kfac(mlpProblem, b1, { blocks: ['1.weight'] })).toThrow(/kfac: blocks: '1.weight' is not a linear or conv2d weight of the model \(0.weight, 2.weight\)/);
    expect(() => curvature.kfac(mlpProblem, b1, { blocks: [] })).toThrow(/kfac: blocks must be a non-empty list of weight names/);
  });
});

describe('kfacEigen and kfacOperator against dense matrices', () => {
  const data = mlpData(9, new Random(4));
  const p = curvature.problem({ model: mlp, loss: 'cross_entropy', weightDecay: 0.3, params: mlpProblem.params });
  const k = curvature.kfac(p, data);
  const P = mlp.numParams;
  const full = new Float64Array(P * P); // block-diagonal K (zero on the biases)
  for (const b of k.blocks) {
    const kb = linalg.kron(dense(b.g, b.gSize), dense(b.a, b.aSize)).data, size = b.aSize * b.gSize;
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) full[(b.offset + i) * P + b.offset + j] = kb[i * size + j];
  }
  it('kfacEigen: the top eigenpairs of the block-diagonal K-FAC matrix', () => {
    const top = curvature.kfacEigen(k, 6);
    const exact = linalg.eigh(full, P);
    top.values.forEach((v, i) => expect(Math.abs(v - exact.values[P - 1 - i])).toBeLessThan(1e-12 * exact.values[P - 1]));
    top.vectors.forEach((u, i) => {
      expect(u.length).toBe(P);
      const ku = Float64Array.from({ length: P }, (_, r) => u.reduce((s, x, c) => s + full[r * P + c] * x, 0));
      expect(maxDiff(ku, u.map((x) => x * top.values[i]))).toBeLessThan(1e-12 * exact.values[P - 1]);
      expect(Math.abs(linalg.norm(u) - 1)).toBeLessThan(1e-13);
    });
  });
  it('kfacOperator: v ↦ K v + λ D v equals the dense matrix', () => {
    const op = curvature.kfacOperator(p, k);
    const matrix = curvature.denseMatrix(op);
    const mask = mlp.weightMask();
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
      const expected = full[i * P + j] + (i === j ? 0.3 * mask[i] : 0);
      expect(Math.abs(matrix[i * P + j] - expected)).toBeLessThan(1e-14 * Math.max(1, maxAbs(full)));
    }
  });
});

describe('K-FAC errors', () => {
  it('refuses a model without linear/conv layers, unknown types, bad seeds and factors of another model', () => {
    const pool = nn.fromSpec({ input: [1, 2, 2], layers: [{ type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }] });
    const pp = curvature.problem({ model: pool, loss: 'mse', weightDecay: 0, params: new Float64Array(0) });
    expect(() => curvature.kfac(pp, { inputs: new Float64Array(4), targets: new Float64Array(1) })).toThrow(/kfac: the model has no linear or conv2d layer, so K-FAC has no block/);
    const data = mlpData(2);
    expect(() => curvature.kfac(mlpProblem, data, { type: 'fisher' as curvature.KfacType })).toThrow(/kfac: type must be 'exact', 'mc' or 'empirical', given "fisher"/);
    expect(() => curvature.kfac(mlpProblem, data, { type: 'mc', seed: 1.5 })).toThrow(/kfac: seed must be an integer ≥ 0, given 1.5/);
    const other = nn.fromSpec({ input: [4], layers: [{ type: 'linear', out: 2 }] });
    const ko = curvature.kfac(curvature.problem({ model: other, loss: 'cross_entropy', weightDecay: 0, params: other.init(new Random(1)) }), data);
    expect(() => curvature.debiasKfac(curvature.kfac(mlpProblem, data), ko)).toThrow(/debiasKfac: the two K-FACs are of different models: blocks \[0.weight@0 5×4, 2.weight@25 3×5\] and \[0.weight@0 2×4\]/);
    expect(() => curvature.kfacOperator(mlpProblem, ko)).toThrow(/kfacOperator: the K-FAC's blocks are not this model's weights/);
    expect(() => curvature.kfacEigen(ko, 9)).toThrow(/kfacEigen: count must be an integer in \[1, 8\]/);
  });
});

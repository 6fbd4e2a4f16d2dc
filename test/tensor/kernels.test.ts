/** Forward values of the fast kernels against naive definitions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.ts';
import { Random, randn, Tensor } from '../../src/tensor/index.ts';
import { broadcastPair, seed, shape } from '../helpers/arbitrary.ts';
import { expectClose } from '../helpers/derivatives.ts';
import { at, indices, naiveConv2d, naiveMatmul, naivePool2d } from '../helpers/reference.ts';

/**
 * Blocked kernels sum in a different order than the naive loops, so results differ by
 * rounding only: for a length-k dot product of O(1) terms, ≲ k·ε_mach ≈ 1e-13 here.
 */
const KERNEL_TOLERANCE = 1e-12;

const toNested3 = (t: Tensor): number[][][] => {
  const [b, r, c] = t.shape;
  return Array.from({ length: b }, (_, i) => Array.from({ length: r }, (_, j) => Array.from({ length: c }, (_, k) => at(t, [i, j, k]))));
};

describe('matmul', () => {
  it('equals the naive triple loop for every transpose flag, including sizes that are not multiples of the 4×4 block and k beyond one 256 block', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 13 }), fc.boolean(), fc.boolean(), seed, (m, k, n, ta, tb, s) => {
        const rng = new Random(s);
        const a = randn(ta ? [2, k, m] : [2, m, k], rng), b = randn(tb ? [2, n, k] : [2, k, n], rng);
        const got = T.matmul(a, b, { transA: ta, transB: tb });
        const opA = ta ? T.transpose(a) : a, opB = tb ? T.transpose(b) : b;
        const want = naiveMatmul(toNested3(opA), toNested3(opB)).flat(2);
        expect(got.shape).toEqual([2, m, n]);
        expectClose(got.data, Float64Array.from(want), KERNEL_TOLERANCE, 'matmul');
      }),
      { numRuns: 30 },
    );
  });
  it('broadcasts batch dimensions', () => {
    const rng = new Random(3);
    const a = randn([3, 1, 2, 4], rng), b = randn([2, 4, 5], rng);
    const got = T.matmul(a, b);
    expect(got.shape).toEqual([3, 2, 2, 5]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) {
      const ai = T.reshape(T.slice(a, [i, 0, 0, 0], [i + 1, 1, 2, 4]), [2, 4]);
      const bj = T.reshape(T.slice(b, [j, 0, 0], [j + 1, 4, 5]), [4, 5]);
      const part = T.reshape(T.slice(got, [i, j, 0, 0], [i + 1, j + 1, 2, 5]), [2, 5]);
      expectClose(part.data, T.matmul(ai, bj).data, KERNEL_TOLERANCE, 'batched matmul');
    }
  });
});

describe('conv2d', () => {
  it('equals the direct definition (stride, padding, rectangular kernels)', () => {
    fc.assert(
      fc.property(
        fc.record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }),
          kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }) })
          .filter((g) => g.kh <= g.h + 2 * g.ph && g.kw <= g.w + 2 * g.pw),
        seed,
        (g, s) => {
          const rng = new Random(s);
          const x = randn([g.n, g.c, g.h, g.w], rng), w = randn([g.o, g.c, g.kh, g.kw], rng);
          const got = T.conv2d(x, w, { stride: [g.sh, g.sw], padding: [g.ph, g.pw] });
          const want = naiveConv2d(x, w, [g.sh, g.sw], [g.ph, g.pw]);
          expect(got.shape).toEqual(want.shape);
          expectClose(got.data, want.data, KERNEL_TOLERANCE, 'conv2d');
        },
      ),
      { numRuns: 40 },
    );
  });
  it('adjoints satisfy ⟨gy, conv(x, w)⟩ = ⟨inputGrad(gy, w), x⟩ = ⟨weightGrad(x, gy), w⟩', () => {
    const rng = new Random(5);
    const x = randn([2, 3, 6, 5], rng), w = randn([4, 3, 3, 2], rng);
    const opts = { stride: [2, 1] as const, padding: [1, 0] as const };
    const y = T.conv2d(x, w, opts);
    const gy = randn(y.shape, rng);
    const ip = (a: Tensor, b: Tensor) => T.sum(T.mul(a, b)).item();
    const lhs = ip(gy, y);
    expect(Math.abs(ip(T.conv2dInputGrad(gy, w, x.shape, opts), x) - lhs)).toBeLessThan(1e-12 * Math.abs(lhs) + 1e-12);
    expect(Math.abs(ip(T.conv2dWeightGrad(x, gy, w.shape, opts), w) - lhs)).toBeLessThan(1e-12 * Math.abs(lhs) + 1e-12);
  });
});

describe('unfold (PyTorch F.unfold)', () => {
  it('W [o, c·kh·kw] times the patches of each image is the direct convolution', () => {
    fc.assert(fc.property(seed, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 2 }), (s, c, k, pad, stride) => {
      const rng = new Random(s);
      const x = randn([2, c, 5, 4], rng), w = randn([3, c, k, k], rng);
      const cols = T.unfold(x, k, { stride, padding: pad }); // [2, c·k·k, ho·wo]
      const direct = naiveConv2d(x, w, [stride, stride], [pad, pad]); // [2, 3, ho, wo]
      expect(cols.shape).toEqual([2, c * k * k, direct.shape[2] * direct.shape[3]]);
      const viaCols = T.matmul(T.reshape(w, [3, c * k * k]), cols); // broadcast over images: [2, 3, ho·wo]
      expectClose(viaCols.data, direct.data, 1e-13);
    }), { numRuns: 30 });
  });
});

describe('pooling', () => {
  const geometry = fc.record({ h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }), kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }) })
    .filter((g) => 2 * g.ph <= g.kh && 2 * g.pw <= g.kw && g.kh <= g.h + 2 * g.ph && g.kw <= g.w + 2 * g.pw);
  it('max and average pooling equal their definitions (padding: −∞ for max, counted in the divisor for average)', () => {
    fc.assert(
      fc.property(geometry, seed, (g, s) => {
        const x = randn([2, 2, g.h, g.w], new Random(s));
        const opts = { kernel: [g.kh, g.kw] as const, stride: [g.sh, g.sw] as const, padding: [g.ph, g.pw] as const };
        expectClose(T.maxPool2d(x, opts).data, naivePool2d(x, 'max', [g.kh, g.kw], [g.sh, g.sw], [g.ph, g.pw]).data, 0, 'maxPool2d');
        expectClose(T.avgPool2d(x, opts).data, naivePool2d(x, 'avg', [g.kh, g.kw], [g.sh, g.sw], [g.ph, g.pw]).data, KERNEL_TOLERANCE, 'avgPool2d');
      }),
      { numRuns: 50 },
    );
  });
  it('stride defaults to the kernel size', () => {
    const x = randn([1, 1, 4, 4], new Random(1));
    expect(T.maxPool2d(x, { kernel: 2 }).shape).toEqual([1, 1, 2, 2]);
  });
});

describe('elementwise and broadcasting', () => {
  it('binary ops follow NumPy broadcasting', () => {
    fc.assert(
      fc.property(broadcastPair(), seed, ([sa, sb], s) => {
        const rng = new Random(s);
        const a = randn(sa, rng), b = randn(sb, rng);
        const out = T.add(a, b);
        const rank = out.rank;
        for (const idx of indices(out.shape)) {
          const ia = idx.slice(rank - a.rank).map((v, d) => (a.shape[d] === 1 ? 0 : v));
          const ib = idx.slice(rank - b.rank).map((v, d) => (b.shape[d] === 1 ? 0 : v));
          expect(at(out, idx)).toBe(at(a, ia) + at(b, ib));
          expect(at(T.maximum(a, b), idx)).toBe(Math.max(at(a, ia), at(b, ib)));
          expect(at(T.div(a, b), idx)).toBe(at(a, ia) / at(b, ib));
        }
      }),
      { numRuns: 30 },
    );
  });
  it('unary ops match Math and PyTorch conventions', () => {
    const x = T.tensor([-800, -2, -0, 0, 0.5, 3, 800]);
    expect(Array.from(T.relu(x).data)).toEqual([0, 0, 0, 0, 0.5, 3, 800]);
    expect(Array.from(T.step(x).data)).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(T.sigmoid(x).data).every((v) => Number.isFinite(v))).toBe(true);
    expect(T.sigmoid(T.tensor([-800])).item()).toBe(0);
    expect(T.sigmoid(T.tensor([800])).item()).toBe(1);
    expect(T.tanh(T.tensor([0.3])).item()).toBe(Math.tanh(0.3));
    expect(Array.from(T.sign(x).data)).toEqual([-1, -1, 0, 0, 1, 1, 1]);
  });
});

describe('reductions', () => {
  it('sum over any set of axes equals the definition', () => {
    fc.assert(
      fc.property(shape(1, 4), seed, (shp, s) => {
        const rng = new Random(s);
        const x = randn(shp, rng);
        const axes = shp.map((_, i) => i).filter(() => rng.uniform() < 0.5);
        const got = T.sum(x, axes, true);
        const want = new Float64Array(got.size);
        const outStrides = T.stridesOf(got.shape);
        for (const idx of indices(shp)) want[idx.reduce((o, v, d) => o + (axes.includes(d) ? 0 : v * outStrides[d]), 0)] += at(x, idx);
        expectClose(got.data, want, KERNEL_TOLERANCE, 'sum');
        expect(T.sum(x, axes).shape).toEqual(shp.filter((_, i) => !axes.includes(i)));
      }),
      { numRuns: 30 },
    );
  });
  it('max/argmax pick the first maximum; logsumexp and softmax are stable', () => {
    const x = T.tensor([[1, 3, 3], [5, -1, 5]]);
    expect(Array.from(T.max(x, 1).data)).toEqual([3, 5]);
    expect(Array.from(T.argmax(x, 1))).toEqual([1, 0]);
    expect(Array.from(T.argmax(x, 0))).toEqual([1, 0, 1]);
    const big = T.tensor([[1000, 1000], [-1000, -1001]]);
    expectClose(T.logsumexp(big, 1).data, Float64Array.of(1000 + Math.log(2), -1000 + Math.log(1 + Math.exp(-1))), 1e-15, 'logsumexp');
    const p = T.softmax(big, 1);
    expectClose(p.data, Float64Array.of(0.5, 0.5, 1 / (1 + Math.exp(-1)), Math.exp(-1) / (1 + Math.exp(-1))), 1e-15, 'softmax');
    expect(T.logsumexp(T.tensor([-Infinity, -Infinity]), 0).item()).toBe(-Infinity);
    expect(T.mean(T.tensor([[1, 2], [3, 6]]), 0).data).toEqual(Float64Array.of(2, 4));
  });
});

describe('movement', () => {
  it('permute, slice and concat place every element where the definition says', () => {
    const rng = new Random(9);
    const x = randn([2, 3, 4], rng);
    const p = T.permute(x, [2, 0, 1]);
    for (const idx of indices(p.shape)) expect(at(p, idx)).toBe(at(x, [idx[1], idx[2], idx[0]]));
    const s = T.slice(x, [1, 0, 1], [2, 3, 3]);
    for (const idx of indices(s.shape)) expect(at(s, idx)).toBe(at(x, [idx[0] + 1, idx[1], idx[2] + 1]));
    const y = randn([2, 1, 4], rng);
    const c = T.concat([x, y], 1);
    expect(c.shape).toEqual([2, 4, 4]);
    for (const idx of indices(c.shape)) expect(at(c, idx)).toBe(idx[1] < 3 ? at(x, idx) : at(y, [idx[0], 0, idx[2]]));
    const u = T.unslice(s, x.shape, [1, 0, 1]);
    expect(T.sum(u).item()).toBeCloseTo(T.sum(s).item(), 12);
    expect(T.reshape(x, [4, -1]).shape).toEqual([4, 6]);
  });
});

/**
 * Every primitive's JVP and VJP rules against finite differences, the dot-product test between
 * them, and the JVP of each VJP rule (what hvp differentiates), on random shapes and values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Random, randn, type Tensor } from '../../src/tensor/index.ts';
import { broadcastPair, distinct, seed, shape, uniform } from '../helpers/arbitrary.ts';
import { checkDerivatives, type Fn } from '../helpers/derivatives.ts';

const RUNS = { numRuns: 20 };

/** Checks f on inputs made by `make` from a seeded generator, first and second order. */
function check(what: string, f: Fn, make: (rng: Random) => Tensor[], secondOrder = true): void {
  // A fresh generator per case keeps failures reproducible from the seed fast-check reports.
  fc.assert(
    fc.property(seed, (s) => {
      const rng = new Random(s);
      checkDerivatives(f, make(rng), rng, { secondOrder, what });
    }),
    RUNS,
  );
}

describe('unary primitives: rules match finite differences', () => {
  const cases: [string, (x: ad.Value) => ad.Value, (s: number[], r: Random) => Tensor][] = [
    ['neg', ad.neg, (s, r) => randn(s, r)],
    ['exp', ad.exp, (s, r) => uniform(s, r, -2, 2)],
    ['log', ad.log, (s, r) => uniform(s, r, 0.5, 3)],
    ['tanh', ad.tanh, (s, r) => uniform(s, r, -2, 2)],
    ['sigmoid', ad.sigmoid, (s, r) => uniform(s, r, -3, 3)],
    // Kinks at 0: keep |x| ≥ 0.1 so the stencil (|h·v| ≲ 0.01) never crosses one.
    ['relu', ad.relu, (s, r) => uniform(s, r, 0.1, 2, true)],
    ['abs', ad.abs, (s, r) => uniform(s, r, 0.1, 2, true)],
    ['sqrt', ad.sqrt, (s, r) => uniform(s, r, 0.5, 3)],
    ['square', ad.square, (s, r) => randn(s, r)],
  ];
  for (const [name, op, make] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(shape(0, 3), seed, (shp, s) => {
          const rng = new Random(s);
          checkDerivatives(([x]) => op(x), [make(shp, rng)], rng, { secondOrder: true, what: name });
        }),
        RUNS,
      );
    });
  }
});

describe('binary primitives with broadcasting: rules match finite differences', () => {
  const cases: [string, (a: ad.Value, b: ad.Value) => ad.Value, (s: number[], r: Random) => Tensor][] = [
    ['add', ad.add, (s, r) => randn(s, r)],
    ['sub', ad.sub, (s, r) => randn(s, r)],
    ['mul', ad.mul, (s, r) => randn(s, r)],
    ['div', ad.div, (s, r) => uniform(s, r, 0.5, 2, true)],
  ];
  for (const [name, op, make] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(broadcastPair(), seed, ([sa, sb], s) => {
          const rng = new Random(s);
          const a = name === 'div' ? randn(sa, rng) : make(sa, rng);
          checkDerivatives(([x, y]) => op(x, y), [a, make(sb, rng)], rng, { secondOrder: true, what: name });
        }),
        RUNS,
      );
    });
  }
  it('maximum (operands kept apart, so no tie is crossed)', () => {
    fc.assert(
      fc.property(broadcastPair(), seed, ([sa, sb], s) => {
        const rng = new Random(s);
        // First operand b + d with |d| ≥ 0.2: never within a stencil (|h·v| ≤ 2e-3) of b.
        const d = uniform(sa, rng, 0.2, 1, true);
        checkDerivatives(([dd, b]) => ad.maximum(ad.add(b, dd), b), [d, randn(sb, rng)], rng, { secondOrder: true, what: 'maximum' });
      }),
      RUNS,
    );
  });
});

describe('reductions: rules match finite differences', () => {
  it('sum over random axes, with and without keepDims', () => {
    fc.assert(
      fc.property(shape(1, 4), seed, fc.boolean(), (shp, s, keep) => {
        const rng = new Random(s);
        const axes = shp.map((_, i) => i).filter(() => rng.uniform() < 0.5);
        checkDerivatives(([x]) => ad.sum(x, axes, keep), [randn(shp, rng)], rng, { secondOrder: true, what: 'sum' });
      }),
      RUNS,
    );
  });
  it('mean', () => check('mean', ([x]) => ad.mean(x, [0], true), (r) => [randn([3, 2, 2], r)]));
  it('max along an axis (distinct values)', () => {
    fc.assert(
      fc.property(shape(1, 3), seed, (shp, s) => {
        const rng = new Random(s);
        const axis = rng.integer(shp.length);
        checkDerivatives(([x]) => ad.max(x, axis), [distinct(shp, rng)], rng, { secondOrder: true, what: 'max' });
      }),
      RUNS,
    );
  });
  it('logsumexp along an axis', () => {
    fc.assert(
      fc.property(shape(1, 3), seed, fc.boolean(), (shp, s, keep) => {
        const rng = new Random(s);
        const axis = rng.integer(shp.length) - shp.length; // negative axes too
        checkDerivatives(([x]) => ad.logsumexp(x, axis, keep), [uniform(shp, rng, -3, 3)], rng, { secondOrder: true, what: 'logsumexp' });
      }),
      RUNS,
    );
  });
  it('softmax and logSoftmax', () => {
    check('softmax', ([x]) => ad.softmax(x, 1), (r) => [uniform([3, 4], r, -3, 3)]);
    check('logSoftmax', ([x]) => ad.logSoftmax(x, 0), (r) => [uniform([3, 4], r, -3, 3)]);
  });
});

describe('movement primitives: rules match finite differences', () => {
  it('reshape, permute, transpose', () => {
    check('reshape', ([x]) => ad.reshape(x, [4, -1]), (r) => [randn([2, 3, 2], r)]);
    fc.assert(
      fc.property(shape(1, 4), seed, (shp, s) => {
        const rng = new Random(s);
        const perm = Array.from(rng.permutation(shp.length));
        checkDerivatives(([x]) => ad.permute(x, perm), [randn(shp, rng)], rng, { secondOrder: true, what: 'permute' });
      }),
      RUNS,
    );
    check('transpose', ([x]) => ad.transpose(x, 0, 2), (r) => [randn([2, 3, 4], r)]);
  });
  it('broadcastTo and sumTo', () => {
    fc.assert(
      fc.property(broadcastPair(), seed, ([sa, sb], s) => {
        const rng = new Random(s);
        const out = ad.add(randn(sa, rng), randn(sb, rng)).shape;
        checkDerivatives(([x]) => ad.broadcastTo(x, out), [randn(sa, rng)], rng, { secondOrder: true, what: 'broadcastTo' });
        checkDerivatives(([x]) => ad.sumTo(x, sb), [randn(out, rng)], rng, { secondOrder: true, what: 'sumTo' });
      }),
      RUNS,
    );
  });
  it('slice and concat', () => {
    fc.assert(
      fc.property(shape(1, 3, 5), seed, (shp, s) => {
        const rng = new Random(s);
        const begin = shp.map((d) => rng.integer(d));
        const end = shp.map((d, i) => begin[i] + 1 + rng.integer(d - begin[i]));
        checkDerivatives(([x]) => ad.slice(x, begin, end), [randn(shp, rng)], rng, { secondOrder: true, what: 'slice' });
        const axis = rng.integer(shp.length);
        const other = shp.map((d, i) => (i === axis ? 1 + rng.integer(3) : d));
        checkDerivatives(([x, y]) => ad.concat([x, y, x], axis), [randn(shp, rng), randn(other, rng)], rng, { secondOrder: true, what: 'concat' });
      }),
      RUNS,
    );
  });
  it('gather with repeated indices', () => {
    check('gather', ([x]) => ad.gather(x, Int32Array.of(0, 5, 5, 2, 0, 1), [2, 3]), (r) => [randn([2, 3], r)]);
  });
});

describe('matmul: rules match finite differences', () => {
  it('2-D, batched and broadcast batches, with transposed operands', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.boolean(), fc.constantFrom('2d', 'batched', 'broadcast'), seed,
        (m, k, n, transA, transB, layout, s) => {
          const rng = new Random(s);
          const aMat = transA ? [k, m] : [m, k];
          const bMat = transB ? [n, k] : [k, n];
          const aShape = layout === '2d' ? aMat : layout === 'batched' ? [2, ...aMat] : [3, 1, ...aMat];
          const bShape = layout === '2d' ? bMat : layout === 'batched' ? [2, ...bMat] : [2, ...bMat];
          checkDerivatives(([a, b]) => ad.matmul(a, b, { transA, transB }), [randn(aShape, rng), randn(bShape, rng)], rng, { secondOrder: true, what: 'matmul' });
        }),
      RUNS,
    );
  });
});

describe('matmul with a 1-D operand (NumPy semantics)', () => {
  it('matrix·vector, vector·matrix, vector·vector and batched: values by definition, rules against finite differences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.constantFrom('mv', 'vm', 'vv', 'batched-mv', 'vm-batched'), seed, (m, k, kind, s) => {
        const rng = new Random(s);
        const shapes: Record<string, [number[], number[], number[]]> = {
          mv: [[m, k], [k], [m]], vm: [[k], [k, m], [m]], vv: [[k], [k], []], 'batched-mv': [[2, m, k], [k], [2, m]], 'vm-batched': [[k], [3, k, m], [3, m]],
        };
        const [aShape, bShape, outShape] = shapes[kind];
        const a = randn(aShape, rng), b = randn(bShape, rng);
        const c = ad.concrete(ad.matmul(a, b));
        expect(c.shape).toEqual(outShape);
        // By definition: c[..., i] = Σ_p a[..., i, p] b[p] (mv), c[..., j] = Σ_p a[p] b[..., p, j] (vm), Σ_p a[p] b[p] (vv).
        const A = a.data, B = b.data;
        const expected = Array.from({ length: c.size }, (_, idx) => {
          let sum = 0;
          for (let p = 0; p < k; p++) {
            if (kind === 'vv') sum += A[p] * B[p];
            else if (kind.endsWith('mv')) sum += A[idx * k + p] * B[p];
            else { const batch = Math.floor(idx / m), j = idx % m; sum += A[p] * B[batch * k * m + p * m + j]; }
          }
          return sum;
        });
        c.data.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(expected[i])) * k));
        expect(T.matmul(a, b).data).toEqual(c.data); // the tensor op follows the same rule
        checkDerivatives(([x, y]) => ad.matmul(x, y), [a, b], rng, { secondOrder: true, what: `matmul ${kind}` });
      }),
      RUNS,
    );
  });
  it('refuses transposes of a 1-D operand and 0-D operands', () => {
    expect(() => ad.matmul(randn([3], new Random(1)), randn([3, 2], new Random(2)), { transA: true })).toThrow(/matmul: transA\/transB apply to operands of at least 2 dimensions, given a \[3\]ᵀ and b \[3,2\]/);
    expect(() => T.matmul(randn([], new Random(1)), randn([3, 2], new Random(2)))).toThrow(/matmul: operands must be at least 1-D, given a \[\] and b \[3,2\]/);
  });
});

describe('conv2d and its adjoints: rules match finite differences', () => {
  const geometry = fc.record({
    n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 6 }), w: fc.integer({ min: 1, max: 6 }),
    kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }), padding: fc.integer({ min: 0, max: 2 }),
  }).filter((g) => g.kh <= g.h + 2 * g.padding && g.kw <= g.w + 2 * g.padding);

  it('conv2d (stride, padding)', () => {
    fc.assert(
      fc.property(geometry, seed, (g, s) => {
        const rng = new Random(s);
        const opts = { stride: g.stride, padding: g.padding };
        checkDerivatives(([x, w]) => ad.conv2d(x, w, opts), [randn([g.n, g.c, g.h, g.w], rng), randn([g.o, g.c, g.kh, g.kw], rng)], rng, { secondOrder: true, what: 'conv2d' });
      }),
      RUNS,
    );
  });
  it('conv2dInputGrad and conv2dWeightGrad as primitives of their own', () => {
    fc.assert(
      fc.property(geometry, seed, (g, s) => {
        const rng = new Random(s);
        const opts = { stride: g.stride, padding: g.padding };
        const xShape = [g.n, g.c, g.h, g.w], wShape = [g.o, g.c, g.kh, g.kw];
        const yShape = ad.conv2d(randn(xShape, rng), randn(wShape, rng), opts).shape;
        checkDerivatives(([gy, w]) => ad.conv2dInputGrad(gy, w, xShape, opts), [randn(yShape, rng), randn(wShape, rng)], rng, { secondOrder: true, what: 'conv2dInputGrad' });
        checkDerivatives(([x, gy]) => ad.conv2dWeightGrad(x, gy, wShape, opts), [randn(xShape, rng), randn(yShape, rng)], rng, { secondOrder: true, what: 'conv2dWeightGrad' });
      }),
      RUNS,
    );
  });
});

describe('pooling: rules match finite differences, padding included', () => {
  const geometry = fc.record({
    h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }),
    kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 1 }),
  }).filter((g) => 2 * g.pad <= Math.min(g.kh, g.kw) && g.kh <= g.h + 2 * g.pad && g.kw <= g.w + 2 * g.pad);

  it('maxPool2d (distinct values)', () => {
    fc.assert(
      fc.property(geometry, seed, (g, s) => {
        const rng = new Random(s);
        const opts = { kernel: [g.kh, g.kw] as const, stride: g.stride, padding: g.pad };
        checkDerivatives(([x]) => ad.maxPool2d(x, opts), [distinct([2, 2, g.h, g.w], rng)], rng, { secondOrder: true, what: 'maxPool2d' });
      }),
      RUNS,
    );
  });
  it('avgPool2d', () => {
    fc.assert(
      fc.property(geometry, seed, (g, s) => {
        const rng = new Random(s);
        const opts = { kernel: [g.kh, g.kw] as const, stride: g.stride, padding: g.pad };
        checkDerivatives(([x]) => ad.avgPool2d(x, opts), [randn([2, 2, g.h, g.w], rng)], rng, { secondOrder: true, what: 'avgPool2d' });
      }),
      RUNS,
    );
  });
});

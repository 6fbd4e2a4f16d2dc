/**
 * Every gpu.js kernel against the float64 CPU backend on random shapes, in whatever mode gpu.js
 * has here ('auto'; MBQUAD_GPU_MODE=<mode> picks another, e.g. headlessgl on a GPU machine).
 *
 * Inputs are rounded to float32 first, so both backends see the same numbers and the whole
 * difference is float32 arithmetic. Tolerances are the standard rounding-error bounds with
 * u = 2^-24 (unit roundoff of float32) and γ_K = K·u / (1 − K·u) (Higham, Accuracy and Stability
 * of Numerical Algorithms, §3.1):
 *  - a sum or dot product of K terms, in any order: |computed − exact| ≤ γ_K · Σ|terms|;
 *  - one rounded operation: ≤ u·|exact| (add, mul, div, sqrt; exp/log/tanh are evaluated in
 *    float64 and rounded once in webasm); sigmoid takes exp, 1 + e and a division: ≤ 4u·|y|
 *    (plus the input rounding of e, covered by the same 4u for |v| ≤ 4 used here). The GL modes
 *    use GLSL's looser bounds for transcendentals and division (see GL_UNARY).
 * Results below float32's normal range lose absolute accuracy instead: every one-rounding bound
 * gets + η, η = 2^-149 (the smallest subnormal; e.g. (1e-30)² = 1e-60 becomes 0).
 * These are worst-case bounds, so a pass is not luck and a real indexing bug (a wrong or
 * missing term) shows up as an error of the size of a term, far above them.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '../../src/tensor/index.ts';
import { Random, Tensor, type GpuMode, type UnaryOp } from '../../src/tensor/index.ts';
import { broadcastPair, seed, shape } from '../helpers/arbitrary.ts';

const mode = (process.env.MBQUAD_GPU_MODE ?? 'auto') as GpuMode;
const gpu = T.gpuBackend({ mode });
/** The same mode with the other matmul/conv kernels (direct ↔ blocked): both kinds are checked in every mode. */
const other = T.gpuBackend({ mode, kernels: gpu.kernels === 'direct' ? 'blocked' : 'direct' });
const blocked = gpu.kernels === 'blocked' ? gpu : other;
afterAll(() => {
  for (const backend of [gpu, other]) {
    expect(backend.fallbacks, `kernels gpu.js did not run in '${backend.mode}'`).toEqual([]);
    backend.destroy();
  }
});

const u = 2 ** -24;
const eta = 2 ** -149;
const gamma = (k: number) => (k * u) / (1 - k * u);

/** Standard normal entries rounded to float32 (CPU tensor). */
function randn32(shp: readonly number[], rng: Random): Tensor {
  return fround(T.randn(shp, rng));
}

const fround = (t: Tensor) => new Tensor(t.shape, t.data.map(Math.fround));
const onGpu = (t: Tensor) => T.toBackend(t, gpu);

/** |got − want| ≤ bound elementwise, with the worst case named on failure. */
function expectWithin(got: Tensor, want: Tensor, bound: ArrayLike<number>, what: string): void {
  expect([gpu, other]).toContain(got.backend);
  expect(got.shape, what).toEqual(want.shape);
  const g = got.data, w = want.data;
  let worst = -Infinity, at = -1;
  for (let i = 0; i < w.length; i++) {
    const excess = Math.abs(g[i] - w[i]) - bound[i];
    if (excess > worst) { worst = excess; at = i; }
  }
  if (w.length > 0) expect(worst, `${what}: element ${at} is ${g[at]}, CPU ${w[at]}, bound ${bound[at]}`).toBeLessThanOrEqual(0);
}

/** γ_K · (the same op on absolute values): the bound on a K-term sum of products. */
const dotBound = (absResult: Tensor, k: number) => absResult.data.map((v) => gamma(k) * v);

describe('gpu.js backend', () => {
  it(`runs in mode '${gpu.mode}' and round-trips float32 values exactly`, () => {
    expect(T.GPU_MODES).toContain(gpu.mode);
    const x = randn32([3, 5], new Random(1));
    expect(Array.from(onGpu(x).data)).toEqual(Array.from(x.data));
  });

  it('matmul (direct and blocked kernels): every transpose flag, broadcast batches, sizes off the 4-row blocks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.boolean(), fc.boolean(), seed,
        (m, k, n, ta, tb, broadcast, s) => {
          const rng = new Random(s);
          const a = randn32(ta ? [2, k, m] : [2, m, k], rng), b = randn32(broadcast ? (tb ? [n, k] : [k, n]) : tb ? [2, n, k] : [2, k, n], rng);
          const opts = { transA: ta, transB: tb };
          const want = T.matmul(a, b, opts), bound = dotBound(T.matmul(T.abs(a), T.abs(b), opts), k);
          for (const backend of [gpu, other]) {
            expectWithin(T.matmul(T.toBackend(a, backend), T.toBackend(b, backend), opts), want, bound, `${backend.kernels} matmul`);
          }
        }),
      { numRuns: 25 },
    );
  });

  const convCase = fc.record({
    n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }), o: fc.integer({ min: 1, max: 6 }),
    h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }),
    kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
    s: seed,
  });

  it('conv2d forward and both adjoints (direct and blocked kernels): kernels, strides (equal or not) and paddings', () => {
    fc.assert(
      fc.property(convCase, ({ n, c, o, h, w, kh, kw, sh, sw, ph, pw, s }) => {
        const rng = new Random(s);
        const x = randn32([n, c, h, w], rng), wt = randn32([o, c, kh, kw], rng);
        const opts = { stride: [sh, sw] as [number, number], padding: [ph, pw] as [number, number] };
        const y = T.conv2d(x, wt, opts);
        const gy = randn32(y.shape, rng);
        for (const backend of [gpu, other]) {
          const on = (t: Tensor) => T.toBackend(t, backend);
          expectWithin(T.conv2d(on(x), on(wt), opts), y, dotBound(T.conv2d(T.abs(x), T.abs(wt), opts), c * kh * kw), `${backend.kernels} conv2d`);
          // dx sums over o·kh·kw terms at most; dW over n·ho·wo.
          expectWithin(T.conv2dInputGrad(on(gy), on(wt), x.shape, opts), T.conv2dInputGrad(gy, wt, x.shape, opts),
            dotBound(T.conv2dInputGrad(T.abs(gy), T.abs(wt), x.shape, opts), o * kh * kw), `${backend.kernels} conv2dInputGrad`);
          expectWithin(T.conv2dWeightGrad(on(x), on(gy), wt.shape, opts), T.conv2dWeightGrad(x, gy, wt.shape, opts),
            dotBound(T.conv2dWeightGrad(T.abs(x), T.abs(gy), wt.shape, opts), n * y.shape[2] * y.shape[3]), `${backend.kernels} conv2dWeightGrad`);
        }
      }),
      { numRuns: 30 },
    );
  });

  const poolCase = fc.record({
    n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 2, max: 9 }), w: fc.integer({ min: 2, max: 9 }),
    k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 1 }), s: seed,
  }).filter(({ k, pad, h, w }) => 2 * pad <= k && k <= Math.min(h, w) + 2 * pad);

  it('pooling: max winners and selections are identical, averages and the adjoints within their sum bounds', () => {
    fc.assert(
      fc.property(poolCase, ({ n, c, h, w, k, stride, pad, s }) => {
        const rng = new Random(s);
        const x = randn32([n, c, h, w], rng);
        const opts = { kernel: k, stride, padding: pad };
        const want = T.maxPool2d(x, opts), got = T.maxPool2d(onGpu(x), opts);
        expect(Array.from(got.data)).toEqual(Array.from(want.data));
        // Max pooling's derivatives: t read at x's winners (exact), and its adjoint, a sum over the
        // at most ⌈k/stride⌉² windows that share a winner (γ bound over that many terms).
        const t = randn32(x.shape, rng), gMax = randn32(want.shape, rng);
        const sharing = Math.ceil(k / stride) ** 2;
        for (const backend of [gpu, other]) { // host indices and CPU loops (webasm, blocked) or the device kernels
          const on = (v: Tensor) => T.toBackend(v, backend);
          expect(Array.from(T.maxPool2dSelect(on(x), on(t), opts).data)).toEqual(Array.from(T.maxPool2dSelect(x, t, opts).data));
          expectWithin(T.maxPool2dSelectAdjoint(on(x), on(gMax), opts), T.maxPool2dSelectAdjoint(x, gMax, opts),
            T.maxPool2dSelectAdjoint(x, T.abs(gMax), opts).data.map((v) => gamma(sharing) * v), `${backend.kernels} maxPool2dSelectAdjoint`);
        }
        // Scaling by 1/(k·k) adds one rounding: K + 1 terms' worth.
        const avg = T.avgPool2d(x, opts);
        expectWithin(T.avgPool2d(onGpu(x), opts), avg, T.avgPool2d(T.abs(x), opts).data.map((v) => gamma(k * k + 1) * v), 'avgPool2d');
        const gy = randn32(avg.shape, rng);
        expectWithin(T.avgPool2dAdjoint(onGpu(gy), x.shape, opts), T.avgPool2dAdjoint(gy, x.shape, opts),
          T.avgPool2dAdjoint(T.abs(gy), x.shape, opts).data.map((v) => gamma(k * k + 1) * v), 'avgPool2dAdjoint');
      }),
      { numRuns: 30 },
    );
  });

  /** ulps of |y| each unary op may be off by in webasm and cpu (see the header). */
  const UNARY_ULPS: Record<UnaryOp, number> = {
    neg: 0, exp: 1, log: 1, tanh: 1, sigmoid: 4, relu: 0, sqrt: 1, square: 1, abs: 0, sign: 0, step: 0, finiteOrZero: 0,
  };
  /**
   * The GL modes' bounds: GLSL ES 3.00 §4.5.1 allows exp (3 + 2|x|) ulps, log 3 ulps outside
   * [0.5, 2] and 2^-21 absolute inside, sqrt that of 1/inversesqrt (2 + 2.5 ulps), division 2.5
   * ulps; tanh and sigmoid inherit their formulas' errors: tanh = 1 − 2/(e^{2x} + 1) is off by at
   * most (15 + 8|x|)·u absolutely, σ = 1/(1 + e^{−x}) by (7 + 2|x|) ulps (exp, +, ÷ composed).
   */
  const GL_UNARY: Partial<Record<UnaryOp, (x: number, y: number) => number>> = {
    exp: (x, y) => (3 + 2 * Math.abs(x)) * u * Math.abs(y),
    log: (x, y) => (x >= 0.5 && x <= 2 ? 2 ** -21 : 3 * u * Math.abs(y)),
    sqrt: (_x, y) => 4.5 * u * Math.abs(y),
    tanh: (x) => (15 + 8 * Math.abs(x)) * u,
    sigmoid: (x, y) => (7 + 2 * Math.abs(x)) * u * Math.abs(y),
  };
  const isGl = ['headlessgl', 'webgl', 'webgl2'].includes(gpu.mode);
  const unaryBound = (op: UnaryOp, x: number, y: number) =>
    (isGl && GL_UNARY[op] ? GL_UNARY[op](x, y) : UNARY_ULPS[op] * u * Math.abs(y)) + eta;

  it('unary maps within their rounding bound (special values included)', () => {
    const rng = new Random(4);
    const x = randn32([7, 11], rng);
    const positive = T.abs(x);
    const special = new Tensor([8], Float64Array.of(0, -0, 1e-30, -50, 50, 3.5, -3.5, 1));
    for (const op of Object.keys(UNARY_ULPS) as UnaryOp[]) {
      const inputs = op === 'log' || op === 'sqrt' ? [T.add(positive, 0.5)] : [x, special];
      for (const input of inputs) {
        const xs = fround(input);
        const want = T[op](xs);
        expectWithin(T[op](onGpu(xs)), want, want.data.map((v, i) => unaryBound(op, xs.data[i], v)), op);
      }
    }
  });

  it('finiteOrZero maps ±∞ and NaN to 0 and keeps every finite float32, the largest included', () => {
    const x = new Tensor([7], Float64Array.of(Infinity, -Infinity, NaN, 1.5, -0, 3.4028234663852886e38, -1e-45));
    expect(Array.from(T.finiteOrZero(onGpu(x)).data)).toEqual([0, 0, 0, 1.5, -0, 3.4028234663852886e38, Math.fround(-1e-45)]);
  });

  it('max along an axis: identical values, NaN propagating; logsumexp of an all −∞ row is −∞ as on the CPU', () => {
    fc.assert(
      fc.property(shape(1, 4, 5), fc.nat(3), seed, (shp, a, s) => {
        const x = randn32(shp, new Random(s)), axis = a % shp.length;
        expect(Array.from(T.max(onGpu(x), axis, true).data)).toEqual(Array.from(T.max(x, axis, true).data));
      }),
      { numRuns: 30 },
    );
    const special = new Tensor([3, 3], Float64Array.of(1, NaN, 2, -Infinity, -Infinity, -Infinity, 3, 5, 5));
    expect(Array.from(T.max(onGpu(special), 1).data)).toEqual([NaN, -Infinity, 5]);
    const lse = T.logsumexp(onGpu(special), 1).data;
    expect([lse[0], lse[1]]).toEqual([NaN, -Infinity]);
  });

  it('binary maps with broadcasting: one rounding for arithmetic, exact for maximum and its weight', () => {
    fc.assert(
      fc.property(broadcastPair(), seed, ([sa, sb], s) => {
        const rng = new Random(s);
        const a = randn32(sa, rng), b = fround(T.add(T.abs(randn32(sb, rng)), 0.25)); // b ≠ 0 for div
        for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'maximumWeight'] as const) {
          const want = T[op](a, b);
          const ulps = op === 'maximum' || op === 'maximumWeight' ? 0 : op === 'div' && isGl ? 2.5 : 1;
          expectWithin(T[op](onGpu(a), onGpu(b)), want, want.data.map((v) => ulps * (u * Math.abs(v) + eta)), op);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('binary maps over more than 3 dimensions that do not coalesce (planes with their own offsets)', () => {
    const rng = new Random(5);
    const a = randn32([2, 3, 2, 3, 2], rng), b = randn32([2, 1, 2, 1, 2], rng);
    const want = T.mul(a, b);
    expectWithin(T.mul(onGpu(a), onGpu(b)), want, want.data.map((v) => u * Math.abs(v)), 'mul rank 5');
  });

  it('sums over any set of axes within γ_K·Σ|x|, including patterns that need the reduced axes moved last', () => {
    fc.assert(
      fc.property(shape(1, 6, 4), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), seed, (shp, flags, s) => {
        const x = randn32(shp, new Random(s));
        const axes = shp.flatMap((_, i) => (flags[i] ? [i] : []));
        const count = axes.reduce((p, a) => p * shp[a], 1);
        const want = T.sum(x, axes, true);
        expectWithin(T.sum(onGpu(x), axes, true), want, T.sum(T.abs(x), axes, true).data.map((v) => gamma(count) * v), `sum over [${axes}] of ${shp}`);
      }),
      { numRuns: 40 },
    );
  });

  it('long sums (over 4096 terms, which the direct kernels split into parts) stay within γ_K·Σ|terms|', () => {
    const rng = new Random(10);
    const x = randn32([5, 3, 40, 40], rng); // per channel 5·40·40 = 8000 terms in 2 reduced groups
    const y = randn32([4, 2, 30, 2, 40], rng); // over axes 0, 2, 4: 4800 terms in 3 reduced groups
    // k = 9001: three parts, the last one short (reading past it would read the next batch entry)
    const a = randn32([2, 2, 9001], rng), b = randn32([2, 9001, 3], rng);
    const w = randn32([2, 3, 3, 3], rng), gy = randn32([5, 2, 38, 38], rng); // dW: 5·38·38 = 7220 terms
    for (const backend of [gpu, other]) {
      const on = (t: Tensor) => T.toBackend(t, backend);
      for (const [t, axes] of [[x, [0, 2, 3]], [x, [0, 1, 2, 3]], [x, [3]], [y, [0, 2, 4]]] as const) {
        const count = axes.reduce<number>((p, d) => p * t.shape[d], 1);
        expectWithin(T.sum(on(t), axes, true), T.sum(t, axes, true), T.sum(T.abs(t), axes, true).data.map((v) => gamma(count) * v), `${backend.kernels} sum over [${axes}] of ${t.shape}`);
      }
      expectWithin(T.matmul(on(a), on(b)), T.matmul(a, b), dotBound(T.matmul(T.abs(a), T.abs(b)), 9001), `${backend.kernels} matmul k = 9001`);
      expectWithin(T.matmul(on(b), on(a), { transA: true, transB: true }), T.matmul(b, a, { transA: true, transB: true }),
        dotBound(T.matmul(T.abs(b), T.abs(a), { transA: true, transB: true }), 9001), `${backend.kernels} matmulᵀ k = 9001`);
      expectWithin(T.conv2dWeightGrad(on(x), on(gy), w.shape), T.conv2dWeightGrad(x, gy, w.shape),
        dotBound(T.conv2dWeightGrad(T.abs(x), T.abs(gy), w.shape), 5 * 38 * 38), `${backend.kernels} conv2dWeightGrad`);
    }
  });

  it('long sums on random shapes and axes, split into parts by the direct path, within γ_K·Σ|x|', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 4097, max: 4500 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), seed,
        (dims, at, length, flags, s) => {
          // A dimension of over 4096 somewhere: every sum over it is split, in parts that rarely divide it evenly.
          const shp = [...dims.slice(0, at), length, ...dims.slice(at)];
          const x = randn32(shp, new Random(s));
          const long = Math.min(at, dims.length);
          const axes = [...shp.keys()].filter((i) => i === long || flags[i]);
          const count = axes.reduce<number>((p, a) => p * shp[a], 1);
          const direct = gpu.kernels === 'direct' ? gpu : other;
          expectWithin(T.sum(T.toBackend(x, direct), axes, true), T.sum(x, axes, true),
            T.sum(T.abs(x), axes, true).data.map((v) => gamma(count) * v), `sum over [${axes}] of ${shp}`);
        }),
      { numRuns: 20 },
    );
  });

  it('moves data exactly: permute, slice and its adjoint, gather, scatter-add, concat, argmax', () => {
    const rng = new Random(6);
    const x = randn32([3, 4, 5], rng);
    for (const backend of [gpu, other]) { // CPU loops (webasm, blocked) or index-map kernels
      const g = T.toBackend(x, backend);
      const same = (a: Tensor, b: Tensor) => expect(Array.from(a.data)).toEqual(Array.from(b.data));
      same(T.permute(g, [2, 0, 1]), T.permute(x, [2, 0, 1]));
      same(T.slice(g, [1, 0, 2], [3, 3, 5]), T.slice(x, [1, 0, 2], [3, 3, 5]));
      same(T.unslice(T.slice(g, [1, 0, 2], [3, 3, 5]), [3, 4, 5], [1, 0, 2]), T.unslice(T.slice(x, [1, 0, 2], [3, 3, 5]), [3, 4, 5], [1, 0, 2]));
      const idx = Int32Array.of(0, 7, 7, 59, 3);
      same(T.gather(g, idx, [5]), T.gather(x, idx, [5]));
      same(T.scatterAdd(T.gather(g, idx, [5]), idx, [60]), T.scatterAdd(T.gather(x, idx, [5]), idx, [60]));
      // Scatter-add sums repeated targets: 3 terms in float32 (γ_3 bound), single ones exactly.
      const targets = Int32Array.of(4, 1, 4, 0, 4, 2);
      const values = randn32([6], rng);
      expectWithin(T.scatterAdd(T.toBackend(values, backend), targets, [6]), T.scatterAdd(values, targets, [6]),
        T.scatterAdd(T.abs(values), targets, [6]).data.map((v) => gamma(3) * v), 'scatterAdd');
      same(T.concat([g, g], 1), T.concat([x, x], 1));
      expect(Array.from(T.argmax(g, 2))).toEqual(Array.from(T.argmax(x, 2)));
    }
  });

  it('keeps scalar constants and refuses silent copies of tensors between backends', () => {
    const x = onGpu(randn32([4], new Random(7)));
    expect(T.mul(x, 2).backend).toBe(gpu);
    expect(T.add(T.scalar(1), x).backend).toBe(gpu);
    expect(() => T.add(x, T.ones([4]))).toThrow(/different backends/);
    expect(() => T.gpuBackend({ mode: 'nonsense' as GpuMode })).toThrow(/unknown gpu.js mode/);
  });

  it('the explicitly async (threaded) entry points give the synchronous blocked kernels\' results exactly', async () => {
    const rng = new Random(8);
    const a = onGpu(randn32([70, 90], rng)), b = onGpu(randn32([90, 260], rng)); // 260 · 18 cells ≥ 4096: threads
    // The threaded entry points run the blocked kernels: compare with them run synchronously.
    const same = (got: Tensor, want: Tensor) => expect(Array.from(got.data)).toEqual(Array.from(want.data));
    const onBlocked = (t: Tensor) => T.toBackend(t, blocked);
    same(await gpu.threaded.matmul(a, b), T.matmul(onBlocked(a), onBlocked(b)));
    same(await gpu.threaded.matmul(b, a, { transA: true, transB: true }), T.matmul(onBlocked(b), onBlocked(a), { transA: true, transB: true }));
    const x = onGpu(randn32([8, 3, 16, 16], rng)), w = onGpu(randn32([6, 3, 3, 3], rng));
    const opts = { padding: 1, stride: [1, 2] as [number, number] };
    const y = await gpu.threaded.conv2d(x, w, opts);
    same(y, T.conv2d(onBlocked(x), onBlocked(w), opts));
    same(await gpu.threaded.conv2dInputGrad(y, w, x.shape, opts), T.conv2dInputGrad(onBlocked(y), onBlocked(w), x.shape, opts));
    same(await gpu.threaded.conv2dWeightGrad(x, y, w.shape, opts), T.conv2dWeightGrad(onBlocked(x), onBlocked(y), w.shape, opts));
    await expect(gpu.threaded.matmul(a, T.ones([90, 2]))).rejects.toThrow(/must live on this backend/);
  });

  it('frees what a scratch scope made when it ends (GL textures included): later use is an error, not stale data', () => {
    const x = onGpu(randn32([64, 70], new Random(9)));
    let leaked: Tensor | null = null;
    const kept = T.withScratchMemory(() => {
      leaked = T.exp(T.mul(x, 2));
      return Array.from(leaked.data);
    });
    expect(kept).toEqual(Array.from(T.exp(T.mul(x, 2)).data));
    expect(() => leaked!.data).toThrow(/used after the scope ended/);
    expect(Array.from(T.exp(x).data).length).toBe(64 * 70); // x, made outside, lives on
    // A result made outside any scope but first read inside one keeps its values after the
    // scope ends, even when later scopes reuse the scope's memory.
    const outside = T.mul(x, 3);
    const inside = T.withScratchMemory(() => Array.from(outside.data));
    T.withScratchMemory(() => T.exp(T.mul(x, 5)).data);
    expect(Array.from(outside.data)).toEqual(inside);
  });

  it('refuses tensors beyond the 2^24 elements float32 indexes exactly, before copying them', () => {
    expect(() => gpu.fromFloat64(new Float64Array(2 ** 24 + 1), [2 ** 24 + 1])).toThrow(/more than the 2\^24/);
    expect(T.MAX_GPU_TENSOR_SIZE).toBe(2 ** 24);
  });

  it('handles empty tensors without calling a kernel', () => {
    const e = onGpu(T.zeros([0, 3]));
    expect(T.exp(e).shape).toEqual([0, 3]);
    expect(Array.from(T.sum(e, 0).data)).toEqual([0, 0, 0]);
    expect(T.matmul(e, onGpu(T.ones([3, 2]))).shape).toEqual([0, 2]);
    expect(Array.from(T.matmul(onGpu(T.ones([2, 0])), onGpu(T.ones([0, 3]))).data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(T.conv2d(onGpu(T.zeros([0, 2, 4, 4])), onGpu(T.ones([3, 2, 3, 3]))).shape).toEqual([0, 3, 2, 2]);
    expect(T.maxPool2d(onGpu(T.zeros([0, 2, 4, 4])), { kernel: 2 }).shape).toEqual([0, 2, 2, 2]);
  });
});

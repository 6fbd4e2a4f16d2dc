/**
 * The WebAssembly SIMD kernels against their TypeScript twins, bit for bit (Object.is: signed zeros
 * told apart, any NaN equal to any NaN), over random shapes, transposes, strides, offsets, padding,
 * broadcast batches, empty and 1-element dimensions, special values, and thread plans of 1–4
 * threads run in any chunk order. A mutation check shows the comparison can fail: the same
 * property finds the difference when one lane of the reference sums in another order, or when
 * its k-blocking changes.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { convGeometry, matmulGeometry, MbquadError, poolGeometry, Random, randn, relu, tensor } from '../../src/tensor/index.ts';
import { gemm as typescriptGemm, KC } from '../../src/tensor/cpu/gemm.ts';
import { gemm as dispatchedGemm, kernelChoice, kernelWorkspace, kernelKind, typescriptKernels, useKernels, wasmAvailable, type Float64Kernels } from '../../src/tensor/cpu/kernels.ts';
import { callLayout, conv2dCall, conv2dInputGradCall, conv2dWeightGradCall, matmulCall, runCall, runChunk, type KernelCall } from '../../src/tensor/cpu/parallel.ts';
import { unary } from '../../src/tensor/cpu/elementwise.ts';
import { maxPool2dIndices } from '../../src/tensor/cpu/pool.ts';
import { checkGemmPlan, emitGemm } from '../../src/tensor/cpu/wasm/gemm.ts';
import { kernelModuleBytes, WasmKernels } from '../../src/tensor/cpu/wasm/runtime.ts';
import { WasmModule, sleb, uleb } from '../../src/tensor/cpu/wasm/assembler.ts';
import { convCase, matmulCase, seed } from '../helpers/arbitrary.ts';

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

/** Values that make rounding and special cases matter: normals of mixed scale, signed zeros, infinities, NaN, subnormals. */
function values(n: number, rng: Random, special = 0.02): Float64Array {
  const out = new Float64Array(n);
  const odd = [0, -0, Infinity, -Infinity, NaN, 5e-324, -2.5e-310, 1e300, -1e-300];
  for (let i = 0; i < n; i++) {
    out[i] = rng.uniform() < special ? odd[rng.integer(odd.length)] : rng.normal() * 2 ** (rng.integer(40) - 20);
  }
  return out;
}

/** A GEMM case: sizes (0 allowed), transposes, padded leading dimensions, offsets, accumulate. */
const gemmCase = fc.record({
  m: fc.integer({ min: 0, max: 23 }), n: fc.integer({ min: 0, max: 37 }), k: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 380, max: 2 * KC + 30 })),
  transA: fc.boolean(), transB: fc.boolean(), padA: fc.integer({ min: 0, max: 3 }), padB: fc.integer({ min: 0, max: 3 }), padC: fc.integer({ min: 0, max: 3 }),
  offA: fc.integer({ min: 0, max: 5 }), offB: fc.integer({ min: 0, max: 5 }), offC: fc.integer({ min: 0, max: 5 }), accumulate: fc.boolean(), special: fc.boolean(), s: seed,
});
type GemmCase = typeof gemmCase extends fc.Arbitrary<infer T> ? T : never;

/** The operands of a case as plain arrays with their strides (op(A) is m×k, op(B) is k×n). */
function gemmOperands(t: GemmCase) {
  const rng = new Random(t.s);
  const [aRows, aCols] = t.transA ? [t.k, t.m] : [t.m, t.k], [bRows, bCols] = t.transB ? [t.n, t.k] : [t.k, t.n];
  const lda = aCols + t.padA, ldb = bCols + t.padB, ldc = t.n + t.padC;
  const a = values(t.offA + aRows * lda + 1, rng, t.special ? 0.05 : 0), b = values(t.offB + bRows * ldb + 1, rng, t.special ? 0.05 : 0);
  const c = values(t.offC + t.m * ldc + 1, rng, t.special ? 0.05 : 0);
  const [aRow, aCol] = t.transA ? [1, lda] : [lda, 1], [bRow, bCol] = t.transB ? [1, ldb] : [ldb, 1];
  return { a, b, c, aRow, aCol, bRow, bCol, ldc };
}

type Gemm = Float64Kernels['gemm'];

/** C after `gemm` on a case (C starts from the case's values, so accumulate adds onto them). */
function gemmResult(run: Gemm, t: GemmCase): Float64Array {
  const { a, b, c, aRow, aCol, bRow, bCol, ldc } = gemmOperands(t);
  run(t.m, t.n, t.k, a, t.offA, aRow, aCol, b, t.offB, bRow, bCol, c, t.offC, ldc, t.accumulate);
  return c;
}

/** Kernels of their own on a private memory, and a GEMM that copies its operands into that memory first. */
function wasmKernelsWithCopies(kernels: WasmKernels): Gemm {
  return (m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate) => {
    const scratch = WasmKernels.scratchBytes(0);
    kernels.ensure(scratch + 8 * (a.length + b.length + c.length) + 64);
    kernels.setScratch(0, 0);
    const av = kernels.view(scratch, a.length), bv = kernels.view(scratch + 8 * a.length, b.length), cv = kernels.view(scratch + 8 * (a.length + b.length), c.length);
    av.set(a);
    bv.set(b);
    cv.set(c);
    kernels.gemm(m, n, k, av, aOff, aRow, aCol, bv, bOff, bRow, bCol, cv, cOff, ldc, accumulate);
    c.set(cv);
  };
}

/** The first case on which two GEMMs differ in a bit, found by fast-check, or null. */
function gemmMismatch(left: Gemm, right: Gemm, numRuns: number, cases: fc.Arbitrary<GemmCase> = gemmCase): GemmCase | null {
  const result = fc.check(fc.property(cases, (t) => sameBits(gemmResult(left, t), gemmResult(right, t))), { numRuns, seed: 7 });
  return result.failed ? result.counterexample![0] : null;
}

/**
 * The reference GEMM with one change in the order of one lane's sum: the odd output columns sum
 * their k-block from the last p to the first. Every other element keeps the reference's order.
 */
const oddColumnsReversed: Gemm = (m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate) => {
  const before = c.slice();
  typescriptGemm(m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate);
  if (k === 0) return;
  const kBlock = Math.ceil(k / Math.ceil(k / KC));
  for (let i = 0; i < m; i++) {
    for (let j = 1; j < n; j += 2) {
      let value = accumulate ? before[cOff + i * ldc + j] : 0;
      for (let pc = 0; pc < k; pc += kBlock) {
        let acc = 0;
        for (let p = Math.min(k, pc + kBlock) - 1; p >= pc; p--) acc += a[aOff + i * aRow + p * aCol] * b[bOff + p * bRow + j * bCol];
        value = !accumulate && pc === 0 ? acc : value + acc;
      }
      c[cOff + i * ldc + j] = value;
    }
  }
};

/** The reference with k-blocks of 256 in place of ⌈k/⌈k/384⌉⌉ (another k order for k > 256). */
const otherKBlocks: Gemm = (m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate) => {
  for (let pc = 0; pc < Math.max(k, 1); pc += 256) {
    const kc = Math.min(256, k - pc);
    typescriptGemm(m, n, kc, a, aOff + pc * aCol, aRow, aCol, b, bOff + pc * bRow, bRow, bCol, c, cOff, ldc, accumulate || pc > 0);
  }
};

const available = wasmAvailable();
/** The choice the suite runs with (MBQUAD_KERNELS), restored after each test that changes it. */
const suiteChoice = kernelChoice();

describe.runIf(available)('WebAssembly kernels against the TypeScript reference, bit for bit', () => {
  afterEach(() => useKernels(suiteChoice));

  it('the GEMM: any sizes (0, 1, k past two 384-blocks), transposes, padded strides, offsets, accumulate, special values', () => {
    const kernels = WasmKernels.create(WasmKernels.newMemory(false), false)!;
    expect(gemmMismatch(typescriptGemm, wasmKernelsWithCopies(kernels), 250)).toBe(null);
  });

  it('mutation check: the same property catches one lane summed in another order, and another k-blocking', () => {
    const kernels = WasmKernels.create(WasmKernels.newMemory(false), false)!;
    const wasm = wasmKernelsWithCopies(kernels);
    expect(gemmMismatch(oddColumnsReversed, wasm, 250)).not.toBe(null);
    expect(gemmMismatch(otherKBlocks, wasm, 250)).not.toBe(null);
    // And the mutant is wrong only in the last bits: within rounding of Σ_p |A(i,p)||B(p,j)| + |C(i,j)|.
    const t = { m: 5, n: 6, k: 700, transA: false, transB: true, padA: 1, padB: 0, padC: 2, offA: 1, offB: 0, offC: 3, accumulate: true, special: false, s: 3 };
    const want = gemmResult(typescriptGemm, t), got = gemmResult(oddColumnsReversed, t);
    const { a, b, c, aRow, aCol, bRow, bCol, ldc } = gemmOperands(t);
    const bound = c.map(Math.abs);
    typescriptGemm(t.m, t.n, t.k, a.map(Math.abs), t.offA, aRow, aCol, b.map(Math.abs), t.offB, bRow, bCol, bound, t.offC, ldc, true);
    want.forEach((x, i) => expect(Math.abs(got[i] - x)).toBeLessThanOrEqual(t.k * 2 ** -52 * bound[i]));
    expect(sameBits(got, want)).toBe(false);
  });

  it('the dispatching gemm (linalg, K-FAC, Laplace): copies spans, a shared A = B once, falls back for a C that overlaps A', () => {
    useKernels('wasm');
    fc.assert(fc.property(gemmCase, (t) => sameBits(gemmResult(typescriptGemm, t), gemmResult(dispatchedGemm, t))), { numRuns: 120 });
    // A Gram block C = X Xᵀ with A and B the same array, as K-FAC's addGram calls it.
    const rng = new Random(1), x = values(40 * 30, rng);
    const want = new Float64Array(40 * 40), got = new Float64Array(40 * 40);
    typescriptGemm(40, 40, 30, x, 0, 30, 1, x, 0, 1, 30, want, 0, 40, false);
    dispatchedGemm(40, 40, 30, x, 0, 30, 1, x, 0, 1, 30, got, 0, 40, false);
    expect(sameBits(got, want)).toBe(true);
    // C in place over A's array (overlapping): the reference's semantics, by running the reference.
    const y = values(64 * 64, rng), z = y.slice();
    typescriptGemm(20, 20, 20, y, 0, 64, 1, y, 20, 64, 1, y, 40 * 64, 64, true);
    dispatchedGemm(20, 20, 20, z, 0, 64, 1, z, 20, 64, 1, z, 40 * 64, 64, true);
    expect(sameBits(z, y)).toBe(true);
  });

  it('matmul calls: batches with broadcast B, any thread plan 1–4 and chunk order, in one shared memory with a scratch region per thread', () => {
    fc.assert(fc.property(matmulCase, fc.integer({ min: 1, max: 4 }), ({ batchA, broadcastB, m, k, n, transA, transB, s }, threads) => {
      const rng = new Random(s);
      const aShape = transA ? [batchA, k, m] : [batchA, m, k];
      const bShape = broadcastB ? (transB ? [n, k] : [k, n]) : transB ? [batchA, n, k] : [batchA, k, n];
      const a = values(aShape.reduce((x, y) => x * y), rng), b = values(bShape.reduce((x, y) => x * y), rng);
      const g = matmulGeometry(aShape, bShape, { transA, transB });
      const want = runWith(typescriptKernels, matmulCall(a, b, g, 1));
      return sameBits(runOnThreads(matmulCall(a, b, g, threads), threads, s), want) && sameBits(runCallWasm(matmulCall(a, b, g, 1)), want);
    }), { numRuns: 60 });
  });

  it('conv2d, its input gradient and its weight gradient: strides, padding, 1-pixel images, any thread plan 1–4 and chunk order', () => {
    const oneByOne = fc.record({ n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 3 }), h: fc.constant(1), w: fc.constant(1), k: fc.constant(1), stride: fc.constant(1), pad: fc.constant(0), s: seed });
    fc.assert(fc.property(fc.oneof(convCase, oneByOne), fc.integer({ min: 1, max: 4 }), ({ n, c, o, h, w, k, stride, pad, s }, threads) => {
      const rng = new Random(s);
      const g = convGeometry([n, c, h, w], [o, c, k, k], { stride, padding: pad });
      const x = values(n * c * h * w, rng), weight = values(o * c * k * k, rng), gy = values(n * o * g.ho * g.wo, rng);
      const calls: [(t: number) => KernelCall, string][] = [
        [(t) => conv2dCall(x, weight, g, t), 'conv2d'],
        [(t) => conv2dInputGradCall(gy, weight, g, t), 'conv2dInputGrad'],
        [() => conv2dWeightGradCall(x, gy, g), 'conv2dWeightGrad'],
      ];
      for (const [make, op] of calls) {
        const want = runWith(typescriptKernels, make(1));
        expect(sameBits(runOnThreads(make(threads), threads, s), want), op).toBe(true);
        expect(sameBits(runCallWasm(make(1)), want), op).toBe(true);
      }
    }), { numRuns: 50 });
  });

  it('ReLU and its step: every length (odd, even, below and above the copy threshold) and special values', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 700 }), seed, (n, s) => {
      const x = values(n, new Random(s), 0.2);
      useKernels('wasm');
      const wasm = [unaryOf('relu', x), unaryOf('step', x)];
      useKernels('typescript');
      return sameBits(wasm[0], unary('relu', x)) && sameBits(wasm[1], unary('step', x));
    }), { numRuns: 80 });
  });

  it('scaleRows (y = m · diag(s)) in a kernel workspace: any shape, odd widths, special values; the workspace reads in place', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 41 }), seed, (rows, width, s) => {
      const rng = new Random(s);
      const m = values(rows * width, rng, 0.1), scale = values(width, rng, 0.1);
      const want = new Float64Array(rows * width);
      typescriptKernels.scaleRows(m, scale, want, rows, width);
      useKernels('wasm');
      const { arrays: [mw, sw, yw], kernels } = kernelWorkspace([rows * width, width, rows * width]);
      expect(kernels.kind).toBe('wasm');
      mw.set(m);
      sw.set(scale);
      kernels.scaleRows(mw, sw, yw, rows, width);
      useKernels(suiteChoice);
      return sameBits(yw, want);
    }), { numRuns: 80 });
    useKernels('typescript');
    expect(kernelWorkspace([3]).kernels).toBe(typescriptKernels);
  });

  it("eigh's passes in a kernel workspace: the tridiagonalization's reflectorPass and a QL sweep's planeRotations, any n, k, l ≤ m, special values", () => {
    const passCase = fc.record({ n: fc.integer({ min: 1, max: 27 }), k: fc.nat(), l: fc.nat(), span: fc.nat(), special: fc.boolean(), s: seed });
    fc.assert(fc.property(passCase, ({ n, k: kRaw, l: lRaw, span, special, s }) => {
      const rng = new Random(s);
      const k = kRaw % n, l = lRaw % n, m = l + (span % (n - l));
      const draw = (length: number) => values(length, rng, special ? 0.05 : 0);
      const a = draw(n * n), v = draw(n), p = draw(n), vPrev = draw(n), wPrev = draw(n), rows = draw(n * n), cosines = draw(n), sines = draw(n);
      const want = { a: a.slice(), p: p.slice(), rows: rows.slice() };
      typescriptKernels.reflectorPass(want.a, n, k, v, want.p, vPrev, wPrev);
      typescriptKernels.planeRotations(want.rows, n, cosines, sines, l, m);
      useKernels('wasm');
      const { arrays, kernels } = kernelWorkspace([n * n, n, n, n, n, n * n, n, n]);
      const [aw, vw, pw, vPrevW, wPrevW, rowsW, cosinesW, sinesW] = arrays;
      [a, v, p, vPrev, wPrev, rows, cosines, sines].forEach((x, i) => arrays[i].set(x));
      expect(kernels.kind).toBe('wasm');
      kernels.reflectorPass(aw, n, k, vw, pw, vPrevW, wPrevW);
      kernels.planeRotations(rowsW, n, cosinesW, sinesW, l, m);
      useKernels(suiteChoice);
      return sameBits(aw, want.a) && sameBits(pw, want.p) && sameBits(rowsW, want.rows);
    }), { numRuns: 150 });
  });

  it("max pooling's winners: kernels, strides and padding, ties, NaN, −∞, first maximum kept", () => {
    const poolCase = fc.record({
      n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 12 }),
      kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
      pad: fc.boolean(), ties: fc.boolean(), s: seed,
    });
    fc.assert(fc.property(poolCase, ({ n, c, h, w, kh, kw, sh, sw, pad, ties, s }) => {
      if (kh > h + (pad ? 2 * Math.floor(kh / 2) : 0) || kw > w + (pad ? 2 * Math.floor(kw / 2) : 0)) return true;
      const rng = new Random(s);
      const g = poolGeometry('test', [n, c, h, w], { kernel: [kh, kw], stride: [sh, sw], padding: pad ? [Math.floor(kh / 2), Math.floor(kw / 2)] : 0 });
      const x = ties ? Float64Array.from({ length: n * c * h * w }, () => [0, -0, 1, 1, -Infinity, NaN][rng.integer(6)]) : values(n * c * h * w, rng, 0.1);
      const kernels = WasmKernels.create(WasmKernels.newMemory(false), false)!;
      kernels.ensure(16 * x.length + 64);
      const input = kernels.view(0, x.length);
      input.set(x);
      const out = kernels.viewInt32(8 * x.length, n * c * g.ho * g.wo);
      kernels.maxPoolWinners(input, g, out);
      return sameBits(out, maxPool2dIndices(x, g));
    }), { numRuns: 150 });
  });
});

/** A call's chunks in order with the given kernels (TypeScript: on plain arrays). */
function runWith(kernels: Float64Kernels, call: KernelCall): Float64Array {
  const out = new Float64Array(call.outputLength);
  for (let chunk = 0; chunk < call.chunks; chunk++) runChunk(call.kind, [call.params, ...call.inputs, out], chunk, kernels);
  return call.finish ? call.finish(out) : out;
}

/** runCall with the WebAssembly kernels chosen (the calling thread's memory, copies in and out). */
function runCallWasm(call: KernelCall): Float64Array {
  useKernels('wasm');
  try {
    return runCall(call);
  } finally {
    useKernels(suiteChoice);
  }
}

/**
 * A call planned for `threads` threads, laid out as the thread pool lays it out in its shared
 * memory (a scratch region per thread, then the operands), its chunks taken in a random order by
 * randomly chosen "threads" — one set of kernels per region, on one shared memory.
 */
function runOnThreads(call: KernelCall, threads: number, s: number): Float64Array {
  const memory = WasmKernels.newMemory(true);
  const layout = callLayout(call, threads);
  const kernels = Array.from({ length: threads }, () => WasmKernels.create(memory, true)!);
  kernels[0].ensure(layout.totalBytes);
  kernels.forEach((k, t) => k.setScratch(t * layout.scratchBytes, call.scratch));
  const inputs = call.inputs.map((x, i) => {
    const view = kernels[0].view(layout.inputAt[i], x.length);
    view.set(x);
    return view;
  });
  const output = kernels[0].view(layout.outputAt, call.outputLength);
  const rng = new Random(s);
  for (const chunk of rng.permutation(call.chunks)) runChunk(call.kind, [call.params, ...inputs, output], chunk, kernels[rng.integer(threads)]);
  return call.finish ? call.finish(output) : output.slice();
}

/** The CPU backend's unary op through the tensor API (which picks the kernels). */
function unaryOf(op: 'relu' | 'step', x: Float64Array): Float64Array {
  const t = tensor(x, [x.length]);
  return op === 'relu' ? relu(t).data : (t.backend.unary('step', t).data);
}

describe('kernel selection and the emitter', () => {
  afterEach(() => useKernels(suiteChoice));

  it("runs the WebAssembly kernels by default where they validate, the reference when asked, and refuses an unknown choice", () => {
    expect(useKernels('auto')).toBe(available ? 'wasm' : 'typescript');
    expect(kernelKind()).toBe(available ? 'wasm' : 'typescript');
    expect(useKernels('typescript')).toBe('typescript');
    expect(kernelKind()).toBe('typescript');
    expect(() => useKernels('fast' as never)).toThrow(/useKernels: one of 'auto', 'wasm', 'typescript', given "fast"/);
  });

  it('matmul through the tensor API gives the same tensor on either kernels', () => {
    const rng = new Random(4);
    const a = randn([3, 37, 50], rng), b = randn([50, 29], rng);
    useKernels('typescript');
    const want = a.backend.matmul(a, b, matmulGeometry(a.shape, b.shape)).data;
    useKernels('auto');
    expect(kernelKind()).toBe(available ? 'wasm' : 'typescript');
    expect(sameBits(a.backend.matmul(a, b, matmulGeometry(a.shape, b.shape)).data, want)).toBe(true);
  });

  it('an unsupported plan is a clear MbquadError, not a CompileError', () => {
    expect(() => checkGemmPlan({ mr: 8, nr: 8, nc: 128 })).toThrow(/emitGemm: mr × nr\/2 vector accumulators must be at most 12/);
    expect(() => checkGemmPlan({ mr: 4, nr: 3, nc: 128 })).toThrow(/emitGemm: nr must be 2, 4, 6 or 8/);
    expect(() => checkGemmPlan({ mr: 4, nr: 4, nc: 130 })).toThrow(/emitGemm: nc must be a multiple of nr = 4/);
    expect(() => emitGemm(new WasmModule(), { mr: 0, nr: 4, nc: 128 })).toThrow(MbquadError);
    expect(() => kernelModuleBytes(false, { mr: 4, nr: 4, nc: 2000 })).toThrow(/emitGemm: nc must be a multiple of nr = 4 up to 1024, given 2000/);
    expect(() => uleb(-1)).toThrow(/wasm assembler: an unsigned 32-bit integer, given -1/);
    expect(() => sleb(2 ** 31)).toThrow(MbquadError);
    const f = new WasmModule().function('f', { x: 'i32' });
    expect(() => f.get('y')).toThrow(/wasm assembler: f: no parameter or local 'y'/);
    expect(() => f.locals('i32', 'x')).toThrow(/local 'x' is declared twice/);
  });

  it.runIf(available)('bad operands are MbquadErrors before the kernel runs, never a trap', () => {
    const kernels = WasmKernels.create(WasmKernels.newMemory(false), false)!;
    kernels.ensure(1 << 20);
    kernels.setScratch(0, 0);
    const inside = kernels.view(1 << 19, 100), outside = new Float64Array(100);
    expect(() => kernels.gemm(4, 4, 4, outside, 0, 4, 1, inside, 0, 4, 1, inside, 50, 4, false)).toThrow(/gemm: A must be a view of the kernels' WebAssembly memory/);
    expect(() => kernels.gemm(4, 4, 30, inside, 0, 30, 1, inside, 0, 4, 1, inside, 50, 4, false)).toThrow(/gemm: A is accessed at elements 0…119, outside its 100/);
    expect(() => kernels.gemm(4, 4, 4, inside, 0, 4, 1, inside, 0, 4, 1, inside, 90, 4, false)).toThrow(/gemm: C is accessed at elements 90…105, outside its 100/);
    expect(() => kernels.cols(10)).toThrow(/wasm kernels: columns of 10 doubles, but the scratch holds 0/);
    expect(() => kernels.map('relu', inside, inside.subarray(0, 5))).toThrow(/relu: x and y must have one length/);
    expect(() => kernels.reflectorPass(inside, 11, 0, inside, inside, inside, inside)).toThrow(/reflectorPass: a is accessed at elements 0…120, outside its 100/);
    expect(() => kernels.planeRotations(inside, 10, inside, outside, 2, 5)).toThrow(/planeRotations: sines must be a view of the kernels' WebAssembly memory/);
    expect(() => kernels.planeRotations(inside, 10, inside, inside, 2, 10)).toThrow(/planeRotations: rotations 2…9 of rows 2…10, outside the 10 rows/);
    useKernels('wasm');
    expect(() => dispatchedGemm(16, 16, 16, new Float64Array(256), 0, 16, 1, new Float64Array(256), 0, 16, 1, new Float64Array(100), 0, 16, false)).toThrow(/gemm: an operand is accessed at elements 0…255, outside its 100/);
  });
});

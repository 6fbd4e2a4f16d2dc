/**
 * The float64 kernels under matmul and the convolutions — the GEMM, im2col and col2im — in two
 * implementations that give the same bits for every input:
 *  - 'typescript': gemm.ts and conv.ts, the readable reference;
 *  - 'wasm': their WebAssembly SIMD twins, emitted from TypeScript at first use (wasm/), ~5× faster.
 * 'auto' (the default) runs the WebAssembly kernels where the runtime validates the module (Node ≥ 20,
 * current browsers, in a browser's Worker: a main thread may not compile it synchronously) and the
 * TypeScript ones elsewhere. `useKernels('typescript')` forces the reference (the command line's
 * MBQUAD_KERNELS=typescript), e.g. to audit a result: it cannot change a single bit.
 *
 * WebAssembly reads only its own memory, so a call's operands are copied into the calling
 * thread's memory and the result copied out (a few percent of a large kernel's time; the thread
 * pool copies into its shared arena either way).
 */
import { fail } from '../errors.ts';
import type { ConvGeometry, PoolGeometry } from '../geometry.ts';
import { allocateUnfilled } from '../memory.ts';
import { col2im, im2col } from './conv.ts';
import { planeRotations, reflectorPass } from './eigen.ts';
import { gemm as typescriptGemm, type Gemm } from './gemm.ts';
import { align16, kernelModule, WasmKernels } from './wasm/runtime.ts';

/** Which implementation runs: the TypeScript reference or its WebAssembly twin. */
export type KernelKind = 'typescript' | 'wasm';

/** The kernels one thread runs a call's chunks with (parallel.ts): all arrays are views the kernels can address. */
export interface Float64Kernels {
  readonly kind: KernelKind;
  /** C(i,j) (+)= Σ_p A(i,p) B(p,j) — gemm.ts's contract. */
  readonly gemm: Gemm;
  /** Image n of x as columns [c·kh·kw, ho·wo] (conv.ts). */
  im2col(x: Float64Array, n: number, g: ConvGeometry, cols: Float64Array): void;
  /** Adds columns back into image n of dx (conv.ts). */
  col2im(cols: Float64Array, n: number, g: ConvGeometry, dx: Float64Array): void;
  /** A scratch array of `size` doubles for one image's columns (this thread's; reused). */
  cols(size: number): Float64Array;
  /** y = m · diag(s) for m, y [rows, width] row-major, s [width]: y[r·width + q] = m[r·width + q] · s[q]. */
  readonly scaleRows: (m: Float64Array, s: Float64Array, y: Float64Array, rows: number, width: number) => void;
  /** eigh's tridiagonalization, step k's pass over the trailing rows (eigen.ts). */
  readonly reflectorPass: typeof reflectorPass;
  /** eigh's QL sweep: rotations m−1 … l of the eigenvector rows (eigen.ts). */
  readonly planeRotations: typeof planeRotations;
}

let colsBuffer = new Float64Array(0);

/** The reference kernels (one columns buffer per thread, reused across calls). */
export const typescriptKernels: Float64Kernels = {
  kind: 'typescript',
  gemm: typescriptGemm,
  im2col,
  col2im,
  cols(size) {
    if (colsBuffer.length < size) colsBuffer = new Float64Array(size);
    return colsBuffer.subarray(0, size);
  },
  scaleRows(m, s, y, rows, width) {
    for (let r = 0, o = 0; r < rows; r++, o += width) for (let q = 0; q < width; q++) y[o + q] = m[o + q] * s[q];
  },
  reflectorPass,
  planeRotations,
};

/** What useKernels takes: an implementation, or 'auto' (WebAssembly where it runs). */
export type KernelChoice = KernelKind | 'auto';
const CHOICES: readonly KernelChoice[] = ['auto', 'wasm', 'typescript'];

let choice: KernelChoice = 'auto';
/** The calling thread's WebAssembly kernels on its own memory: undefined until first needed, null where they cannot run. */
let local: WasmKernels | null | undefined;

function localWasm(): WasmKernels | null {
  if (local === undefined) local = kernelModule(false) === null ? null : WasmKernels.create(WasmKernels.newMemory(false), false);
  return local;
}

/** Whether the WebAssembly SIMD kernels can run here. */
export function wasmAvailable(): boolean {
  return localWasm() !== null;
}

/**
 * Chooses the kernels of this thread (and of the thread pool's calls from it): 'auto' (default),
 * 'wasm' (an error where WebAssembly SIMD cannot run) or 'typescript'. Returns the kind that runs.
 */
export function useKernels(next: KernelChoice): KernelKind {
  if (!CHOICES.includes(next)) fail('useKernels', `one of ${CHOICES.map((c) => `'${c}'`).join(', ')}, given ${JSON.stringify(next)}`);
  if (next === 'wasm' && !wasmAvailable()) fail('useKernels', "'wasm' was asked for, but WebAssembly SIMD cannot run here (no WebAssembly, no SIMD, or a browser's main thread)");
  choice = next;
  return kernelKind();
}

/** The current choice (useKernels' argument; 'auto' by default). */
export function kernelChoice(): KernelChoice {
  return choice;
}

/** The kind of kernels that runs now. */
export function kernelKind(): KernelKind {
  return choice !== 'typescript' && localWasm() !== null ? 'wasm' : 'typescript';
}

/** The calling thread's WebAssembly kernels when they are chosen and can run, else null. */
export function callingThreadWasm(): WasmKernels | null {
  return kernelKind() === 'wasm' ? localWasm() : null;
}

/**
 * Arrays of the given lengths that the calling thread's kernels read and write in place — views of
 * its WebAssembly memory when those kernels run (no copies in or out), else plain arrays — and
 * the kernels (GEMM, scaleRows, eigh's passes) to run on them. For a loop of many kernel calls
 * on the same data (the Laplace study's J Σ Jᵀ per input, eigh's n − 1 reflector passes). The
 * arrays are valid until this thread's next kernel call outside the workspace (matmul, conv, the
 * dispatching gemm), which reuses and may move that memory: fill them, compute, read the results,
 * then call other kernels.
 */
export function kernelWorkspace(lengths: readonly number[]): { arrays: Float64Array[]; kernels: Float64Kernels } {
  const wasm = callingThreadWasm();
  const at: number[] = [];
  let end = WasmKernels.scratchBytes(0);
  for (const length of lengths) {
    at.push(end);
    end += align16(8 * length);
  }
  if (wasm === null || !wasm.ensure(end)) return { arrays: lengths.map((n) => new Float64Array(n)), kernels: typescriptKernels };
  wasm.setScratch(0, 0);
  return { arrays: lengths.map((n, i) => wasm.view(at[i], n)), kernels: wasm };
}

/** Drops the calling thread's WebAssembly memory (it grows to the largest call's operands); the next call makes a new one. */
export function releaseKernelMemory(): void {
  if (local) local = undefined;
}

/**
 * Below this many multiply-adds a GEMM runs in TypeScript: copying its operands in and out
 * costs more than WebAssembly saves. The results are the same either way.
 */
const WASM_MIN_MULTIPLY_ADDS = 16 * 16 * 16;

/** Whether C's span and any part of `other` share memory. */
function overlaps(c: Float64Array, cOff: number, ldc: number, m: number, n: number, other: Float64Array): boolean {
  if (c.buffer !== other.buffer) return false;
  const cStart = c.byteOffset + 8 * cOff, cEnd = c.byteOffset + 8 * (cOff + (m - 1) * ldc + n);
  return cStart < other.byteOffset + other.byteLength && other.byteOffset < cEnd;
}

/**
 * gemm.ts's GEMM on any Float64Arrays (for the dense linear algebra, K-FAC and the Laplace study):
 * in WebAssembly when chosen and large enough — the touched span of each operand copied into the
 * calling thread's memory, C's span copied back — else in TypeScript. The same bits either way.
 */
export const gemm: Gemm = (m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate) => {
  const wasm = m * n * k >= WASM_MIN_MULTIPLY_ADDS && aRow >= 0 && aCol >= 0 && bRow >= 0 && bCol >= 0 && ldc >= 0 ? callingThreadWasm() : null;
  // C written in place must not overlap A or B (their copies would not see its updates).
  if (wasm === null || overlaps(c, cOff, ldc, m, n, a) || overlaps(c, cOff, ldc, m, n, b)) {
    typescriptGemm(m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate);
    return;
  }
  // The spans each operand touches; A and B may be one array (a Gram matrix), copied once.
  const aEnd = aOff + (m - 1) * aRow + (k - 1) * aCol + 1, bEnd = bOff + (k - 1) * bRow + (n - 1) * bCol + 1;
  const cEnd = cOff + (m - 1) * ldc + n;
  const same = a === b;
  const spans: [Float64Array, number, number][] = same
    ? [[a, Math.min(aOff, bOff), Math.max(aEnd, bEnd)], [c, cOff, cEnd]]
    : [[a, aOff, aEnd], [b, bOff, bEnd], [c, cOff, cEnd]];
  for (const [array, from, to] of spans) {
    if (from < 0 || to > array.length) fail('gemm', `an operand is accessed at elements ${from}…${to - 1}, outside its ${array.length}`);
  }
  let at = WasmKernels.scratchBytes(0);
  const placed = spans.map(([, from, to]) => {
    const start = at;
    at += 8 * (to - from);
    return start;
  });
  if (!wasm.ensure(at)) {
    typescriptGemm(m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate);
    return;
  }
  wasm.setScratch(0, 0);
  const views = spans.map(([array, from, to], i) => {
    const view = wasm.view(placed[i], to - from);
    view.set(array.subarray(from, to));
    return view;
  });
  const aView = views[0], bView = same ? views[0] : views[1], cView = views[views.length - 1];
  const base = spans[0][1];
  wasm.gemm(m, n, k, aView, aOff - base, aRow, aCol, bView, bOff - (same ? base : bOff), bRow, bCol, cView, 0, ldc, accumulate);
  c.set(cView, cOff);
};

/** Below this many elements an elementwise kernel stays in TypeScript (the copies would cost more). */
const WASM_MIN_ELEMENTS = 256;

/** elementwise.ts's 'relu' or 'step' of x in WebAssembly (copies in and out), or null to run the TypeScript loop. */
export function mapInWasm(op: 'relu' | 'step', x: Float64Array): Float64Array | null {
  const wasm = x.length >= WASM_MIN_ELEMENTS ? callingThreadWasm() : null;
  if (wasm === null) return null;
  const bytes = align16(8 * x.length);
  if (!wasm.ensure(2 * bytes)) return null;
  const input = wasm.view(0, x.length);
  input.set(x);
  const output = wasm.view(bytes, x.length);
  wasm.map(op, input, output);
  const y = allocateUnfilled(x.length);
  y.set(output);
  return y;
}

/** pool.ts's maxPool2dIndices in WebAssembly (copies in and out), or null to run the TypeScript loop. */
export function maxPoolWinnersInWasm(x: Float64Array, g: PoolGeometry): Int32Array | null {
  const wasm = x.length >= WASM_MIN_ELEMENTS ? callingThreadWasm() : null;
  if (wasm === null) return null;
  const count = g.n * g.c * g.ho * g.wo;
  const bytes = align16(8 * x.length);
  if (!wasm.ensure(bytes + 4 * count)) return null;
  const input = wasm.view(0, x.length);
  input.set(x);
  const winners = wasm.viewInt32(bytes, count);
  wasm.maxPoolWinners(input, g, winners);
  return winners.slice();
}

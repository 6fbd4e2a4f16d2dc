/**
 * The emitted kernel module at run time: its bytes (built here, from TypeScript, at first use),
 * its compilation, and `WasmKernels`, the kernels of one thread over one WebAssembly memory.
 *
 * A memory is the calling thread's own (not shared; the kernels' operands are copied in and the
 * result copied out) or the thread pool's arena (shared by every thread of the pool). Each
 * thread's scratch — the GEMM's packed panels and im2col's columns — is a region of that memory
 * that the caller assigns (`setScratch`). Operands are Float64Array views of the memory made by
 * `view`; the kernels refuse any other array, and check that every access stays inside its
 * operand, so bad input is an MbquadError, never a trap.
 */
import { fail } from '../../errors.ts';
import type { ConvGeometry, PoolGeometry } from '../../geometry.ts';
import { WasmModule } from './assembler.ts';
import { emitCol2im, emitIm2col } from './conv.ts';
import { emitRelu, emitScaleRows, emitStep } from './elementwise.ts';
import { emitGemm, gemmScratchBytes, type GemmPlan } from './gemm.ts';
import type { Gemm } from '../gemm.ts';
import { emitPlaneRotations, emitReflectorPass } from './eigen.ts';
import { emitMaxPoolWinners } from './pool.ts';

/**
 * The part of the WebAssembly JavaScript API used here, typed locally: the project's `lib` (ES2022,
 * no DOM) declares none of it, and a global declaration would clash with the DOM's in web/.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}
/** The runtime's WebAssembly, or undefined where there is none. */
export const webAssembly = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The GEMM's register block (4 × 4, as the reference) and column block; see bench/engine.bench.ts for the measurement. */
export const GEMM_PLAN: GemmPlan = { mr: 4, nr: 4, nc: 128 };

export const PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB. */
export const MAX_PAGES = 65536;
/** Bytes of one thread's GEMM scratch, rounded up to 16. */
export const GEMM_SCRATCH_BYTES = align16(gemmScratchBytes(GEMM_PLAN));

export function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** The kernel module's binary: gemm, im2col, col2im, relu, step, scaleRows, maxPoolWinners, reflectorPass and planeRotations, importing env.memory (shared or not). */
export function kernelModuleBytes(shared: boolean, plan: GemmPlan = GEMM_PLAN): Uint8Array {
  const module = new WasmModule();
  emitGemm(module, plan);
  emitIm2col(module);
  emitCol2im(module);
  emitRelu(module);
  emitStep(module);
  emitScaleRows(module);
  emitMaxPoolWinners(module);
  emitReflectorPass(module);
  emitPlaneRotations(module);
  return module.encode({ initialPages: 1, maximumPages: MAX_PAGES, shared });
}

const compiled = new Map<boolean, object | null>();

/**
 * The compiled module, or null where it cannot run: no WebAssembly, no SIMD (the module does not
 * validate), or synchronous compilation refused (a browser's main thread refuses modules over 4 KB).
 */
export function kernelModule(shared: boolean): object | null {
  if (!compiled.has(shared)) {
    let module: object | null = null;
    try {
      const bytes = kernelModuleBytes(shared);
      if (webAssembly !== undefined && webAssembly.validate(bytes)) module = new webAssembly.Module(bytes);
    } catch {
      module = null;
    }
    compiled.set(shared, module);
  }
  return compiled.get(shared)!;
}

interface KernelExports {
  gemm(m: number, n: number, k: number, a: number, aRow: number, aCol: number, b: number, bRow: number, bCol: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  im2col(image: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, ho: number, wo: number, cols: number): void;
  col2im(cols: number, image: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, ho: number, wo: number): void;
  relu(x: number, y: number, n: number): void;
  step(x: number, y: number, n: number): void;
  scaleRows(m: number, s: number, y: number, rows: number, width: number): void;
  reflectorPass(a: number, n: number, k: number, v: number, p: number, vPrev: number, wPrev: number): void;
  planeRotations(rows: number, n: number, cosines: number, sines: number, l: number, m: number): void;
  maxPoolWinners(x: number, out: number, planes: number, h: number, w: number, ho: number, wo: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): void;
}

/** The last element index a strided matrix touches: offset + (rows − 1)·rowStride + (cols − 1)·colStride. */
const lastIndex = (offset: number, rows: number, rowStride: number, cols: number, colStride: number): number =>
  offset + (rows - 1) * rowStride + (cols - 1) * colStride;

/** The kernels of one thread on one memory: the WebAssembly twins of the TypeScript kernels (same arguments, same bits). */
export class WasmKernels {
  readonly kind = 'wasm' as const;
  readonly memory: WasmMemory;
  private readonly exports: KernelExports;
  /** Buffers whose views are this memory's (a shared memory's buffer object changes when it grows). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private scratchAt = 0;
  private colsAt = GEMM_SCRATCH_BYTES;
  private colsCapacity = 0;

  private constructor(memory: WasmMemory, module: object) {
    this.memory = memory;
    this.exports = new webAssembly!.Instance(module, { env: { memory } }).exports as KernelExports;
    this.buffers.add(memory.buffer);
  }

  /** Kernels on `memory` (a shared memory for the thread pool), or null where the module cannot run. */
  static create(memory: WasmMemory, shared: boolean): WasmKernels | null {
    const module = kernelModule(shared);
    return module ? new WasmKernels(memory, module) : null;
  }

  /** A fresh memory of at least `bytes` (one page at least) for one thread (not shared), or for the threads of a pool (shared). */
  static newMemory(shared: boolean, bytes = PAGE_BYTES): WasmMemory {
    if (webAssembly === undefined) fail('wasm kernels', 'this runtime has no WebAssembly');
    const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
    if (pages > MAX_PAGES) fail('wasm kernels', `a memory of at most 4 GiB (wasm32), given ${bytes} bytes`);
    return new webAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared });
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Grows the memory to at least `bytes` (false if wasm32's 4 GiB cannot hold them). Growing a
   * memory that is not shared detaches its earlier views: make views after growing.
   */
  ensure(bytes: number): boolean {
    if (bytes > MAX_PAGES * PAGE_BYTES) return false;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      // Grow by at least half again, so a sequence of growing calls grows rarely.
      const pages = Math.min(MAX_PAGES, Math.max(Math.ceil(bytes / PAGE_BYTES), Math.ceil((1.5 * have) / PAGE_BYTES)));
      this.memory.grow(pages - have / PAGE_BYTES);
    }
    this.buffers.add(this.memory.buffer);
    return true;
  }

  /** A Float64Array of `length` doubles at byte address `byteOffset` of the memory. */
  view(byteOffset: number, length: number): Float64Array {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Float64Array(buffer, byteOffset, length);
  }

  /** Sets this thread's scratch: GEMM panels at `at`, then room for `colsCapacity` doubles of im2col columns (16-byte aligned). */
  setScratch(at: number, colsCapacity: number): void {
    this.scratchAt = at;
    this.colsAt = at + GEMM_SCRATCH_BYTES;
    this.colsCapacity = colsCapacity;
  }

  /** Bytes of one thread's scratch for `colsCapacity` doubles of columns. */
  static scratchBytes(colsCapacity: number): number {
    return GEMM_SCRATCH_BYTES + align16(8 * colsCapacity);
  }

  /** im2col's columns buffer of `size` doubles in this thread's scratch. */
  cols(size: number): Float64Array {
    if (size > this.colsCapacity) fail('wasm kernels', `columns of ${size} doubles, but the scratch holds ${this.colsCapacity}`);
    return this.view(this.colsAt, size);
  }

  /** An Int32Array of `length` at byte address `byteOffset` (max pooling's winners). */
  viewInt32(byteOffset: number, length: number): Int32Array {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Int32Array(buffer, byteOffset, length);
  }

  /** The byte address of element `index` of `array`, after checking that the array is a view of this memory and `last` lies inside it. */
  private address(op: string, what: string, array: Float64Array | Int32Array, index: number, last: number): number {
    if (!this.buffers.has(array.buffer)) {
      // Another instance on this (shared) memory may have grown it since: its buffer object is new.
      this.buffers.add(this.memory.buffer);
      if (!this.buffers.has(array.buffer)) fail(op, `${what} must be a view of the kernels' WebAssembly memory`);
    }
    if (!(index >= 0 && last < array.length && index <= last)) fail(op, `${what} is accessed at elements ${index}…${last}, outside its ${array.length}`);
    return array.byteOffset + array.BYTES_PER_ELEMENT * index;
  }

  /** ../elementwise.ts's unary 'relu' or 'step' of x into y (same length). */
  map(op: 'relu' | 'step', x: Float64Array, y: Float64Array): void {
    if (x.length !== y.length) fail(op, `x and y must have one length, given ${x.length} and ${y.length}`);
    if (x.length === 0) return;
    this.exports[op](this.address(op, 'x', x, 0, x.length - 1), this.address(op, 'y', y, 0, y.length - 1), x.length);
  }

  /** ../kernels.ts's scaleRows: y = m · diag(s), m and y [rows, width]. */
  readonly scaleRows = (m: Float64Array, s: Float64Array, y: Float64Array, rows: number, width: number): void => {
    if (rows * width === 0) return;
    this.exports.scaleRows(this.address('scaleRows', 'm', m, 0, rows * width - 1), this.address('scaleRows', 's', s, 0, width - 1), this.address('scaleRows', 'y', y, 0, rows * width - 1), rows, width);
  };

  /** ../eigen.ts's reflectorPass: step k of the tridiagonalization on the rows i > k of a [n, n]. */
  readonly reflectorPass = (a: Float64Array, n: number, k: number, v: Float64Array, p: Float64Array, vPrev: Float64Array, wPrev: Float64Array): void => {
    if (k + 1 >= n) return;
    const op = 'reflectorPass';
    this.exports.reflectorPass(this.address(op, 'a', a, 0, n * n - 1), n, k, this.address(op, 'v', v, 0, n - 1), this.address(op, 'p', p, 0, n - 1), this.address(op, 'vPrev', vPrev, 0, n - 1), this.address(op, 'wPrev', wPrev, 0, n - 1));
  };

  /** ../eigen.ts's planeRotations: rotations m−1 … l of a QL sweep on the rows [n, n]. */
  readonly planeRotations = (rows: Float64Array, n: number, cosines: Float64Array, sines: Float64Array, l: number, m: number): void => {
    if (m <= l || n === 0) return;
    const op = 'planeRotations';
    if (!(l >= 0 && m < n)) fail(op, `rotations ${l}…${m - 1} of rows ${l}…${m}, outside the ${n} rows`);
    this.exports.planeRotations(this.address(op, 'rows', rows, 0, (m + 1) * n - 1), n, this.address(op, 'cosines', cosines, l, m - 1) - 8 * l, this.address(op, 'sines', sines, l, m - 1) - 8 * l, l, m);
  };

  /** ../pool.ts's maxPool2dIndices of x into out ([n, c, ho, wo] flat indices). */
  maxPoolWinners(x: Float64Array, g: PoolGeometry, out: Int32Array): void {
    const planes = g.n * g.c;
    if (planes * g.ho * g.wo === 0) return;
    const xAt = this.address('maxPool2dIndices', 'x', x, 0, planes * g.h * g.w - 1);
    const outAt = this.address('maxPool2dIndices', 'out', out, 0, planes * g.ho * g.wo - 1);
    this.exports.maxPoolWinners(xAt, outAt, planes, g.h, g.w, g.ho, g.wo, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW);
  }

  /** ../gemm.ts's gemm, with the same arguments and the same bits. */
  readonly gemm: Gemm = (m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate) => {
    if (m === 0 || n === 0) return;
    const cAt = this.address('gemm', 'C', c, cOff, lastIndex(cOff, m, ldc, n, 1));
    if (k === 0) {
      if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
      return;
    }
    const aAt = this.address('gemm', 'A', a, aOff, lastIndex(aOff, m, aRow, k, aCol));
    const bAt = this.address('gemm', 'B', b, bOff, lastIndex(bOff, k, bRow, n, bCol));
    if (this.scratchAt + GEMM_SCRATCH_BYTES > this.memory.buffer.byteLength) fail('gemm', 'the GEMM scratch lies outside the memory');
    this.exports.gemm(m, n, k, aAt, aRow, aCol, bAt, bRow, bCol, cAt, ldc, accumulate ? 1 : 0, this.scratchAt);
  };

  /** ../conv.ts's im2col: image n of x as columns. */
  im2col(x: Float64Array, n: number, g: ConvGeometry, cols: Float64Array): void {
    const plane = g.c * g.h * g.w;
    const image = this.address('im2col', 'x', x, n * plane, (n + 1) * plane - 1);
    const colsAt = this.address('im2col', 'cols', cols, 0, g.c * g.kh * g.kw * g.ho * g.wo - 1);
    this.exports.im2col(image, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.ho, g.wo, colsAt);
  }

  /** ../conv.ts's col2im: adds the columns back into image n of dx. */
  col2im(cols: Float64Array, n: number, g: ConvGeometry, dx: Float64Array): void {
    const plane = g.c * g.h * g.w;
    const colsAt = this.address('col2im', 'cols', cols, 0, g.c * g.kh * g.kw * g.ho * g.wo - 1);
    const image = this.address('col2im', 'dx', dx, n * plane, (n + 1) * plane - 1);
    this.exports.col2im(colsAt, image, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.ho, g.wo);
  }
}

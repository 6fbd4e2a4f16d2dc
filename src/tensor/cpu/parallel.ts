/**
 * The float64 GEMM and convolutions as chunks that threads can share.
 *
 * A kernel call (a matmul or one of the three convolution kernels) is planned as a number of
 * chunks. Every output element belongs to exactly one chunk, and a chunk computes its elements
 * with the same sums, in the same order, as the single-threaded kernel:
 *  - matmul: a chunk is a block of rows × a block of columns of one batch's product. The GEMM's
 *    k-blocks depend on k alone, so an entry's sum is the same whatever block holds it.
 *  - conv2d and its input gradient: a chunk is a range of images (images are independent).
 *  - the weight gradient: a chunk is a group of images whose size depends on the batch size alone
 *    (weightGradGroupSize); each writes its partial sum of dW, and the partial sums are added in
 *    group order on the calling thread, whatever the thread count.
 * So results are bit-identical for any number of threads and any chunk order, which lets a pool
 * hand chunks out first come, first served.
 *
 * A call is plain data (numbers and Float64Arrays), so a pool can copy it into shared memory and
 * a worker can run its chunks with `runChunk`. This module has no threads and no Node API: the
 * Node thread pool (src/node/thread-pool.ts) is installed with `setKernelRunner`; without
 * one, every call runs on the calling thread, as in a browser.
 *
 * Chunks run on a kernel set (kernels.ts): the TypeScript reference, or its WebAssembly twin over
 * a memory that holds the operands (the calling thread's own, or the pool's shared arena). Both
 * give the same bits, so neither the kernels nor the thread count can change a result.
 */
import type { ConvGeometry, MatmulGeometry } from '../geometry.ts';
import { fail } from '../errors.ts';
import { allocate, allocateUnfilled } from '../memory.ts';
import { conv2dForwardImages, conv2dInputGradImages, conv2dWeightGradImages } from './conv.ts';
import { callingThreadWasm, typescriptKernels, type Float64Kernels } from './kernels.ts';
import { align16, WasmKernels } from './wasm/runtime.ts';

/** The kernels a call can run; the numbers travel to worker threads. */
export const KERNEL = { matmul: 0, conv2d: 1, conv2dInputGrad: 2, conv2dWeightGrad: 3 } as const;

/**
 * One kernel call: `params` (integers: sizes and the chunking), the input arrays, the output's
 * length, the number of chunks and the floating-point operations of the whole call (a
 * multiply-add counts 2), by which a runner decides whether threads are worth waking.
 */
export interface KernelCall {
  /** What the call computes, for error messages (e.g. 'matmul'). */
  op: string;
  /** A KERNEL value (a runner may define kinds of its own above them, e.g. for its tests). */
  kind: number;
  params: Float64Array;
  inputs: Float64Array[];
  outputLength: number;
  /** Whether the chunks add into the output, which must then be zero on entry (as `allocate` gives it). */
  accumulates: boolean;
  chunks: number;
  flops: number;
  /** Doubles of scratch each thread needs besides the GEMM's (im2col's columns of one image). */
  scratch: number;
  /** Turns the chunks' output into the call's result on the calling thread (e.g. adds partial sums); default: as is. */
  finish?: (output: Float64Array) => Float64Array;
}

/** Runs kernel calls, e.g. on a pool of threads. Must return what runCall returns, bit for bit. */
export interface KernelRunner {
  /** Threads taking chunks, the calling one included. */
  readonly threads: number;
  /** The output of `call` (a fresh array), or null to have it run on the calling thread. */
  run(call: KernelCall): Float64Array | null;
}

let runner: KernelRunner | null = null;

/** Installs (or, with null, removes) the runner the CPU backend hands its GEMM and convolutions to. */
export function setKernelRunner(next: KernelRunner | null): void {
  runner = next;
}

/** The installed runner, or null (every call on the calling thread). */
export function kernelRunner(): KernelRunner | null {
  return runner;
}

/** Threads a call is planned for: the installed runner's, else 1. */
const plannedThreads = (): number => runner?.threads ?? 1;

/** The output of a call: through the installed runner, else every chunk in order on this thread. */
export function runKernel(call: KernelCall): Float64Array {
  return runner?.run(call) ?? runCall(call);
}

/**
 * Runs every chunk of a call, in order, on the calling thread: in its WebAssembly memory when
 * the WebAssembly kernels are chosen (and the call fits wasm32's 4 GiB), else in TypeScript.
 */
export function runCall(call: KernelCall): Float64Array {
  const wasm = callingThreadWasm();
  if (wasm !== null) {
    const out = runCallIn(wasm, call);
    if (out !== null) return out;
  }
  // Chunks write every output element, except those of a call that adds into its output.
  const out = call.accumulates ? allocate(call.outputLength) : allocateUnfilled(call.outputLength);
  const operands = [call.params, ...call.inputs, out];
  for (let chunk = 0; chunk < call.chunks; chunk++) runChunk(call.kind, operands, chunk, typescriptKernels);
  return call.finish ? call.finish(out) : out;
}

/**
 * Where a call lies in a kernel memory: `threads` scratch regions of `scratchBytes` from 0 (thread
 * t's at t·scratchBytes), then each input at inputAt[i], the output at outputAt and the params at
 * paramsAt (for worker threads), all 16-byte aligned byte addresses.
 */
export interface CallLayout {
  scratchBytes: number;
  inputAt: number[];
  outputAt: number;
  paramsAt: number;
  totalBytes: number;
}

export function callLayout(call: KernelCall, threads: number): CallLayout {
  const scratchBytes = WasmKernels.scratchBytes(call.scratch);
  let at = threads * scratchBytes;
  const place = (length: number): number => {
    const start = at;
    at += align16(8 * length);
    return start;
  };
  const inputAt = call.inputs.map((x) => place(x.length));
  const outputAt = place(call.outputLength);
  const paramsAt = place(call.params.length);
  return { scratchBytes, inputAt, outputAt, paramsAt, totalBytes: at };
}

/** A call run in a thread's own WebAssembly memory: inputs copied in, chunks in order, the output copied out; null if it does not fit. */
function runCallIn(wasm: WasmKernels, call: KernelCall): Float64Array | null {
  const layout = callLayout(call, 1);
  if (!wasm.ensure(layout.totalBytes)) return null;
  wasm.setScratch(0, call.scratch);
  const inputs = call.inputs.map((x, i) => {
    const view = wasm.view(layout.inputAt[i], x.length);
    view.set(x);
    return view;
  });
  const output = wasm.view(layout.outputAt, call.outputLength);
  if (call.accumulates) output.fill(0);
  const operands = [call.params, ...inputs, output];
  for (let chunk = 0; chunk < call.chunks; chunk++) runChunk(call.kind, operands, chunk, wasm);
  if (call.finish) return call.finish(output);
  const out = allocateUnfilled(call.outputLength);
  out.set(output);
  return out;
}

/**
 * Chunks per thread aimed at: enough that a thread which starts late or is paused by the
 * operating system leaves its share to the others, few enough that each chunk stays long
 * compared with taking it (one atomic add).
 */
const CHUNKS_PER_THREAD = 4;

const roundUp = (x: number, multiple: number): number => Math.ceil(x / multiple) * multiple;

/** Blocks of `block` that cover `size` (none for an empty dimension, whose block is 0 too). */
const blockCount = (size: number, block: number): number => (size === 0 ? 0 : Math.ceil(size / block));

/** matmul's params: batch, m, n, k, transA, transB, rowBlock, colBlock, then aOffsets and bOffsets. */
const MATMUL_HEADER = 8;

/**
 * Batched matmul out[t] = op(A_t)·op(B_t) (MatmulGeometry). Below CHUNKS_PER_THREAD·threads
 * batches, each product is cut into column blocks (multiples of the GEMM's 128-column block where
 * there are enough columns, so no B panel is packed twice), or into row blocks of 4 when it has
 * fewer than 32 columns.
 */
export function matmulCall(a: Float64Array, b: Float64Array, g: MatmulGeometry, threads = plannedThreads()): KernelCall {
  const pieces = threads === 1 ? 1 : Math.ceil((CHUNKS_PER_THREAD * threads) / g.batch);
  let rowBlock = g.m, colBlock = g.n;
  if (pieces > 1) {
    if (g.n >= 32) {
      const width = Math.ceil(g.n / pieces);
      colBlock = roundUp(width, width >= 128 ? 128 : 4);
    } else {
      rowBlock = roundUp(Math.ceil(g.m / pieces), 4);
    }
  }
  // The offsets are copied with set, not spread into arguments: a batch may hold 10⁵ products.
  const params = new Float64Array(MATMUL_HEADER + 2 * g.batch);
  params.set([g.batch, g.m, g.n, g.k, g.transA ? 1 : 0, g.transB ? 1 : 0, rowBlock, colBlock]);
  params.set(g.aOffsets, MATMUL_HEADER);
  params.set(g.bOffsets, MATMUL_HEADER + g.batch);
  return {
    op: 'matmul', kind: KERNEL.matmul, params, inputs: [a, b], outputLength: g.batch * g.m * g.n, accumulates: false, scratch: 0,
    chunks: g.batch * blockCount(g.m, rowBlock) * blockCount(g.n, colBlock), flops: 2 * g.batch * g.m * g.n * g.k,
  };
}

const convParams = (g: ConvGeometry, block: number): Float64Array =>
  Float64Array.of(g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.ho, g.wo, block);

const convFlops = (g: ConvGeometry): number => 2 * g.n * g.o * g.c * g.kh * g.kw * g.ho * g.wo;

/** Doubles of one image's im2col columns: [c·kh·kw, ho·wo]. */
const columnsOf = (g: ConvGeometry): number => g.c * g.kh * g.kw * g.ho * g.wo;

/** Images per chunk for the image-parallel kernels. */
const imagesPerChunk = (g: ConvGeometry, threads: number): number =>
  threads === 1 ? Math.max(1, g.n) : Math.max(1, Math.ceil(g.n / (CHUNKS_PER_THREAD * threads)));

/** conv2d (forward), a chunk per range of images. */
export function conv2dCall(x: Float64Array, weight: Float64Array, g: ConvGeometry, threads = plannedThreads()): KernelCall {
  const block = imagesPerChunk(g, threads);
  return {
    op: 'conv2d', kind: KERNEL.conv2d, params: convParams(g, block), inputs: [x, weight],
    outputLength: g.n * g.o * g.ho * g.wo, accumulates: false, scratch: columnsOf(g), chunks: Math.ceil(g.n / block), flops: convFlops(g),
  };
}

/** conv2d's input gradient, a chunk per range of images. */
export function conv2dInputGradCall(gy: Float64Array, weight: Float64Array, g: ConvGeometry, threads = plannedThreads()): KernelCall {
  const block = imagesPerChunk(g, threads);
  return {
    op: 'conv2dInputGrad', kind: KERNEL.conv2dInputGrad, params: convParams(g, block), inputs: [gy, weight],
    outputLength: g.n * g.c * g.h * g.w, accumulates: true, scratch: columnsOf(g), chunks: Math.ceil(g.n / block), flops: convFlops(g),
  };
}

/**
 * Images per group of the weight gradient: a function of the batch size alone (never of the
 * thread count), at least 8 and at most 16 groups.
 */
export const weightGradGroupSize = (n: number): number => Math.max(8, Math.ceil(n / 16));

/** Σ_group partials[group] (each of length size), added in group order into a fresh array. */
function sumPartials(partials: Float64Array, groups: number, size: number): Float64Array {
  const sum = allocateUnfilled(size);
  sum.set(partials.subarray(0, size));
  for (let group = 1; group < groups; group++) {
    for (let i = 0, j = group * size; i < size; i++, j++) sum[i] += partials[j];
  }
  return sum;
}

/**
 * conv2d's weight gradient dW = Σ_n gy_n · cols_nᵀ, summed as Σ_groups (Σ_{n in group} gy_n · cols_nᵀ):
 * a chunk per group of weightGradGroupSize(n) images writes its group's partial sum (the images in
 * order), and `finish` adds the partial sums in group order — the same sums for any thread count.
 */
export function conv2dWeightGradCall(x: Float64Array, gy: Float64Array, g: ConvGeometry): KernelCall {
  const size = g.o * g.c * g.kh * g.kw, block = weightGradGroupSize(g.n);
  const groups = Math.ceil(g.n / block);
  return {
    op: 'conv2dWeightGrad', kind: KERNEL.conv2dWeightGrad, params: convParams(g, block), inputs: [x, gy],
    outputLength: Math.max(1, groups) * size, accumulates: groups === 0, scratch: columnsOf(g), chunks: groups, flops: convFlops(g),
    finish: groups > 1 ? (partials) => sumPartials(partials, groups, size) : undefined,
  };
}

function convGeometry(p: Float64Array): ConvGeometry {
  return { n: p[0], c: p[1], h: p[2], w: p[3], o: p[4], kh: p[5], kw: p[6], strideH: p[7], strideW: p[8], padH: p[9], padW: p[10], ho: p[11], wo: p[12] };
}

/**
 * Runs chunk `chunk` of a call whose operands are [params, ...inputs, output] (the output
 * zero on entry, as `allocate` gives it) with `kernels`, whose memory must hold the inputs and
 * the output (any for the TypeScript kernels). The same function runs on every thread.
 */
export function runChunk(kind: number, operands: readonly Float64Array[], chunk: number, kernels: Float64Kernels = typescriptKernels): void {
  const p = operands[0];
  const out = operands[operands.length - 1];
  switch (kind) {
    case KERNEL.matmul: {
      const [batch, m, n, k, transA, transB, rowBlock, colBlock] = p;
      const rowBlocks = blockCount(m, rowBlock), colBlocks = blockCount(n, colBlock);
      const t = Math.floor(chunk / (rowBlocks * colBlocks));
      const within = chunk % (rowBlocks * colBlocks);
      const r0 = Math.floor(within / colBlocks) * rowBlock, c0 = (within % colBlocks) * colBlock;
      const rows = Math.min(rowBlock, m - r0), cols = Math.min(colBlock, n - c0);
      // op(A)(i,p) = A[i,p] or A[p,i]; likewise op(B): the GEMM reads through strides.
      const aRow = transA ? 1 : k, aCol = transA ? m : 1;
      const bRow = transB ? 1 : n, bCol = transB ? k : 1;
      const aOff = p[MATMUL_HEADER + t], bOff = p[MATMUL_HEADER + batch + t];
      kernels.gemm(rows, cols, k, operands[1], aOff + r0 * aRow, aRow, aCol, operands[2], bOff + c0 * bCol, bRow, bCol, out, t * m * n + r0 * n + c0, n, false);
      return;
    }
    case KERNEL.conv2d:
    case KERNEL.conv2dInputGrad: {
      const g = convGeometry(p), block = p[13];
      const first = chunk * block, end = Math.min(g.n, first + block);
      if (kind === KERNEL.conv2d) conv2dForwardImages(kernels, operands[1], operands[2], g, out, first, end);
      else conv2dInputGradImages(kernels, operands[1], operands[2], g, out, first, end);
      return;
    }
    case KERNEL.conv2dWeightGrad: {
      const g = convGeometry(p), block = p[13], size = g.o * g.c * g.kh * g.kw;
      const first = chunk * block;
      conv2dWeightGradImages(kernels, operands[1], operands[2], g, out.subarray(chunk * size, (chunk + 1) * size), first, Math.min(g.n, first + block));
      return;
    }
    default:
      fail('runChunk', `a kernel kind 0–${KERNEL.conv2dWeightGrad}, given ${kind}`);
  }
}

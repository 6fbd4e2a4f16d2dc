/**
 * Geometry of the structured kernels (matmul, conv2d, pooling), computed and checked once
 * by the ops and handed to a backend, which can then trust it.
 */
import { fail, fmt } from './errors.ts';
import { broadcastShapes, sizeOf, stridesOf, type Shape } from './shape.ts';

/** Batched matmul: out[b] = op(A[aOffsets[b]]) · op(B[bOffsets[b]]), each m×k times k×n. */
export interface MatmulGeometry {
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  /** Element offset of each batch's A (resp. B) matrix: broadcast batches repeat offsets. */
  aOffsets: Int32Array;
  bOffsets: Int32Array;
  outShape: Shape;
}

/** matmul options: transpose the last two axes of a and/or b. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * a: [..., m, k] (or [..., k, m] with transA), b: [..., k, n] (or [..., n, k] with transB);
 * leading batch dimensions broadcast (NumPy rules). Both operands are at least 2-D here (see
 * matmulVectorShapes for 1-D ones).
 */
export function matmulGeometry(aShape: Shape, bShape: Shape, options: MatmulOptions = {}): MatmulGeometry {
  const op = 'matmul';
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  if (aShape.length === 0 || bShape.length === 0) fail(op, `operands must be at least 1-D, given a ${fmt(aShape)} and b ${fmt(bShape)}`);
  if (aShape.length < 2 || bShape.length < 2) fail(op, `1-D operands are promoted by matmulVectorShapes before this, given a ${fmt(aShape)} and b ${fmt(bShape)}`);
  const ra = aShape.length, rb = bShape.length;
  const m = transA ? aShape[ra - 1] : aShape[ra - 2];
  const ka = transA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transB ? bShape[rb - 2] : bShape[rb - 1];
  if (ka !== kb) {
    fail(op, `inner dimensions differ: a ${fmt(aShape)}${transA ? 'ᵀ' : ''} has k = ${ka}, b ${fmt(bShape)}${transB ? 'ᵀ' : ''} has k = ${kb}`);
  }
  const aBatch = aShape.slice(0, ra - 2), bBatch = bShape.slice(0, rb - 2);
  const batchShape = broadcastShapes(op, aBatch, bBatch);
  const batch = sizeOf(batchShape);
  const aOffsets = batchOffsets(aBatch, batchShape, m * ka);
  const bOffsets = batchOffsets(bBatch, batchShape, kb * n);
  return { batch, m, k: ka, n, transA, transB, aOffsets, bOffsets, outShape: [...batchShape, m, n] };
}

/**
 * NumPy's rule for a 1-D operand of matmul: a vector a [k] acts as the row [1, k], a vector b [k]
 * as the column [k, 1], and the added axis is dropped from the result — so matrix·vector gives
 * [..., m], vector·matrix [..., n] and vector·vector a scalar []. Returns the promoted operand
 * shapes and the result's shape, or null when both operands are at least 2-D. Transposes are
 * defined on the last two axes of ≥ 2-D operands only.
 */
export function matmulVectorShapes(aShape: Shape, bShape: Shape, options: MatmulOptions = {}): { a: Shape; b: Shape; out: Shape } | null {
  const aVector = aShape.length === 1, bVector = bShape.length === 1;
  if (!aVector && !bVector) return null;
  if ((aVector && options.transA) || (bVector && options.transB)) fail('matmul', `transA/transB apply to operands of at least 2 dimensions, given a ${fmt(aShape)}${options.transA ? 'ᵀ' : ''} and b ${fmt(bShape)}${options.transB ? 'ᵀ' : ''}`);
  const a = aVector ? [1, aShape[0]] : aShape, b = bVector ? [bShape[0], 1] : bShape;
  const full = matmulGeometry(a, b, options).outShape;
  const out = full.filter((_, i) => !((aVector && i === full.length - 2) || (bVector && i === full.length - 1)));
  return { a, b, out };
}

/** Offset of each broadcast batch's matrix inside an operand with batch shape `own`. */
function batchOffsets(own: Shape, full: Shape, matrixSize: number): Int32Array {
  const count = sizeOf(full);
  const offsets = new Int32Array(count);
  const ownStrides = stridesOf(own);
  const lead = full.length - own.length;
  for (let b = 0; b < count; b++) {
    let rem = b, off = 0;
    for (let d = full.length - 1; d >= 0; d--) {
      const i = rem % full[d];
      rem = (rem - i) / full[d];
      const od = d - lead;
      if (od >= 0 && own[od] !== 1) off += i * ownStrides[od];
    }
    offsets[b] = off * matrixSize;
  }
  return offsets;
}

/** conv2d: input [n, c, h, w], weight [o, c, kh, kw] → output [n, o, ho, wo]. */
export interface ConvGeometry {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number;
  strideH: number; strideW: number;
  padH: number; padW: number;
  ho: number; wo: number;
}

/** conv2d options (PyTorch semantics): stride and zero padding, a number or [h, w]. */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

function pair(op: string, name: string, v: number | readonly [number, number] | undefined, fallback: number, min: number): [number, number] {
  const p: readonly number[] = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    fail(op, `${name} must be an integer ≥ ${min} or a pair of them, given ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

/** Output size of a window sliding over `size` padded by `pad` on both sides (floor mode). */
function slidOutput(op: string, axis: string, size: number, kernel: number, stride: number, pad: number): number {
  if (kernel > size + 2 * pad) {
    fail(op, `kernel ${axis} ${kernel} is larger than the padded input ${axis} ${size} + 2·${pad} = ${size + 2 * pad}`);
  }
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/** Checks conv2d operand shapes and options; the output shape and loop bounds, or an error naming the mismatch. */
export function convGeometry(xShape: Shape, wShape: Shape, options: Conv2dOptions = {}): ConvGeometry {
  const op = 'conv2d';
  if (xShape.length !== 4) fail(op, `input must be 4-D [n, c, h, w], given ${fmt(xShape)}`);
  if (wShape.length !== 4) fail(op, `weight must be 4-D [out, in, kh, kw], given ${fmt(wShape)}`);
  const [n, c, h, w] = xShape;
  const [o, ci, kh, kw] = wShape;
  if (ci !== c) fail(op, `channel mismatch: input ${fmt(xShape)} has ${c} channels, weight ${fmt(wShape)} expects ${ci}`);
  const [strideH, strideW] = pair(op, 'stride', options.stride, 1, 1);
  const [padH, padW] = pair(op, 'padding', options.padding, 0, 0);
  const ho = slidOutput(op, 'height', h, kh, strideH, padH);
  const wo = slidOutput(op, 'width', w, kw, strideW, padW);
  return { n, c, h, w, o, kh, kw, strideH, strideW, padH, padW, ho, wo };
}

/** Checks that an output gradient has the conv output's shape [n, o, ho, wo]. */
export function checkConvOutputShape(op: string, gyShape: Shape, g: ConvGeometry): void {
  const expected = [g.n, g.o, g.ho, g.wo];
  if (gyShape.length !== 4 || gyShape.some((d, i) => d !== expected[i])) fail(op, `output gradient must have shape ${fmt(expected)}, given ${fmt(gyShape)}`);
}

/** Pooling: input [n, c, h, w] → [n, c, ho, wo]. */
export interface PoolGeometry {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number;
  strideH: number; strideW: number;
  padH: number; padW: number;
  ho: number; wo: number;
}

/** Pooling options (PyTorch semantics): kernel, stride (default: the kernel) and padding, a number or [h, w]. */
export interface Pool2dOptions {
  kernel: number | readonly [number, number];
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

/** Checks a pooling input shape and options; the output shape and loop bounds, or an error naming the mismatch. */
export function poolGeometry(op: string, xShape: Shape, options: Pool2dOptions): PoolGeometry {
  if (xShape.length !== 4) fail(op, `input must be 4-D [n, c, h, w], given ${fmt(xShape)}`);
  if (options === undefined || options.kernel === undefined) fail(op, 'missing kernel size');
  const [n, c, h, w] = xShape;
  const [kh, kw] = pair(op, 'kernel', options.kernel, 1, 1);
  const [strideH, strideW] = options.stride === undefined ? [kh, kw] : pair(op, 'stride', options.stride, 1, 1);
  const [padH, padW] = pair(op, 'padding', options.padding, 0, 0);
  // PyTorch's rule: every window must hold at least one real element.
  if (2 * padH > kh || 2 * padW > kw) {
    fail(op, `padding must be at most half the kernel size, given padding [${padH},${padW}] for kernel [${kh},${kw}]`);
  }
  const ho = slidOutput(op, 'height', h, kh, strideH, padH);
  const wo = slidOutput(op, 'width', w, kw, strideW, padW);
  return { n, c, h, w, kh, kw, strideH, strideW, padH, padW, ho, wo };
}

/**
 * The backend seam: the hot kernels every op reduces to. Ops check shapes and compute
 * geometry (so a backend can trust its arguments); a backend owns the storage of its tensors
 * and runs the kernels. The float64 CPU backend is the default and the reference; a gpu.js
 * backend implements the same interface without touching op code.
 */
import type { ConvGeometry, MatmulGeometry, PoolGeometry } from './geometry.ts';
import type { Shape } from './shape.ts';
import type { Tensor } from './tensor.ts';
import type { BinaryOp, UnaryOp } from './cpu/elementwise.ts';

export type { BinaryOp, UnaryOp };

/** Where tensors live and kernels run: the float64 CPU backend or the float32 gpu.js backend. Ops check shapes; a backend only computes. */
export interface Backend {
  readonly name: string;
  /** The precision it computes in: 'float64' (CPU) or 'float32' (gpu.js). */
  readonly dtype: 'float64' | 'float32';
  /** Wraps float64 data of the given shape as a tensor of this backend (data is not copied on the CPU). */
  fromFloat64(data: Float64Array, shape: Shape): Tensor;
  /** The tensor's elements in row-major order (a read-back on devices; the storage itself on the CPU). */
  read(t: Tensor): Float64Array;

  unary(op: UnaryOp, x: Tensor): Tensor;
  /** a ∘ b broadcast to `outShape` (NumPy rules, already checked). */
  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape): Tensor;
  /** Sum over the flagged axes, kept as size-1 dimensions. */
  sumAxes(x: Tensor, reduced: readonly boolean[]): Tensor;
  /** Flat index of the first maximum along `axis` for every other index (rank kept, axis → 1), on the host. */
  argmaxIndices(x: Tensor, axis: number): Int32Array;
  /** The maximum along `axis` (rank kept, axis → 1; the first maximum, NaN propagates), on the backend. */
  maxAlong(x: Tensor, axis: number): Tensor;

  /** out[i] = x[offset + Σ_d i_d·strides_d] over `outShape`: permute, broadcast, slice. */
  stridedRead(x: Tensor, outShape: Shape, strides: readonly number[], offset: number): Tensor;
  /** Zeros of `outShape` with x written where stridedRead would read it: the adjoint of a slice. */
  stridedWrite(x: Tensor, outShape: Shape, strides: readonly number[], offset: number): Tensor;
  gather(x: Tensor, indices: Int32Array, outShape: Shape): Tensor;
  scatterAdd(g: Tensor, indices: Int32Array, outShape: Shape): Tensor;
  concat(parts: readonly Tensor[], axis: number, outShape: Shape): Tensor;

  matmul(a: Tensor, b: Tensor, g: MatmulGeometry): Tensor;
  conv2d(x: Tensor, w: Tensor, g: ConvGeometry): Tensor;
  conv2dInputGrad(gy: Tensor, w: Tensor, g: ConvGeometry): Tensor;
  conv2dWeightGrad(x: Tensor, gy: Tensor, g: ConvGeometry): Tensor;
  /** Flat input index of each window's winner (its first maximum; padding is −∞), on the host. */
  maxPool2dIndices(x: Tensor, g: PoolGeometry): Int32Array;
  /** t [n, c, h, w] read at the winners of x's windows → [n, c, ho, wo] (x itself for t = x: max pooling). */
  maxPool2dSelect(x: Tensor, t: Tensor, g: PoolGeometry): Tensor;
  /** The adjoint of maxPool2dSelect in t: gy [n, c, ho, wo] added up at the winners of x's windows → [n, c, h, w]. */
  maxPool2dSelectAdjoint(x: Tensor, gy: Tensor, g: PoolGeometry): Tensor;
  avgPool2d(x: Tensor, g: PoolGeometry): Tensor;
  avgPool2dAdjoint(gy: Tensor, g: PoolGeometry): Tensor;
}

/** The structured kernels: matmul, conv2d with its two adjoints, and 2-D pooling. */
import { fail, fmt } from '../errors.ts';
import {
  checkConvOutputShape, convGeometry, matmulGeometry, poolGeometry,
  type Conv2dOptions, type MatmulOptions, type Pool2dOptions,
} from '../geometry.ts';
import { shapesEqual } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { backendOf } from './common.ts';
import { gather } from './movement.ts';

/** op(a) · op(b), op = identity or transpose of the last two axes; batch axes broadcast. */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  return backendOf('matmul', a, b).matmul(a, b, matmulGeometry(a.shape, b.shape, options));
}

/** 2-D cross-correlation (PyTorch's conv2d without bias): x [n,c,h,w], w [o,c,kh,kw]. */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  return backendOf('conv2d', x, w).conv2d(x, w, convGeometry(x.shape, w.shape, options));
}

/** Adjoint of x ↦ conv2d(x, w) (the "transposed convolution") applied to gy, for input shape xShape. */
export function conv2dInputGrad(gy: Tensor, w: Tensor, xShape: readonly number[], options: Conv2dOptions = {}): Tensor {
  const g = convGeometry(xShape, w.shape, options);
  checkConvOutputShape('conv2dInputGrad', gy.shape, g);
  return backendOf('conv2dInputGrad', gy, w).conv2dInputGrad(gy, w, g);
}

/** Adjoint of w ↦ conv2d(x, w) applied to gy, for weight shape wShape. */
export function conv2dWeightGrad(x: Tensor, gy: Tensor, wShape: readonly number[], options: Conv2dOptions = {}): Tensor {
  const g = convGeometry(x.shape, wShape, options);
  checkConvOutputShape('conv2dWeightGrad', gy.shape, g);
  return backendOf('conv2dWeightGrad', x, gy).conv2dWeightGrad(x, gy, g);
}


/** Flat input indices of the window maxima of 2-D max pooling (first maximum in row-major order). */
export function maxPool2dIndices(x: Tensor, options: Pool2dOptions): { indices: Int32Array; outShape: number[] } {
  const g = poolGeometry('maxPool2d', x.shape, options);
  return { indices: x.backend.maxPool2dIndices(x, g), outShape: [g.n, g.c, g.ho, g.wo] };
}

/** 2-D max pooling (padding counts as −∞). */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const { indices, outShape } = maxPool2dIndices(x, options);
  return gather(x, indices, outShape);
}

/** 2-D average pooling; the divisor is always kh·kw (PyTorch's count_include_pad=True). */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return x.backend.avgPool2d(x, poolGeometry('avgPool2d', x.shape, options));
}

/** Adjoint of average pooling applied to gy, for input shape xShape. */
export function avgPool2dAdjoint(gy: Tensor, xShape: readonly number[], options: Pool2dOptions): Tensor {
  const g = poolGeometry('avgPool2dAdjoint', xShape, options);
  const expected = [g.n, g.c, g.ho, g.wo];
  if (!shapesEqual(gy.shape, expected)) fail('avgPool2dAdjoint', `output gradient must have shape ${fmt(expected)}, given ${fmt(gy.shape)}`);
  return gy.backend.avgPool2dAdjoint(gy, g);
}

/** The structured kernels: matmul, conv2d with its two adjoints, and 2-D pooling. */
import { fail, fmt } from '../errors.ts';
import {
  checkConvOutputShape, convGeometry, matmulGeometry, matmulVectorShapes, poolGeometry,
  type Conv2dOptions, type MatmulOptions, type Pool2dOptions,
} from '../geometry.ts';
import { shapesEqual } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { im2col } from '../cpu/conv.ts';
import { backendOf } from './common.ts';
import { reshape } from './movement.ts';

/**
 * op(a) · op(b), op = identity or transpose of the last two axes; batch axes broadcast. A 1-D
 * operand follows NumPy (a row on the left, a column on the right, its axis dropped from the result).
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const vectors = matmulVectorShapes(a.shape, b.shape, options);
  if (vectors) return reshape(matmul(reshape(a, vectors.a), reshape(b, vectors.b), options), vectors.out);
  return backendOf('matmul', a, b).matmul(a, b, matmulGeometry(a.shape, b.shape, options));
}

/** 2-D cross-correlation (PyTorch's conv2d without bias): x [n,c,h,w], w [o,c,kh,kw]. */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  return backendOf('conv2d', x, w).conv2d(x, w, convGeometry(x.shape, w.shape, options));
}

/**
 * The sliding patches of x [n, c, h, w] as columns, PyTorch's `F.unfold`: [n, c·kh·kw, ho·wo] for a
 * kernel [kh, kw] with conv2d's stride and zero padding, rows in the order (c, kh, kw). Computed
 * on the CPU in float64 (K-FAC's input factors use it); the result is a CPU tensor.
 */
export function unfold(x: Tensor, kernel: number | [number, number], options: Conv2dOptions = {}): Tensor {
  const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
  if (x.rank !== 4) fail('unfold', `x must be [n, c, h, w], given ${fmt(x.shape)}`);
  const g = convGeometry(x.shape, [1, x.shape[1], kh, kw], options);
  const rows = g.c * g.kh * g.kw, columns = g.ho * g.wo;
  const out = new Float64Array(g.n * rows * columns);
  const data = x.data;
  for (let n = 0; n < g.n; n++) im2col(data, n, g, out.subarray(n * rows * columns, (n + 1) * rows * columns));
  return new Tensor([g.n, rows, columns], out);
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

/** 2-D max pooling (padding counts as −∞): x at its windows' winners. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return x.backend.maxPool2dSelect(x, x, poolGeometry('maxPool2d', x.shape, options));
}

/**
 * t read at the winners of x's max-pooling windows (each window's first maximum): the
 * derivative of max pooling at x, which is linear in t (the winners are piecewise constant in x).
 */
export function maxPool2dSelect(x: Tensor, t: Tensor, options: Pool2dOptions): Tensor {
  const g = poolGeometry('maxPool2dSelect', x.shape, options);
  if (!shapesEqual(t.shape, x.shape)) fail('maxPool2dSelect', `the tangent must have the input's shape ${fmt(x.shape)}, given ${fmt(t.shape)}`);
  return backendOf('maxPool2dSelect', x, t).maxPool2dSelect(x, t, g);
}

/** The adjoint of maxPool2dSelect in t: each window's gy added at the winner of x's window. */
export function maxPool2dSelectAdjoint(x: Tensor, gy: Tensor, options: Pool2dOptions): Tensor {
  const g = poolGeometry('maxPool2dSelectAdjoint', x.shape, options);
  const expected = [g.n, g.c, g.ho, g.wo];
  if (!shapesEqual(gy.shape, expected)) fail('maxPool2dSelectAdjoint', `output gradient must have shape ${fmt(expected)}, given ${fmt(gy.shape)}`);
  return backendOf('maxPool2dSelectAdjoint', x, gy).maxPool2dSelectAdjoint(x, gy, g);
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

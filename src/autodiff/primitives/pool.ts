/**
 * Pooling. Max pooling is a gather of each window's first maximum (indices from the concrete
 * input), so its derivatives are those of gather (PyTorch's rule: the gradient goes to the
 * first maximum). Average pooling is linear: its jvp is itself and its vjp its adjoint,
 * which is linear in turn with average pooling as its own adjoint.
 */
import * as T from '../../tensor/index.ts';
import type { Pool2dOptions, Shape } from '../../tensor/index.ts';
import { bind, concrete, type Primitive, type Value } from '../trace.ts';
import { gather } from './movement.ts';

/** 2-D max pooling (padding counts as −∞). */
export function maxPool2d(x: Value, options: Pool2dOptions): Value {
  const { indices, outShape } = T.maxPool2dIndices(concrete(x), options);
  return gather(x, indices, outShape);
}

interface PoolParams {
  options: Pool2dOptions;
  xShape: Shape;
}

const avgPoolPrim: Primitive<PoolParams> = {
  name: 'avgPool2d',
  impl: ([x], p) => T.avgPool2d(x, p.options),
  jvp: (_x, [t], p) => bind(avgPoolPrim, [t!], p), // linear: ẏ = avgPool(ẋ)
  vjp: (g, _x, p) => [bind(avgPoolAdjointPrim, [g], p)], // x̄ = avgPoolᵀ ȳ
};

const avgPoolAdjointPrim: Primitive<PoolParams> = {
  name: 'avgPool2dAdjoint',
  impl: ([g], p) => T.avgPool2dAdjoint(g, p.xShape, p.options),
  jvp: (_g, [t], p) => bind(avgPoolAdjointPrim, [t!], p),
  vjp: (c, _g, p) => [bind(avgPoolPrim, [c], p)], // (avgPoolᵀ)ᵀ = avgPool
};

/** 2-D average pooling; the divisor is kh·kw (PyTorch's default count_include_pad=True). */
export function avgPool2d(x: Value, options: Pool2dOptions): Value {
  T.poolGeometry('avgPool2d', x.shape, options);
  return bind(avgPoolPrim, [x], { options, xShape: x.shape });
}

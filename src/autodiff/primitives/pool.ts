/**
 * Pooling. Max pooling reads each window at its winner (first maximum) of the concrete input:
 * y = S_x x with S_x the selection by x's winners, which is piecewise constant in x. So its
 * derivatives are those of the linear map S_x (PyTorch's rule: the gradient goes to the first
 * maximum): jvp ẏ = S_x ẋ, vjp x̄ = S_xᵀ ȳ, and S_xᵀ is linear in turn with adjoint S_x. The
 * winners are recomputed from x on the backend, so no indices travel through the host.
 * Average pooling is linear: its jvp is itself and its vjp its adjoint, which is linear in
 * turn with average pooling as its own adjoint.
 */
import * as T from '../../tensor/index.ts';
import type { Pool2dOptions, Shape } from '../../tensor/index.ts';
import { bind, concrete, type Primitive, type Value } from '../trace.ts';

interface SelectParams {
  options: Pool2dOptions;
  /** The concrete input whose windows' winners select (fixed: S_x does not depend on x locally). */
  winnersOf: T.Tensor;
}

const selectPrim: Primitive<SelectParams> = {
  name: 'maxPool2dSelect',
  impl: ([t], p) => T.maxPool2dSelect(p.winnersOf, t, p.options),
  jvp: (_t, [dt], p) => bind(selectPrim, [dt!], p), // linear: d(S_x t) = S_x dt
  vjp: (g, _t, p) => [bind(selectAdjointPrim, [g], p)], // t̄ = S_xᵀ ȳ
};

const selectAdjointPrim: Primitive<SelectParams> = {
  name: 'maxPool2dSelectAdjoint',
  impl: ([g], p) => T.maxPool2dSelectAdjoint(p.winnersOf, g, p.options),
  jvp: (_g, [dg], p) => bind(selectAdjointPrim, [dg!], p),
  vjp: (c, _g, p) => [bind(selectPrim, [c], p)], // (S_xᵀ)ᵀ = S_x
};

/** 2-D max pooling (padding counts as −∞): x at its windows' first maxima. */
export function maxPool2d(x: Value, options: Pool2dOptions): Value {
  T.poolGeometry('maxPool2d', x.shape, options);
  return bind(selectPrim, [x], { options, winnersOf: concrete(x) });
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

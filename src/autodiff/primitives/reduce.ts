/** Reductions built on `sum`, `gather` and the logsumexp primitive; softmax and log-softmax. */
import * as T from '../../tensor/index.ts';
import { fail, fmt, normalizeAxes, normalizeAxis, sizeOf } from '../../tensor/index.ts';
import { bind, concrete, type Primitive, type Value } from '../trace.ts';
import { exp, mul, sub } from './elementwise.ts';
import { gather, reshape, sum } from './movement.ts';

/** Mean over `axes` (all by default) = sum / count. */
export function mean(x: Value, axes?: number | readonly number[], keepDims = false): Value {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = sizeOf(ax.map((a) => x.shape[a]));
  if (count === 0) fail('mean', `cannot average over an empty axis of ${fmt(x.shape)}`);
  return mul(sum(x, ax, keepDims), 1 / count);
}

/**
 * Maximum along `axis`: a gather of the first maximum of each fibre, so the derivative
 * flows to that element only (as torch.max(x, dim)).
 */
export function max(x: Value, axis: number, keepDims = false): Value {
  const ax = normalizeAxis('max', axis, x.rank);
  const indices = T.argmaxFlat(concrete(x), ax);
  return gather(x, indices, T.reducedShape(x.shape, [ax], keepDims));
}

/**
 * y = log Σ_k exp(x_k) along an axis (kept as size 1). With p = softmax(x) = exp(x − y):
 * jvp ẏ = Σ_k p_k ẋ_k;  vjp x̄ = p · ȳ.
 */
const logsumexpPrim: Primitive<number> = {
  name: 'logsumexp',
  impl: ([x], axis) => T.logsumexp(x, axis, true),
  jvp: ([x], [t], axis, y) => sum(mul(t!, exp(sub(x, y))), axis, true),
  vjp: (g, [x], _axis, y) => [mul(g, exp(sub(x, y)))],
};

/** log Σ exp(x) along `axis`, stable. */
export function logsumexp(x: Value, axis: number, keepDims = false): Value {
  const ax = normalizeAxis('logsumexp', axis, x.rank);
  const y = bind(logsumexpPrim, [x], ax);
  return keepDims ? y : reshape(y, T.reducedShape(x.shape, [ax], false));
}

/** log softmax(x) = x − logsumexp(x) along `axis`. */
export function logSoftmax(x: Value, axis = -1): Value {
  return sub(x, logsumexp(x, axis, true));
}

/**
 * y = softmax(x) along an axis. Its Jacobian diag(y) − y yᵀ is symmetric, so
 * jvp ẏ = y ⊙ (ẋ − Σ_k y_k ẋ_k)  and  vjp x̄ = y ⊙ (ȳ − Σ_k y_k ȳ_k).
 */
const softmaxPrim: Primitive<number> = {
  name: 'softmax',
  impl: ([x], axis) => T.softmax(x, axis),
  jvp: ([_x], [t], axis, y) => mul(y, sub(t!, sum(mul(y, t!), axis, true))),
  vjp: (g, _x, axis, y) => [mul(y, sub(g, sum(mul(y, g), axis, true)))],
};

/** softmax along `axis` (stable). */
export function softmax(x: Value, axis = -1): Value {
  return bind(softmaxPrim, [x], normalizeAxis('softmax', axis, x.rank));
}

/** Reductions: sum, mean, max/argmax, logsumexp, and the (log-)softmax built on them. */
import { fail, fmt } from '../errors.ts';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.ts';
import { scalar, type Tensor } from '../tensor.ts';
import { add, div, exp, finiteOrZero, log, sub } from './elementwise.ts';
import { reshape } from './movement.ts';

/** Output shape of a reduction over `axes`, with or without the reduced dimensions kept as 1. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Sum over `axes` (all by default). */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes('sum', axes, x.rank);
  const kept = x.backend.sumAxes(x, x.shape.map((_, i) => ax.includes(i)));
  return keepDims ? kept : reshape(kept, reducedShape(x.shape, ax, false));
}

/** Mean over `axes` (all by default); the mean over zero elements is an error, not NaN. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = sizeOf(ax.map((a) => x.shape[a]));
  if (count === 0) fail('mean', `cannot average over an empty axis of ${fmt(x.shape)}`);
  return x.backend.binary('mul', sum(x, ax, keepDims), scalar(1 / count, x.backend), reducedShape(x.shape, ax, keepDims));
}

/** Flat input indices of the first maximum along `axis` (one per output element). */
export function argmaxFlat(x: Tensor, axis: number): Int32Array {
  const ax = normalizeAxis('max', axis, x.rank);
  if (x.shape[ax] === 0) fail('max', `cannot take the maximum over an empty axis of ${fmt(x.shape)}`);
  return x.backend.argmaxIndices(x, ax);
}

/** Position (0..len−1) of the first maximum along `axis`, as an Int32Array in row-major order. */
export function argmax(x: Tensor, axis: number): Int32Array {
  const ax = normalizeAxis('argmax', axis, x.rank);
  const flat = argmaxFlat(x, ax);
  const inner = sizeOf(x.shape.slice(ax + 1)), len = x.shape[ax];
  return flat.map((f) => Math.floor(f / inner) % len);
}

/** Maximum along `axis` (ties: first in order; NaN propagates). */
export function max(x: Tensor, axis: number, keepDims = false): Tensor {
  const ax = normalizeAxis('max', axis, x.rank);
  if (x.shape[ax] === 0) fail('max', `cannot take the maximum over an empty axis of ${fmt(x.shape)}`);
  const kept = x.backend.maxAlong(x, ax);
  return keepDims ? kept : reshape(kept, reducedShape(x.shape, [ax], false));
}

/** log Σ exp(x) along `axis`, computed as m + log Σ exp(x − m) with m the maximum (no overflow). */
export function logsumexp(x: Tensor, axis: number, keepDims = false): Tensor {
  const ax = normalizeAxis('logsumexp', axis, x.rank);
  // An all −∞ fibre would give −∞ − (−∞) = NaN: shift by 0 there instead (computed on the
  // tensors' backend: no read-back).
  const shift = finiteOrZero(max(x, ax, true));
  const lse = add(log(sum(exp(sub(x, shift)), ax, true)), shift);
  return keepDims ? lse : reshape(lse, reducedShape(x.shape, [ax], false));
}

/** log softmax(x) = x − logsumexp(x) along `axis` (stable). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, axis, true));
}

/** softmax(x)_k = exp(x_k − m) / Σ_j exp(x_j − m) along `axis`, m the maximum (stable, accurate). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const e = exp(sub(x, max(x, axis, true)));
  return div(e, sum(e, axis, true));
}

/** Shape and data movement: reshape, permute, broadcast, slice and its adjoint, concat, gather/scatter. */
import { fail, fmt } from '../errors.ts';
import { broadcastStrides, checkShape, normalizeAxis, shapesEqual, sizeOf, stridesOf, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { asTensor, onOneBackend } from './common.ts';

/** Same data, new shape of the same size; one entry may be −1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveReshape(x.shape, shape);
  return new Tensor(target, x.storage, x.backend);
}

/** The target shape of a reshape (one −1 inferred); an error unless the sizes match exactly. */
export function resolveReshape(from: Shape, shape: readonly number[]): Shape {
  const op = 'reshape';
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) fail(op, `at most one dimension may be -1, given ${fmt(shape)}`);
  const known = sizeOf(checkShape(op, shape.filter((d) => d !== -1)));
  const size = sizeOf(from);
  let target: number[] = shape.slice();
  if (unknown === 1) {
    if (known === 0 || size % known !== 0) fail(op, `cannot infer -1 in ${fmt(shape)} for an input of shape ${fmt(from)}`);
    target = shape.map((d) => (d === -1 ? size / known : d));
  }
  if (sizeOf(target) !== size) fail(op, `cannot reshape ${fmt(from)} (size ${size}) to ${fmt(shape)} (size ${sizeOf(target)})`);
  return checkShape(op, target);
}

/** out.shape[d] = x.shape[perm[d]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkPermutation(x.rank, perm);
  const strides = stridesOf(x.shape);
  if (perm.every((p, i) => p === i)) return x;
  return x.backend.stridedRead(x, perm.map((p) => x.shape[p]), perm.map((p) => strides[p]), 0);
}

/** Throws unless `perm` is a permutation of 0..rank−1. */
export function checkPermutation(rank: number, perm: readonly number[]): void {
  const ok = perm.length === rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank) && new Set(perm).size === rank;
  if (!ok) fail('permute', `expected a permutation of 0..${rank - 1}, given [${perm.join(',')}]`);
}

/** The permutation that undoes `perm`. */
export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  return permute(x, swapAxes(x.rank, axis0, axis1));
}

/** The permutation of 0..rank−1 that swaps two axes (negative axes count from the end). */
export function swapAxes(rank: number, axis0: number, axis1: number): number[] {
  const a = normalizeAxis('transpose', axis0, rank), b = normalizeAxis('transpose', axis1, rank);
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return perm;
}

/** Broadcasts x to `shape` (NumPy rules), materialized. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = checkShape('broadcastTo', shape);
  if (shapesEqual(x.shape, target)) return x;
  return x.backend.stridedRead(x, target, broadcastStrides('broadcastTo', x.shape, target), 0);
}

/** The axes to sum so that a tensor of shape `from` reduces to `to` (the adjoint of broadcastTo(·, from)). */
export function broadcastAxes(from: Shape, to: Shape): number[] {
  broadcastStrides('sumTo', to, from); // throws unless `to` broadcasts to `from`
  const lead = from.length - to.length;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) if (i < lead || (to[i - lead] === 1 && from[i] !== 1)) axes.push(i);
  return axes;
}

/** Sums a tensor down to `shape`, the shape it was broadcast from. */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = checkShape('sumTo', shape);
  if (shapesEqual(x.shape, target)) return x;
  const axes = broadcastAxes(x.shape, target);
  const reduced = x.shape.map((_, i) => axes.includes(i));
  return reshape(x.backend.sumAxes(x, reduced), target);
}

/** Per-axis half-open ranges [begin, end), checked; returns the output shape and read offset. */
export function sliceGeometry(shape: Shape, begin: readonly number[], end: readonly number[]): { outShape: number[]; offset: number } {
  const op = 'slice';
  if (begin.length !== shape.length || end.length !== shape.length) {
    fail(op, `begin and end need one entry per axis of ${fmt(shape)}, given begin [${begin.join(',')}] and end [${end.join(',')}]`);
  }
  const strides = stridesOf(shape);
  let offset = 0;
  const outShape = shape.map((d, i) => {
    const b = begin[i], e = end[i];
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e > d || b > e) {
      fail(op, `axis ${i} of ${fmt(shape)}: need integers 0 ≤ begin ≤ end ≤ ${d}, given [${b}, ${e})`);
    }
    offset += b * strides[i];
    return e - b;
  });
  return { outShape, offset };
}

/** x[begin_0:end_0, begin_1:end_1, …]. */
export function slice(x: Tensor, begin: readonly number[], end: readonly number[]): Tensor {
  const { outShape, offset } = sliceGeometry(x.shape, begin, end);
  return x.backend.stridedRead(x, outShape, stridesOf(x.shape), offset);
}

/** The adjoint of slice: zeros of `shape` with g placed at [begin, begin + g.shape). */
export function unslice(g: Tensor, shape: readonly number[], begin: readonly number[]): Tensor {
  const target = checkShape('unslice', shape);
  const { outShape, offset } = sliceGeometry(target, begin, begin.map((b, i) => b + (g.shape[i] ?? 0)));
  if (!shapesEqual(outShape, g.shape)) fail('unslice', `a slice of shape ${fmt(g.shape)} does not fit ${fmt(target)} at [${begin.join(',')}]`);
  return g.backend.stridedWrite(g, target, stridesOf(target), offset);
}

/** Concatenation along an axis; all other dimensions must agree. */
export function concat(parts: readonly Tensor[], axis: number): Tensor {
  const op = 'concat';
  if (parts.length === 0) fail(op, 'expected at least one tensor');
  const { backend, operands: ts } = onOneBackend(op, parts.map((p) => asTensor(op, p)));
  const first = ts[0].shape;
  const ax = normalizeAxis(op, axis, first.length);
  for (const t of ts) {
    if (t.rank !== first.length || t.shape.some((d, i) => i !== ax && d !== first[i])) {
      fail(op, `shapes must agree except on axis ${ax}, given ${ts.map((p) => fmt(p.shape)).join(' and ')}`);
    }
  }
  const outShape = first.map((d, i) => (i === ax ? ts.reduce((s, t) => s + t.shape[ax], 0) : d));
  return backend.concat(ts, ax, outShape);
}

/** out (shape outShape) with out[i] = x.flat[indices[i]]. */
export function gather(x: Tensor, indices: Int32Array, outShape: readonly number[]): Tensor {
  checkIndices('gather', indices, x.size, outShape);
  return x.backend.gather(x, indices, outShape);
}

/** Zeros of `shape` with g.flat[i] added at flat position indices[i]: the adjoint of gather. */
export function scatterAdd(g: Tensor, indices: Int32Array, shape: readonly number[]): Tensor {
  const target = checkShape('scatterAdd', shape);
  checkIndices('scatterAdd', indices, sizeOf(target), g.shape);
  return g.backend.scatterAdd(g, indices, target);
}

function checkIndices(op: string, indices: Int32Array, size: number, shape: readonly number[]): void {
  if (indices.length !== sizeOf(shape)) fail(op, `${indices.length} indices for ${sizeOf(shape)} elements of ${fmt(shape)}`);
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < 0 || indices[i] >= size) fail(op, `index ${indices[i]} at position ${i} is outside [0, ${size})`);
  }
}


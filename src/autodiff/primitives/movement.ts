/**
 * Linear data-movement primitives. Each is linear in its input, so its jvp applies the op
 * itself to the tangent, and its vjp applies the adjoint op, which is again a primitive here:
 *   reshape ↔ reshape back,  permute ↔ inverse permute,  broadcastTo ↔ sumTo,
 *   sum ↔ broadcastTo,  slice ↔ unslice,  gather ↔ scatterAdd,  concat ↔ slices.
 */
import * as T from '../../tensor/index.ts';
import { normalizeAxes, normalizeAxis, shapesEqual, zeros, type Shape } from '../../tensor/index.ts';
import { bind, type Primitive, type Value } from '../trace.ts';

/** A linear primitive from its kernel and its adjoint (both maps of one value). */
function linearPrimitive<P>(
  name: string,
  kernel: (x: T.Tensor, p: P) => T.Tensor,
  adjoint: (g: Value, p: P, x: Value) => Value,
): (x: Value, p: P) => Value {
  const prim: Primitive<P> = {
    name,
    impl: ([x], p) => kernel(x, p),
    jvp: (_x, [t], p) => apply(t!, p), // L is linear: d(Lx) = L dx
    vjp: (g, [x], p) => [adjoint(g, p, x)], // x̄ = Lᵀ ȳ
  };
  const apply = (x: Value, p: P): Value => bind(prim, [x], p);
  return apply;
}

const reshapePrim = linearPrimitive<Shape>('reshape', (x, s) => T.reshape(x, s), (g, _s, x) => reshape(g, x.shape));
/** Same elements, new shape (one entry may be −1). */
export function reshape(x: Value, shape: readonly number[]): Value {
  const target = T.resolveReshape(x.shape, shape);
  return shapesEqual(target, x.shape) ? x : reshapePrim(x, target);
}

const permutePrim = linearPrimitive<readonly number[]>('permute', (x, p) => T.permute(x, p), (g, p) => permute(g, T.inversePermutation(p)));
/** out.shape[d] = x.shape[perm[d]]. */
export function permute(x: Value, perm: readonly number[]): Value {
  T.checkPermutation(x.rank, perm);
  return perm.every((p, i) => p === i) ? x : permutePrim(x, perm.slice());
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Value, axis0 = -2, axis1 = -1): Value {
  return permute(x, T.swapAxes(x.rank, axis0, axis1));
}

const broadcastPrim = linearPrimitive<Shape>('broadcastTo', (x, s) => T.broadcastTo(x, s), (g, _s, x) => sumTo(g, x.shape));
/** Broadcasts x to `shape` (NumPy rules). */
export function broadcastTo(x: Value, shape: readonly number[]): Value {
  const target = T.checkShape('broadcastTo', shape);
  T.broadcastStrides('broadcastTo', x.shape, target); // shape check before tracing
  return shapesEqual(target, x.shape) ? x : broadcastPrim(x, target);
}

/** Sum over the flagged axes, kept as size-1 dimensions: the primitive behind sum and sumTo. */
const sumKeepPrim = linearPrimitive<readonly number[]>('sum', (x, axes) => T.sum(x, axes, true), (g, _a, x) => broadcastTo(g, x.shape));

/** Sum over `axes` (all by default). */
export function sum(x: Value, axes?: number | readonly number[], keepDims = false): Value {
  const ax = normalizeAxes('sum', axes, x.rank);
  const kept = sumKeepPrim(x, ax);
  return keepDims ? kept : reshape(kept, T.reducedShape(x.shape, ax, false));
}

/** Sums x down to `shape`, the shape it was broadcast from (the adjoint of broadcastTo). */
export function sumTo(x: Value, shape: readonly number[]): Value {
  if (shapesEqual(x.shape, shape)) return x;
  return reshape(sumKeepPrim(x, T.broadcastAxes(x.shape, shape)), shape);
}

interface SliceParams {
  begin: readonly number[];
  end: readonly number[];
  shape: Shape; // the full (unsliced) shape
}
const slicePrim: (x: Value, p: SliceParams) => Value = linearPrimitive<SliceParams>('slice', (x, p) => T.slice(x, p.begin, p.end), (g, p) => unslicePrim(g, p));
const unslicePrim: (x: Value, p: SliceParams) => Value = linearPrimitive<SliceParams>('unslice', (g, p) => T.unslice(g, p.shape, p.begin), (g, p) => slicePrim(g, p));

/** x[begin_0:end_0, …] per axis (half-open). */
export function slice(x: Value, begin: readonly number[], end: readonly number[]): Value {
  T.sliceGeometry(x.shape, begin, end);
  return slicePrim(x, { begin: begin.slice(), end: end.slice(), shape: x.shape });
}

interface IndexParams {
  indices: Int32Array;
  inShape: Shape;
  outShape: Shape;
}
const gatherPrim: (x: Value, p: IndexParams) => Value = linearPrimitive<IndexParams>('gather', (x, p) => T.gather(x, p.indices, p.outShape), (g, p) => scatterPrim(g, p));
const scatterPrim: (x: Value, p: IndexParams) => Value = linearPrimitive<IndexParams>('scatterAdd', (g, p) => T.scatterAdd(g, p.indices, p.inShape), (g, p) => gatherPrim(g, p));

/** out (shape outShape), out[i] = x.flat[indices[i]]. Linear in x; the indices are constants. */
export function gather(x: Value, indices: Int32Array, outShape: readonly number[]): Value {
  const params = { indices, inShape: x.shape, outShape: T.checkShape('gather', outShape) };
  return gatherPrim(x, params);
}

const concatPrim: Primitive<number> = {
  name: 'concat',
  impl: (parts, axis) => T.concat(parts, axis),
  // d concat(x_i) = concat(dx_i), with zeros for untraced parts
  jvp: (parts, tangents, axis) => concat(parts.map((p, i) => tangents[i] ?? zeros(p.shape, p.backend)), axis),
  // the cotangent of part i is its slice of ḡ
  vjp: (g, parts, axis, _out, needed) => {
    let start = 0;
    return parts.map((p, i) => {
      const begin = g.shape.map((_, d) => (d === axis ? start : 0));
      const end = g.shape.map((s, d) => (d === axis ? start + p.shape[axis] : s));
      start += p.shape[axis];
      return needed[i] ? slice(g, begin, end) : null;
    });
  },
};

/** Concatenation along `axis`. */
export function concat(parts: readonly Value[], axis: number): Value {
  if (parts.length === 0) T.fail('concat', 'expected at least one tensor');
  return bind(concatPrim, parts, normalizeAxis('concat', axis, parts[0].rank));
}

/** Shapes, strides and broadcasting (NumPy rules), with the checks every op relies on. */
import { fail, fmt } from './errors.ts';

/** A tensor shape: the size of each axis, outermost first. */
export type Shape = readonly number[];

/** Checks that every dimension is a non-negative integer; returns a frozen copy. */
export function checkShape(op: string, shape: readonly number[]): Shape {
  if (!Array.isArray(shape)) fail(op, `expected a shape (array of integers), given ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      fail(op, `shape entries must be non-negative integers, given ${fmt(shape)}`);
    }
  }
  return Object.freeze(shape.slice());
}

/** Number of elements of a shape (1 for a scalar shape []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides of a contiguous array of this shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Whether two shapes are the same. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * NumPy broadcasting: align shapes at the right; each pair of dimensions must be equal or
 * one of them 1. Returns the broadcast shape or throws naming both shapes.
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      fail(op, `shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dimension ${i} of the result: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read an array of shape `from` as if broadcast to shape `to` (stride 0 on
 * broadcast dimensions). Throws when `from` does not broadcast to `to`.
 */
export function broadcastStrides(op: string, from: Shape, to: Shape): number[] {
  if (from.length > to.length) fail(op, `cannot broadcast ${fmt(from)} to ${fmt(to)}: more dimensions`);
  const own = stridesOf(from);
  const lead = to.length - from.length;
  const strides = new Array<number>(to.length).fill(0);
  for (let i = 0; i < from.length; i++) {
    const d = from[i];
    if (d === to[lead + i]) strides[lead + i] = d === 1 ? 0 : own[i];
    else if (d === 1) strides[lead + i] = 0;
    else fail(op, `cannot broadcast ${fmt(from)} to ${fmt(to)} (dimension ${i}: ${d} vs ${to[lead + i]})`);
  }
  return strides;
}

/** Normalizes one axis (negative counts from the end); throws on out-of-range or non-integer. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail(op, `axis must be an integer in [${-rank}, ${rank - 1}] for a rank-${rank} input, given ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalizes a list of axes (undefined = all); throws on duplicates. Returns sorted axes. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) fail(op, `axes must be distinct, given [${list.join(',')}]`);
  return out.sort((x, y) => x - y);
}

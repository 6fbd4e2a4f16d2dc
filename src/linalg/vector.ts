/** Dense vector kernels on Float64Array (the linear algebra layer works on plain arrays). */
import { fail } from '../tensor/index.ts';

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** y ← y + α x (in place). */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** α x (a new array). */
export function scale(alpha: number, x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = alpha * x[i];
  return out;
}

/** Throws unless every entry is finite. */
export function checkFinite(op: string, what: string, x: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) fail(op, `${what} has a non-finite entry ${x[i]} at index ${i}`);
  }
}

/** Throws unless x is a Float64Array of length n. */
export function checkVector(op: string, what: string, x: unknown, n: number): asserts x is Float64Array {
  if (!(x instanceof Float64Array)) fail(op, `${what} must be a Float64Array, given ${Object.prototype.toString.call(x)}`);
  if (x.length !== n) fail(op, `${what} must have length ${n}, given ${x.length}`);
}

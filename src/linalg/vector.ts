/** Dense vector kernels on Float64Array (the linear algebra layer works on plain arrays). */
import { fail } from '../tensor/index.ts';

/** aᵀb. */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ‖a‖, the Euclidean norm. */
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

/**
 * An eigenvector's sign is arbitrary (u and −u are both unit eigenvectors), and with it the sign
 * of every slope uᵀg measured along it. This fixes the orientation: returns u or −u, whichever
 * has its largest-magnitude entry positive (the first such entry in index order on a tie), so a
 * direction's slope is the same across solvers, seeds and runs. A new array; u is not changed.
 */
export function orientSign(u: Float64Array): Float64Array {
  let largest = 0;
  for (let i = 1; i < u.length; i++) if (Math.abs(u[i]) > Math.abs(u[largest])) largest = i;
  return u[largest] < 0 ? u.map((x) => -x) : u.slice();
}

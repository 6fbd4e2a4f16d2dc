/** Random test matrices with prescribed spectra, for the linear algebra tests. */
import { eigh } from '../../src/linalg/index.ts';
import { Random } from '../../src/tensor/index.ts';

/** A random orthogonal n×n matrix (row-major; columns orthonormal), from eigh of a random symmetric matrix. */
export function randomOrthogonal(n: number, rng: Random): Float64Array {
  const s = randomSymmetric(n, rng);
  return eigh(s, n).vectors;
}

export function randomSymmetric(n: number, rng: Random, scale = 1): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = scale * rng.normal();
  return a;
}

/** Q diag(spectrum) Qᵀ for a random orthogonal Q; returns the matrix and Q. */
export function withSpectrum(spectrum: readonly number[], rng: Random): { a: Float64Array; q: Float64Array } {
  const n = spectrum.length;
  const q = randomOrthogonal(n, rng);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += q[i * n + c] * spectrum[c] * q[j * n + c];
    a[i * n + j] = a[j * n + i] = s;
  }
  return { a, q };
}

/** Column c of a row-major n×n matrix. */
export function column(m: Float64Array, n: number, c: number): Float64Array {
  return Float64Array.from({ length: n }, (_, r) => m[r * n + c]);
}

export function matVec(a: Float64Array, n: number, v: Float64Array): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
    return s;
  });
}

export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

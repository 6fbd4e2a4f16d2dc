/** Cholesky factorization A = L Lᵀ of a symmetric positive definite matrix, and triangular solves. */
import { fail } from '../tensor/index.ts';
import { checkSymmetric } from './eigh.ts';
import { checkSquare } from './operator.ts';
import { checkVector } from './vector.ts';

/**
 * Lower-triangular L with A = L Lᵀ (row-major n×n, zeros above the diagonal). Refuses a
 * non-symmetric A and an A that is not positive definite, naming the failing pivot — unless
 * `semidefinite`: then a pivot within ±1e-14·trace(A) (a rank deficiency, up to rounding) gives a zero
 * column, so L Lᵀ = A still holds for a PSD A (what sampling from N(μ, A) needs).
 */
export function cholesky(a: Float64Array, n: number, options: { symmetryTolerance?: number; semidefinite?: boolean } = {}): Float64Array {
  checkSquare('cholesky', a, n);
  checkSymmetric('cholesky', a, n, options.symmetryTolerance ?? 1e-10);
  const l = new Float64Array(n * n);
  let trace = 0;
  for (let j = 0; j < n; j++) trace += a[j * n + j];
  for (let j = 0; j < n; j++) {
    // l_jj² = a_jj − Σ_{k<j} l_jk²
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
    if (options.semidefinite && Math.abs(s) <= 1e-14 * trace) continue; // a zero column (rank deficiency up to rounding)
    if (!(s > 0)) fail('cholesky', `matrix is not positive definite: pivot ${j} is ${s.toExponential(3)} (must be > 0)`);
    const ljj = Math.sqrt(s);
    l[j * n + j] = ljj;
    // l_ij = (a_ij − Σ_{k<j} l_ik l_jk) / l_jj for i > j
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = t / ljj;
    }
  }
  return l;
}

/** Solves L x = b for lower-triangular L (forward substitution). */
export function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  checkSquare('solveLower', l, n);
  checkVector('solveLower', 'right-hand side', b, n);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    if (l[i * n + i] === 0) fail('solveLower', `zero diagonal entry at ${i}: the matrix is singular`);
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Solves U x = b for upper-triangular U; with `transposeLower`, solves Lᵀ x = b reading L. */
export function solveUpper(u: Float64Array, n: number, b: Float64Array, transposeLower = false): Float64Array {
  checkSquare('solveUpper', u, n);
  checkVector('solveUpper', 'right-hand side', b, n);
  const at = transposeLower ? (i: number, k: number) => u[k * n + i] : (i: number, k: number) => u[i * n + k];
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= at(i, k) * x[k];
    if (at(i, i) === 0) fail('solveUpper', `zero diagonal entry at ${i}: the matrix is singular`);
    x[i] = s / at(i, i);
  }
  return x;
}

/** Solves A x = b given A's Cholesky factor L: L y = b, then Lᵀ x = y. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  return solveUpper(l, n, solveLower(l, n, b), true);
}

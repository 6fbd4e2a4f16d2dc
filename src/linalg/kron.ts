/**
 * Kronecker products without forming them. With row-major vec (vec(X)[i·q + j] = X[i][j]),
 *   (A ⊗ B) vec(X) = vec(A X Bᵀ)           for A m×p, B n×q, X p×q,
 * since ((A ⊗ B) vec X)_{(i,k)} = Σ_{j,l} A_ij B_kl X_jl. K-FAC blocks (MATH.md §5) are G ⊗ A
 * in exactly this layout: vec(∇W) = g ⊗ a for a weight W [out, in] stored row-major.
 */
import { gemm } from '../tensor/cpu/kernels.ts';
import { fail } from '../tensor/index.ts';
import { eigh, type EighOptions } from './eigh.ts';
import { checkFinite } from './vector.ts';

/** Row-major product C = A B for A r×s, B s×t (the tensor layer's blocked GEMM). */
export function matmulDense(a: Float64Array, b: Float64Array, r: number, s: number, t: number): Float64Array {
  if (a.length !== r * s || b.length !== s * t) fail('matmulDense', `expected ${r}×${s} and ${s}×${t} matrices, given ${a.length} and ${b.length} entries`);
  const c = new Float64Array(r * t);
  gemm(r, t, s, a, 0, s, 1, b, 0, t, 1, c, 0, t, false);
  return c;
}

/** Row-major transpose of an r×c matrix. */
export function transposeDense(a: Float64Array, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = a[i * c + j];
  return t;
}

/** A dense row-major matrix with its dimensions. */
export interface Dense {
  data: Float64Array;
  rows: number;
  cols: number;
}

function checkDense(op: string, name: string, m: Dense): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) fail(op, `${name} has invalid size ${m.rows}×${m.cols}`);
  if (m.data.length !== m.rows * m.cols) fail(op, `${name} is ${m.rows}×${m.cols} but has ${m.data.length} entries`);
  checkFinite(op, name, m.data);
}

/** (A ⊗ B) x = vec(A X Bᵀ) for x = vec(X), X of shape A.cols × B.cols, without forming A ⊗ B. */
export function kronMatVec(a: Dense, b: Dense, x: Float64Array): Float64Array {
  checkDense('kronMatVec', 'A', a);
  checkDense('kronMatVec', 'B', b);
  if (x.length !== a.cols * b.cols) fail('kronMatVec', `x must have length A.cols·B.cols = ${a.cols}·${b.cols} = ${a.cols * b.cols}, given ${x.length}`);
  const xbt = matmulDense(x, transposeDense(b.data, b.rows, b.cols), a.cols, b.cols, b.rows); // X Bᵀ
  return matmulDense(a.data, xbt, a.rows, a.cols, b.rows); // A (X Bᵀ)
}

/** The dense Kronecker product (for tests and small cases): (A ⊗ B)[(i,k),(j,l)] = A_ij B_kl. */
export function kron(a: Dense, b: Dense): Dense {
  checkDense('kron', 'A', a);
  checkDense('kron', 'B', b);
  const rows = a.rows * b.rows, cols = a.cols * b.cols;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) {
    const aij = a.data[i * a.cols + j];
    for (let k = 0; k < b.rows; k++) for (let l = 0; l < b.cols; l++) out[(i * b.rows + k) * cols + j * b.cols + l] = aij * b.data[k * b.cols + l];
  }
  return { data: out, rows, cols };
}

/** The eigenpairs of A ⊗ B from those of A and B. */
export interface KronEigen {
  /** Eigendecompositions of the two symmetric factors (ascending values, eigenvectors as columns). */
  a: { values: Float64Array; vectors: Float64Array; n: number };
  b: { values: Float64Array; vectors: Float64Array; n: number };
  /** Eigenvalue of the eigenvector u_i ⊗ v_k of A ⊗ B: λ_i μ_k at index i·n_B + k. */
  values: Float64Array;
}

/**
 * Eigenbasis of A ⊗ B for symmetric A (n_A × n_A) and B (n_B × n_B):
 * A ⊗ B = (U ⊗ V)(Λ ⊗ M)(U ⊗ V)ᵀ (George et al. 2018); the eigenvector at index i·n_B + k is
 * u_i ⊗ v_k, applied with kronMatVec({U}, {V}, ·).
 */
export function kronEigen(a: Float64Array, na: number, b: Float64Array, nb: number, options: EighOptions = {}): KronEigen {
  const ea = eigh(a, na, options), eb = eigh(b, nb, options);
  const values = new Float64Array(na * nb);
  for (let i = 0; i < na; i++) for (let k = 0; k < nb; k++) values[i * nb + k] = ea.values[i] * eb.values[k];
  return { a: { ...ea, n: na }, b: { ...eb, n: nb }, values };
}

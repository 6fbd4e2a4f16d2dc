/**
 * Dense symmetric eigendecomposition A = V diag(λ) Vᵀ in float64: Householder reduction to
 * tridiagonal form, then the implicit QL algorithm with Wilkinson-type shifts (the EISPACK
 * tred2/tql2 pair, Bowdler, Martin, Reinsch & Wilkinson 1968), accumulating the orthogonal
 * transformations so the eigenvectors come out orthonormal to working precision.
 */
import { fail } from '../tensor/index.ts';
import { checkSquare } from './operator.ts';

/** Eigenvalues (ascending) and orthonormal eigenvectors (the columns of a row-major n×n array). */
export interface EighResult {
  /** Eigenvalues in ascending order (NumPy/SciPy convention). */
  values: Float64Array;
  /** n×n row-major; column i (vectors[r·n + i]) is the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

/** Options of eigh. */
export interface EighOptions {
  /** Refuse A unless |a_ij − a_ji| ≤ symmetryTolerance · max|a| (default 1e-10). */
  symmetryTolerance?: number;
}

/** Checks symmetry to the stated tolerance, naming the worst pair. */
export function checkSymmetric(op: string, a: Float64Array, n: number, tolerance: number): void {
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i]));
  let worst = 0, wi = 0, wj = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.abs(a[i * n + j] - a[j * n + i]);
      if (d > worst) [worst, wi, wj] = [d, i, j];
    }
  }
  if (worst > tolerance * maxAbs) {
    fail(op, `matrix is not symmetric: |a[${wi}][${wj}] − a[${wj}][${wi}]| = ${worst.toExponential(3)} exceeds ${tolerance} · max|a| = ${(tolerance * maxAbs).toExponential(3)}`);
  }
}

/** All eigenpairs of a dense symmetric matrix (row-major n×n): Householder tridiagonalization and implicit QL (tred2/tql2). */
export function eigh(a: Float64Array, n: number, options: EighOptions = {}): EighResult {
  checkSquare('eigh', a, n);
  checkSymmetric('eigh', a, n, options.symmetryTolerance ?? 1e-10);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  // Work on the symmetrized matrix (a + aᵀ)/2, so tiny asymmetries cannot bias the result.
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const d = new Float64Array(n), e = new Float64Array(n);
  tridiagonalize(v, n, d, e);
  // QL rotations act on pairs of eigenvectors; storing them as rows keeps those updates contiguous.
  const rows = transpose(v, n);
  tridiagonalQL(d, e, rows, n);
  // Sort ascending, eigenvectors with their values.
  const order = Array.from(d.keys()).sort((i, j) => d[i] - d[j]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, col) => {
    for (let r = 0; r < n; r++) vectors[r * n + col] = rows[src * n + r];
  });
  return { values, vectors };
}

function transpose(m: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = m[i * n + j];
  return t;
}

/**
 * Householder tridiagonalization (tred2). On return v holds the accumulated orthogonal Q
 * (A = Q T Qᵀ), d the diagonal of T and e[1..n−1] its subdiagonal.
 */
function tridiagonalize(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    // Reflect row i's leading part onto its last entry: H = I − u uᵀ / h.
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale; // scaled to avoid under/overflow
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g; // sign chosen to avoid cancellation in f − g
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // p = A u / h (in e), accumulated over the lower triangle.
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[j * n + i] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j] * d[k];
          e[k] += v[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      // q = p − (uᵀp / 2h) u;  A ← A − u qᵀ − q uᵀ
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) v[k * n + j] -= f * e[k] + g * d[k];
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the reflections into Q.
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1] * v[k * n + j];
        for (let k = 0; k <= i; k++) v[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j];
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL with shifts on the tridiagonal (d, e) (tql2); `rows` holds Qᵀ and receives the
 * rotations, so on return row i is the eigenvector of d[i]. Deflates when |e[m]| ≤ ε·‖T‖.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, rows: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) fail('eigh', `the QL iteration did not converge for eigenvalue ${l} within 60 sweeps`);
        // Shift from the leading 2×2 block (Wilkinson-type), then chase the bulge.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          // Apply the Givens rotation to eigenvector rows i and i+1.
          const ri = i * n, rj = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const hk = rows[rj + k];
            rows[rj + k] = s * rows[ri + k] + c * hk;
            rows[ri + k] = c * rows[ri + k] - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

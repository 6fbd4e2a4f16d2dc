/**
 * Dense symmetric eigendecomposition A = V diag(λ) Vᵀ in float64: Householder reduction to
 * tridiagonal form T = Qᵀ A Q (LAPACK's dsytd2), the implicit QL algorithm with Wilkinson-type
 * shifts on T (EISPACK's tql2, Bowdler, Martin, Reinsch & Wilkinson 1968) accumulating its
 * rotations into T's eigenvectors Z, then V = Q Z by applying the reflectors (dormtr), so the
 * eigenvectors come out orthonormal to working precision. Every O(n³) loop walks rows of
 * row-major arrays.
 */
import { fail } from '../tensor/index.ts';
import { gemm, kernelWorkspace, type Float64Kernels } from '../tensor/cpu/kernels.ts';
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
  // The O(n³) passes run in the calling thread's kernels on a workspace they read in place (views
  // of its WebAssembly memory when those run): no kernel call in between may move it.
  const { arrays, kernels } = kernelWorkspace([n * n, n * n, n, n, n, n, n, n]);
  const [v, rows, vector, product, vPrev, wPrev, cosines, sines] = arrays;
  // Work on the symmetrized matrix (a + aᵀ)/2, so tiny asymmetries cannot bias the result.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const d = new Float64Array(n), e = new Float64Array(n), tau = new Float64Array(n);
  tridiagonalize(v, n, d, e, tau, { kernels, vector, product, vPrev, wPrev });
  // The QL rotations act on pairs of T's eigenvectors, held as rows (contiguous updates), from I.
  rows.fill(0);
  for (let i = 0; i < n; i++) rows[i * n + i] = 1;
  tridiagonalQL(d, e, rows, n, { kernels, cosines, sines });
  // The back-transformation's GEMM may reuse the workspace's memory: leave it first.
  const eigenvectorRows = rows.slice();
  backTransform(eigenvectorRows, n, v.slice(), tau);
  // Sort ascending, eigenvectors with their values.
  const order = Array.from(d.keys()).sort((i, j) => d[i] - d[j]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, col) => {
    for (let r = 0; r < n; r++) vectors[r * n + col] = eigenvectorRows[src * n + r];
  });
  return { values, vectors };
}

/** tridiagonalize's kernels and work vectors of n doubles, in one kernel workspace. */
interface TridiagonalWork { kernels: Float64Kernels; vector: Float64Array; product: Float64Array; vPrev: Float64Array; wPrev: Float64Array }

/** tridiagonalQL's kernels and one sweep's rotations, in one kernel workspace. */
interface RotationWork { kernels: Float64Kernels; cosines: Float64Array; sines: Float64Array }

/**
 * Householder tridiagonalization Qᵀ A Q = T (LAPACK's dsytd2, on the upper triangle of the
 * row-major array, so every access walks a row). Step k reflects x = A[k, k+1:] onto its first
 * entry with H_k = I − τ_k v vᵀ (v_{k+1} = 1, dlarfg's convention), then updates the trailing
 * block S = A[k+1:, k+1:] by H_k S H_k as a symmetric rank-2 update:
 *   p = τ S v,  w = p − (τ/2)(pᵀv) v,  S ← S − v wᵀ − w vᵀ        (4/3 n³ flops in all).
 * Step k's update of row i and step k+1's product S v along row i are done in one pass, so the
 * trailing block is read once per step, not twice. On return d holds T's diagonal, e[1..n−1] its
 * subdiagonal (e[i] couples i−1 and i), and row k of `a` holds v_k in its entries k+1.. (the
 * reflectors for backTransform), with τ_k in `tau`.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array, work: TridiagonalWork): void {
  const { kernels } = work;
  // The pending update (vPrev, wPrev) of step k−1 and step k's v and p, indexed by column.
  let { vector: v, product: p, vPrev, wPrev } = work;
  for (const array of [v, p, vPrev, wPrev]) array.fill(0);
  e[0] = 0;
  for (let k = 0; k < n - 1; k++) {
    const row = k * n;
    const vk = vPrev[k], wk = wPrev[k];
    for (let j = k; j < n; j++) a[row + j] -= vk * wPrev[j] + wk * vPrev[j];
    d[k] = a[row + k];
    // dlarfg on x = a[row+k+1 ..]: β = −sign(α) ‖x‖, τ = (β − α)/β, v = x / (α − β) with
    // v_{k+1} = 1; ‖x‖ computed scaled. x already a multiple of e₁: H_k = I (τ = 0, v = 0).
    const alpha = a[row + k + 1];
    let scale = 0;
    for (let j = k + 2; j < n; j++) scale = Math.max(scale, Math.abs(a[row + j]));
    let t = 0;
    if (scale === 0) {
      e[k + 1] = alpha;
      v.fill(0, k + 1);
    } else {
      let sumSquares = 0;
      for (let j = k + 2; j < n; j++) sumSquares += (a[row + j] / scale) ** 2;
      const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, scale * Math.sqrt(sumSquares));
      t = (beta - alpha) / beta;
      e[k + 1] = beta;
      const inverse = 1 / (alpha - beta);
      a[row + k + 1] = 1;
      for (let j = k + 2; j < n; j++) a[row + j] *= inverse;
      v.set(a.subarray(row + k + 1, row + n), k + 1);
    }
    tau[k] = t;
    // Rows i > k: the pending update, then p = S v (../tensor/cpu/eigen.ts's reflectorPass).
    kernels.reflectorPass(a, n, k, v, p, vPrev, wPrev);
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= t;
      pv += p[i] * v[i];
    }
    const half = 0.5 * t * pv;
    for (let i = k + 1; i < n; i++) p[i] -= half * v[i]; // w
    [vPrev, v] = [v, vPrev];
    [wPrev, p] = [p, wPrev];
  }
  const last = n * n - 1;
  d[n - 1] = a[last] - 2 * vPrev[n - 1] * wPrev[n - 1];
}

/**
 * The eigenvectors of A from those of T: A = Q T Qᵀ with Q = H_0 H_1 ⋯ H_{n−2}, so x = Q z, and
 * with z stored as a row, x = z H_{n−2} ⋯ H_0 (dormtr). Blocks of NB reflectors go through the GEMM
 * in compact WY form (dlarft): H_{k0} ⋯ H_{k1} = I − V S Vᵀ with S upper triangular,
 *   S_jj = τ_j,  S[0:j, j] = −τ_j S[0:j, 0:j] V[:, 0:j]ᵀ v_j,
 * so R ← R (H_{k1} ⋯ H_{k0}) = R − (R V) Sᵀ Vᵀ: 2n³ flops in all, nearly all in two GEMMs per block.
 */
function backTransform(rows: Float64Array, n: number, reflectors: Float64Array, tau: Float64Array): void {
  const NB = 32;
  const vt = new Float64Array(NB * n); // row j: v_{k0+j}, zero before its support
  const s = new Float64Array(NB * NB);
  const w = new Float64Array(n * NB);
  for (let end = n - 1; end > 0; end -= NB) {
    const k0 = Math.max(0, end - NB), nb = end - k0, c0 = k0 + 1, width = n - c0;
    vt.fill(0);
    for (let j = 0; j < nb; j++) {
      const k = k0 + j;
      vt.set(reflectors.subarray(k * n + k + 1, (k + 1) * n), j * n + k + 1);
    }
    s.fill(0);
    for (let j = 0; j < nb; j++) {
      const t = tau[k0 + j];
      s[j * NB + j] = t;
      for (let i = 0; i < j; i++) { // z_i = v_iᵀ v_j
        let dot = 0;
        for (let r = c0; r < n; r++) dot += vt[i * n + r] * vt[j * n + r];
        w[i] = dot;
      }
      for (let i = 0; i < j; i++) {
        let sum = 0;
        for (let l = i; l < j; l++) sum += s[i * NB + l] * w[l];
        s[i * NB + j] = -t * sum;
      }
    }
    // W = R V (n × nb), over the columns c0.. where V lives.
    gemm(n, nb, width, rows, c0, n, 1, vt, c0, 1, n, w, 0, NB, false);
    // W ← −W Sᵀ, row by row (S upper triangular: (W Sᵀ)_ij = Σ_{l≥j} W_il S_jl).
    for (let i = 0; i < n; i++) {
      const wi = i * NB;
      for (let j = 0; j < nb; j++) {
        let sum = 0;
        for (let l = j; l < nb; l++) sum += w[wi + l] * s[j * NB + l];
        w[wi + j] = -sum; // column j is not read again for this row (l ≥ j only looks right)
      }
    }
    // R += (−W Sᵀ) Vᵀ.
    gemm(n, width, nb, w, 0, NB, 1, vt, c0, n, 1, rows, c0, n, true);
  }
}

/**
 * Implicit QL with shifts on the tridiagonal (d, e) (tql2); `rows` receives the rotations, so on
 * return row i is the eigenvector of d[i] (of T when it starts as I). Deflates when |e[m]| ≤ ε·‖T‖.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, rows: Float64Array, n: number, work: RotationWork): void {
  const { kernels, cosines, sines } = work;
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
          cosines[i] = c; // the rotation of rows i and i+1, applied after the sweep
          sines[i] = s;
        }
        kernels.planeRotations(rows, n, cosines, sines, l, m);
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * The two O(n³) loops of the symmetric eigensolver (../../linalg/eigh.ts) as kernels, the
 * readable references of their WebAssembly twins (wasm/eigen.ts): the Householder
 * tridiagonalization's pass over the trailing rows, and one QL sweep's plane rotations of the
 * eigenvector rows. Together they are ~80 % of eigh's time at n = 1000 in TypeScript.
 */

/**
 * Step k of the tridiagonalization (eigh.ts's tridiagonalize) on the rows i > k of the row-major
 * upper triangle `a` [n, n]: applies step k−1's pending symmetric rank-2 update
 * S ← S − v′w′ᵀ − w′v′ᵀ (v′ = vPrev, w′ = wPrev) and accumulates p = S v in the same pass:
 *   S_ij −= v′_i w′_j + w′_i v′_j,   p_i += S_ii v_i + Σ_{j>i} S_ij v_j,   p_j += S_ij v_i,
 * after zeroing p[k+1..n). Row i's dot product is summed in j order, left to right.
 */
export function reflectorPass(a: Float64Array, n: number, k: number, v: Float64Array, p: Float64Array, vPrev: Float64Array, wPrev: Float64Array): void {
  p.fill(0, k + 1, n);
  for (let i = k + 1; i < n; i++) {
    const ri = i * n, vi = v[i], ui = vPrev[i], zi = wPrev[i];
    const sii = (a[ri + i] -= ui * wPrev[i] + zi * vPrev[i]);
    let dot = sii * vi;
    for (let j = i + 1; j < n; j++) {
      const sij = (a[ri + j] -= ui * wPrev[j] + zi * vPrev[j]);
      dot += sij * v[j];
      p[j] += sij * vi;
    }
    p[i] += dot;
  }
}

/**
 * One QL sweep's rotations (eigh.ts's tridiagonalQL) on the eigenvector rows [n, n], in the
 * sweep's order i = m−1 … l: rotation i maps rows (i, i+1) to (c r_i − s r_{i+1}, s r_i + c r_{i+1})
 * with c = cosines[i], s = sines[i]. Consecutive rotations share a row, so four are applied in one
 * pass over five rows, the shared row carried in a register: the same arithmetic in the same
 * order, with less than two thirds of the loads and stores.
 */
export function planeRotations(rows: Float64Array, n: number, cosines: Float64Array, sines: Float64Array, l: number, m: number): void {
  let i = m - 1;
  for (; i - 3 >= l; i -= 4) {
    const c1 = cosines[i], s1 = sines[i], c2 = cosines[i - 1], s2 = sines[i - 1];
    const c3 = cosines[i - 2], s3 = sines[i - 2], c4 = cosines[i - 3], s4 = sines[i - 3];
    const r0 = (i + 1) * n, r1 = i * n, r2 = (i - 1) * n, r3 = (i - 2) * n, r4 = (i - 3) * n;
    for (let k = 0; k < n; k++) {
      let carry = rows[r0 + k], x = rows[r1 + k];
      rows[r0 + k] = s1 * x + c1 * carry;
      carry = c1 * x - s1 * carry;
      x = rows[r2 + k];
      rows[r1 + k] = s2 * x + c2 * carry;
      carry = c2 * x - s2 * carry;
      x = rows[r3 + k];
      rows[r2 + k] = s3 * x + c3 * carry;
      carry = c3 * x - s3 * carry;
      x = rows[r4 + k];
      rows[r3 + k] = s4 * x + c4 * carry;
      rows[r4 + k] = c4 * x - s4 * carry;
    }
  }
  for (; i >= l; i--) {
    const c = cosines[i], s = sines[i], mid = i * n, below = (i + 1) * n;
    for (let k = 0; k < n; k++) {
      const x = rows[mid + k], y = rows[below + k];
      rows[below + k] = s * x + c * y;
      rows[mid + k] = c * x - s * y;
    }
  }
}

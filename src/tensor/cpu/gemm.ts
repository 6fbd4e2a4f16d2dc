/**
 * General matrix multiply C = A·B (or C += A·B) in float64, the kernel under matmul and conv.
 *
 * Scheme (the GotoBLAS/BLIS layering, scaled to JavaScript):
 *  - The k dimension is cut into equal blocks of at most KC and the n dimension into blocks of
 *    NC, so a packed KC×NC block of B (≤ 384 KiB) stays in the L2 cache while every row panel of A
 *    streams past it.
 *  - A is packed in panels of MR = 4 rows and B in panels of NR = 4 columns, each stored
 *    p-major (the 4 entries for one p side by side), so the inner loop reads both
 *    sequentially whatever the operands' strides are. Transposed operands are therefore
 *    free: packing reads through (row stride, column stride).
 *  - The micro-kernel keeps the 4×4 block of C in 16 local variables (V8 holds most in
 *    registers) and does 16 multiply-adds per 8 loads.
 * Edges (m or n not multiples of 4) are zero-padded in the packed panels and masked on the
 * write-back. The packing buffers are module-level and reused across calls.
 */

const MR = 4;
const NR = 4;
export const KC = 384;
const NC = 128;

let packedA = new Float64Array(MR * KC);
let packedB = new Float64Array(KC * NC);

/**
 * C(i,j) (+)= Σ_p A(i,p) B(p,j) for i < m, j < n, p < k, where
 * A(i,p) = a[aOff + i·aRow + p·aCol], B(p,j) = b[bOff + p·bRow + j·bCol],
 * C(i,j) = c[cOff + i·ldc + j]. With `accumulate` false, C is overwritten.
 * (The contract of this file's gemm and of its WebAssembly twin.)
 */
export type Gemm = (
  m: number, n: number, k: number,
  a: Float64Array, aOff: number, aRow: number, aCol: number,
  b: Float64Array, bOff: number, bRow: number, bCol: number,
  c: Float64Array, cOff: number, ldc: number,
  accumulate: boolean,
) => void;

/** The reference GEMM (the Gemm contract above). */
export const gemm: Gemm = (m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, ldc, accumulate) => {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    return;
  }
  // Equal k blocks of at most KC (e.g. k = 288 → one block of 288, not 256 + 32): a short last
  // block would pay a whole write-back of C for few multiply-adds.
  const kBlock = Math.ceil(k / Math.ceil(k / KC));
  if (packedB.length < kBlock * NC) packedB = new Float64Array(kBlock * NC);
  if (packedA.length < MR * kBlock) packedA = new Float64Array(MR * kBlock);
  const ap = packedA;
  const bp = packedB;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kBlock) {
      const kc = Math.min(kBlock, k - pc);
      const overwrite = !accumulate && pc === 0;
      packB(b, bOff + pc * bRow + jc * bCol, bRow, bCol, kc, nc, bp);
      for (let ic = 0; ic < m; ic += MR) {
        const mr = Math.min(MR, m - ic);
        packA(a, aOff + ic * aRow + pc * aCol, aRow, aCol, mr, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          microKernel(kc, ap, bp, jr * kc, c, cOff + ic * ldc + jc + jr, ldc, mr, nr, overwrite);
        }
      }
    }
  }
};

/** Packs an mr×kc block of A into a 4-row panel: dst[p·4 + r] = A(r, p), zero rows past mr. */
function packA(a: Float64Array, off: number, rowStride: number, colStride: number, mr: number, kc: number, dst: Float64Array): void {
  if (mr === MR) {
    const r1 = off + rowStride, r2 = off + 2 * rowStride, r3 = off + 3 * rowStride;
    for (let p = 0, d = 0, q = 0; p < kc; p++, d += 4, q += colStride) {
      dst[d] = a[off + q];
      dst[d + 1] = a[r1 + q];
      dst[d + 2] = a[r2 + q];
      dst[d + 3] = a[r3 + q];
    }
    return;
  }
  for (let p = 0; p < kc; p++) {
    for (let r = 0; r < MR; r++) dst[p * MR + r] = r < mr ? a[off + r * rowStride + p * colStride] : 0;
  }
}

/**
 * Packs a kc×nc block of B into 4-column panels: panel j/4 starts at (j/4)·4·kc and holds
 * dst[.. + p·4 + c] = B(p, j + c), zero columns past nc.
 */
function packB(b: Float64Array, off: number, rowStride: number, colStride: number, kc: number, nc: number, dst: Float64Array): void {
  for (let j = 0; j < nc; j += NR) {
    const base = j * kc;
    const cols = Math.min(NR, nc - j);
    const col0 = off + j * colStride;
    if (cols === NR) {
      const c1 = col0 + colStride, c2 = col0 + 2 * colStride, c3 = col0 + 3 * colStride;
      for (let p = 0, d = base, q = 0; p < kc; p++, d += 4, q += rowStride) {
        dst[d] = b[col0 + q];
        dst[d + 1] = b[c1 + q];
        dst[d + 2] = b[c2 + q];
        dst[d + 3] = b[c3 + q];
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let cc = 0; cc < NR; cc++) {
          dst[base + p * NR + cc] = cc < cols ? b[col0 + cc * colStride + p * rowStride] : 0;
        }
      }
    }
  }
}

/** C[4×4 block] (+)= Apanel · Bpanel over kc, masked to mr×nr on the write-back. */
function microKernel(
  kc: number, ap: Float64Array, bp: Float64Array, bBase: number,
  c: Float64Array, cOff: number, ldc: number, mr: number, nr: number, overwrite: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0, ai = 0, bi = bBase; p < kc; p++, ai += 4, bi += 4) {
    const a0 = ap[ai], a1 = ap[ai + 1], a2 = ap[ai + 2], a3 = ap[ai + 3];
    const b0 = bp[bi], b1 = bp[bi + 1], b2 = bp[bi + 2], b3 = bp[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (mr === MR && nr === NR) {
    if (overwrite) {
      c[cOff] = c00; c[cOff + 1] = c01; c[cOff + 2] = c02; c[cOff + 3] = c03;
      let o = cOff + ldc;
      c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13;
      o += ldc;
      c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23;
      o += ldc;
      c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
    } else {
      c[cOff] += c00; c[cOff + 1] += c01; c[cOff + 2] += c02; c[cOff + 3] += c03;
      let o = cOff + ldc;
      c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
      o += ldc;
      c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23;
      o += ldc;
      c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    }
    return;
  }
  const block = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < mr; r++) {
    for (let cc = 0; cc < nr; cc++) {
      const o = cOff + r * ldc + cc;
      c[o] = overwrite ? block[r * 4 + cc] : c[o] + block[r * 4 + cc];
    }
  }
}

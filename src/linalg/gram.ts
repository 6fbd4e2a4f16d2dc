/**
 * Gram matrices M Mᵀ on their lower triangle: K-FAC's factors (Σ a aᵀ, Σ g gᵀ) and the Laplace
 * study's function-space covariances (J Σ Jᵀ = Y Yᵀ) are symmetric, so only the blocks on and below
 * the diagonal are computed and the upper triangle is copied from the lower one.
 */
import { kernelKind, kernelWorkspace, typescriptKernels } from '../tensor/cpu/kernels.ts';
import type { Gemm } from '../tensor/cpu/gemm.ts';

/**
 * lower(sum) += lower(M Mᵀ) for M [d, K] with M(i, p) = data[i·rowStride + p·colStride] (so a
 * transpose is free), in row blocks of `block`: block i.. computes the columns 0 … i + block of its
 * rows, by the GEMM accumulating in place; the diagonal blocks' upper parts are computed too and
 * are overwritten by symmetrizeScaled (or the caller's mirror). With b row blocks that is
 * (b + 1)/(2b) of the full product's work. Each entry's sum is the full GEMM's (the GEMM's
 * k-blocks depend on K alone), so it equals lower(M Mᵀ) computed whole, bit for bit. `gemm` is a
 * kernel workspace's (kernelWorkspace), whose arrays it reads in place; without one, sum and data
 * are copied into such a workspace once for all the blocks (a block's GEMM would otherwise copy
 * its operands' spans, whole rows of a 4096 × 4096 K-FAC factor, each time).
 */
export function addLowerGram(sum: Float64Array, data: Float64Array, d: number, k: number, rowStride: number, colStride: number, block: number, gemm?: Gemm): void {
  if (gemm === undefined) {
    // The TypeScript GEMM reads sum and data where they are: no workspace, no copies.
    if (kernelKind() === 'typescript') return lowerBlocks(sum, data, d, k, rowStride, colStride, block, typescriptKernels.gemm);
    const { arrays: [sumThere, dataThere], kernels } = kernelWorkspace([sum.length, data.length]);
    // Only the entries the blocks touch travel: row r's columns up to the end of its diagonal block.
    const touched = (r: number): number => r * d + Math.min(d, (Math.floor(r / block) + 1) * block);
    for (let r = 0; r < d; r++) sumThere.set(sum.subarray(r * d, touched(r)), r * d);
    dataThere.set(data);
    lowerBlocks(sumThere, dataThere, d, k, rowStride, colStride, block, kernels.gemm);
    for (let r = 0; r < d; r++) sum.set(sumThere.subarray(r * d, touched(r)), r * d);
    return;
  }
  lowerBlocks(sum, data, d, k, rowStride, colStride, block, gemm);
}

function lowerBlocks(sum: Float64Array, data: Float64Array, d: number, k: number, rowStride: number, colStride: number, block: number, gemm: Gemm): void {
  for (let i = 0; i < d; i += block) {
    const rows = Math.min(d, i + block) - i;
    for (let j = 0; j <= i; j += block) {
      // sum[i.., j..] += M[i.., :] M[j.., :]ᵀ
      gemm(rows, Math.min(d, j + block) - j, k, data, i * rowStride, rowStride, colStride, data, j * rowStride, colStride, rowStride, sum, i * d + j, d, true);
    }
  }
}

/**
 * sum ← scale · sum, with its upper triangle copied from the lower (where addLowerGram
 * accumulated), so the matrix is exactly symmetric. Tiled, so the transposed reads stay in cache.
 */
export function symmetrizeScaled(sum: Float64Array, d: number, scale: number): Float64Array {
  const TILE = 64;
  for (let r = 0; r < d; r++) for (let q = r * d, end = r * d + r + 1; q < end; q++) sum[q] *= scale;
  for (let i = 0; i < d; i += TILE) {
    for (let j = 0; j <= i; j += TILE) {
      for (let q = j, qEnd = Math.min(d, j + TILE); q < qEnd; q++) {
        for (let r = Math.max(i, q + 1), rEnd = Math.min(d, i + TILE); r < rEnd; r++) sum[q * d + r] = sum[r * d + q];
      }
    }
  }
  return sum;
}

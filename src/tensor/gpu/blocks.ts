/**
 * Host-side layout steps around the 4-component kernels of correlate.ts (plain loops over
 * Float32Array, O(size) each, beside O(size · reduction length) kernel work).
 *
 * A kernel cell returns W ≤ 4 numbers: the same position for W consecutive rows of an operand
 * ("a row block"), so each value read from the other operand serves W multiply-adds. W is 4,
 * or the number of rows when there are fewer (no padding rows computed for nothing). The
 * operand that is the same for the 4 lanes of a SIMD step is stored block by block with the
 * W rows innermost (`packRowBlocks`); the kernel's result, block-major with the W rows
 * innermost, is put back into row-major order by `unpackRowBlocks`.
 */
import { allocateFloat32 } from '../memory.ts';

/** Rows per block, W: 4, or all of them when there are fewer. */
export const blockWidth = (rows: number): 1 | 2 | 3 | 4 => Math.max(1, Math.min(4, rows)) as 1 | 2 | 3 | 4;

/** Number of W-row blocks covering `rows` rows (the last block is padded with zero rows). */
export const blockCount = (rows: number): number => Math.ceil(rows / blockWidth(rows));

/**
 * packed[((b · outer + s) · inner + t) · W + r] = src[offset + (W·b + r)·rowStride + s·outerStride + t·innerStride]
 * for rows W·b + r < rows, 0 for the padding rows. Columns are numbered (s, t), s outer.
 */
export function packRowBlocks(
  src: Float32Array, offset: number, rows: number, rowStride: number,
  outer: number, outerStride: number, inner: number, innerStride: number,
): Float32Array {
  const width = blockWidth(rows), blocks = blockCount(rows);
  const packed = allocateFloat32(blocks * outer * inner * width);
  for (let row = 0; row < rows; row++) {
    const b = Math.floor(row / width), r = row - b * width;
    let at = (b * outer * inner) * width + r;
    for (let s = 0; s < outer; s++) {
      let from = offset + row * rowStride + s * outerStride;
      for (let t = 0; t < inner; t++, at += width, from += innerStride) packed[at] = src[from];
    }
  }
  return packed;
}

/**
 * The inverse layout for results: out[(g · rows + row) · cells + p] =
 * result[((g · blocks + b) · cellStride + p) · W + r] with row = W·b + r, for every group g
 * (image), row < rows and cell p < cells (cells ≤ cellStride: padding cells are dropped).
 * The result is read in order; each block writes W output rows, each of them in order.
 */
export function unpackRowBlocks(result: Float32Array, groups: number, rows: number, cells: number, cellStride: number): Float32Array {
  const width = blockWidth(rows), blocks = blockCount(rows);
  const out = allocateFloat32(groups * rows * cells);
  for (let g = 0; g < groups; g++) {
    for (let b = 0; b < blocks; b++) {
      const live = Math.min(width, rows - width * b);
      const to = (g * rows + width * b) * cells;
      let from = (g * blocks + b) * cellStride * width;
      for (let p = 0; p < cells; p++, from += width) for (let r = 0; r < live; r++) out[to + r * cells + p] = result[from + r];
    }
  }
  return out;
}

/**
 * Planes [planes, h, w] placed at (top, left) inside zero planes [planes, height, width], every
 * `step`-th row and column (step > 1 spreads a strided output gradient back onto the input
 * grid). Parts that fall outside the new planes are dropped.
 */
export function placeInZeros(
  src: Float32Array, planes: number, h: number, w: number,
  height: number, width: number, top: number, left: number, stepH = 1, stepW = 1,
): Float32Array {
  const out = allocateFloat32(planes * height * width);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const ty = top + y * stepH;
      if (ty < 0 || ty >= height) continue;
      const from = (p * h + y) * w, to = (p * height + ty) * width;
      for (let x = 0; x < w; x++) {
        const tx = left + x * stepW;
        if (tx >= 0 && tx < width) out[to + tx] = src[from + x];
      }
    }
  }
  return out;
}

/**
 * conv2d and its two adjoints on the CPU, by im2col + GEMM.
 *
 * For image n, unfold the input into cols [c·kh·kw, ho·wo] (cols[(ci,i,j), (y,x)] =
 * x[n, ci, y·sh − ph + i, x·sw − pw + j], zero outside the image). Then, with the weight
 * read as Wm [o, c·kh·kw]:
 *   forward        y_n  = Wm · cols_n                 (o × ho·wo)
 *   input-grad     dx_n = col2im(Wmᵀ · gy_n)          (the adjoint of x ↦ conv(x, w))
 *   weight-grad    dW  += gy_n · cols_nᵀ               (the adjoint of w ↦ conv(x, w))
 * col2im adds each unfolded entry back onto the pixel it was read from, so it is exactly
 * the transpose of im2col. The cols buffer is reused across images and calls (one per thread).
 * Each kernel runs over a range of images (…Images): parallel.ts plans whole calls as such ranges,
 * which any thread can run; the weight gradient's ranges are summed in a fixed order there.
 * The image loops run on either kernel set (kernels.ts): this file's im2col and col2im with
 * gemm.ts, or their WebAssembly twins, with the same bits.
 */
import type { ConvGeometry } from '../geometry.ts';
import type { Float64Kernels } from './kernels.ts';

/**
 * Output columns xo whose input column xo·stride − pad + j lies inside [0, w): a contiguous
 * range [first, end), so the copy loops below need no bounds test per element.
 */
function validColumns(j: number, w: number, stride: number, pad: number, wo: number): [number, number] {
  const first = Math.max(0, Math.ceil((pad - j) / stride));
  const end = Math.min(wo, Math.floor((w - 1 + pad - j) / stride) + 1);
  return [first, Math.max(first, end)];
}

/** Image n of x as columns: cols [c·kh·kw, ho·wo], rows in PyTorch's unfold order (c, kh, kw), zero padding included. */
export function im2col(x: Float64Array, n: number, g: ConvGeometry, cols: Float64Array): void {
  const { c, h, w, kh, kw, strideH, strideW, padH, padW, ho, wo } = g;
  const hw = ho * wo;
  let row = 0;
  for (let ci = 0; ci < c; ci++) {
    const plane = (n * c + ci) * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row++) {
        const [first, end] = validColumns(j, w, strideW, padW, wo);
        const dst = row * hw;
        for (let y = 0; y < ho; y++) {
          const iy = y * strideH - padH + i;
          const d = dst + y * wo;
          if (iy < 0 || iy >= h) {
            cols.fill(0, d, d + wo);
            continue;
          }
          // Input index of output column xo: src + xo·strideW.
          const src = plane + iy * w - padW + j;
          for (let xo = 0; xo < first; xo++) cols[d + xo] = 0;
          if (strideW === 1) cols.set(x.subarray(src + first, src + end), d + first);
          else for (let xo = first; xo < end; xo++) cols[d + xo] = x[src + xo * strideW];
          for (let xo = end; xo < wo; xo++) cols[d + xo] = 0;
        }
      }
    }
  }
}

/** Adds cols [c·kh·kw, ho·wo] back into image n of dx (the transpose of im2col). */
export function col2im(cols: Float64Array, n: number, g: ConvGeometry, dx: Float64Array): void {
  const { c, h, w, kh, kw, strideH, strideW, padH, padW, ho, wo } = g;
  const hw = ho * wo;
  let row = 0;
  for (let ci = 0; ci < c; ci++) {
    const plane = (n * c + ci) * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row++) {
        const [first, end] = validColumns(j, w, strideW, padW, wo);
        const src = row * hw;
        for (let y = 0; y < ho; y++) {
          const iy = y * strideH - padH + i;
          if (iy < 0 || iy >= h) continue;
          const s = src + y * wo;
          const dst = plane + iy * w - padW + j;
          for (let xo = first; xo < end; xo++) dx[dst + xo * strideW] += cols[s + xo];
        }
      }
    }
  }
}

/** y [n, o, ho, wo] = conv2d(x [n, c, h, w], w [o, c, kh, kw]) (cross-correlation, as PyTorch) for images [first, end), written into y (each image's output is its own). */
export function conv2dForwardImages(kernels: Float64Kernels, x: Float64Array, weight: Float64Array, g: ConvGeometry, y: Float64Array, first: number, end: number): void {
  const K = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  const cols = kernels.cols(K * hw);
  for (let n = first; n < end; n++) {
    kernels.im2col(x, n, g, cols);
    kernels.gemm(g.o, hw, K, weight, 0, K, 1, cols, 0, hw, 1, y, n * g.o * hw, hw, false);
  }
}

/** dx [n, c, h, w] = adjoint of x ↦ conv2d(x, w) applied to gy [n, o, ho, wo], for images [first, end), added into dx (zero on entry; images do not overlap). */
export function conv2dInputGradImages(kernels: Float64Kernels, gy: Float64Array, weight: Float64Array, g: ConvGeometry, dx: Float64Array, first: number, end: number): void {
  const K = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  const cols = kernels.cols(K * hw);
  for (let n = first; n < end; n++) {
    // cols = Wmᵀ · gy_n: Wmᵀ(r, oc) = weight[oc·K + r].
    kernels.gemm(K, hw, g.o, weight, 0, 1, K, gy, n * g.o * hw, hw, 1, cols, 0, hw, false);
    kernels.col2im(cols, n, g, dx);
  }
}

/** dW [o, c, kh, kw] = adjoint of w ↦ conv2d(x, w) applied to gy [n, o, ho, wo], over images [first, end): dw = Σ_n gy_n · cols_nᵀ, the images in order (dw overwritten). */
export function conv2dWeightGradImages(kernels: Float64Kernels, x: Float64Array, gy: Float64Array, g: ConvGeometry, dw: Float64Array, first: number, end: number): void {
  const K = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  const cols = kernels.cols(K * hw);
  for (let n = first; n < end; n++) {
    kernels.im2col(x, n, g, cols);
    // dW (+)= gy_n · cols_nᵀ: colsᵀ(t, r) = cols[r·hw + t].
    kernels.gemm(g.o, K, hw, gy, n * g.o * hw, hw, 1, cols, 0, 1, hw, dw, 0, K, n > first);
  }
}

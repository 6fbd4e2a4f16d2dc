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
 * Each kernel also comes as a range of images (…Images), the chunks the thread pool runs
 * (parallel.ts); the weight gradient sums its images in fixed groups for that reason.
 */
import type { ConvGeometry } from '../geometry.ts';
import { gemm } from './gemm.ts';
import { allocate } from '../memory.ts';

let colsBuffer = new Float64Array(0);

function colsFor(size: number): Float64Array {
  if (colsBuffer.length < size) colsBuffer = new Float64Array(size);
  return colsBuffer;
}

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
function col2im(cols: Float64Array, n: number, g: ConvGeometry, dx: Float64Array): void {
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

/** y [n, o, ho, wo] = conv2d(x [n, c, h, w], w [o, c, kh, kw]) (cross-correlation, as PyTorch). */
export function conv2dForward(x: Float64Array, weight: Float64Array, g: ConvGeometry): Float64Array {
  const y = allocate(g.n * g.o * g.ho * g.wo);
  conv2dForwardImages(x, weight, g, y, 0, g.n);
  return y;
}

/** Images [first, end) of conv2dForward, written into y (each image's output is its own). */
export function conv2dForwardImages(x: Float64Array, weight: Float64Array, g: ConvGeometry, y: Float64Array, first: number, end: number): void {
  const K = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  const cols = colsFor(K * hw);
  for (let n = first; n < end; n++) {
    im2col(x, n, g, cols);
    gemm(g.o, hw, K, weight, 0, K, 1, cols, 0, hw, 1, y, n * g.o * hw, hw, false);
  }
}

/** dx [n, c, h, w] = adjoint of x ↦ conv2d(x, w) applied to gy [n, o, ho, wo]. */
export function conv2dInputGrad(gy: Float64Array, weight: Float64Array, g: ConvGeometry): Float64Array {
  const dx = allocate(g.n * g.c * g.h * g.w);
  conv2dInputGradImages(gy, weight, g, dx, 0, g.n);
  return dx;
}

/** Images [first, end) of conv2dInputGrad, added into dx (zero on entry; images do not overlap). */
export function conv2dInputGradImages(gy: Float64Array, weight: Float64Array, g: ConvGeometry, dx: Float64Array, first: number, end: number): void {
  const K = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  const cols = colsFor(K * hw);
  for (let n = first; n < end; n++) {
    // cols = Wmᵀ · gy_n: Wmᵀ(r, oc) = weight[oc·K + r].
    gemm(K, hw, g.o, weight, 0, 1, K, gy, n * g.o * hw, hw, 1, cols, 0, hw, false);
    col2im(cols, n, g, dx);
  }
}

/**
 * Images per group of the weight gradient: a function of the batch size alone (never of the
 * thread count), at least 8 and at most 16 groups.
 */
export const weightGradGroupSize = (n: number): number => Math.max(8, Math.ceil(n / 16));

/**
 * dW [o, c, kh, kw] = adjoint of w ↦ conv2d(x, w) applied to gy [n, o, ho, wo]:
 * dW = Σ_n gy_n · cols_nᵀ, summed as Σ_groups (Σ_{n in group} gy_n · cols_nᵀ) — the images in
 * groups of weightGradGroupSize(n), each group's partial sum over its images in order, then the
 * partial sums added in group order. The grouping depends on n alone, so the thread pool, which
 * runs groups on different threads, gives this result bit for bit.
 */
export function conv2dWeightGrad(x: Float64Array, gy: Float64Array, g: ConvGeometry): Float64Array {
  const size = g.o * g.c * g.kh * g.kw, groupSize = weightGradGroupSize(g.n);
  const groups = Math.ceil(g.n / groupSize);
  const partials = groups > 1 ? new Float64Array(groups * size) : allocate(size);
  for (let group = 0; group < groups; group++) {
    conv2dWeightGradImages(x, gy, g, partials.subarray(group * size, (group + 1) * size), group * groupSize, Math.min(g.n, (group + 1) * groupSize));
  }
  return groups > 1 ? sumPartials(partials, groups, size) : partials;
}

/** Σ_group partials[group] (each of length size), added in group order into a fresh array. */
export function sumPartials(partials: Float64Array, groups: number, size: number): Float64Array {
  const sum = allocate(size);
  sum.set(partials.subarray(0, size));
  for (let group = 1; group < groups; group++) {
    for (let i = 0, j = group * size; i < size; i++, j++) sum[i] += partials[j];
  }
  return sum;
}

/** dw = Σ_{n in [first, end)} gy_n · cols_nᵀ (the images in order; dw overwritten). */
export function conv2dWeightGradImages(x: Float64Array, gy: Float64Array, g: ConvGeometry, dw: Float64Array, first: number, end: number): void {
  const K = g.c * g.kh * g.kw, hw = g.ho * g.wo;
  const cols = colsFor(K * hw);
  for (let n = first; n < end; n++) {
    im2col(x, n, g, cols);
    // dW (+)= gy_n · cols_nᵀ: colsᵀ(t, r) = cols[r·hw + t].
    gemm(g.o, K, hw, gy, n * g.o * hw, hw, 1, cols, 0, 1, hw, dw, 0, K, n > first);
  }
}

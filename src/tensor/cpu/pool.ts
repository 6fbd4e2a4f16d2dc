/**
 * 2-D pooling on the CPU. Windows slide over the input padded by (padH, padW) on both sides.
 *  - max: padding counts as −∞; the winner is the first maximum of its window in row-major
 *    order (PyTorch's rule, so gradients go where PyTorch sends them). Returned as the flat
 *    input index of each winner; values are then a gather, whose adjoint is a scatter-add.
 *  - average: the sum of the real elements over the full window size kh·kw (PyTorch's
 *    default count_include_pad=True; in floor mode no window reaches past the padding).
 */
import type { PoolGeometry } from '../geometry.ts';

/** Flat input index of the maximum of every window, shape [n, c, ho, wo]. */
export function maxPool2dIndices(x: Float64Array, g: PoolGeometry): Int32Array {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, ho, wo } = g;
  const out = new Int32Array(n * c * ho * wo);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < ho; y++) {
      const y0 = y * strideH - padH;
      const yStart = Math.max(y0, 0), yEnd = Math.min(y0 + kh, h);
      for (let xo = 0; xo < wo; xo++, o++) {
        const x0 = xo * strideW - padW;
        const xStart = Math.max(x0, 0), xEnd = Math.min(x0 + kw, w);
        let best = -Infinity, bestIndex = base + yStart * w + xStart;
        for (let iy = yStart; iy < yEnd; iy++) {
          for (let ix = xStart, i = base + iy * w + xStart; ix < xEnd; ix++, i++) {
            const v = x[i];
            // NaN wins (it propagates, as in PyTorch); otherwise only a strictly larger value.
            if (v > best || (v !== v && best === best)) {
              best = v;
              bestIndex = i;
            }
          }
        }
        out[o] = bestIndex;
      }
    }
  }
  return out;
}

/** Average pooling, divisor kh·kw. */
export function avgPool2d(x: Float64Array, g: PoolGeometry): Float64Array {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, ho, wo } = g;
  const out = new Float64Array(n * c * ho * wo);
  const scale = 1 / (kh * kw);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < ho; y++) {
      const y0 = y * strideH - padH;
      const yStart = Math.max(y0, 0), yEnd = Math.min(y0 + kh, h);
      for (let xo = 0; xo < wo; xo++, o++) {
        const x0 = xo * strideW - padW;
        const xStart = Math.max(x0, 0), xEnd = Math.min(x0 + kw, w);
        let s = 0;
        for (let iy = yStart; iy < yEnd; iy++) {
          for (let i = base + iy * w + xStart, e = base + iy * w + xEnd; i < e; i++) s += x[i];
        }
        out[o] = s * scale;
      }
    }
  }
  return out;
}

/** Adjoint of average pooling: each output's gradient / (kh·kw) onto the real elements of its window. */
export function avgPool2dAdjoint(gy: Float64Array, g: PoolGeometry): Float64Array {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, ho, wo } = g;
  const dx = new Float64Array(n * c * h * w);
  const scale = 1 / (kh * kw);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < ho; y++) {
      const y0 = y * strideH - padH;
      const yStart = Math.max(y0, 0), yEnd = Math.min(y0 + kh, h);
      for (let xo = 0; xo < wo; xo++, o++) {
        const x0 = xo * strideW - padW;
        const xStart = Math.max(x0, 0), xEnd = Math.min(x0 + kw, w);
        const v = gy[o] * scale;
        for (let iy = yStart; iy < yEnd; iy++) {
          for (let i = base + iy * w + xStart, e = base + iy * w + xEnd; i < e; i++) dx[i] += v;
        }
      }
    }
  }
  return dx;
}

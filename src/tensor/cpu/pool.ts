/**
 * 2-D pooling on the CPU. Windows slide over the input padded by (padH, padW) on both sides.
 *  - max: padding counts as −∞; the winner is the first maximum of its window in row-major
 *    order (PyTorch's rule, so gradients go where PyTorch sends them). Returned as the flat
 *    input index of each winner; values are then a gather, whose adjoint is a scatter-add.
 *  - average: the sum of the real elements over the full window size kh·kw (PyTorch's
 *    default count_include_pad=True; in floor mode no window reaches past the padding).
 */
import type { PoolGeometry } from '../geometry.ts';
import { allocate } from '../memory.ts';

/**
 * The real (unpadded) part of every window, per output row and per output column:
 * rows [rowStart[y], rowEnd[y]) and columns [colStart[x], colEnd[x]) of the input plane.
 */
interface WindowBounds {
  rowStart: Int32Array;
  rowEnd: Int32Array;
  colStart: Int32Array;
  colEnd: Int32Array;
}

function windowBounds(g: PoolGeometry): WindowBounds {
  const clip = (count: number, stride: number, pad: number, kernel: number, size: number) => {
    const start = new Int32Array(count), end = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const first = i * stride - pad;
      start[i] = Math.max(first, 0);
      end[i] = Math.min(first + kernel, size);
    }
    return [start, end];
  };
  const [rowStart, rowEnd] = clip(g.ho, g.strideH, g.padH, g.kh, g.h);
  const [colStart, colEnd] = clip(g.wo, g.strideW, g.padW, g.kw, g.w);
  return { rowStart, rowEnd, colStart, colEnd };
}

/** Flat input index of the maximum of every window, shape [n, c, ho, wo]. */
export function maxPool2dIndices(x: Float64Array, g: PoolGeometry): Int32Array {
  const { n, c, h, w, ho, wo } = g;
  const { rowStart, rowEnd, colStart, colEnd } = windowBounds(g);
  const out = new Int32Array(n * c * ho * wo);
  for (let plane = 0, o = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < ho; y++) {
      for (let xo = 0; xo < wo; xo++, o++) {
        let best = -Infinity, bestIndex = base + rowStart[y] * w + colStart[xo];
        for (let iy = rowStart[y]; iy < rowEnd[y]; iy++) {
          for (let i = base + iy * w + colStart[xo], e = base + iy * w + colEnd[xo]; i < e; i++) {
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
  const { n, c, h, w, ho, wo } = g;
  const { rowStart, rowEnd, colStart, colEnd } = windowBounds(g);
  const out = allocate(n * c * ho * wo);
  const scale = 1 / (g.kh * g.kw);
  for (let plane = 0, o = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < ho; y++) {
      for (let xo = 0; xo < wo; xo++, o++) {
        let s = 0;
        for (let iy = rowStart[y]; iy < rowEnd[y]; iy++) {
          for (let i = base + iy * w + colStart[xo], e = base + iy * w + colEnd[xo]; i < e; i++) s += x[i];
        }
        out[o] = s * scale;
      }
    }
  }
  return out;
}

/** Adjoint of average pooling: each output's gradient / (kh·kw) onto the real elements of its window. */
export function avgPool2dAdjoint(gy: Float64Array, g: PoolGeometry): Float64Array {
  const { n, c, h, w, ho, wo } = g;
  const { rowStart, rowEnd, colStart, colEnd } = windowBounds(g);
  const dx = allocate(n * c * h * w);
  const scale = 1 / (g.kh * g.kw);
  for (let plane = 0, o = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < ho; y++) {
      for (let xo = 0; xo < wo; xo++, o++) {
        const v = gy[o] * scale;
        for (let iy = rowStart[y]; iy < rowEnd[y]; iy++) {
          for (let i = base + iy * w + colStart[xo], e = base + iy * w + colEnd[xo]; i < e; i++) dx[i] += v;
        }
      }
    }
  }
  return dx;
}

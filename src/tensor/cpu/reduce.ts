/** Reductions on the CPU: sums over a set of axes, and the position of the maximum along one axis. */
import type { Shape } from '../shape.ts';
import { sizeOf, stridesOf } from '../shape.ts';
import { coalesce, contiguousStrides, forEachRow } from './strided.ts';
import { allocate } from '../memory.ts';

/**
 * Sums x over the axes flagged in `reduced`, keeping them as size-1 dimensions. Each input
 * element is added to the output slot whose index is its own with reduced axes zeroed, so
 * the result is accumulated in row-major order of the input (deterministic).
 */
export function sumAxes(x: Float64Array, shape: Shape, reduced: readonly boolean[]): Float64Array {
  const outShape = shape.map((d, i) => (reduced[i] ? 1 : d));
  const out = allocate(sizeOf(outShape));
  if (out.length === 1) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    out[0] = s;
    return out;
  }
  const outStrides = stridesOf(outShape).map((s, i) => (reduced[i] ? 0 : s));
  const c = coalesce(shape, [contiguousStrides(shape), outStrides]);
  const last = c.shape.length - 1, length = c.shape[last], step = c.strides[1][last];
  forEachRow(c, ([ix, io]) => {
    if (step === 0) {
      // The whole row reduces into one slot: sum it first.
      let s = 0;
      for (let j = 0; j < length; j++) s += x[ix + j];
      out[io] += s;
    } else {
      for (let j = 0; j < length; j++) out[io + j * step] += x[ix + j];
    }
  });
  return out;
}

/**
 * For x viewed as [outer, length, inner] (the axis in the middle), the flat index into x of
 * the first maximum of every fibre; NaN counts as the maximum (it propagates, as in PyTorch).
 */
export function argmaxIndices(x: Float64Array, outer: number, length: number, inner: number): Int32Array {
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let bestIndex = o * length * inner + j;
      let best = x[bestIndex];
      for (let t = 1, i = bestIndex + inner; t < length; t++, i += inner) {
        const v = x[i];
        if (v > best || (v !== v && best === best)) {
          best = v;
          bestIndex = i;
        }
      }
      out[o * inner + j] = bestIndex;
    }
  }
  return out;
}

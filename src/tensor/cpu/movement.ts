/** Data movement on the CPU: strided reads (permute, broadcast, slice), their scatters, gather. */
import type { Shape } from '../shape.ts';
import { coalesce, contiguousStrides, forEachRow } from './strided.ts';
import { allocate, allocateUnfilled } from '../memory.ts';

/** out[i] = x[offset + Σ_d i_d·strides_d] for every multi-index i of `outShape`. */
export function stridedRead(x: Float64Array, outShape: Shape, strides: readonly number[], offset: number): Float64Array {
  const out = allocateUnfilled(outShape.reduce((a, b) => a * b, 1));
  const c = coalesce(outShape, [contiguousStrides(outShape), strides]);
  const last = c.shape.length - 1, length = c.shape[last], step = c.strides[1][last];
  forEachRow(c, ([o, ix]) => {
    for (let j = 0, i = offset + ix; j < length; j++, i += step) out[o + j] = x[i];
  });
  return out;
}

/**
 * The adjoint of stridedRead for non-overlapping strides: a zero array of `size` elements with
 * x written at offset + Σ_d i_d·strides_d (x has shape `xShape`).
 */
export function stridedWrite(x: Float64Array, xShape: Shape, size: number, strides: readonly number[], offset: number): Float64Array {
  const out = allocate(size);
  const c = coalesce(xShape, [contiguousStrides(xShape), strides]);
  const last = c.shape.length - 1, length = c.shape[last], step = c.strides[1][last];
  forEachRow(c, ([ix, o]) => {
    for (let j = 0, i = offset + o; j < length; j++, i += step) out[i] = x[ix + j];
  });
  return out;
}

/** out[i] = x[indices[i]]. */
export function gather(x: Float64Array, indices: Int32Array): Float64Array {
  const out = allocateUnfilled(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = x[indices[i]];
  return out;
}

/** out = zeros(size); out[indices[i]] += g[i] (repeated indices add up). */
export function scatterAdd(g: Float64Array, indices: Int32Array, size: number): Float64Array {
  const out = allocate(size);
  for (let i = 0; i < indices.length; i++) out[indices[i]] += g[i];
  return out;
}

/** Concatenation along an axis, for parts viewed as [outer, partLength·inner]. */
export function concat(parts: readonly Float64Array[], partLengths: readonly number[], outer: number, inner: number): Float64Array {
  const total = partLengths.reduce((s, l) => s + l, 0);
  const out = allocateUnfilled(outer * total * inner);
  let pos = 0;
  for (let p = 0; p < parts.length; p++) {
    const chunk = partLengths[p] * inner;
    const src = parts[p];
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * chunk, (o + 1) * chunk), o * total * inner + pos);
    pos += chunk;
  }
  return out;
}


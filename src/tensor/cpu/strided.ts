/**
 * Row iteration over strided views, the loop under broadcasting, reductions and permutes.
 * Dimensions of size 1 are dropped and adjacent dimensions merged wherever every operand is
 * contiguous across them, so e.g. a per-channel bias [1, C, 1, 1] added to [N, C, H, W]
 * becomes rows of H·W elements with the bias at stride 0 — no index arrays are built.
 */
import type { Shape } from '../shape.ts';

export interface Coalesced {
  shape: number[];
  /** strides[k] are operand k's strides over `shape`. */
  strides: number[][];
}

/** Drops size-1 dimensions and merges dimension d into d+1 where all operands allow it. */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): Coalesced {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    // Merge when stepping the previous (outer) dimension equals stepping over this whole one.
    if (last >= 0 && strides.every((s, k) => out[k][last] === s[d] * shape[d])) {
      dims[last] *= shape[d];
      strides.forEach((s, k) => (out[k][last] = s[d]));
    } else {
      dims.push(shape[d]);
      strides.forEach((s, k) => out[k].push(s[d]));
    }
  }
  if (dims.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: dims, strides: out };
}

/**
 * Calls `row(offsets, index)` for every row of the coalesced view: `offsets[k]` is operand k's
 * offset of the row's first element; a row has shape[last] elements at strides[k][last].
 * `index` counts rows (its first element's row-major position is index·rowLength).
 */
export function forEachRow(c: Coalesced, row: (offsets: number[], index: number) => void): void {
  const rank = c.shape.length;
  const outer = c.shape.slice(0, rank - 1);
  const count = outer.reduce((a, b) => a * b, 1);
  const position = new Array<number>(rank - 1).fill(0);
  const offsets = c.strides.map(() => 0);
  for (let r = 0; r < count; r++) {
    row(offsets, r);
    for (let d = rank - 2; d >= 0; d--) {
      position[d]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += c.strides[k][d];
      if (position[d] < outer[d]) break;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= c.strides[k][d] * outer[d];
      position[d] = 0;
    }
  }
}

/** Row-major (contiguous) strides. */
export { stridesOf as contiguousStrides } from '../shape.ts';

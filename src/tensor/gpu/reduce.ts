/**
 * Sums over axes on gpu.js. The input is coalesced (../cpu/strided.ts) into alternating groups
 * of kept and reduced dimensions; one kernel cell per kept element (a grid of up to 3 kept
 * groups) loops over up to 3 reduced groups with their strides. The innermost loop is summed
 * on its own and then added (shorter float32 running sums). Other patterns return null and
 * the backend first moves the reduced axes last.
 */
import { stridesOf, type Shape } from '../shape.ts';
import { coalesce } from '../cpu/strided.ts';
import type { GpuRuntime } from './runtime.ts';
import type { GpuArray } from './storage.ts';

const SUM = `function (x) {
  const base = this.thread.z * this.constants.k2 + this.thread.y * this.constants.k1 + this.thread.x * this.constants.k0;
  let s = 0;
  for (let i2 = 0; i2 < this.constants.n2; i2++) {
    for (let i1 = 0; i1 < this.constants.n1; i1++) {
      let at = base + i2 * this.constants.r2 + i1 * this.constants.r1;
      let row = 0;
      for (let i0 = 0; i0 < this.constants.n0; i0++) { row += x[at]; at += this.constants.r0; }
      s += row;
    }
  }
  return s;
}`;

/** Σ over the flagged axes (kept as size 1) in row-major order of the kept axes, or null (see above). */
export function sumAxes(rt: GpuRuntime, x: GpuArray, shape: Shape, reduced: readonly boolean[]): GpuArray | null {
  const outStrides = stridesOf(shape.map((d, i) => (reduced[i] ? 1 : d))).map((s, i) => (reduced[i] ? 0 : s));
  const c = coalesce(shape, [stridesOf(shape), outStrides]);
  const kept: [number, number][] = [], summed: [number, number][] = [];
  c.shape.forEach((d, i) => (c.strides[1][i] !== 0 ? kept : summed).push([d, c.strides[0][i]]));
  if (c.shape.length === 1 && c.shape[0] === 1) kept.length = summed.length = 0; // a single element
  if (kept.length > 3 || summed.length > 3) return null;
  while (kept.length < 3) kept.unshift([1, 0]);
  while (summed.length < 3) summed.unshift([1, 0]);
  return rt.run('sumAxes', SUM, {
    output: [kept[2][0], kept[1][0], kept[0][0]],
    constants: {
      k0: kept[2][1], k1: kept[1][1], k2: kept[0][1],
      n0: summed[2][0], n1: summed[1][0], n2: summed[0][0], r0: summed[2][1], r1: summed[1][1], r2: summed[0][1],
    },
  }, [x]);
}

/** The first maximum along the middle axis of x viewed as [outer, length, inner] (NaN wins), as the CPU's argmax. */
const MAX_ALONG = `function (x) {
  let at = this.thread.y * this.constants.length * this.constants.inner + this.thread.x;
  let best = x[at];
  for (let t = 1; t < this.constants.length; t++) {
    at += this.constants.inner;
    const v = x[at];
    if (v > best || (v !== v && best === best)) { best = v; }
  }
  return best;
}`;

export function maxAlong(rt: GpuRuntime, x: GpuArray, outer: number, length: number, inner: number): GpuArray {
  return rt.run('maxAlong', MAX_ALONG, { output: [inner, outer], constants: { length, inner } }, [x]);
}

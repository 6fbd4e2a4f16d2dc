/**
 * Sums over axes on gpu.js. The input is coalesced (../cpu/strided.ts) into alternating groups
 * of kept and reduced dimensions; one kernel cell per kept element (a grid of up to 3 kept
 * groups) loops over up to 3 reduced groups with their strides. The innermost loop is summed
 * on its own and then added (shorter float32 running sums). Other patterns return null and
 * the backend first moves the reduced axes last.
 */
import { stridesOf, type Shape } from '../shape.ts';
import { coalesce } from '../cpu/strided.ts';
import { MAX_LOOP, quotient } from './kernel-text.ts';
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

/**
 * The first pass of a long sum: the reduced index range [0, K) cut into `parts` ranges of
 * `chunk` terms; each cell sums one range of one kept element. It finds its first term by
 * dividing once, then steps through the (up to 3) reduced groups with carries.
 * Output [k0, k1, k2·parts] (z = kept index k2 · parts + part): partial sums [k2][part][k1][k0].
 */
const SUM_RANGE = `function (x) {
  ${quotient('k2', 'part', 'this.thread.z', 'this.constants.parts')}
  const first = part * this.constants.chunk;
  ${quotient('i2', 'rest', 'first', 'this.constants.n1 * this.constants.n0')}
  ${quotient('i1', 'i0first', 'rest', 'this.constants.n0')}
  let i0 = i0first;
  let at = k2 * this.constants.k2 + this.thread.y * this.constants.k1 + this.thread.x * this.constants.k0
    + i2 * this.constants.r2 + i1 * this.constants.r1 + i0 * this.constants.r0;
  let s = 0;
  for (let t = 0; t < this.constants.chunk; t++) {
    if (first + t < this.constants.total) {
      s += x[at];
      i0 = i0 + 1;
      at += this.constants.r0;
      if (i0 === this.constants.n0) {
        i0 = 0;
        i1 = i1 + 1;
        at += this.constants.r1 - this.constants.n0 * this.constants.r0;
        if (i1 === this.constants.n1) {
          i1 = 0;
          at += this.constants.r2 - this.constants.n1 * this.constants.r1;
        }
      }
    }
  }
  return s;
}`;

/**
 * Σ over the flagged axes (kept as size 1) in row-major order of the kept axes, or null (see
 * above). A sum of more than `maxLoop` terms per kept element is done in two passes: partial
 * sums of at most MAX_LOOP terms (SUM_RANGE), then the sum of the partial sums.
 */
export function sumAxes(rt: GpuRuntime, x: GpuArray, shape: Shape, reduced: readonly boolean[], maxLoop = Infinity): GpuArray | null {
  const outStrides = stridesOf(shape.map((d, i) => (reduced[i] ? 1 : d))).map((s, i) => (reduced[i] ? 0 : s));
  const c = coalesce(shape, [stridesOf(shape), outStrides]);
  const kept: [number, number][] = [], summed: [number, number][] = [];
  c.shape.forEach((d, i) => (c.strides[1][i] !== 0 ? kept : summed).push([d, c.strides[0][i]]));
  if (c.shape.length === 1 && c.shape[0] === 1) kept.length = summed.length = 0; // a single element
  if (kept.length > 3 || summed.length > 3) return null;
  while (kept.length < 3) kept.unshift([1, 0]);
  while (summed.length < 3) summed.unshift([1, 0]);
  const constants = {
    k0: kept[2][1], k1: kept[1][1], k2: kept[0][1],
    n0: summed[2][0], n1: summed[1][0], n2: summed[0][0], r0: summed[2][1], r1: summed[1][1], r2: summed[0][1],
  };
  const total = summed[0][0] * summed[1][0] * summed[2][0];
  if (total <= maxLoop) {
    return rt.run('sumAxes', SUM, { output: [kept[2][0], kept[1][0], kept[0][0]], constants, trips: total }, [x]);
  }
  const parts = Math.ceil(total / MAX_LOOP), chunk = Math.ceil(total / parts);
  const partials = rt.run('sumRange', SUM_RANGE, {
    output: [kept[2][0], kept[1][0], kept[0][0] * parts], constants: { ...constants, parts, chunk, total }, trips: chunk,
  }, [x]);
  return sumParts(rt, partials, kept[0][0], parts, kept[1][0] * kept[2][0]);
}

/** Σ_p x[a, p, b] for x viewed as [outer, parts, inner]: the second pass of a split sum (split again if parts > MAX_LOOP). */
export function sumParts(rt: GpuRuntime, x: GpuArray, outer: number, parts: number, inner: number): GpuArray {
  return sumAxes(rt, x, [outer, parts, inner], [false, true, false], MAX_LOOP)!;
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
  return rt.run('maxAlong', MAX_ALONG, { output: [inner, outer], constants: { length, inner }, trips: length }, [x]);
}

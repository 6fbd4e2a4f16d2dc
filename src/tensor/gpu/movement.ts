/**
 * Data movement on gpu.js: every op is a kernel reading its input through an index map, so the
 * data stays on the device in the GL modes. A map holds, for each output element, the input
 * element it copies (−1: none, the element is 0), as float32 (exact below 2^24).
 *
 * The maps of strided reads and writes, and of concatenation, are built on the host by running
 * the CPU backend's own loops (../cpu/movement.ts) on the index sequence 0, 1, 2, … instead of
 * data: whatever element those loops would move, the map names — one definition of each op.
 * They depend on shapes only; building them is O(size) host work without any read-back.
 */
import { allocate, allocateFloat32 } from '../memory.ts';
import type { Shape } from '../shape.ts';
import { sizeOf } from '../shape.ts';
import * as cpu from '../cpu/movement.ts';
import type { GpuRuntime } from './runtime.ts';
import { GpuArray } from './storage.ts';

/**
 * out[i] = x[map[i]], or 0 where map[i] < 0. The index is clamped to (i + |i|)/2 = max(i, 0)
 * before the read, so no read is out of bounds (written as arithmetic: gpu.js 2.24.1's GL code
 * for Math.max or a conditional inside an index mixes int and float operands).
 */
const GATHER = `function (x, map) {
  const i = map[this.thread.x];
  const v = x[(i + Math.abs(i)) / 2];
  return i < 0 ? 0 : v;
}`;

/** out[i] = part[map[i]] where map[i] ≥ 0, else previous[i]: one part of a concatenation placed. */
const PLACE = `function (previous, part, map) {
  const i = map[this.thread.x];
  const v = part[(i + Math.abs(i)) / 2];
  return i < 0 ? previous[this.thread.x] : v;
}`;

/**
 * out[j] = Σ_k g[sources[starts[j] + k]] for k < starts[j+1] − starts[j]: the sources of output j
 * in increasing order (the CPU loop's order of addition), at most `most` of them.
 */
const SCATTER_ADD = `function (g, sources, starts) {
  const start = starts[this.thread.x];
  const count = starts[this.thread.x + 1] - start;
  let s = 0;
  for (let k = 0; k < this.constants.most; k++) {
    if (k < count) {
      const source = sources[start + k];
      s += g[source];
    }
  }
  return s;
}`;

/** The indices 0 … n−1 as float64 (the data the CPU loops move to build a map). */
function iota(n: number, base = 0): Float64Array {
  const out = allocate(n);
  for (let i = 0; i < n; i++) out[i] = base + i;
  return out;
}

/** A float64 map from the CPU loops, with 0 meaning "none" and i + 1 meaning element i, as a float32 map (−1: none). */
function shifted(map: Float64Array): Float32Array {
  const out = allocateFloat32(map.length);
  for (let i = 0; i < map.length; i++) out[i] = map[i] - 1;
  return out;
}

export function gather(rt: GpuRuntime, x: GpuArray, map: Float32Array): GpuArray {
  return rt.run('gather', GATHER, { output: [map.length] }, [x, map]);
}

export function stridedRead(rt: GpuRuntime, x: GpuArray, xSize: number, outShape: Shape, strides: readonly number[], offset: number): GpuArray {
  return gather(rt, x, Float32Array.from(cpu.stridedRead(iota(xSize), outShape, strides, offset)));
}

export function stridedWrite(rt: GpuRuntime, x: GpuArray, xShape: Shape, size: number, strides: readonly number[], offset: number): GpuArray {
  return gather(rt, x, shifted(cpu.stridedWrite(iota(sizeOf(xShape), 1), xShape, size, strides, offset)));
}

export function scatterAdd(rt: GpuRuntime, g: GpuArray, indices: Int32Array, size: number): GpuArray {
  // Counting sort of the positions i by target indices[i] (stable: increasing i per target).
  const starts = allocateFloat32(size + 1);
  for (const j of indices) starts[j + 1]++;
  let most = 0;
  for (let j = 0; j < size; j++) {
    most = Math.max(most, starts[j + 1]);
    starts[j + 1] += starts[j];
  }
  const sources = allocateFloat32(Math.max(1, indices.length));
  const next = Float64Array.from(starts.subarray(0, size));
  indices.forEach((j, i) => (sources[next[j]++] = i));
  return rt.run('scatterAdd', SCATTER_ADD, { output: [size], constants: { most } }, [g, sources, starts]);
}

/** Concatenation along an axis (parts viewed as [outer, partLength·inner]): each part placed by its map. */
export function concat(rt: GpuRuntime, parts: readonly GpuArray[], partLengths: readonly number[], outer: number, inner: number): GpuArray {
  const size = outer * partLengths.reduce((s, l) => s + l, 0) * inner;
  let out = GpuArray.fromHost(allocateFloat32(size)); // zeros, placed over part by part
  parts.forEach((part, p) => {
    if (part.length === 0) return;
    // Part p's elements numbered from 1, every other part's 0: concatenated, that is p's map.
    const numbered = partLengths.map((l, q) => (q === p ? iota(outer * l * inner, 1) : allocate(outer * l * inner)));
    out = rt.run('place', PLACE, { output: [size] }, [out, part, shifted(cpu.concat(numbered, partLengths, outer, inner))]);
  });
  return out;
}

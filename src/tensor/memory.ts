/**
 * Scratch memory for the kernels' outputs (float64 on the CPU backend, float32 for the gpu.js
 * backend's host-side buffers). A fresh multi-megabyte typed array comes from
 * the operating system as untouched pages, and on the machines measured here the first write
 * to them (page faults) cost ~10× the write itself. Inside `withScratchMemory(body)` the
 * kernels' outputs are tracked, and when the outermost scope ends they go to a free list that
 * later allocations of the same length reuse (zero-filled, as a fresh array would be).
 *
 * The contract: nothing allocated inside the scope may be used after it — copy results out
 * (e.g. Model.join, Float64Array.from) before the body returns. The curvature products use it
 * around each chunk; Lanczos and CG, which call them in a loop, then run on warm memory.
 * Outside any scope, allocation is plain `new Float64Array` / `new Float32Array`.
 */

/** Buffers below this length are not worth pooling. */
const MIN_POOLED = 4096;
/** Upper bound on pooled memory (bytes), so the free list cannot grow without limit. */
const MAX_POOLED_BYTES = 512 * 1024 * 1024;

type Buffer = Float64Array | Float32Array;

let depth = 0;
const allocated: Buffer[] = [];
/** Free buffers by length, float64 and float32 apart. */
const free = { f64: new Map<number, Float64Array[]>(), f32: new Map<number, Float32Array[]>() };
let pooledBytes = 0;
/** Releases of device memory (GL textures) made inside the current outermost scope. */
const deviceReleases: (() => void)[] = [];

function take<T extends Buffer>(pool: Map<number, T[]>, n: number, fresh: (n: number) => T, zero = true): T {
  if (depth === 0 || n < MIN_POOLED) return fresh(n);
  const reused = pool.get(n)?.pop();
  let buffer: T;
  if (reused) {
    pooledBytes -= reused.byteLength;
    if (zero) reused.fill(0);
    buffer = reused;
  } else {
    buffer = fresh(n);
  }
  allocated.push(buffer);
  return buffer;
}

/** A zero-filled Float64Array of length n (from the free list inside a scratch scope). */
export function allocate(n: number): Float64Array {
  return take(free.f64, n, (k) => new Float64Array(k));
}

/**
 * A Float64Array of length n for a kernel that writes every element before anyone reads it: from
 * the free list without zero-filling (a fresh array outside a scratch scope, as `allocate`).
 */
export function allocateUnfilled(n: number): Float64Array {
  return take(free.f64, n, (k) => new Float64Array(k), false);
}

/** A zero-filled Float32Array of length n (from the free list inside a scratch scope). */
export function allocateFloat32(n: number): Float32Array {
  return take(free.f32, n, (k) => new Float32Array(k));
}

/** Runs body; kernel outputs allocated inside are recycled when the outermost scope ends. */
export function withScratchMemory<T>(body: () => T): T {
  depth++;
  try {
    return body();
  } finally {
    depth--;
    if (depth === 0) {
      for (const buffer of allocated) {
        if (pooledBytes + buffer.byteLength > MAX_POOLED_BYTES) continue;
        const pool = (buffer instanceof Float64Array ? free.f64 : free.f32) as Map<number, Buffer[]>;
        const list = pool.get(buffer.length);
        if (list) list.push(buffer);
        else pool.set(buffer.length, [buffer]);
        pooledBytes += buffer.byteLength;
      }
      allocated.length = 0;
      for (const release of deviceReleases.splice(0)) release();
    }
  }
}

/**
 * Registers `release` (which frees device memory, e.g. a GL texture, that the garbage collector
 * cannot see) to run when the outermost scratch scope ends, under the same contract as the
 * scope's buffers. Returns false, registering nothing, outside any scope.
 */
export function releaseAtScopeEnd(release: () => void): boolean {
  if (depth === 0) return false;
  deviceReleases.push(release);
  return true;
}

/** Runs body with plain allocation, even inside a scratch scope (for results that must outlive it). */
export function withoutScratchMemory<T>(body: () => T): T {
  const saved = depth;
  depth = 0;
  try {
    return body();
  } finally {
    depth = saved;
  }
}

/** Drops the free list (the memory goes back to the garbage collector). */
export function releaseScratchMemory(): void {
  free.f64.clear();
  free.f32.clear();
  pooledBytes = 0;
}

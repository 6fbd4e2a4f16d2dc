/**
 * Scratch memory for the CPU kernels' outputs. A fresh multi-megabyte Float64Array comes from
 * the operating system as untouched pages, and on the machines measured here the first write
 * to them (page faults) cost ~10× the write itself. Inside `withScratchMemory(body)` the
 * kernels' outputs are tracked, and when the outermost scope ends they go to a free list that
 * later allocations of the same length reuse (zero-filled, as a fresh array would be).
 *
 * The contract: nothing allocated inside the scope may be used after it — copy results out
 * (e.g. Model.join, Float64Array.from) before the body returns. The curvature products use it
 * around each chunk; Lanczos and CG, which call them in a loop, then run on warm memory.
 * Outside any scope, allocation is plain `new Float64Array`.
 */

/** Buffers below this length are not worth pooling. */
const MIN_POOLED = 4096;
/** Upper bound on pooled memory (bytes), so the free list cannot grow without limit. */
const MAX_POOLED_BYTES = 512 * 1024 * 1024;

let depth = 0;
const allocated: Float64Array[] = [];
const free = new Map<number, Float64Array[]>();
let pooledBytes = 0;

/** A zero-filled Float64Array of length n (from the free list inside a scratch scope). */
export function allocate(n: number): Float64Array {
  if (depth === 0 || n < MIN_POOLED) return new Float64Array(n);
  const reused = free.get(n)?.pop();
  let buffer: Float64Array;
  if (reused) {
    pooledBytes -= reused.byteLength;
    reused.fill(0);
    buffer = reused;
  } else {
    buffer = new Float64Array(n);
  }
  allocated.push(buffer);
  return buffer;
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
        const list = free.get(buffer.length);
        if (list) list.push(buffer);
        else free.set(buffer.length, [buffer]);
        pooledBytes += buffer.byteLength;
      }
      allocated.length = 0;
    }
  }
}

/** Drops the free list (the memory goes back to the garbage collector). */
export function releaseScratchMemory(): void {
  free.clear();
  pooledBytes = 0;
}

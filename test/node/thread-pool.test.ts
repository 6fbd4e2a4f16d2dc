/**
 * The worker-thread pool (src/node/thread-pool.ts) on real threads: results bit-identical
 * to the calling thread's for any thread count, small calls kept on the calling thread, workers
 * started once and lazily, never keeping a process alive, and every way a worker can fail
 * surfacing as an error in the caller, not a hang.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2d, convGeometry, matmul, matmulGeometry, Random, randn, type Tensor } from '../../src/tensor/index.ts';
import { conv2dInputGrad, conv2dWeightGrad } from '../../src/tensor/index.ts';
import { conv2dCall, conv2dInputGradCall, conv2dWeightGradCall, kernelRunner, matmulCall, runCall, type KernelCall } from '../../src/tensor/cpu/parallel.ts';
import { FAULT, ThreadPool, threadsFromEnvironment, useThreads } from '../../src/node/thread-pool.ts';
import { kernelChoice, useKernels, wasmAvailable, type KernelKind } from '../../src/tensor/cpu/kernels.ts';
import { convCase, matmulCase } from '../helpers/arbitrary.ts';

const sameBits = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/** Pools of 2, 3 and 4 threads that take every call (no size threshold). */
const pools = [2, 3, 4].map((threads) => new ThreadPool({ threads, minFlops: 0 }));
beforeAll(async () => { await Promise.all(pools.map(untilReady)); });
afterAll(async () => { await Promise.all(pools.map((p) => p.close())); });

/** The choice the suite runs with (MBQUAD_KERNELS), restored after each pool run. */
const suiteChoice = kernelChoice();

/** The call planned for the pool's thread count, run on its threads with the chosen kernels. */
function onPool(poolIndex: number, kernels: KernelKind, plan: (threads: number) => KernelCall): Float64Array {
  const pool = pools[poolIndex];
  const call = plan(pool.threads);
  useKernels(kernels);
  try {
    // A single-chunk call (one image) the pool leaves to the caller; here a worker runs it.
    return pool.run(call) ?? pool.runOnWorkers(call);
  } finally {
    useKernels(suiteChoice);
  }
}

/** The reference: the call on the calling thread alone, with the TypeScript kernels. */
function reference(call: KernelCall): Float64Array {
  useKernels('typescript');
  try {
    return runCall(call);
  } finally {
    useKernels(suiteChoice);
  }
}

/** The kernels a pool run uses: both where WebAssembly runs. */
const kernelsToTry = fc.constantFrom<KernelKind>(...(wasmAvailable() ? (['wasm', 'typescript'] as const) : (['typescript'] as const)));

describe('thread pool', () => {
  it('gives the calling thread\'s TypeScript matmul bit for bit on 2, 3 and 4 threads with either kernels (transposes, broadcast batches)', () => {
    fc.assert(fc.property(matmulCase, fc.nat(pools.length - 1), kernelsToTry, ({ batchA, broadcastB, m, k, n, transA, transB, s }, pool, kernels) => {
      const rng = new Random(s);
      const aShape = transA ? [batchA, k, m] : [batchA, m, k];
      const bShape = broadcastB ? (transB ? [n, k] : [k, n]) : transB ? [batchA, n, k] : [batchA, k, n];
      const a = randn(aShape, rng).data, b = randn(bShape, rng).data;
      const g = matmulGeometry(aShape, bShape, { transA, transB });
      expect(sameBits(onPool(pool, kernels, (t) => matmulCall(a, b, g, t)), reference(matmulCall(a, b, g, 1)))).toBe(true);
    }), { numRuns: 40 });
  });

  it('gives the calling thread\'s TypeScript conv2d and both adjoints bit for bit on 2, 3 and 4 threads with either kernels (strides, padding)', () => {
    fc.assert(fc.property(convCase, fc.nat(pools.length - 1), kernelsToTry, ({ n, c, o, h, w, k, stride, pad, s }, pool, kernels) => {
      const rng = new Random(s);
      const g = convGeometry([n, c, h, w], [o, c, k, k], { stride, padding: pad });
      const x = randn([n, c, h, w], rng).data, weight = randn([o, c, k, k], rng).data, gy = randn([n, o, g.ho, g.wo], rng).data;
      expect(sameBits(onPool(pool, kernels, (t) => conv2dCall(x, weight, g, t)), reference(conv2dCall(x, weight, g, 1)))).toBe(true);
      expect(sameBits(onPool(pool, kernels, (t) => conv2dInputGradCall(gy, weight, g, t)), reference(conv2dInputGradCall(gy, weight, g, 1)))).toBe(true);
      expect(sameBits(onPool(pool, kernels, () => conv2dWeightGradCall(x, gy, g)), reference(conv2dWeightGradCall(x, gy, g)))).toBe(true);
    }), { numRuns: 40 });
  });

  it('had its workers take chunks in the tests above (not only the calling thread), with the WebAssembly kernels and the TypeScript ones', () => {
    for (const pool of pools) {
      expect(pool.chunksRunByWorkers).toBeGreaterThan(0);
      if (wasmAvailable()) {
        expect(pool.wasmChunksRunByWorkers).toBeGreaterThan(0);
        expect(pool.wasmChunksRunByWorkers).toBeLessThan(pool.chunksRunByWorkers);
      }
    }
  });

  it('installed with useThreads, runs the tensor ops on its threads with unchanged results; useThreads(1) goes back', () => {
    const rng = new Random(4);
    const a = randn([3, 70, 90], rng), b = randn([90, 200], rng);
    const x = randn([6, 3, 12, 12], rng), w = randn([5, 3, 3, 3], rng);
    const ops = (): Tensor[] => {
      const y = conv2d(x, w, { padding: 1 });
      return [matmul(a, b), y, conv2dInputGrad(y, w, x.shape, { padding: 1 }), conv2dWeightGrad(x, y, w.shape, { padding: 1 })];
    };
    const single = ops();
    const pool = useThreads(3, { minFlops: 0 })!;
    try {
      expect(kernelRunner()).toBe(pool);
      const threaded = ops();
      threaded.forEach((t, i) => expect(sameBits(t.data, single[i].data)).toBe(true));
      expect(pool.startedWorkers).toBe(2);
    } finally {
      expect(useThreads(1)).toBeNull();
    }
    expect(kernelRunner()).toBeNull();
  });

  it('keeps calls below the threshold on the calling thread and starts its workers once, on the first call above it', () => {
    const pool = new ThreadPool({ threads: 2, minFlops: 1e6 });
    const rng = new Random(5);
    const small = randn([40, 40], rng).data; // 2·40³ = 128 kFLOP
    const g = matmulGeometry([40, 40], [40, 40]);
    expect(pool.run(matmulCall(small, small, g, 2))).toBeNull();
    expect(pool.startedWorkers).toBe(0);
    const big = randn([100, 100], rng).data; // 2 MFLOP
    const gBig = matmulGeometry([100, 100], [100, 100]);
    const want = runCall(matmulCall(big, big, gBig, 1));
    for (let i = 0; i < 3; i++) expect(sameBits(pool.run(matmulCall(big, big, gBig, 2))!, want)).toBe(true);
    expect(pool.startedWorkers).toBe(1);
    return pool.close();
  });

  it('reports a chunk that throws in a worker as an error in the caller, and goes on working', async () => {
    const pool = new ThreadPool({ threads: 2 });
    await untilReady(pool);
    expect(() => pool.runOnWorkers({ ...runnable(), kind: FAULT.throws, op: 'fault' })).toThrow(/fault: a worker thread failed: fault injected for a test/);
    expectWorking(pool);
    await pool.close();
  });

  it('reports a worker that exits during a call as an error, not a hang, and restarts its workers on the next call', async () => {
    const pool = new ThreadPool({ threads: 2 });
    await untilReady(pool);
    expect(() => pool.runOnWorkers({ ...runnable(), kind: FAULT.exits, op: 'fault' })).toThrow(/fault: a worker thread ended while running its share.*restart on the next call/);
    expect(pool.startedWorkers).toBe(0);
    expectWorking(pool);
    expect(pool.startedWorkers).toBe(1);
    await pool.close();
  });

  it('reports a worker that stops answering as an error after stallTimeoutMs', async () => {
    const pool = new ThreadPool({ threads: 2, stallTimeoutMs: 300 });
    await untilReady(pool);
    const t0 = performance.now();
    expect(() => pool.runOnWorkers({ ...runnable(), kind: FAULT.hangs, op: 'fault' })).toThrow(/fault: a worker thread made no progress for 300 ms/);
    expect(performance.now() - t0).toBeLessThan(5000);
    expectWorking(pool);
    await pool.close();
  });

  it('never keeps a process alive: a script that used the pool exits on its own', () => {
    const script = `
      import { useThreads } from './src/node/thread-pool.ts';
      import { matmul, Random, randn } from './src/tensor/index.ts';
      const pool = useThreads(2, { minFlops: 0 });
      const a = randn([200, 200], new Random(1));
      for (let i = 0; i < 20; i++) matmul(a, a);
      console.log('workers', pool.startedWorkers);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('workers 1');
    expect(run.status).toBe(0);
  });

  it('reads MBQUAD_THREADS, refusing anything but a positive integer', () => {
    expect(threadsFromEnvironment({ MBQUAD_THREADS: '3' })).toBe(3);
    expect(threadsFromEnvironment({})).toBeGreaterThanOrEqual(1);
    for (const bad of ['0', '-1', '1.5', 'two', '2 ']) expect(() => threadsFromEnvironment({ MBQUAD_THREADS: bad })).toThrow(/MBQUAD_THREADS: a positive integer.*given/);
    expect(() => new ThreadPool({ threads: 0 })).toThrow(/threads must be an integer from 1 to 256, given 0/);
  });
});

/** A small call with 4 chunks (its kind replaced by a FAULT kind in the failure tests). */
function runnable(): KernelCall {
  const a = new Float64Array(64).fill(1);
  return matmulCall(a, a, matmulGeometry([8, 8], [8, 8]), 2);
}

/** The pool computes a matmul correctly (after a failure: on fresh workers). */
function expectWorking(pool: ThreadPool): void {
  const rng = new Random(9);
  const a = randn([60, 70], rng).data, b = randn([70, 80], rng).data;
  const g = matmulGeometry([60, 70], [70, 80]);
  expect(sameBits(pool.runOnWorkers(matmulCall(a, b, g, 2)), runCall(matmulCall(a, b, g, 1)))).toBe(true);
}

/** Starts the pool's workers and waits until they all take jobs. */
async function untilReady(pool: ThreadPool): Promise<void> {
  expectWorking(pool);
  while (pool.readyWorkers < pool.threads - 1) await new Promise((r) => setTimeout(r, 20));
}

/**
 * The thread pool against the calling thread alone, interleaved in one run (float64): matmul from
 * 32³ (below the pool's size threshold) to 512³, and the conv layers of the curvature benchmark
 * (forward and both adjoints). Threads: MBQUAD_THREADS, else every core. The pool here takes
 * every call (no threshold), so the small sizes show where the threshold belongs.
 */
import * as T from '../src/tensor/index.ts';
import { Random, randn, withScratchMemory } from '../src/tensor/index.ts';
import { setKernelRunner } from '../src/tensor/cpu/parallel.ts';
import { ThreadPool, DEFAULT_MIN_FLOPS } from '../src/experiments/thread-pool.ts';
import { interleavedMedians } from './gflops.ts';
import { convLayerCases } from './engine.bench.ts';

export async function threadBenchmarks(): Promise<void> {
  const pool = new ThreadPool({ minFlops: 0 });
  const rng = new Random(0);
  const cases: { name: string; flops: number; run: () => unknown }[] = [];
  for (const n of [32, 48, 64, 96, 128, 256, 512]) {
    const a = randn([n, n], rng), b = randn([n, n], rng);
    cases.push({ name: `matmul ${n}`, flops: 2 * n ** 3, run: () => withScratchMemory(() => T.matmul(a, b)) });
  }
  for (const { cases: layer } of convLayerCases(rng)) cases.push(...layer);
  // Start the workers and let them load before timing.
  setKernelRunner(pool);
  for (const c of cases) c.run();
  while (pool.readyWorkers < pool.threads - 1) await new Promise((r) => setTimeout(r, 20));

  const on = (threaded: boolean, run: () => unknown) => () => {
    setKernelRunner(threaded ? pool : null);
    try { return run(); } finally { setKernelRunner(null); }
  };
  const rounds = 15;
  const ms = await interleavedMedians(cases.flatMap((c) => [
    { name: `${c.name}|1`, run: on(false, c.run) },
    { name: `${c.name}|n`, run: on(true, c.run) },
  ]), rounds);
  console.log(`\nthread pool: ${pool.threads} threads vs the calling thread alone (float64, median of ${rounds} interleaved rounds; the pool's default threshold is ${DEFAULT_MIN_FLOPS / 1e6} MFLOP, off here)`);
  console.table(cases.map((c) => {
    const one = ms[`${c.name}|1`], many = ms[`${c.name}|n`];
    return {
      case: c.name, MFLOP: (c.flops / 1e6).toFixed(1), '1 thread ms': one.toFixed(2), [`${pool.threads} threads ms`]: many.toFixed(2),
      speed_up: (one / many).toFixed(2), '1 thread GFLOP/s': (c.flops / one / 1e6).toFixed(2), [`${pool.threads} threads GFLOP/s`]: (c.flops / many / 1e6).toFixed(2),
    };
  }));
  await pool.close();
}

/** A benny suite whose cases each do a known number of floating-point operations; prints GFLOP/s. */
import b from 'benny';
import { kernelRunner, setKernelRunner } from '../src/tensor/cpu/parallel.ts';

export interface FlopCase {
  name: string;
  /** Floating-point operations in one call of `run` (a multiply-add counts as 2). */
  flops: number;
  /** One call; a returned promise is awaited (benny times it as a deferred case). */
  run: () => unknown;
}

export interface FlopResult {
  name: string;
  gflops: number;
  msPerCall: number;
  relativeMargin: number;
}

/** Runs the cases with benny and returns GFLOP/s per case (from benny's median time per call). */
export async function flopSuite(title: string, cases: readonly FlopCase[], maxTime = 3): Promise<FlopResult[]> {
  const summary = await b.suite(
    title,
    b.configure({ cases: { minSamples: 5, maxTime } }),
    ...cases.map((c) => b.add(c.name, () => {
      const r = c.run();
      if (r instanceof Promise) return r as Promise<void>;
    })),
    b.cycle(),
  );
  const results = summary.results.map((r) => {
    const c = cases.find((x) => x.name === r.name)!;
    // benny rounds ops/s for display; the per-sample times are exact. The median is robust to
    // the JIT warm-up samples and the pauses of this shared VM that a mean averages in.
    const seconds = r.details.median;
    return { name: r.name, gflops: c.flops / seconds / 1e9, msPerCall: 1000 * seconds, relativeMargin: r.margin };
  });
  console.log(`\n${title}`);
  console.table(results.map((r) => ({ case: r.name, 'GFLOP/s': r.gflops.toFixed(2), 'ms/call': r.msPerCall.toFixed(2), '±%': r.relativeMargin.toFixed(1) })));
  return results;
}

/**
 * Medians of rounds that run every case once in turn. benny runs its cases one after another,
 * so a machine that speeds up or slows down between them skews their ratios; interleaved
 * rounds compared by medians do not. Returns milliseconds per call by case name.
 */
export async function interleavedMedians(cases: readonly { name: string; run: () => unknown }[], rounds: number): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const t0 = performance.now();
      await c.run();
      times[c.name].push(performance.now() - t0);
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, median(xs)]));
}

/** Runs `suite` on the calling thread alone (one core), whatever pool bench/run.ts installed, and puts that pool back. */
export async function onOneCore(suite: () => Promise<void>): Promise<void> {
  const pool = kernelRunner();
  setKernelRunner(null);
  try {
    await suite();
  } finally {
    setKernelRunner(pool);
  }
}

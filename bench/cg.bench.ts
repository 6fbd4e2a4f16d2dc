/**
 * Debiased CG at |B|/2 against single-batch CG at |B| for the same K (Sec. 4.2.3, B.5) on the
 * curvature benchmark's CNN (60,362 parameters, float64): the single run does K GGN products on
 * |B| = 64 examples, the debiased one K products on each half of 32 (directions and step sizes,
 * Eq. 12). Right-hand sides are computed before timing (one gradient at 64 against two at 32:
 * the same work). Interleaved rounds in one run; the ratio is what carries over.
 */
import { curvature, linalg } from '../src/index.ts';
import { benchmarkSetup } from './curvature.bench.ts';
import { interleavedMedians } from './gflops.ts';

export async function cgBenchmarks(): Promise<void> {
  const { model, n, problem, batch } = benchmarkSetup();
  const K = 5;
  const per = batch.inputs.length / n;
  const half = (h: number) => ({ inputs: batch.inputs.subarray(h * (n / 2) * per, (h + 1) * (n / 2) * per), targets: batch.targets.subarray(h * (n / 2), (h + 1) * (n / 2)) });
  const options = { chunkSize: n };
  const rhs = (b: typeof batch) => curvature.gradient(problem, b, options).map((v) => -v);
  const [first, second] = [half(0), half(1)];
  const b = rhs(batch), b1 = rhs(first), b2 = rhs(second);
  const cases = [
    { name: `single-batch CG, |B| = ${n}`, run: () => linalg.cg(curvature.ggnOperator(problem, batch, options), b, { maxIter: K, tol: 0 }) },
    { name: `debiased CG, 2 × ${n / 2}`, run: () => linalg.debiasedCg(curvature.ggnOperator(problem, first, options), b1, curvature.ggnOperator(problem, second, options), b2, { maxIter: K, tol: 0 }) },
  ];
  const rounds = 5;
  const med = await interleavedMedians(cases, rounds);
  const single = med[cases[0].name];
  console.log(`\nCG, ${K} iterations (${model.numParams} parameters, float64): median of ${rounds} interleaved rounds`);
  console.table(Object.entries(med).map(([name, t]) => ({ case: name, ms: t.toFixed(0), 'ratio to single-batch': (t / single).toFixed(3) })));
}

/**
 * Linear algebra: Lanczos matvec counts on known spectra next to scipy's eigsh (each product
 * is a full network pass in the curvature experiments, so the count is what matters), and the
 * time of a dense 500×500 eigh.
 */
import b from 'benny';
import { eigh } from '../src/linalg/eigh.ts';
import { lanczos } from '../src/linalg/lanczos.ts';
import { Random } from '../src/tensor/index.ts';
import { curvature } from '../src/index.ts';
import { mlpGgnProblem } from './mlp-ggn.ts';
import { MLP_GGN_EIGSH_MEDIAN, SPECTRA } from './spectra.ts';

export async function linalgBenchmarks(): Promise<void> {
  const rows = SPECTRA.map(({ name, values, eigshMedian }) => {
    const op = { size: values.length, apply: (v: Float64Array) => v.map((x, i) => values[i] * x) };
    const counts = [0, 1, 2, 3, 4].map((seed) => lanczos(op, 8, { tol: 1e-10, seed }).matvecs);
    const median = counts.slice().sort((x, y) => x - y)[2];
    return { spectrum: name, 'lanczos median': median, 'lanczos runs': counts.join(' '), 'eigsh median': eigshMedian };
  });
  // A real curvature operator: the full-data GGN of the trained 1,210-parameter digits MLP.
  const { problem, batch } = mlpGgnProblem();
  const ggn = curvature.ggnOperator(problem, batch);
  const counts = [0, 1, 2, 3, 4].map((seed) => lanczos(ggn, 8, { tol: 1e-10, seed }).matvecs);
  rows.push({ spectrum: 'GGN of the digits MLP 64→16→10 (n=1210)', 'lanczos median': counts.slice().sort((x, y) => x - y)[2], 'lanczos runs': counts.join(' '), 'eigsh median': MLP_GGN_EIGSH_MEDIAN });
  console.log('\nTop-8 eigenpairs at tol 1e-10: operator products (5 seeds)');
  console.table(rows);

  const n = 500;
  const rng = new Random(0);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  const summary = await b.suite('eigh', b.configure({ cases: { minSamples: 3, maxTime: 5 } }), b.add(`eigh ${n}×${n}`, () => { eigh(a, n); }), b.cycle());
  console.log(`\neigh ${n}×${n}: ${(1000 * summary.results[0].details.median).toFixed(0)} ms`);
}

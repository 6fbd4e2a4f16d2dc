/**
 * K-FAC on the curvature benchmark's CNN (60,362 parameters, batch 64, float64): exact, MC and
 * empirical factors against the gradient, interleaved in one run (ratios are what carry over
 * between machines), and the dense eigh that debiasing and the Laplace approximation spend their
 * time in, at n = 500, 1000, 2000 (numpy's LAPACK eigh beside it: tools/eigh-numpy.py).
 */
import { spawnSync } from 'node:child_process';
import { curvature } from '../src/index.ts';
import { eigh } from '../src/linalg/eigh.ts';
import { Random } from '../src/tensor/index.ts';
import { benchmarkSetup } from './curvature.bench.ts';
import { interleavedMedians } from './gflops.ts';

export async function kfacBenchmarks(): Promise<void> {
  const { model, n, problem, batch } = benchmarkSetup();
  const options = { chunkSize: n };
  const gradient = { name: 'gradient', run: () => curvature.gradient(problem, batch, options) };
  // Two interleaved groups, each with the gradient: whatever runs right after exact K-FAC pays
  // for collecting its garbage (measured: +250–350 ms on the next case, ~25 % of an MC run).
  const groups = [
    [gradient, { name: 'kfac exact', run: () => curvature.kfac(problem, batch, { ...options, type: 'exact' }) }],
    [
      gradient,
      { name: 'kfac mc', run: () => curvature.kfac(problem, batch, { ...options, type: 'mc', seed: 1 }) },
      { name: 'kfac empirical', run: () => curvature.kfac(problem, batch, { ...options, type: 'empirical' }) },
    ],
  ];
  const rounds = 7;
  console.log(`\nK-FAC (${model.numParams} parameters, batch ${n}, float64): median of ${rounds} interleaved rounds, ratios within each group`);
  for (const cases of groups) {
    const med = await interleavedMedians(cases, rounds);
    console.table(Object.entries(med).map(([name, t]) => ({ case: name, ms: t.toFixed(0), 'ratio to gradient': (t / med.gradient).toFixed(2) })));
  }

  const rows = [];
  for (const size of [500, 1000, 2000]) {
    const rng = new Random(size);
    const a = new Float64Array(size * size);
    for (let i = 0; i < size; i++) for (let j = 0; j <= i; j++) a[i * size + j] = a[j * size + i] = rng.normal();
    const times: number[] = [];
    for (let r = 0; r < (size <= 1000 ? 3 : 1); r++) {
      const started = performance.now();
      eigh(a, size);
      times.push(performance.now() - started);
    }
    rows.push({ n: size, 'eigh ms (median)': times.sort((x, y) => x - y)[Math.floor(times.length / 2)].toFixed(0) });
  }
  // numpy's eigh (LAPACK) in the same run, one thread, the OpenBLAS variables unset (they slow it here).
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const numpy = spawnSync('python3', ['tools/eigh-numpy.py'], { encoding: 'utf8', env });
  const numpyMs = new Map([...(numpy.stdout ?? '').matchAll(/n=(\d+): (\d+) ms/g)].map((m) => [Number(m[1]), Number(m[2])]));
  console.log(`\ndense eigh (random symmetric, values and vectors)${numpy.status === 0 ? ' beside numpy.linalg.eigh (tools/eigh-numpy.py)' : ' (numpy not available: python3 tools/eigh-numpy.py)'}`);
  console.table(rows.map((row) => {
    const theirs = numpyMs.get(row.n);
    return theirs ? { ...row, 'numpy ms': theirs, 'ratio mbquad/numpy': (Number(row['eigh ms (median)']) / theirs).toFixed(2) } : row;
  }));
}

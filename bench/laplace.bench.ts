/**
 * The K-FAC Laplace approximation on the digits CNN (3,130 parameters, float64; B.6's runtime
 * comparison): building the single-batch LA at |B| = 128, the debiased LA from two batches of 64
 * (Eq. 9) and the full-batch LA (K-FAC accumulated over the 1,438 training images) — each K-FAC
 * plus the factors' eigendecompositions —, one posterior sample, and the linearized predictive for
 * the 359 test images with S = 100 samples (one JVP per sample). Interleaved rounds in one run;
 * the ratios to the single-batch build are what carry over.
 */
import { curvature, nn } from '../src/index.ts';
import { loadDigitsSplit } from '../src/node/datasets.ts';
import { Random } from '../src/tensor/index.ts';
import { interleavedMedians } from './gflops.ts';

export async function laplaceBenchmarks(): Promise<void> {
  const data = loadDigitsSplit();
  const model = nn.fromSpec(nn.convNet([1, 8, 8], 10, 1, 16));
  const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 5e-4, params: model.init(new Random(0)) });
  const N = data.train.targets.length;
  const order = new Random(1).permutation(N);
  const batch = (from: number, to: number) => nn.batchOf(data.train, order.slice(from, to));
  const options = { dataSize: N, priorPrecision: 1 };
  const cases = [
    { name: 'single-batch LA, |B| = 128', run: () => curvature.laplace(p, curvature.kfac(p, batch(0, 128)), options) },
    { name: 'debiased LA, 2 × 64', run: () => curvature.laplace(p, curvature.debiasKfac(curvature.kfac(p, batch(0, 64)), curvature.kfac(p, batch(64, 128))), options) },
    { name: `full-batch LA, N = ${N}`, run: () => curvature.laplace(p, curvature.kfac(p, { inputs: data.train.inputs, targets: data.train.targets }), options) },
  ];
  const rounds = 5;
  const med = await interleavedMedians(cases, rounds);
  const single = med[cases[0].name];
  console.log(`\nK-FAC Laplace approximation, building (${model.numParams} parameters, float64): median of ${rounds} interleaved rounds`);
  console.table(Object.entries(med).map(([name, t]) => ({ case: name, ms: t.toFixed(1), 'ratio to single-batch': (t / single).toFixed(2) })));

  const la = curvature.laplace(p, curvature.kfac(p, batch(0, 128)), options);
  const rng = new Random(2);
  const count = data.test.targets.length;
  const use = await interleavedMedians([
    { name: 'one posterior sample', run: () => la.sample(rng) },
    { name: `predictive, ${count} test images, S = 100`, run: () => la.predictive(data.test.inputs, count, { samples: 100, rng }) },
  ], 3);
  console.table(Object.entries(use).map(([name, t]) => ({ case: name, ms: t.toFixed(1) })));
}

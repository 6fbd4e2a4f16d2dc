/**
 * Curvature products of the benchmark model (3×32×32 → conv 3→32 → ReLU → maxpool →
 * conv 32→64 → ReLU → maxpool → linear 4096→10; 60,362 parameters), batch 64, float64: times of
 * forward, gradient, HVP and GGNVP, and the ratios HVP/gradient and GGNVP/gradient measured in
 * the same run (PyTorch 1.13, 2 threads, on this machine: 3.8 and 2.6, gradient 138 ms).
 */
import b from 'benny';
import * as ad from '../src/autodiff/index.ts';
import { curvature, nn } from '../src/index.ts';
import { cpuBackend, Random, type Backend } from '../src/tensor/index.ts';
import { interleavedMedians } from './gflops.ts';
import { describeThreads } from '../src/cli/backend-choice.ts';

/** The benchmark model, batch and direction (seeded), with its problem on a backend. */
export function benchmarkSetup(backend: Backend = cpuBackend) {
  const model = nn.fromSpec({
    input: [3, 32, 32],
    layers: [
      { type: 'conv2d', out: 32, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 },
      { type: 'conv2d', out: 64, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 },
      { type: 'flatten' }, { type: 'linear', out: 10 },
    ],
  });
  const rng = new Random(0);
  const params = model.init(rng);
  const n = 64;
  const inputs = Float64Array.from({ length: n * 3 * 32 * 32 }, () => rng.normal());
  const targets = Int32Array.from({ length: n }, () => rng.integer(10));
  const problem = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 5e-4, params, backend });
  const batch = { inputs, targets };
  const v = Float64Array.from({ length: model.numParams }, () => rng.normal());
  return { model, params, n, problem, batch, v, inputs };
}

export async function curvatureBenchmarks(): Promise<void> {
  const { model, params, n, problem, batch, v, inputs } = benchmarkSetup();
  const options = { chunkSize: n };
  const x = model.inputTensor(inputs);
  const cases: [string, () => unknown][] = [
    ['forward', () => ad.concrete(model.forward(params, x))],
    ['gradient', () => curvature.gradient(problem, batch, options)],
    ['hvp', () => curvature.hessianVectorProduct(problem, batch, v, options)],
    ['ggnvp', () => curvature.ggnVectorProduct(problem, batch, v, options)],
  ];
  const threads = describeThreads();
  // Let the pool's workers load (lazily, on the first large call) before anything is timed.
  curvature.gradient(problem, batch, options);
  await new Promise((r) => setTimeout(r, 1000));
  const summary = await b.suite(
    `curvature products, ${model.numParams} parameters, batch ${n}, ${threads}`,
    b.configure({ cases: { minSamples: 5, maxTime: 6 } }),
    ...cases.map(([name, f]) => b.add(name, () => { f(); })),
    b.cycle(),
  );
  // benny rounds ops/s (1.1 ops/s would read 909 ms); its per-sample times are exact: median.
  const ms = Object.fromEntries(summary.results.map((r) => [r.name, 1000 * r.details.median]));
  console.log(`\ncurvature products (${model.numParams} parameters, batch ${n}, float64, ${threads}, one process): benny medians`);
  console.table(Object.entries(ms).map(([name, t]) => ({ product: name, ms: t.toFixed(0), 'ratio to gradient': (t / ms.gradient).toFixed(2) })));

  const rounds = 7;
  const med = await interleavedMedians(cases.map(([name, run]) => ({ name, run })), rounds);
  console.log(`interleaved: median of ${rounds} rounds, each running every product once`);
  console.table(Object.entries(med).map(([name, t]) => ({ product: name, ms: t.toFixed(0), 'ratio to gradient': (t / med.gradient).toFixed(2) })));
}

/**
 * `npm run bench [-- engine|linalg|curvature|gpu|gpu-kernels|gpu-products]`: the benchmark suites, in one
 * process (ratios are only compared within a run); `gpu` is `gpu-kernels` then `gpu-products`.
 */
import { engineBenchmarks } from './engine.bench.ts';
import { linalgBenchmarks } from './linalg.bench.ts';
import { curvatureBenchmarks } from './curvature.bench.ts';
import { gpuBenchmarks, gpuKernelBenchmarks, gpuProductBenchmarks } from './gpu.bench.ts';

const suites: Record<string, () => Promise<void>> = {
  engine: engineBenchmarks, linalg: linalgBenchmarks, curvature: curvatureBenchmarks,
  gpu: gpuBenchmarks, 'gpu-kernels': gpuKernelBenchmarks, 'gpu-products': gpuProductBenchmarks,
};
const chosen = process.argv.slice(2);
for (const name of chosen.length > 0 ? chosen : Object.keys(suites)) {
  const suite = suites[name];
  if (!suite) throw new Error(`unknown suite '${name}'; known: ${Object.keys(suites).join(', ')}`);
  await suite();
}

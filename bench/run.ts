/**
 * `npm run bench [-- engine|linalg|curvature|gpu]`: the benchmark suites, in one process (ratios are only
 * compared within a run).
 */
import { engineBenchmarks } from './engine.bench.ts';
import { linalgBenchmarks } from './linalg.bench.ts';
import { curvatureBenchmarks } from './curvature.bench.ts';
import { gpuBenchmarks } from './gpu.bench.ts';

const suites: Record<string, () => Promise<void>> = { engine: engineBenchmarks, linalg: linalgBenchmarks, curvature: curvatureBenchmarks, gpu: gpuBenchmarks };
const chosen = process.argv.slice(2);
for (const name of chosen.length > 0 ? chosen : Object.keys(suites)) {
  const suite = suites[name];
  if (!suite) throw new Error(`unknown suite '${name}'; known: ${Object.keys(suites).join(', ')}`);
  await suite();
}

/**
 * `npm run bench [-- engine|kernels|small|threads|linalg|curvature|kfac|allcnnc|cg|laplace|gpu|gpu-kernels|gpu-products]`: the benchmark suites, in one
 * process (ratios are only compared within a run); `gpu` is `gpu-kernels` then `gpu-products`.
 */
import { engineBenchmarks } from './engine.bench.ts';
import { linalgBenchmarks } from './linalg.bench.ts';
import { curvatureBenchmarks } from './curvature.bench.ts';
import { kfacBenchmarks } from './kfac.bench.ts';
import { allCnnCBenchmarks } from './allcnnc.bench.ts';
import { cgBenchmarks } from './cg.bench.ts';
import { laplaceBenchmarks } from './laplace.bench.ts';
import { gpuBenchmarks, gpuKernelBenchmarks, gpuProductBenchmarks } from './gpu.bench.ts';
import { threadBenchmarks } from './threads.bench.ts';
import { kernelBenchmarks } from './kernels.bench.ts';
import { smallModelBenchmarks } from './small.bench.ts';
import { useThreads } from '../src/node/thread-pool.ts';
import { kernelsFromEnvironment } from '../src/cli/backend-choice.ts';

const suites: Record<string, () => Promise<void>> = {
  engine: engineBenchmarks, kernels: kernelBenchmarks, small: smallModelBenchmarks, threads: threadBenchmarks, linalg: linalgBenchmarks, curvature: curvatureBenchmarks, kfac: kfacBenchmarks, allcnnc: allCnnCBenchmarks, cg: cgBenchmarks, laplace: laplaceBenchmarks,
  gpu: gpuBenchmarks, 'gpu-kernels': gpuKernelBenchmarks, 'gpu-products': gpuProductBenchmarks,
};
// The command line's conventions (src/cli/main.ts): one-line errors, exit 2 for a usage
// error and 1 for a failure, MBQUAD_DEBUG=1 for the stack.
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !suites[name]);
if (unknown.length > 0) {
  console.error(`bench: unknown suite${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; known: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
try {
  // Every suite runs as the command line does: the float64 kernels on MBQUAD_THREADS threads,
  // else every core — except 'engine', which measures one core, and 'threads', which compares both.
  kernelsFromEnvironment(process.env);
  useThreads();
  for (const name of chosen.length > 0 ? chosen : Object.keys(suites)) await suites[name]();
} catch (e) {
  if (process.env.MBQUAD_DEBUG === '1') throw e;
  console.error(`bench: ${e instanceof Error ? e.message : String(e)} (MBQUAD_DEBUG=1 shows where)`);
  process.exit(1);
}

import { useThreads } from './src/experiments/thread-pool.ts';
import { setKernelRunner } from './src/tensor/cpu/parallel.ts';
import { benchmarkSetup } from './bench/curvature.bench.ts';
import { curvature } from './src/index.ts';
const { problem, batch, v, n } = benchmarkSetup();
const pool = useThreads(2)!;
const opts = { chunkSize: n };
const g0 = curvature.gradient(problem, batch, opts);
await new Promise((r) => setTimeout(r, 1000));
const time = (f: () => unknown) => { const t0 = performance.now(); f(); return performance.now() - t0; };
for (let r = 0; r < 4; r++) {
  setKernelRunner(pool);
  const tg = time(() => curvature.gradient(problem, batch, opts)), th = time(() => curvature.hessianVectorProduct(problem, batch, v, opts)), tn = time(() => curvature.ggnVectorProduct(problem, batch, v, opts));
  setKernelRunner(null);
  const sg = time(() => curvature.gradient(problem, batch, opts)), sh = time(() => curvature.hessianVectorProduct(problem, batch, v, opts)), sn = time(() => curvature.ggnVectorProduct(problem, batch, v, opts));
  console.log(`threaded grad ${tg.toFixed(0)} hvp ${th.toFixed(0)} ggn ${tn.toFixed(0)} | single grad ${sg.toFixed(0)} hvp ${sh.toFixed(0)} ggn ${sn.toFixed(0)}`);
}
setKernelRunner(pool);
const g1 = curvature.gradient(problem, batch, opts);
console.log('identical', g1.every((x, i) => Object.is(x, g0[i])));

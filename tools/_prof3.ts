import { benchmarkSetup } from '../bench/curvature.bench.ts';
import { curvature } from '../src/index.ts';
const { problem, batch, n } = benchmarkSetup();
const t = (name: string, f: () => unknown) => { const s = performance.now(); f(); console.log(name, (performance.now() - s).toFixed(0), 'ms'); };
for (let r = 0; r < 3; r++) {
  t('gradient', () => curvature.gradient(problem, batch, { chunkSize: n }));
  t('kfac mc', () => curvature.kfac(problem, batch, { chunkSize: n, type: 'mc' }));
}

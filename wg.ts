import * as T from './src/tensor/index.ts';
const gpu = T.gpuBackend();
const rng = new T.Random(1);
const x = T.randn([64, 3, 32, 32], rng), w = T.randn([32, 3, 3, 3], rng);
const gy = T.randn([64, 32, 32, 32], rng);
const gx = T.toBackend(x, gpu), ggy = T.toBackend(gy, gpu);
const fl = 2 * 64 * 32 * 1024 * 27 / 1e6;
for (let r = 0; r < 3; r++) {
  const times: number[] = [], ctimes: number[] = [];
  for (let i = 0; i < 15; i++) {
    let t0 = performance.now(); T.withScratchMemory(() => { T.conv2dWeightGrad(gx, ggy, w.shape, { padding: 1 }); }); times.push(performance.now() - t0);
    t0 = performance.now(); T.withScratchMemory(() => { T.conv2dWeightGrad(x, gy, w.shape, { padding: 1 }); }); ctimes.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b); ctimes.sort((a, b) => a - b);
  console.log('weight-grad gpu', (fl / times[7]).toFixed(2), 'cpu', (fl / ctimes[7]).toFixed(2));
}

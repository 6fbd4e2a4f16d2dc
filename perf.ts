import * as T from './src/tensor/index.ts';
const gpu = T.gpuBackend();
const rng = new T.Random(1);
function time(f: () => unknown, ms = 1500) { f(); const t0 = performance.now(); let r = 0; while (performance.now() - t0 < ms) { f(); r++; } return (performance.now() - t0) / r; }
for (const n of [256, 512]) {
  const a = T.randn([n, n], rng), b = T.randn([n, n], rng);
  const ga = T.toBackend(a, gpu), gb = T.toBackend(b, gpu);
  const fl = 2 * n ** 3 / 1e6;
  console.log('matmul', n, 'cpu', (fl / time(() => T.withScratchMemory(() => { T.matmul(a, b); }))).toFixed(2), 'gpu', (fl / time(() => T.withScratchMemory(() => { T.matmul(ga, gb); }))).toFixed(2));
}
for (const [n, c, h, o] of [[64, 3, 32, 32], [64, 32, 16, 64]]) {
  const x = T.randn([n, c, h, h], rng), w = T.randn([o, c, 3, 3], rng);
  const gx = T.toBackend(x, gpu), gw = T.toBackend(w, gpu);
  const y = T.conv2d(x, w, { padding: 1 }); const gy = T.toBackend(y, gpu);
  const fl = 2 * n * o * h * h * c * 9 / 1e6;
  console.log('conv', n, c, h, o,
    'fwd cpu', (fl / time(() => T.withScratchMemory(() => { T.conv2d(x, w, { padding: 1 }); }))).toFixed(2), 'gpu', (fl / time(() => T.withScratchMemory(() => { T.conv2d(gx, gw, { padding: 1 }); }))).toFixed(2),
    'in cpu', (fl / time(() => T.withScratchMemory(() => { T.conv2dInputGrad(y, w, x.shape, { padding: 1 }); }))).toFixed(2), 'gpu', (fl / time(() => T.withScratchMemory(() => { T.conv2dInputGrad(gy, gw, x.shape, { padding: 1 }); }))).toFixed(2),
    'w cpu', (fl / time(() => T.withScratchMemory(() => { T.conv2dWeightGrad(x, y, w.shape, { padding: 1 }); }))).toFixed(2), 'gpu', (fl / time(() => T.withScratchMemory(() => { T.conv2dWeightGrad(gx, gy, w.shape, { padding: 1 }); }))).toFixed(2));
}

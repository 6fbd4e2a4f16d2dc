import * as T from './src/tensor/index.ts';
const gpu = T.gpuBackend();
const rng = new T.Random(1);
const x = T.toBackend(T.randn([64, 3, 32, 32], rng), gpu), w = T.toBackend(T.randn([32, 3, 3, 3], rng), gpu);
for (let i = 0; i < 3; i++) T.withScratchMemory(() => { T.conv2d(x, w, { padding: 1 }); });
const t0 = performance.now(); for (let i = 0; i < 20; i++) T.withScratchMemory(() => { T.conv2d(x, w, { padding: 1 }); }); console.log('ms', (performance.now() - t0) / 20);

/**
 * The gpu.js backend (float32) beside the float64 CPU backend, in GFLOP/s, in one run:
 * matmul 256/512/1024 and the conv2d layers of the engine issue (forward and both adjoints).
 *  - "cpu": the CPU backend, the engine's default (one core);
 *  - "gpu.js sync": the gpu.js backend as the engine calls it (synchronous, one thread);
 *  - "gpu.js threaded": the same kernels through the backend's async entry points
 *    (`backend.threaded`), which split them across worker threads in the webasm mode;
 *  - "gpu.js naive kernel": the textbook one-output-per-cell matmul kernel in the same mode, as
 *    an in-run yardstick for what the row-block kernels buy.
 * Every synchronous call runs in scratch memory, as inside the curvature products. Each table is
 * followed by medians of interleaved rounds (robust to this VM's drifting speed), and last come
 * the curvature products of the curvature suite on both backends.
 * The mode is the backend's automatic choice (MBQUAD_GPU_MODE overrides it).
 */
import { GPU } from 'gpu.js';
import * as T from '../src/tensor/index.ts';
import { gpuBackend, Random, randn, toBackend, withScratchMemory, type GpuMode } from '../src/tensor/index.ts';
import { curvature } from '../src/index.ts';
import { benchmarkSetup } from './curvature.bench.ts';
import { flopSuite, interleavedMedians, type FlopCase } from './gflops.ts';

export async function gpuBenchmarks(): Promise<void> {
  await gpuKernelBenchmarks();
  await gpuProductBenchmarks();
}

const chosenBackend = () => gpuBackend({ mode: (process.env.MBQUAD_GPU_MODE ?? 'auto') as GpuMode });

/** matmul and conv2d kernels, GFLOP/s. */
export async function gpuKernelBenchmarks(): Promise<void> {
  const gpu = chosenBackend();
  const rng = new Random(0);
  const matmulCases: FlopCase[] = [];
  for (const n of [256, 512, 1024]) {
    const a = randn([n, n], rng), b = randn([n, n], rng);
    const ga = toBackend(a, gpu), gb = toBackend(b, gpu);
    const flops = 2 * n ** 3;
    matmulCases.push(
      { name: `matmul ${n} cpu float64`, flops, run: () => withScratchMemory(() => T.matmul(a, b)) },
      { name: `matmul ${n} gpu.js sync`, flops, run: () => withScratchMemory(() => T.matmul(ga, gb)) },
      { name: `matmul ${n} gpu.js threaded`, flops, run: () => gpu.threaded.matmul(ga, gb) },
    );
  }
  const naive = new GPU({ mode: gpu.mode }).createKernel(function (this: { thread: { x: number; y: number } }, a: Float32Array, b: Float32Array) {
    let s = 0;
    for (let i = 0; i < 512; i++) s += a[this.thread.y * 512 + i] * b[i * 512 + this.thread.x];
    return s;
  }, { output: [512, 512] });
  const a32 = Float32Array.from(randn([512, 512], rng).data), b32 = Float32Array.from(randn([512, 512], rng).data);
  matmulCases.push({ name: 'matmul 512 gpu.js naive kernel', flops: 2 * 512 ** 3, run: () => naive(a32, b32) });
  await flopSuite(`matmul: float64 CPU vs gpu.js float32 (${gpu.name})`, matmulCases);
  await interleaved('matmul', matmulCases);

  const convCases: FlopCase[] = [];
  for (const [n, c, h, o] of [[64, 3, 32, 32], [64, 32, 16, 64]]) {
    const x = randn([n, c, h, h], rng), w = randn([o, c, 3, 3], rng);
    const opts = { padding: 1 };
    const gy = randn(T.conv2d(x, w, opts).shape, rng);
    const [gx, gw, ggy] = [x, w, gy].map((t) => toBackend(t, gpu));
    const flops = 2 * n * o * h * h * c * 9;
    const label = `${n}×${c}×${h}×${h} → ${o}`;
    convCases.push(
      { name: `conv forward ${label} cpu float64`, flops, run: () => withScratchMemory(() => T.conv2d(x, w, opts)) },
      { name: `conv forward ${label} gpu.js sync`, flops, run: () => withScratchMemory(() => T.conv2d(gx, gw, opts)) },
      { name: `conv forward ${label} gpu.js threaded`, flops, run: () => gpu.threaded.conv2d(gx, gw, opts) },
      { name: `conv input-grad ${label} cpu float64`, flops, run: () => withScratchMemory(() => T.conv2dInputGrad(gy, w, x.shape, opts)) },
      { name: `conv input-grad ${label} gpu.js sync`, flops, run: () => withScratchMemory(() => T.conv2dInputGrad(ggy, gw, x.shape, opts)) },
      { name: `conv input-grad ${label} gpu.js threaded`, flops, run: () => gpu.threaded.conv2dInputGrad(ggy, gw, x.shape, opts) },
      { name: `conv weight-grad ${label} cpu float64`, flops, run: () => withScratchMemory(() => T.conv2dWeightGrad(x, gy, w.shape, opts)) },
      { name: `conv weight-grad ${label} gpu.js sync`, flops, run: () => withScratchMemory(() => T.conv2dWeightGrad(gx, ggy, w.shape, opts)) },
      { name: `conv weight-grad ${label} gpu.js threaded`, flops, run: () => gpu.threaded.conv2dWeightGrad(gx, ggy, w.shape, opts) },
    );
  }
  await flopSuite(`conv2d 3×3, pad 1: float64 CPU vs gpu.js float32 (${gpu.name})`, convCases);
  await interleaved('conv2d', convCases);
  gpu.destroy();
}

/**
 * The curvature products of the curvature suite's model, batch 64, on both backends, with the
 * gpu.js backend's host↔device transfers per product (non-zero in the GL modes only: there a
 * product should read back its result, one array per parameter tensor, and nothing else).
 */
export async function gpuProductBenchmarks(): Promise<void> {
  const gpu = chosenBackend();
  const onCpu = benchmarkSetup(), onGpu = benchmarkSetup(gpu);
  const products = [['cpu float64', onCpu], ['gpu.js', onGpu]] as const;
  const productCases = products.flatMap(([label, s]) => [
    { name: `gradient, ${label}`, run: () => curvature.gradient(s.problem, s.batch, { chunkSize: s.n }) },
    { name: `HVP, ${label}`, run: () => curvature.hessianVectorProduct(s.problem, s.batch, s.v, { chunkSize: s.n }) },
    { name: `GGNVP, ${label}`, run: () => curvature.ggnVectorProduct(s.problem, s.batch, s.v, { chunkSize: s.n }) },
  ]);
  const transfers = Object.fromEntries(productCases.filter((c) => c.name.endsWith('gpu.js')).map((c) => {
    const before = { ...gpu.transfers };
    c.run();
    return [c.name, `${gpu.transfers.uploads - before.uploads} / ${gpu.transfers.readbacks - before.readbacks}`];
  }));
  const ms = await interleavedMedians(productCases, 5);
  console.log(`curvature products (${onCpu.model.numParams} parameters, batch ${onCpu.n}, ${gpu.name}, ${gpu.kernels} kernels): median of 5 interleaved rounds`);
  console.table(['gradient', 'HVP', 'GGNVP'].map((p) => ({
    product: p, 'cpu float64, ms': ms[`${p}, cpu float64`].toFixed(0), 'gpu.js, ms': ms[`${p}, gpu.js`].toFixed(0),
    'speed vs cpu': (ms[`${p}, cpu float64`] / ms[`${p}, gpu.js`]).toFixed(2),
    'gpu.js uploads / read-backs': transfers[`${p}, gpu.js`],
  })));
  gpu.destroy();
}

/** GFLOP/s from medians of interleaved rounds (gflops.ts), and each case's speed relative to the CPU case of the same size. */
async function interleaved(title: string, cases: FlopCase[], rounds = 7): Promise<void> {
  const ms = await interleavedMedians(cases, rounds);
  const cpuCase = (name: string) => `${name.replace(/ (cpu|gpu\.js).*$/, '')} cpu float64`;
  console.log(`${title}: median of ${rounds} interleaved rounds, each running every case once`);
  console.table(cases.map((c) => ({
    case: c.name, 'GFLOP/s': (c.flops / ms[c.name] / 1e6).toFixed(2), 'ms/call': ms[c.name].toFixed(2),
    'speed vs cpu': (ms[cpuCase(c.name)] / ms[c.name]).toFixed(2),
  })));
}

/**
 * Engine kernels in float64 on the CPU backend, one core: matmul 128/256/512 and the conv2d layers
 * of the engine issue (forward and both adjoints) in GFLOP/s, and the elementwise kernels that
 * have WebAssembly twins (ReLU, its step, max pooling's winners) in ms — each on the TypeScript
 * reference kernels and on the WebAssembly SIMD kernels, interleaved round by round, with the
 * ratio. Each call runs in scratch memory, as the kernels do inside the curvature products, so
 * the output buffer is recycled; the "fresh output" rows show the cost of page-faulting a new
 * output every call on this machine.
 */
import * as T from '../src/tensor/index.ts';
import { Random, randn, useKernels, withScratchMemory } from '../src/tensor/index.ts';
import { interleavedMedians, onOneCore, type FlopCase } from './gflops.ts';
import { kernelChoice } from '../src/tensor/cpu/kernels.ts';

function naiveMatmul(a: Float64Array, b: Float64Array, c: Float64Array, n: number): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
}

export async function engineBenchmarks(): Promise<void> {
  // One core: the calling thread alone, whatever pool bench/run.ts installed (see 'threads').
  await onOneCore(oneCore);
}

async function oneCore(): Promise<void> {
  const rng = new Random(0);
  const cases: FlopCase[] = [128, 256, 512].map((n) => {
    const a = randn([n, n], rng), b = randn([n, n], rng);
    return { name: `matmul ${n}`, flops: 2 * n ** 3, run: () => withScratchMemory(() => T.matmul(a, b)) };
  });
  const n512 = randn([512, 512], rng), m512 = randn([512, 512], rng);
  cases.push({ name: 'matmul 512 (aᵀ·bᵀ)', flops: 2 * 512 ** 3, run: () => withScratchMemory(() => T.matmul(n512, m512, { transA: true, transB: true })) });
  cases.push({ name: 'matmul 512, fresh output', flops: 2 * 512 ** 3, run: () => T.matmul(n512, m512) });
  cases.push(...convLayerCases(rng).flatMap(({ layer, cases: layerCases, fresh }) => [...layerCases, { ...fresh, name: `conv forward ${layer}, fresh output` }]));
  // The elementwise kernels with twins, on the first conv layer's output (2,097,152 values).
  const activation = randn([64, 32, 32, 32], rng);
  cases.push({ name: 'ReLU of 64×32×32×32', flops: 0, run: () => withScratchMemory(() => T.relu(activation)) });
  cases.push({ name: 'max pooling 2×2 of 64×32×32×32', flops: 0, run: () => withScratchMemory(() => T.maxPool2d(activation, { kernel: 2 })) });

  const suiteChoice = kernelChoice();
  const on = (kernels: 'typescript' | 'wasm', run: () => unknown) => () => {
    useKernels(kernels);
    try { return run(); } finally { useKernels(suiteChoice); }
  };
  const rounds = 9;
  for (const c of cases) { on('typescript', c.run)(); on('wasm', c.run)(); } // warm-up (JIT, tier-up)
  const ms = await interleavedMedians(cases.flatMap((c) => [{ name: `${c.name}|ts`, run: on('typescript', c.run) }, { name: `${c.name}|wasm`, run: on('wasm', c.run) }]), rounds);
  // The in-run yardstick: the plain i-k-j loop (the issue measured ~1.1 GFLOP/s here), so a
  // ratio to it holds even while this shared machine runs faster or slower.
  const ad = n512.data, bd = m512.data, cd = new Float64Array(512 * 512);
  const naive = await interleavedMedians([{ name: 'naive', run: () => naiveMatmul(ad, bd, cd, 512) }], 3);
  const rate = (flops: number, t: number) => (flops ? (flops / t / 1e6).toFixed(2) : '–');
  console.log(`\nengine kernels, float64, one core: TypeScript reference and WebAssembly SIMD, medians of ${rounds} interleaved rounds`);
  console.table([
    ...cases.map((c) => {
      const ts = ms[`${c.name}|ts`], wasm = ms[`${c.name}|wasm`];
      return { case: c.name, 'TypeScript ms': ts.toFixed(2), 'TypeScript GFLOP/s': rate(c.flops, ts), 'WebAssembly ms': wasm.toFixed(2), 'WebAssembly GFLOP/s': rate(c.flops, wasm), 'speed-up': (ts / wasm).toFixed(2) };
    }),
    { case: 'naive i-k-j loop 512 (yardstick)', 'TypeScript ms': naive.naive.toFixed(2), 'TypeScript GFLOP/s': rate(2 * 512 ** 3, naive.naive), 'WebAssembly ms': '', 'WebAssembly GFLOP/s': '', 'speed-up': '' },
  ]);
}

/**
 * The conv layers of the curvature benchmark (3×3, pad 1): forward, input-grad and weight-grad
 * in scratch memory, and the forward with a fresh output every call.
 */
export function convLayerCases(rng: Random): { layer: string; cases: FlopCase[]; fresh: FlopCase }[] {
  return [[64, 3, 32, 32], [64, 32, 16, 64]].map(([n, c, h, o]) => {
    const x = randn([n, c, h, h], rng), w = randn([o, c, 3, 3], rng);
    const opts = { padding: 1 };
    const gy = randn(T.conv2d(x, w, opts).shape, rng);
    const flops = 2 * n * o * h * h * c * 9;
    const layer = `${n}×${c}×${h}×${h} → ${o}`;
    return {
      layer,
      cases: [
        { name: `conv forward ${layer}`, flops, run: () => withScratchMemory(() => T.conv2d(x, w, opts)) },
        { name: `conv input-grad ${layer}`, flops, run: () => withScratchMemory(() => T.conv2dInputGrad(gy, w, x.shape, opts)) },
        { name: `conv weight-grad ${layer}`, flops, run: () => withScratchMemory(() => T.conv2dWeightGrad(x, gy, w.shape, opts)) },
      ],
      fresh: { name: `conv forward ${layer}, fresh output`, flops, run: () => T.conv2d(x, w, opts) },
    };
  });
}

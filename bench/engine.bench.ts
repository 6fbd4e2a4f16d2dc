/**
 * Engine kernels in float64 on the CPU backend: matmul 128/256/512 and the conv2d layers of
 * the engine issue (forward and both adjoints), in GFLOP/s. Each call runs in scratch memory,
 * as the kernels do inside the curvature products, so the output buffer is recycled; the
 * "fresh output" rows show the cost of page-faulting a new output every call on this machine.
 */
import * as T from '../src/tensor/index.ts';
import { Random, randn, withScratchMemory } from '../src/tensor/index.ts';
import { flopSuite, type FlopCase } from './gflops.ts';
import { kernelRunner, setKernelRunner } from '../src/tensor/cpu/parallel.ts';

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
  const pool = kernelRunner();
  setKernelRunner(null);
  try {
    await oneCore();
  } finally {
    setKernelRunner(pool);
  }
}

async function oneCore(): Promise<void> {
  const rng = new Random(0);
  const matmulCases: FlopCase[] = [128, 256, 512].map((n) => {
    const a = randn([n, n], rng), b = randn([n, n], rng);
    return { name: `matmul ${n}`, flops: 2 * n ** 3, run: () => withScratchMemory(() => T.matmul(a, b)) };
  });
  const n512 = randn([512, 512], rng), m512 = randn([512, 512], rng);
  matmulCases.push({ name: 'matmul 512 (aᵀ·bᵀ)', flops: 2 * 512 ** 3, run: () => withScratchMemory(() => T.matmul(n512, m512, { transA: true, transB: true })) });
  matmulCases.push({ name: 'matmul 512, fresh output', flops: 2 * 512 ** 3, run: () => T.matmul(n512, m512) });
  // The in-run yardstick: the plain i-k-j loop (the issue measured ~1.1 GFLOP/s here), so a
  // ratio to it holds even while this shared machine runs faster or slower.
  const ad = n512.data, bd = m512.data, cd = new Float64Array(512 * 512);
  matmulCases.push({ name: 'naive i-k-j loop 512', flops: 2 * 512 ** 3, run: () => naiveMatmul(ad, bd, cd, 512) });
  await flopSuite('matmul (float64, one core)', matmulCases);

  const convCases = convLayerCases(rng).flatMap(({ layer, cases, fresh }) => [...cases, { ...fresh, name: `conv forward ${layer}, fresh output` }]);
  await flopSuite('conv2d 3×3, pad 1 (float64, one core)', convCases);
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

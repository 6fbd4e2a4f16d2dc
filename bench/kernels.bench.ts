/**
 * mbquad's float64 kernels beside PyTorch in one run (`npm run bench -- kernels`): matmul 512 and
 * the curvature benchmark's CNN gradient (60,362 parameters, batch 64), each on the TypeScript
 * reference kernels and on the WebAssembly SIMD kernels, on one thread and on the pool
 * (MBQUAD_THREADS, else every core), interleaved round by round with PyTorch float64 and float32
 * on as many threads (tools/torch-timing.py, a child process). PyTorch float64's speed varies
 * several-fold between machines of this kind with the CPU its OpenBLAS detects, so the table
 * gives ratios within this run and the CPU model. Without PyTorch, mbquad's rows alone.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import * as T from '../src/tensor/index.ts';
import { Random, randn, useKernels, withScratchMemory, type KernelKind } from '../src/tensor/index.ts';
import { kernelChoice } from '../src/tensor/cpu/kernels.ts';
import { kernelRunner, setKernelRunner } from '../src/tensor/cpu/parallel.ts';
import { curvature } from '../src/index.ts';
import { benchmarkSetup } from './curvature.bench.ts';

/** PyTorch through tools/torch-timing.py, or null where it does not start. */
async function startTorch(): Promise<{ version: string; ms: (request: string) => Promise<number>; close: () => void } | null> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const python = spawn(process.env.PYTHON ?? '/usr/bin/python3', [new URL('../tools/torch-timing.py', import.meta.url).pathname], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: python.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string | null> => {
    const { value, done } = await lines.next();
    return done ? null : (value as string);
  };
  const version = await next();
  if (version === null) return null;
  return {
    version,
    ms: async (request) => {
      python.stdin.write(`${request}\n`);
      const line = await next();
      if (line === null) throw new Error(`tools/torch-timing.py ended at '${request}'`);
      return Number(line);
    },
    close: () => python.stdin.end(),
  };
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function kernelBenchmarks(): Promise<void> {
  const pool = kernelRunner(), threads = pool?.threads ?? 1, suiteChoice = kernelChoice();
  const rng = new Random(0);
  const a = randn([512, 512], rng), b = randn([512, 512], rng);
  const { problem, batch, n } = benchmarkSetup();
  const work = {
    matmul: { flops: 2 * 512 ** 3, run: () => withScratchMemory(() => T.matmul(a, b)), rounds: 15 },
    gradient: { flops: 0, run: () => curvature.gradient(problem, batch, { chunkSize: n }), rounds: 7 },
  };
  const torch = await startTorch();
  const mbquad = (kernels: KernelKind, threaded: boolean, run: () => unknown) => async () => {
    useKernels(kernels);
    setKernelRunner(threaded ? pool : null);
    const t0 = performance.now();
    run();
    const ms = performance.now() - t0;
    setKernelRunner(pool);
    useKernels(suiteChoice);
    return ms;
  };
  const plural = (t: number) => `${t} thread${t === 1 ? '' : 's'}`;
  const counts = threads > 1 ? [1, threads] : [1];
  for (const [name, w] of Object.entries(work)) {
    const rows: { label: string; run: () => Promise<number> }[] = [];
    for (const kernels of ['typescript', 'wasm'] as const) {
      for (const t of counts) rows.push({ label: `mbquad float64, ${kernels === 'wasm' ? 'WebAssembly SIMD' : 'TypeScript'}, ${plural(t)}`, run: mbquad(kernels, t > 1, w.run) });
    }
    if (torch) {
      for (const dtype of ['float64', 'float32']) {
        for (const t of counts) rows.push({ label: `PyTorch ${dtype}, ${plural(t)}`, run: () => torch.ms(`${name} ${dtype} ${t}`) });
      }
    }
    for (let i = 0; i < 2; i++) for (const r of rows) await r.run(); // warm-up: JIT, tier-up, the pool's workers, PyTorch's allocator
    const times = rows.map(() => [] as number[]);
    for (let round = 0; round < w.rounds; round++) for (const [i, r] of rows.entries()) times[i].push(await r.run());
    const ms = times.map(median);
    const reference = torch ? ms[rows.findIndex((r) => r.label === 'PyTorch float64, 1 thread')] : NaN;
    console.log(`\n${name === 'matmul' ? 'matmul 512×512 · 512×512' : 'CNN gradient (60,362 parameters, batch 64)'}: medians of ${w.rounds} interleaved rounds; ${cpus()[0]?.model ?? 'unknown CPU'}; ${torch?.version ?? 'PyTorch not available (apt-get install python3-torch)'}`);
    console.table(rows.map((r, i) => ({
      case: r.label, ms: ms[i].toFixed(name === 'matmul' ? 2 : 0),
      ...(w.flops ? { 'GFLOP/s': (w.flops / ms[i] / 1e6).toFixed(2) } : {}),
      'ratio to PyTorch float64, 1 thread': torch ? (ms[i] / reference).toFixed(2) : '–',
    })));
  }
  torch?.close();
}

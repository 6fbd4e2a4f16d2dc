/**
 * mbquad's CNN gradient beside PyTorch's, in one run: `npx tsx tools/torch-compare.ts [rounds]`.
 * The model, batch and loss are the curvature benchmark's (bench/curvature.bench.ts: 60,362
 * parameters, batch 64). Each round computes mbquad's gradient on MBQUAD_THREADS threads (default:
 * every core) and on one, then PyTorch's (tools/torch-timing.py, a child process) in float64 on one
 * thread and on as many as mbquad, and in float32 (oneDNN's convolutions) on one thread and on as
 * many; the table gives the medians and each one's ratio to PyTorch float64 on one thread.
 * Needs PyTorch (Debian: apt-get install python3-torch; run with /usr/bin/python3, or PYTHON=…).
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from PyTorch's environment: set on this
 * machine, they slow OpenBLAS down.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { curvature } from '../src/index.ts';
import { kernelRunner, setKernelRunner } from '../src/tensor/cpu/parallel.ts';
import { useThreads } from '../src/experiments/thread-pool.ts';
import { benchmarkSetup } from '../bench/curvature.bench.ts';

const rounds = Number(process.argv[2] ?? 9);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`torch-compare: rounds must be a positive integer, given '${process.argv[2]}'`);
  process.exit(2);
}

const pool = useThreads();
const threads = pool?.threads ?? 1;
const { problem, batch, n } = benchmarkSetup();
const gradient = () => curvature.gradient(problem, batch, { chunkSize: n });

const env = { ...process.env };
delete env.OPENBLAS_CORETYPE;
delete env.OPENBLAS_L2_SIZE;
const python = spawn(process.env.PYTHON ?? '/usr/bin/python3', [new URL('./torch-timing.py', import.meta.url).pathname], { env, stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: python.stdout })[Symbol.asyncIterator]();
const nextLine = async (): Promise<string> => {
  const { value, done } = await lines.next();
  if (done) throw new Error('torch-timing.py ended early (is PyTorch installed?)');
  return value as string;
};
const torchVersion = await nextLine();
const torchMs = async (dtype: string, count: number): Promise<number> => {
  python.stdin.write(`${dtype} ${count}\n`);
  return Number(await nextLine());
};
const mbquadMs = (threaded: boolean): number => {
  setKernelRunner(threaded ? pool : null);
  const t0 = performance.now();
  gradient();
  const ms = performance.now() - t0;
  setKernelRunner(pool);
  return ms;
};

const cases: [string, () => Promise<number> | number][] = [
  [`mbquad float64, ${threads} threads`, () => mbquadMs(true)],
  ['mbquad float64, 1 thread', () => mbquadMs(false)],
  ['PyTorch float64, 1 thread', () => torchMs('float64', 1)],
  [`PyTorch float64, ${threads} threads`, () => torchMs('float64', threads)],
  ['PyTorch float32 (oneDNN), 1 thread', () => torchMs('float32', 1)],
  [`PyTorch float32 (oneDNN), ${threads} threads`, () => torchMs('float32', threads)],
];
// Warm-up: JIT, the pool's workers, PyTorch's allocator and oneDNN's kernels.
for (let i = 0; i < 2; i++) for (const [, run] of cases) await run();
await new Promise((r) => setTimeout(r, 500));
const times: number[][] = cases.map(() => []);
for (let r = 0; r < rounds; r++) for (const [i, [, run]] of cases.entries()) times[i].push(await run());
python.stdin.end();

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medians = times.map(median);
const reference = medians[2];
console.log(`CNN gradient (60,362 parameters, batch 64): median of ${rounds} interleaved rounds; ${torchVersion}; mbquad kernels on ${kernelRunner()?.threads ?? 1} threads`);
console.table(cases.map(([name], i) => ({ gradient: name, ms: medians[i].toFixed(0), 'ratio to PyTorch float64, 1 thread': (medians[i] / reference).toFixed(2) })));
await pool?.close();

/**
 * The thread pool against the calling thread alone, interleaved in one run (float64): matmul from
 * 32³ (below the pool's size threshold) to 512³, and the conv layers of the curvature benchmark
 * (forward and both adjoints). Threads: MBQUAD_THREADS, else every core. The pool here takes
 * every call (no threshold), so the small sizes show where the threshold belongs.
 */
import * as T from '../src/tensor/index.ts';
import { Random, randn, withScratchMemory } from '../src/tensor/index.ts';
import { convGeometry, matmulGeometry } from '../src/tensor/index.ts';
import { callLayout, conv2dCall, matmulCall, runChunk, setKernelRunner, type KernelCall } from '../src/tensor/cpu/parallel.ts';
import { callingThreadWasm } from '../src/tensor/cpu/kernels.ts';
import { WasmKernels } from '../src/tensor/cpu/wasm/runtime.ts';
import { ThreadPool, DEFAULT_MIN_FLOPS } from '../src/node/thread-pool.ts';
import { interleavedMedians } from './gflops.ts';
import { convLayerCases } from './engine.bench.ts';

export async function threadBenchmarks(): Promise<void> {
  const pool = new ThreadPool({ minFlops: 0 });
  const rng = new Random(0);
  const cases: { name: string; flops: number; run: () => unknown }[] = [];
  for (const n of [32, 64, 96, 128, 160, 192, 256, 512]) {
    const a = randn([n, n], rng), b = randn([n, n], rng);
    cases.push({ name: `matmul ${n}`, flops: 2 * n ** 3, run: () => withScratchMemory(() => T.matmul(a, b)) });
  }
  for (const { cases: layer } of convLayerCases(rng)) cases.push(...layer);
  // Start the workers and let them load before timing.
  setKernelRunner(pool);
  for (const c of cases) c.run();
  while (pool.readyWorkers < pool.threads - 1) await new Promise((r) => setTimeout(r, 20));

  const on = (threaded: boolean, run: () => unknown) => () => {
    setKernelRunner(threaded ? pool : null);
    try { return run(); } finally { setKernelRunner(null); }
  };
  const rounds = 15;
  const ms = await interleavedMedians(cases.flatMap((c) => [
    { name: `${c.name}|1`, run: on(false, c.run) },
    { name: `${c.name}|n`, run: on(true, c.run) },
  ]), rounds);
  console.log(`\nthread pool: ${pool.threads} threads vs the calling thread alone (float64, median of ${rounds} interleaved rounds; the pool's default threshold is ${DEFAULT_MIN_FLOPS / 1e6} MFLOP, off here)`);
  console.table(cases.map((c) => {
    const one = ms[`${c.name}|1`], many = ms[`${c.name}|n`];
    return {
      case: c.name, MFLOP: (c.flops / 1e6).toFixed(1), '1 thread ms': one.toFixed(2), [`${pool.threads} threads ms`]: many.toFixed(2),
      speed_up: (one / many).toFixed(2), '1 thread GFLOP/s': (c.flops / one / 1e6).toFixed(2), [`${pool.threads} threads GFLOP/s`]: (c.flops / many / 1e6).toFixed(2),
    };
  }));
  await pool.close();
  await sharedOrCopies(rng);
}

/**
 * Why the workers run on one shared WebAssembly memory (the arena) rather than each on its own:
 * the other design copies a call's operands into a worker's memory and its share of the output
 * back. Measured here on one thread: a call's chunks run in place on operands already in a
 * shared memory, against the same chunks with the copies in and out added first and last.
 */
async function sharedOrCopies(rng: Random): Promise<void> {
  if (callingThreadWasm() === null) return;
  const calls: { name: string; call: KernelCall }[] = [256, 512].map((n) => {
    const a = randn([n, n], rng).data, b = randn([n, n], rng).data;
    return { name: `matmul ${n}`, call: matmulCall(a, b, matmulGeometry([n, n], [n, n]), 1) };
  });
  const x = randn([64, 32, 16, 16], rng), w = randn([64, 32, 3, 3], rng);
  calls.push({ name: 'conv forward 64×32×16×16 → 64', call: conv2dCall(x.data, w.data, convGeometry(x.shape, w.shape, { padding: 1 }), 1) });
  const cases = calls.flatMap(({ name, call }) => {
    const kernels = WasmKernels.create(WasmKernels.newMemory(true), true)!;
    const layout = callLayout(call, 1);
    kernels.ensure(layout.totalBytes);
    kernels.setScratch(0, call.scratch);
    const inputs = call.inputs.map((input, i) => kernels.view(layout.inputAt[i], input.length));
    const output = kernels.view(layout.outputAt, call.outputLength), result = new Float64Array(call.outputLength);
    const operands = [call.params, ...inputs, output];
    const chunks = (): void => {
      if (call.accumulates) output.fill(0);
      for (let chunk = 0; chunk < call.chunks; chunk++) runChunk(call.kind, operands, chunk, kernels);
    };
    inputs.forEach((view, i) => view.set(call.inputs[i]));
    return [
      { name: `${name}|shared`, run: chunks },
      { name: `${name}|copies`, run: () => { inputs.forEach((view, i) => view.set(call.inputs[i])); chunks(); result.set(output); } },
    ];
  });
  const rounds = 15;
  const ms = await interleavedMedians(cases, rounds);
  console.log(`\nshared memory or copies: a call's chunks in place, and with its operands copied in and its output out (one thread, median of ${rounds} interleaved rounds)`);
  console.table(calls.map(({ name }) => ({
    case: name, 'in place ms': ms[`${name}|shared`].toFixed(2), 'with copies ms': ms[`${name}|copies`].toFixed(2),
    'copies cost': `${(100 * (ms[`${name}|copies`] / ms[`${name}|shared`] - 1)).toFixed(1)} %`,
  })));
}

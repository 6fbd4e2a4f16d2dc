/**
 * The per-call cost of a small model (`npm run bench -- small`): the digits CNN of the studies
 * (conv 1→16, ReLU, maxpool, conv 16→16, ReLU, maxpool, linear 64→10; 3,130 parameters) on 32
 * training digits, one core. Times the GGN-vector product of an operator (Lanczos and CG apply one
 * operator many times: its forward pass is recorded once), the one-off GGN-vector product, the
 * gradient and the Hessian-vector product, on the TypeScript and the WebAssembly kernels,
 * interleaved; then where one operator product's time goes, kernel by kernel (the CPU backend's
 * calls, timed; the rest is tracing, shapes and allocation).
 */
import { curvature, nn } from '../src/index.ts';
import { convNet } from '../src/nn/presets.ts';
import { cpuBackend, Random, useKernels } from '../src/tensor/index.ts';
import { kernelChoice } from '../src/tensor/cpu/kernels.ts';
import { loadDigitsSplit } from '../src/node/datasets.ts';
import { interleavedMedians, onOneCore } from './gflops.ts';

export async function smallModelBenchmarks(): Promise<void> {
  await onOneCore(oneCore);
}

async function oneCore(): Promise<void> {
  const model = nn.fromSpec(convNet([1, 8, 8], 10, 1, 16));
  const { train } = loadDigitsSplit();
  const n = 32;
  const batch = { inputs: train.inputs.slice(0, n * 64), targets: train.targets.slice(0, n) };
  const rng = new Random(0);
  const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 5e-4, params: model.init(rng) });
  const v = Float64Array.from({ length: model.numParams }, () => rng.normal());
  const suiteChoice = kernelChoice();
  const operators = { typescript: curvature.ggnOperator(p, batch), wasm: curvature.ggnOperator(p, batch) };
  const cases = (['typescript', 'wasm'] as const).flatMap((kernels) => {
    const on = (run: () => unknown) => () => {
      useKernels(kernels);
      try { return run(); } finally { useKernels(suiteChoice); }
    };
    const tag = kernels === 'wasm' ? 'WebAssembly' : 'TypeScript';
    return [
      // Applied 10 times in a row per sample, as Lanczos or CG does, so the record stays its own.
      { name: `GGN-vector product, operator (recorded forward pass)|${tag}`, run: on(() => { for (let i = 0; i < 10; i++) operators[kernels].apply(v); }), per: 10 },
      { name: `GGN-vector product, one-off|${tag}`, run: on(() => curvature.ggnVectorProduct(p, batch, v)), per: 1 },
      { name: `gradient|${tag}`, run: on(() => curvature.gradient(p, batch)), per: 1 },
      { name: `Hessian-vector product|${tag}`, run: on(() => curvature.hessianVectorProduct(p, batch, v)), per: 1 },
    ];
  });
  for (let i = 0; i < 30; i++) for (const c of cases) c.run(); // warm-up: JIT and tier-up
  const rounds = 41;
  const ms = await interleavedMedians(cases, rounds);
  const names = [...new Set(cases.map((c) => c.name.split('|')[0]))];
  const per = (name: string, tag: string) => ms[`${name}|${tag}`] / cases.find((c) => c.name === `${name}|${tag}`)!.per;
  console.log(`\nsmall model: the digits CNN (${model.numParams} parameters), |B| = ${n}, float64, one core; medians of ${rounds} interleaved rounds`);
  console.table(names.map((name) => ({ case: name, 'TypeScript ms': per(name, 'TypeScript').toFixed(2), 'WebAssembly ms': per(name, 'WebAssembly').toFixed(2), 'speed-up': (per(name, 'TypeScript') / per(name, 'WebAssembly')).toFixed(2) })));

  // Where the time goes: every CPU-backend call of operator products, timed (WebAssembly kernels).
  const times = new Map<string, { ms: number; calls: number }>();
  const backend = cpuBackend as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>();
  for (const [key, f] of Object.entries(backend)) {
    if (typeof f !== 'function' || key === 'read' || key === 'fromFloat64') continue;
    saved.set(key, f);
    backend[key] = (...args: unknown[]) => {
      const t0 = performance.now();
      const out = (f as (...a: unknown[]) => unknown)(...args);
      const name = key === 'unary' || key === 'binary' ? `${key} ${String(args[0])}` : key;
      const entry = times.get(name) ?? { ms: 0, calls: 0 };
      entry.ms += performance.now() - t0;
      entry.calls++;
      times.set(name, entry);
      return out;
    };
  }
  const products = 400;
  let total = 0;
  try {
    for (let i = 0; i < 50; i++) operators.wasm.apply(v);
    times.clear();
    const t0 = performance.now();
    for (let i = 0; i < products; i++) operators.wasm.apply(v);
    total = (performance.now() - t0) / products;
  } finally {
    for (const [key, f] of saved) backend[key] = f;
  }
  const rows = [...times.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const inKernels = rows.reduce((s, [, t]) => s + t.ms, 0) / products;
  console.log(`where one operator GGN-vector product's ${total.toFixed(2)} ms go (WebAssembly kernels, ${products} products, timed calls): ${(100 * inKernels / total).toFixed(0)} % in the CPU backend's kernels`);
  console.table([
    ...rows.map(([name, t]) => ({ kernel: name, 'µs per product': ((1000 * t.ms) / products).toFixed(0), 'calls per product': (t.calls / products).toFixed(0), share: `${((100 * t.ms) / products / total).toFixed(1)} %` })),
    { kernel: 'the rest: tracing, shapes, allocation, copies in the operator', 'µs per product': (1000 * (total - inKernels)).toFixed(0), 'calls per product': '', share: `${(100 * (1 - inKernels / total)).toFixed(1)} %` },
  ]);
}

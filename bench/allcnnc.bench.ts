/**
 * All-CNN-C — the network of the paper's test problems (A)/(B), without dropout — sized for
 * Fashion-MNIST (1×28×28, 10 classes, widths 96/192: 1,368,010 parameters), on a batch of 32 in
 * float64: the gradient, a GGN-vector product and K-FAC (exact and MC) against the gradient, with
 * each case's peak resident memory. Each case runs in a process of its own (this file with
 * `--case NAME`), so that its peak memory is its own and not the high-water mark of the cases
 * before it; times are medians of a few rounds after one warm-up run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { curvature, nn } from '../src/index.ts';
import { Random } from '../src/tensor/index.ts';
import { describeThreads } from '../src/cli/backend-choice.ts';
import { useThreads } from '../src/node/thread-pool.ts';
import { kernelsFromEnvironment } from '../src/cli/backend-choice.ts';

const BATCH = 32;
const CASES = ['gradient', 'ggnvp', 'kfac mc', 'kfac exact'] as const;
type CaseName = (typeof CASES)[number];
const ROUNDS: Record<CaseName, number> = { gradient: 5, ggnvp: 5, 'kfac mc': 3, 'kfac exact': 3 };

/** All-CNN-C on a seeded batch of 32 Fashion-MNIST-shaped inputs (random: the time does not depend on the pixels). */
export function allCnnCSetup() {
  const model = nn.fromSpec(nn.allCnnC([1, 28, 28], 10));
  const rng = new Random(0);
  const params = model.init(rng);
  const batch = { inputs: Float64Array.from({ length: BATCH * 28 * 28 }, () => rng.normal()), targets: Int32Array.from({ length: BATCH }, () => rng.integer(10)) };
  const problem = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 5e-4, params });
  const v = Float64Array.from({ length: model.numParams }, () => rng.normal());
  return { model, problem, batch, v };
}

/** One case in this process: warm-up, rounds, and the process's peak resident memory. */
function runCase(name: CaseName): { name: CaseName; ms: number; setupRssBytes: number; peakRssBytes: number; numParams: number } {
  const { model, problem, batch, v } = allCnnCSetup();
  const options = { chunkSize: BATCH };
  const run = {
    gradient: () => curvature.gradient(problem, batch, options),
    ggnvp: () => curvature.ggnVectorProduct(problem, batch, v, options),
    'kfac mc': () => curvature.kfac(problem, batch, { ...options, type: 'mc', seed: 1 }),
    'kfac exact': () => curvature.kfac(problem, batch, { ...options, type: 'exact' }),
  }[name];
  const setupRssBytes = process.memoryUsage().rss;
  run();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS[name]; r++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { name, ms: times[Math.floor(times.length / 2)], setupRssBytes, peakRssBytes: process.resourceUsage().maxRSS * 1024, numParams: model.numParams };
}

export async function allCnnCBenchmarks(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const results = CASES.map((name) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', name], { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`All-CNN-C case '${name}' failed (status ${child.status})`);
    return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ReturnType<typeof runCase>;
  });
  const gradient = results[0].ms;
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  console.log(`\nAll-CNN-C without dropout, 1×28×28 → 10 classes (${results[0].numParams} parameters), batch ${BATCH}, float64, ${describeThreads()}: median of ${ROUNDS.gradient} (K-FAC ${ROUNDS['kfac exact']}) rounds, one process per case`);
  console.table(results.map((r) => ({ case: r.name, ms: r.ms.toFixed(0), 'ratio to gradient': (r.ms / gradient).toFixed(2), 'peak RSS MiB': mib(r.peakRssBytes), 'RSS before MiB': mib(r.setupRssBytes) })));
  const perImage = gradient / BATCH;
  console.log(`a gradient on all 60,000 Fashion-MNIST images at this speed: ${((perImage * 60_000) / 60_000).toFixed(1)} min`);
}

const at = process.argv.indexOf('--case');
if (at >= 0) {
  const name = process.argv[at + 1] as CaseName;
  if (!CASES.includes(name)) throw new Error(`unknown case '${name}'; known: ${CASES.join(', ')}`);
  kernelsFromEnvironment(process.env);
  useThreads();
  console.log(JSON.stringify(runCase(name)));
  process.exit(0);
}

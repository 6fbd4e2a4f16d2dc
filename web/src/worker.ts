/**
 * The engine of the page, in a Web Worker: it loads the checkpoint and the digits, and answers
 * the page's requests (protocol.ts) with the library's own studies and figures — eigenPanel
 * (biasStudy with one B1) and cgStepper — on the CPU backend (float64) or gpu.js (WebGL).
 * Requests run one at a time, in the order they came. The CPU backend runs its WebAssembly SIMD
 * kernels here (a Worker may compile them synchronously; the page's main thread may not), else
 * the TypeScript ones, with the same bits.
 */
import { cpuBackend, gpuBackend, kernelKind, type Backend } from '../../src/tensor/index.ts';
import { median } from '../../src/curvature/bias.ts';
import { cgStepper, type CgStepper, type CgStepLine } from '../../src/curvature/cg-study.ts';
import { cgStepFigure } from '../../src/report/cg-figures.ts';
import { eigenPanel, explorerModel, explorerProblem, type ExplorerModel } from '../../src/report/explorer.ts';
import type { BackendChoice, CgLineResult, CgResult, Reply, Request } from './protocol.ts';

const scope = self as unknown as { onmessage: ((e: MessageEvent<Request>) => void) | null; postMessage(message: Reply): void };
const post = (m: Reply) => scope.postMessage(m);

let loaded: ExplorerModel | null = null;
let gpu: Backend | null = null;
let cg: { stepper: CgStepper; backend: string } | null = null;

/** The backend of a choice; gpu.js is created on first use ('auto': WebGL2, else WebGL, else WebAssembly, else its JavaScript fallback). */
function backendOf(choice: BackendChoice): Backend {
  if (choice === 'cpu') return cpuBackend;
  return (gpu ??= gpuBackend());
}

/** What the page shows of a backend: its name and precision, and the CPU backend's kernels. */
const describe = (backend: Backend): string =>
  backend === cpuBackend ? `cpu, float64, ${kernelKind() === 'wasm' ? 'WebAssembly SIMD' : 'TypeScript'} kernels` : `${backend.name}, ${backend.dtype}`;

/** Text of a file: gunzipped when it starts with the gzip magic 1f 8b (a server may already have decoded it). */
async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
  }
  return new TextDecoder().decode(bytes);
}

const model = (): ExplorerModel => {
  if (!loaded) throw new Error('the model is not loaded yet');
  return loaded;
};

function cgLine(l: CgStepLine): CgLineResult {
  return { iterations: l.iterations, stopped: l.stopped, testLoss: l.metrics.testLoss ?? [], testAccuracy: l.metrics.testAccuracy ?? [] };
}

function cgResult(started: number): CgResult {
  const { stepper, backend } = cg!;
  return {
    batchSize: stepper.batchSize, repeat: stepper.repeat, figure: cgStepFigure(stepper),
    single: cgLine(stepper.single), debiased: cgLine(stepper.debiased), backend, seconds: (performance.now() - started) / 1000,
  };
}

async function handle(request: Request): Promise<void> {
  const started = performance.now();
  switch (request.type) {
    case 'init': {
      const [checkpoint, digits] = await Promise.all([fetchText(request.checkpointUrl), fetchText(request.digitsUrl)]);
      loaded = explorerModel(checkpoint, request.checkpointUrl, digits);
      const last = loaded.checkpoint.state.history.at(-1);
      post({
        type: 'ready',
        info: {
          numParams: loaded.model.numParams,
          spec: loaded.checkpoint.spec.layers.map((l) => l.type + ('out' in l ? `(${l.out})` : '')).join(' → '),
          epoch: loaded.checkpoint.state.epoch,
          weightDecay: loaded.checkpoint.settings.weightDecay,
          trainExamples: loaded.data.train.targets.length,
          testExamples: loaded.data.test.targets.length,
          trainAccuracy: last?.trainAccuracy ?? NaN,
          testAccuracy: last?.testAccuracy ?? NaN,
        },
      });
      return;
    }
    case 'eigen': {
      const m = model();
      const backend = backendOf(request.backend);
      const panel = eigenPanel(explorerProblem(m, backend), m.data.train, {
        kind: request.kind, batchSize: request.batchSize, batch: request.batch, k: request.k, seed: request.seed,
        onProgress: (stage, done, total) => post({ type: 'progress', id: request.id, stage, done, total }),
      });
      const run = panel.study.runs[0];
      post({
        type: 'eigen',
        id: request.id,
        result: {
          batchSize: request.batchSize, batch: request.batch, seed: request.seed, numBatches: panel.study.numBatches, kind: request.kind,
          values: run.eigen.values, figure1: panel.figure1, figure2: panel.figure2,
          medianCurvatureRatio: median(run.eigen.curvatures.map((c) => c.b1 / c.full)),
          backend: describe(backend), productMilliseconds: panel.productMilliseconds, seconds: panel.seconds,
        },
      });
      return;
    }
    case 'cg-reset': {
      const m = model();
      const backend = backendOf(request.backend);
      cg = { stepper: cgStepper(explorerProblem(m, backend), m.data.train, m.data.test, { batchSize: request.batchSize, repeat: request.repeat }), backend: describe(backend) };
      post({ type: 'cg', id: request.id, result: cgResult(started) });
      return;
    }
    case 'cg-step': {
      if (!cg) throw new Error('no CG run to step: reset it first');
      for (let i = 0; i < request.steps; i++) {
        cg.stepper.step();
        if (i + 1 < request.steps) post({ type: 'progress', id: request.id, stage: 'CG steps', done: i + 1, total: request.steps });
      }
      post({ type: 'cg', id: request.id, result: cgResult(started) });
      return;
    }
  }
}

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event) => {
  const request = event.data;
  queue = queue.then(() => handle(request)).catch((e: unknown) => {
    post({ type: 'error', id: 'id' in request ? request.id : null, message: e instanceof Error ? e.message : String(e) });
  });
};

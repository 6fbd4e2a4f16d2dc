/**
 * A pool of worker threads for the CPU backend's float64 GEMM and convolutions (Node only).
 *
 * The engine's API stays synchronous: the calling thread copies a call's operands into a
 * shared arena (a shared WebAssembly memory), wakes the workers, takes chunks itself, and waits for the
 * rest with Atomics.wait — which Node's main thread may do and a browser's main thread may not
 * (there no pool is installed and every call runs on the calling thread). Chunks are handed out
 * first come, first served (one atomic counter), so a worker that is still starting or paused by
 * the operating system simply takes fewer; every chunk computes its outputs exactly as the
 * single-threaded kernel does (src/tensor/cpu/parallel.ts), so the result is bit-identical for
 * any thread count.
 *
 * The protocol, on a control block of Int32 slots shared by the pool's threads:
 *  - A job is open while `generation` is odd. The caller writes the call (kind, chunks, where each
 *    operand lies in the arena), zeroes `next` and `done`, then makes `generation` odd and wakes
 *    the workers. A worker that sees an odd generation registers in `active`, checks the
 *    generation again (a closed job's description may be being rewritten), then takes chunk
 *    numbers from `next` until they run out, adding each finished chunk to `done`.
 *  - The caller closes the job when `done` = chunks (generation even again) and waits until
 *    `active` is 0, so no worker still reads the job's description when the next one is written.
 *  - A chunk that throws in a worker records the first message in the block; the caller throws it.
 *    A worker that ends (process.exit, a fatal error) sets `exited`; one that stops answering
 *    makes no progress for `stallTimeoutMs`. Either way the caller throws, the workers are
 *    terminated, and the next call starts a fresh set.
 *
 * Workers start lazily on the first call above the size threshold, are unref'd (they never keep a
 * process alive) and wait in Atomics.wait between jobs, costing nothing.
 *
 * Every thread runs the kernels the caller runs (src/tensor/cpu/kernels.ts: the job says which):
 * the WebAssembly ones directly on the arena, each thread in its own scratch region at the start of
 * the arena (the GEMM's panels, im2col's columns), or the TypeScript ones on views of it.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { fail, MbquadError } from '../tensor/errors.ts';
import { allocateUnfilled } from '../tensor/memory.ts';
import { callLayout, kernelRunner, runChunk, setKernelRunner, type KernelCall, type KernelRunner } from '../tensor/cpu/parallel.ts';
import { kernelKind, typescriptKernels } from '../tensor/cpu/kernels.ts';
import { MAX_PAGES, PAGE_BYTES, WasmKernels, webAssembly, type WasmMemory } from '../tensor/cpu/wasm/runtime.ts';

/** Slots of the control block (Int32Array indices). */
export const SLOT = {
  generation: 0, next: 1, done: 2, active: 3, failed: 4, exited: 5, kind: 6, chunks: 7, arena: 8, operands: 9, ready: 10, workerChunks: 11,
  /** 1: the WebAssembly kernels, thread t's scratch at t·scratchBytes holding scratchCols doubles of columns; 0: TypeScript. */
  kernels: 12, scratchBytes: 13, scratchCols: 14, workerWasmChunks: 15,
  /** [offset, length] in the arena of operand i at table + 2i (params, inputs…, output). */
  table: 16,
} as const;
const MAX_OPERANDS = 8;
/** Bytes of the control block where a failed chunk's message is written (UTF-8, cut at MESSAGE_BYTES). */
export const MESSAGE_START = 4 * (SLOT.table + 2 * MAX_OPERANDS);
export const MESSAGE_BYTES = 1024;
const CONTROL_BYTES = MESSAGE_START + MESSAGE_BYTES;

/** Kinds of call that only workers run, to test failure handling: they throw, exit, or never return. */
export const FAULT = { throws: 100, exits: 101, hangs: 102 } as const;

/**
 * Calls below this many floating-point operations run on the calling thread. Measured with
 * `npm run bench -- threads` on the 2-core machine of docs/performance.md, with the WebAssembly kernels:
 * a 128³ matmul (4.2 MFLOP, ~0.3 ms) is still a little slower on two threads than on one (×0.92;
 * waking a worker costs tens of µs), a 160³ one (8.2 MFLOP) faster (×1.17), 256³ ×1.43.
 */
export const DEFAULT_MIN_FLOPS = 8e6;
/** A worker that finishes no chunk for this long is taken for dead (a chunk is ≤ ~0.5 s of work). */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** Options of a ThreadPool (and of useThreads, less `threads`). */
export interface ThreadPoolOptions {
  /** Threads taking chunks, the calling one included (default: MBQUAD_THREADS, else the machine's cores). */
  threads?: number;
  /** Calls with fewer floating-point operations run on the calling thread (default DEFAULT_MIN_FLOPS). */
  minFlops?: number;
  /** Milliseconds without a finished chunk after which a worker is taken for dead (default 60 s). */
  stallTimeoutMs?: number;
}

/**
 * The thread count from the environment: MBQUAD_THREADS (a positive integer), else the number of
 * cores Node reports (os.availableParallelism()).
 */
export function threadsFromEnvironment(env: Record<string, string | undefined>): number {
  const text = env.MBQUAD_THREADS;
  if (text === undefined || text === '') return availableParallelism();
  if (!/^[1-9][0-9]*$/.test(text)) fail('MBQUAD_THREADS', `a positive integer (threads, the calling one included), given '${text}'`);
  return Number(text);
}

function checkThreads(op: string, threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) fail(op, `threads must be an integer from 1 to 256, given ${threads}`);
  return threads;
}

/** Where the worker code is: the TypeScript source in a checkout (loaded through tsx), else dist's JavaScript. */
function workerEntry(): { entry: string; tsx: string | null } {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './thread-worker.ts' : './thread-worker.js', import.meta.url).href;
  if (!fromSource) return { entry, tsx: null };
  // tsx's ESM API (what bin/mbquad.js registers), found through its package.json's exports.
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
  return { entry, tsx: new URL(api, pathToFileURL(manifest)).href };
}

/**
 * The worker's first lines (CommonJS, evaluated): load the worker module — through tsx's loader
 * when running from source — and enter its loop; a failure to load is reported like a failed chunk.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  try {
    if (workerData.tsx) (await import(workerData.tsx)).register();
    (await import(workerData.entry)).workerLoop(workerData);
  } catch (error) {
    const control = new Int32Array(workerData.control);
    if (Atomics.compareExchange(control, ${SLOT.failed}, 0, 1) === 0) {
      new TextEncoder().encodeInto('worker thread failed to start: ' + (error && error.message || error), new Uint8Array(workerData.control, ${MESSAGE_START}, ${MESSAGE_BYTES}));
    }
    Atomics.store(control, ${SLOT.exited}, 1);
    Atomics.notify(control, ${SLOT.done});
    Atomics.notify(control, ${SLOT.active});
  }
})();
`;

/** What a worker receives at start; arenas come through `port`. */
export interface WorkerStart {
  control: SharedArrayBuffer;
  port: MessagePort;
  entry: string;
  tsx: string | null;
  /** The worker's thread number (1 … threads − 1; the caller is 0): its scratch region. */
  index: number;
}

/** An arena as it travels to a worker: a shared WebAssembly memory (a SharedArrayBuffer where WebAssembly is missing). */
export interface ArenaMessage {
  arena: WasmMemory | SharedArrayBuffer;
  generation: number;
}

/** The arena's doubles as a view, and the WebAssembly kernels on it (null where they cannot run). */
export function openArena(arena: WasmMemory | SharedArrayBuffer): { view: Float64Array; kernels: WasmKernels | null } {
  if (arena instanceof SharedArrayBuffer) return { view: new Float64Array(arena), kernels: null };
  const kernels = WasmKernels.create(arena, true);
  const length = arena.buffer.byteLength / 8;
  return { view: kernels ? kernels.view(0, length) : new Float64Array(arena.buffer), kernels };
}

/** Arena bytes at most: wasm32's 4 GiB (a larger call runs on the calling thread). */
const MAX_ARENA_BYTES = MAX_PAGES * PAGE_BYTES;

/** A pool of threads that runs the CPU backend's kernel calls (a KernelRunner; install it with useThreads). */
export class ThreadPool implements KernelRunner {
  readonly threads: number;
  readonly minFlops: number;
  readonly stallTimeoutMs: number;
  private workers: { worker: Worker; port: MessagePort }[] = [];
  private control: Int32Array | null = null;
  private arenaMemory: WasmMemory | SharedArrayBuffer | null = null;
  private arena: Float64Array = new Float64Array(0);
  private arenaKernels: WasmKernels | null = null;
  private arenaGeneration = 0;

  constructor(options: ThreadPoolOptions = {}) {
    this.threads = checkThreads('ThreadPool', options.threads ?? threadsFromEnvironment(process.env));
    this.minFlops = options.minFlops ?? DEFAULT_MIN_FLOPS;
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    if (!(this.minFlops >= 0)) fail('ThreadPool', `minFlops must be ≥ 0, given ${this.minFlops}`);
    if (!(this.stallTimeoutMs > 0)) fail('ThreadPool', `stallTimeoutMs must be > 0, given ${this.stallTimeoutMs}`);
  }

  /** Worker threads running now (threads − 1 once started, 0 before the first large call). */
  get startedWorkers(): number {
    return this.workers.length;
  }

  /** Workers that have loaded their code and wait for jobs. */
  get readyWorkers(): number {
    return this.control ? Atomics.load(this.control, SLOT.ready) : 0;
  }

  /** Chunks the workers (not the calling thread) have run since they started. */
  get chunksRunByWorkers(): number {
    return this.control ? Atomics.load(this.control, SLOT.workerChunks) : 0;
  }

  /** Of those, the chunks they ran with the WebAssembly kernels. */
  get wasmChunksRunByWorkers(): number {
    return this.control ? Atomics.load(this.control, SLOT.workerWasmChunks) : 0;
  }

  /** The output of a call on the pool's threads, or null (run it on the calling thread) below the threshold. */
  run(call: KernelCall): Float64Array | null {
    if (this.threads === 1 || call.flops < this.minFlops || call.chunks < 2) return null;
    return this.execute(call, false);
  }

  /** Runs a call whose chunks only the workers take (for the pool's failure tests: FAULT kinds). */
  runOnWorkers(call: KernelCall): Float64Array {
    if (this.threads === 1) fail('ThreadPool.runOnWorkers', 'a pool of at least 2 threads, given 1');
    return this.execute(call, true) ?? fail('ThreadPool.runOnWorkers', 'the call does not fit the 4 GiB arena');
  }

  /** Terminates the workers; a later call starts new ones. */
  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    this.control = null;
    await Promise.all(workers.map(({ worker, port }) => { port.close(); return worker.terminate(); }));
  }

  private start(): Int32Array {
    if (this.control) return this.control;
    const buffer = new SharedArrayBuffer(CONTROL_BYTES);
    const control = new Int32Array(buffer);
    control[SLOT.arena] = this.arenaGeneration;
    const { entry, tsx } = workerEntry();
    for (let i = 1; i < this.threads; i++) {
      const { port1, port2 } = new MessageChannel();
      const start: WorkerStart = { control: buffer, port: port2, entry, tsx, index: i };
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: start, transferList: [port2] });
      if (this.arenaMemory) port1.postMessage({ arena: this.arenaMemory, generation: this.arenaGeneration } satisfies ArenaMessage);
      // An exit the worker could not report itself (killed, out of memory) is seen by the next call.
      worker.on('exit', () => { if (this.control === control) { Atomics.store(control, SLOT.exited, 1); Atomics.notify(control, SLOT.done); } });
      worker.on('error', () => { /* the exit handler above records it */ });
      worker.unref();
      port1.unref();
      this.workers.push({ worker, port: port1 });
    }
    this.control = control;
    return control;
  }

  /**
   * An arena of at least `bytes`, shared with the workers (a larger one replaces it and is sent to
   * them), or null if wasm32's 4 GiB cannot hold it.
   */
  private arenaFor(bytes: number): Float64Array | null {
    if (this.arena.byteLength >= bytes) return this.arena;
    if (bytes > MAX_ARENA_BYTES) return null;
    const size = Math.min(MAX_ARENA_BYTES, Math.max(bytes, Math.ceil(1.5 * this.arena.byteLength)));
    this.arenaMemory = webAssembly ? WasmKernels.newMemory(true, size) : new SharedArrayBuffer(8 * Math.ceil(size / 8));
    ({ view: this.arena, kernels: this.arenaKernels } = openArena(this.arenaMemory));
    this.arenaGeneration++;
    for (const { port } of this.workers) port.postMessage({ arena: this.arenaMemory, generation: this.arenaGeneration } satisfies ArenaMessage);
    return this.arena;
  }

  /** The pool cannot go on: terminate its workers (the next call starts new ones) and throw. */
  private breakDown(op: string, reason: string): never {
    void this.close();
    throw new MbquadError(op, `${reason}; the thread pool's workers were stopped and restart on the next call`);
  }

  /** Waits until control[slot] === target, watching for ended and stalled workers. */
  private waitFor(control: Int32Array, slot: number, target: number, op: string): void {
    let seen = Atomics.load(control, slot);
    let since = performance.now();
    while (seen !== target) {
      if (Atomics.load(control, SLOT.exited) !== 0) this.breakDown(op, `a worker thread ended while running its share (${this.failure(control) ?? 'no message'})`);
      Atomics.wait(control, slot, seen, 50);
      const now = Atomics.load(control, slot);
      if (now !== seen) {
        seen = now;
        since = performance.now();
      } else if (performance.now() - since > this.stallTimeoutMs) {
        this.breakDown(op, `a worker thread made no progress for ${this.stallTimeoutMs} ms`);
      }
    }
  }

  private failure(control: Int32Array): string | null {
    if (Atomics.load(control, SLOT.failed) === 0) return null;
    const bytes = new Uint8Array(control.buffer, MESSAGE_START, MESSAGE_BYTES);
    const end = bytes.indexOf(0);
    // Copied out: TextDecoder refuses views of shared memory.
    return new TextDecoder().decode(bytes.slice(0, end < 0 ? MESSAGE_BYTES : end));
  }

  private execute(call: KernelCall, workersOnly: boolean): Float64Array | null {
    const operands = [call.params, ...call.inputs];
    if (operands.length + 1 > MAX_OPERANDS) fail('ThreadPool', `at most ${MAX_OPERANDS - 1} operands, given ${operands.length}`);
    const control = this.start();
    if (Atomics.load(control, SLOT.exited) !== 0) {
      this.breakDown(call.op, `a worker thread had ended (${this.failure(control) ?? 'no message'})`);
    }
    const layout = callLayout(call, this.threads);
    const arena = this.arenaFor(layout.totalBytes);
    if (arena === null) return null;
    // The operands in the job's order: params, inputs…, output (offsets in doubles).
    const places = [layout.paramsAt, ...layout.inputAt, layout.outputAt].map((bytes) => bytes / 8);
    const views: Float64Array[] = [];
    [...operands, null].forEach((x, i) => {
      const length = x === null ? call.outputLength : x.length;
      const view = arena.subarray(places[i], places[i] + length);
      if (x !== null) view.set(x);
      control[SLOT.table + 2 * i] = places[i];
      control[SLOT.table + 2 * i + 1] = length;
      views.push(view);
    });
    const output = views[views.length - 1];
    if (call.accumulates) output.fill(0);
    const wasm = kernelKind() === 'wasm' ? this.arenaKernels : null;
    wasm?.setScratch(0, call.scratch);
    control[SLOT.kernels] = wasm ? 1 : 0;
    control[SLOT.scratchBytes] = layout.scratchBytes;
    control[SLOT.scratchCols] = call.scratch;
    control[SLOT.operands] = operands.length + 1;
    control[SLOT.kind] = call.kind;
    control[SLOT.chunks] = call.chunks;
    control[SLOT.arena] = this.arenaGeneration;
    Atomics.store(control, SLOT.next, 0);
    Atomics.store(control, SLOT.done, 0);
    Atomics.store(control, SLOT.failed, 0);
    Atomics.add(control, SLOT.generation, 1); // odd: open
    Atomics.notify(control, SLOT.generation);

    let ownError: unknown = null;
    if (!workersOnly) {
      for (let chunk = Atomics.add(control, SLOT.next, 1); chunk < call.chunks; chunk = Atomics.add(control, SLOT.next, 1)) {
        try {
          runChunk(call.kind, views, chunk, wasm ?? typescriptKernels);
        } catch (error) {
          ownError ??= error;
        }
        Atomics.add(control, SLOT.done, 1);
      }
    }
    this.waitFor(control, SLOT.done, call.chunks, call.op);
    Atomics.add(control, SLOT.generation, 1); // even: closed
    this.waitFor(control, SLOT.active, 0, call.op);

    if (ownError !== null) throw ownError;
    const message = this.failure(control);
    if (message !== null) throw new MbquadError(call.op, `a worker thread failed: ${message}`);
    if (call.finish) return call.finish(output);
    const out = allocateUnfilled(call.outputLength);
    out.set(output);
    return out;
  }
}

let installed: ThreadPool | null = null;

/**
 * Runs the CPU backend's GEMM and convolutions on `threads` threads (the calling one included;
 * default: MBQUAD_THREADS, else the machine's cores) from now on, in this process. 1 goes back
 * to the calling thread alone. Results are bit-identical for any count. Returns the pool, or null
 * for one thread. The workers start on the first call large enough to use them.
 */
export function useThreads(threads?: number, options: Omit<ThreadPoolOptions, 'threads'> = {}): ThreadPool | null {
  const count = checkThreads('useThreads', threads ?? threadsFromEnvironment(process.env));
  if (installed && kernelRunner() === installed && installed.threads === count && options.minFlops === undefined && options.stallTimeoutMs === undefined) return installed;
  const previous = installed;
  installed = count === 1 ? null : new ThreadPool({ ...options, threads: count });
  setKernelRunner(installed);
  void previous?.close();
  return installed;
}

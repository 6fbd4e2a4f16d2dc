/**
 * A worker thread of the thread pool (thread-pool.ts, which describes the protocol): wait for a
 * job, take chunks until none is left, report, and wait again — for the life of the thread.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import { runChunk } from '../tensor/cpu/parallel.ts';
import { typescriptKernels, type Float64Kernels } from '../tensor/cpu/kernels.ts';
import type { WasmKernels } from '../tensor/cpu/wasm/runtime.ts';
import { FAULT, MESSAGE_BYTES, MESSAGE_START, openArena, SLOT, type ArenaMessage, type WorkerStart } from './thread-pool.ts';

export function workerLoop({ control: buffer, port, index }: WorkerStart): never {
  const control = new Int32Array(buffer);
  let arena: Float64Array = new Float64Array(0);
  let arenaKernels: WasmKernels | null = null;
  let arenaGeneration = -1;

  // process.exit() in a chunk ends this thread without returning: tell the caller, who waits.
  process.on('exit', () => {
    Atomics.store(control, SLOT.exited, 1);
    Atomics.notify(control, SLOT.done);
    Atomics.notify(control, SLOT.active);
  });

  /** The arena of the current job: arenas arrive through the port, in order, before their first job. */
  const currentArena = (): Float64Array => {
    const wanted = control[SLOT.arena];
    while (arenaGeneration !== wanted) {
      const received = receiveMessageOnPort(port);
      if (received === undefined) throw new Error(`arena ${wanted} was not sent before its job`);
      const { arena: shared, generation } = received.message as ArenaMessage;
      ({ view: arena, kernels: arenaKernels } = openArena(shared));
      arenaGeneration = generation;
    }
    return arena;
  };

  const record = (error: unknown): void => {
    if (Atomics.compareExchange(control, SLOT.failed, 0, 1) !== 0) return;
    const text = error instanceof Error ? error.message : String(error);
    new TextEncoder().encodeInto(text, new Uint8Array(buffer, MESSAGE_START, MESSAGE_BYTES - 1));
  };

  const work = (): void => {
    const kind = control[SLOT.kind], chunks = control[SLOT.chunks];
    let operands: Float64Array[] = [];
    let kernels: Float64Kernels = typescriptKernels;
    try {
      const shared = currentArena();
      // The caller's kernels: the WebAssembly ones in this thread's scratch region (the same bits either way).
      if (control[SLOT.kernels] === 1 && arenaKernels !== null) {
        arenaKernels.setScratch(index * control[SLOT.scratchBytes], control[SLOT.scratchCols]);
        kernels = arenaKernels;
      }
      for (let i = 0; i < control[SLOT.operands]; i++) {
        const offset = control[SLOT.table + 2 * i];
        operands.push(shared.subarray(offset, offset + control[SLOT.table + 2 * i + 1]));
      }
    } catch (error) {
      record(error);
      operands = [];
    }
    for (let chunk = Atomics.add(control, SLOT.next, 1); chunk < chunks; chunk = Atomics.add(control, SLOT.next, 1)) {
      try {
        if (operands.length === 0) throw new Error('no operands');
        if (kind === FAULT.throws) throw new Error('fault injected for a test (FAULT.throws)');
        if (kind === FAULT.exits) process.exit(3);
        if (kind === FAULT.hangs) for (;;) { /* never returns */ }
        runChunk(kind, operands, chunk, kernels);
        Atomics.add(control, SLOT.workerChunks, 1);
        if (kernels !== typescriptKernels) Atomics.add(control, SLOT.workerWasmChunks, 1);
      } catch (error) {
        record(error);
      }
      if (Atomics.add(control, SLOT.done, 1) + 1 === chunks) Atomics.notify(control, SLOT.done);
    }
  };

  Atomics.add(control, SLOT.ready, 1);
  let finished = -1; // the last generation this worker has worked on
  for (;;) {
    const generation = Atomics.load(control, SLOT.generation);
    if (generation % 2 === 0 || generation === finished) {
      Atomics.wait(control, SLOT.generation, generation);
      continue;
    }
    finished = generation;
    Atomics.add(control, SLOT.active, 1);
    if (Atomics.load(control, SLOT.generation) === generation) work();
    if (Atomics.sub(control, SLOT.active, 1) === 1) Atomics.notify(control, SLOT.active);
  }
}

/**
 * The backend a tensor gets when none is named: the float64 CPU backend, which sets itself here
 * when its module loads (src/tensor/cpu/backend.ts). tensor.ts reads it at call time, so the two
 * modules both depend on this one and tensor.ts never imports the CPU backend's module back (the
 * import circle tensor.ts → cpu/backend.ts → tensor.ts that src/tensor once had).
 */
import type { Backend } from './backend.ts';
import { fail } from './errors.ts';

let current: Backend | null = null;

/** Called once, by the CPU backend's module. */
export function setDefaultBackend(backend: Backend): void {
  current = backend;
}

/** The default backend; every entry point (src/tensor/index.ts, hence mbquad) loads it first. */
export function defaultBackend(): Backend {
  return current ?? fail('tensor', 'no default backend: import the tensor module (src/tensor/index.ts), which loads the CPU backend');
}

import type { Backend } from '../backend.ts';
import { cpuBackend } from '../cpu/backend.ts';
import { fail } from '../errors.ts';
import { scalar, Tensor, toBackend } from '../tensor.ts';

/** A number lifted to a tensor, or a rank-0 CPU tensor: a constant that may join any backend. */
const isScalarConstant = (t: Tensor): boolean => t.rank === 0 && t.backend === cpuBackend;

/**
 * The operands on one backend. Mixing backends is an error, not a silent copy — except for
 * scalar constants (numbers, rank-0 CPU tensors such as the −1 in d(−x)/dx), which are
 * moved to the backend of the other operands: one number, so nothing large is ever copied.
 */
export function onOneBackend(op: string, tensors: readonly Tensor[]): { backend: Backend; operands: Tensor[] } {
  const backend = (tensors.find((t) => !isScalarConstant(t)) ?? tensors[0]).backend;
  const operands = tensors.map((t) => {
    if (t.backend === backend) return t;
    if (isScalarConstant(t)) return toBackend(t, backend);
    return fail(op, `operands live on different backends (${backend.name} and ${t.backend.name}); move them explicitly (toBackend)`);
  });
  return { backend, operands };
}

/** Checks that an operand is a Tensor (or a number, turned into a scalar tensor). */
export function asTensor(op: string, x: Tensor | number): Tensor {
  if (typeof x === 'number') return scalar(x);
  if (!(x instanceof Tensor)) fail(op, `expected a Tensor or a number, given ${String(x)}`);
  return x;
}

/** The backend shared by operands that are never scalar constants (matmul, conv). */
export function backendOf(op: string, ...tensors: Tensor[]): Backend {
  return onOneBackend(op, tensors).backend;
}

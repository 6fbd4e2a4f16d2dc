import type { Backend } from '../backend.ts';
import { fail } from '../errors.ts';
import { scalar, Tensor } from '../tensor.ts';

/** The backend shared by all operands; mixing backends is an error, not a silent copy. */
export function backendOf(op: string, ...tensors: Tensor[]): Backend {
  const b = tensors[0].backend;
  for (const t of tensors) {
    if (t.backend !== b) fail(op, `operands live on different backends (${b.name} and ${t.backend.name}); move them explicitly`);
  }
  return b;
}

/** Checks that an operand is a Tensor (or a number, turned into a scalar tensor). */
export function asTensor(op: string, x: Tensor | number): Tensor {
  if (typeof x === 'number') return scalar(x);
  if (!(x instanceof Tensor)) fail(op, `expected a Tensor or a number, given ${String(x)}`);
  return x;
}

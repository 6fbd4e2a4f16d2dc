/**
 * Errors for bad input. Every message names the function, what it expected and what it was
 * given (docs/DESIGN.md, "Errors"), e.g. `matmul: inner dimensions differ: a [2,3] · b [4,5]`.
 */
export class MbquadError extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = 'MbquadError';
  }
}

/** Throws an MbquadError naming `op`. */
export function fail(op: string, message: string): never {
  throw new MbquadError(op, message);
}

/** Formats a shape the way messages show it: `[2,3,4]`. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

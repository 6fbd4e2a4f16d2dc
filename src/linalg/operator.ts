/**
 * LinearOperator: a square matrix seen only through products, `{ size, apply(v) }`
 * (docs/DESIGN.md). CG, Lanczos and the bias study see operators, never models.
 */
import { fail } from '../tensor/index.ts';
import { checkFinite, checkVector } from './vector.ts';

/** A linear map seen only through products v ↦ A v on Float64Arrays of length `size` — what CG, Lanczos and the studies take. */
export interface LinearOperator {
  readonly size: number;
  apply(v: Float64Array): Float64Array;
  /**
   * Optional: vᵀ A v without forming A v, where the operator has a cheaper way (the GGN: one JVP,
   * (J v)ᵀ Λ (J v), no VJP). Equal to vᵀ(A v) up to rounding.
   */
  quadraticForm?(v: Float64Array): number;
}

/**
 * Products with `op` that are counted (the cost the solvers report) and checked: every output must
 * be a Float64Array of the operator's size; errors name `caller` and `what` the operator is.
 */
export function countedProducts(op: LinearOperator, caller: string, what: string): { apply(v: Float64Array): Float64Array; readonly count: number } {
  let count = 0;
  return {
    apply(v) {
      count++;
      const out = op.apply(v);
      checkVector(caller, `${what} output`, out, op.size);
      return out;
    },
    get count() {
      return count;
    },
  };
}

/** Checks the square dense matrix argument of the dense routines. */
export function checkSquare(op: string, a: unknown, n: number): asserts a is Float64Array {
  if (!Number.isInteger(n) || n < 0) fail(op, `size n must be a non-negative integer, given ${n}`);
  if (!(a instanceof Float64Array)) fail(op, `matrix must be a row-major Float64Array, given ${Object.prototype.toString.call(a)}`);
  if (a.length !== n * n) fail(op, `a ${n}×${n} matrix needs ${n * n} entries, given ${a.length}`);
  checkFinite(op, 'matrix', a);
}

/** The operator v ↦ A v of a dense row-major n×n matrix. */
export function denseOperator(a: Float64Array, n: number): LinearOperator {
  checkSquare('denseOperator', a, n);
  return {
    size: n,
    apply(v) {
      checkVector('denseOperator.apply', 'vector', v, n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0, r = i * n; j < n; j++) s += a[r + j] * v[j];
        out[i] = s;
      }
      return out;
    },
  };
}

/** s·I of size n. */
export function scaledIdentity(n: number, s: number): LinearOperator {
  if (!Number.isInteger(n) || n < 0) fail('scaledIdentity', `size must be a non-negative integer, given ${n}`);
  return { size: n, apply: (v) => (checkVector('scaledIdentity.apply', 'vector', v, n), v.map((x) => s * x)) };
}

/** A₁ + A₂ + … (all of the same size). */
export function sumOperators(...ops: LinearOperator[]): LinearOperator {
  if (ops.length === 0) fail('sumOperators', 'expected at least one operator');
  const n = ops[0].size;
  ops.forEach((o, i) => {
    if (o.size !== n) fail('sumOperators', `operator ${i} has size ${o.size}, operator 0 has size ${n}`);
  });
  return {
    size: n,
    apply(v) {
      const out = ops[0].apply(v).slice();
      for (let k = 1; k < ops.length; k++) {
        const y = ops[k].apply(v);
        for (let i = 0; i < n; i++) out[i] += y[i];
      }
      return out;
    },
  };
}

/** s·A. */
export function scaledOperator(op: LinearOperator, s: number): LinearOperator {
  return { size: op.size, apply: (v) => op.apply(v).map((x) => s * x) };
}

/** Wraps an operator so every product checks its input and output (length, finiteness). */
export function checkedApply(op: LinearOperator, name: string): (v: Float64Array) => Float64Array {
  return (v) => {
    checkVector(name, 'vector', v, op.size);
    const out = op.apply(v);
    checkVector(name, 'operator output', out, op.size);
    return out;
  };
}

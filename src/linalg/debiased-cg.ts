/**
 * Debiased CG (Eq. 8, Eq. 12; MATH.md §3): the directions d_k = p_k/‖p_k‖ of plain CG on
 * (op1, b1) — the quadratic of batch B1, minimized by op1 x = b1 — with every step size
 * re-measured on a second, independent quadratic (op2, b2):
 *   x̃_{k+1} = x̃_k + τ̃_k d_k,   τ̃_k = −d_kᵀ∇̃_k / d_kᵀ h_k,   h_k = op2 d_k,
 *   ∇̃_0 = op2 x̃_0 − b2,       ∇̃_{k+1} = ∇̃_k + τ̃_k h_k             (Eq. 12)
 * so ∇̃_k = op2 x̃_k − b2 is the gradient of q2 at x̃_k without a second product per step: one
 * product with op1 (plain CG's) and one with op2 per iteration, and two extra P-vectors (∇̃ and
 * h) beyond plain CG. Both run in one loop (plain CG's callback), so a callback sees each x̃_k as
 * it appears. A direction with d_kᵀ op2 d_k ≤ 0 stops with 'negative-curvature'; a non-finite
 * value with 'non-finite'. With op2 = op1 and b2 = b1 the iterates are plain CG's.
 */
import { fail } from '../tensor/index.ts';
import { cgIterations, runToEnd, type CgResult, type CgStopReason } from './cg.ts';
import { countedProducts, type LinearOperator } from './operator.ts';
import { checkFinite, checkVector, dot } from './vector.ts';

/** Options of debiasedCg (maxIter, tol and x0 as for cg: they drive the directions' CG run). */
export interface DebiasedCgOptions {
  maxIter?: number;
  tol?: number;
  /** The start x̃_0 = x_0 of both processes (default 0). */
  x0?: Float64Array;
  /** Called with each new debiased iterate x̃_{k+1}; return true to stop there. */
  callback?: (iteration: DebiasedCgIteration) => boolean | void;
}

/** What debiasedCg returns: the debiased trajectory and the plain CG run that gave its directions. */
export interface DebiasedCgResult {
  /** x̃_0 … x̃_K. */
  iterates: Float64Array[];
  /** τ̃_0 … τ̃_{K−1}. */
  steps: number[];
  /** d_0 … d_{K−1}, the directions of CG on (op1, b1) that were used. */
  directions: Float64Array[];
  /** Products with op1 and op2 together. */
  matvecs: number;
  reason: CgStopReason;
  /** The plain CG run on (op1, b1). */
  base: CgResult;
}

/** One step of debiased CG: the new iterate x̃_{k+1}, its step τ̃_k and the direction d_k. */
export interface DebiasedCgIteration {
  k: number;
  x: Float64Array;
  step: number;
  direction: Float64Array;
}

/** Debiased CG (Eq. 8 with the Eq. 12 recursion); see the file header. */
export function debiasedCg(op1: LinearOperator, b1: Float64Array, op2: LinearOperator, b2: Float64Array, options: DebiasedCgOptions = {}): DebiasedCgResult {
  return runToEnd(debiasedCgIterations(op1, b1, op2, b2, options), options.callback);
}

/**
 * debiasedCg as a generator (as cgIterations is cg's): it yields each new debiased iterate as
 * debiasedCg's callback would see it — `next(true)` stops there — and returns debiasedCg's result.
 */
export function* debiasedCgIterations(
  op1: LinearOperator, b1: Float64Array, op2: LinearOperator, b2: Float64Array, options: Omit<DebiasedCgOptions, 'callback'> = {},
): Generator<DebiasedCgIteration, DebiasedCgResult, boolean | undefined> {
  const n = op1.size;
  if (op2.size !== n) fail('debiasedCg', `the two operators have sizes ${n} and ${op2.size}`);
  checkVector('debiasedCg', 'b2', b2, n);
  checkFinite('debiasedCg', 'b2', b2);
  const products2 = countedProducts(op2, 'debiasedCg', 'op2');
  const apply2 = products2.apply;
  let x = options.x0 ? options.x0.slice() : new Float64Array(n);
  // ∇̃_0 = op2 x̃_0 − b2 (no product when x̃_0 = 0).
  const gradient = options.x0 ? apply2(x) : new Float64Array(n);
  for (let i = 0; i < n; i++) gradient[i] -= b2[i];
  const iterates = [x.slice()], steps: number[] = [], directions: Float64Array[] = [];
  let own: CgStopReason | null = null;
  // The directions: plain CG on (op1, b1), one iteration per turn of this loop.
  const directionsRun = cgIterations(op1, b1, { maxIter: options.maxIter, tol: options.tol, x0: options.x0 });
  let it = directionsRun.next();
  while (!it.done) {
    const { d, alpha, k } = it.value;
    let stop = false;
    if (alpha > 0) { // else plain CG stopped on this direction (non-positive curvature on op1)
      const h = apply2(d); //                         h_k = op2 d_k
      const curvature = dot(d, h); //                 d_kᵀ op2 d_k
      const step = -dot(d, gradient) / curvature; //  τ̃_k = −d_kᵀ∇̃_k / d_kᵀh_k   (Eq. 8)
      if (!Number.isFinite(curvature)) own = 'non-finite';
      else if (curvature <= 0) own = 'negative-curvature';
      else if (!Number.isFinite(step)) own = 'non-finite';
      if (own) {
        stop = true;
      } else {
        x = x.slice();
        for (let i = 0; i < n; i++) {
          x[i] += step * d[i]; //                     x̃_{k+1} = x̃_k + τ̃_k d_k
          gradient[i] += step * h[i]; //              ∇̃_{k+1} = ∇̃_k + τ̃_k h_k   (Eq. 12)
        }
        iterates.push(x);
        steps.push(step);
        directions.push(d);
        stop = (yield { k, x, step, direction: d }) === true;
      }
    }
    it = directionsRun.next(stop);
  }
  return { iterates, steps, directions, matvecs: it.value.matvecs + products2.count, reason: own ?? it.value.reason, base: it.value };
}

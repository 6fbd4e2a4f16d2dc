/**
 * Conjugate gradients, Algorithm 1 of the paper (MATH.md §2), recording the whole trajectory:
 * the iterates x_k, the directions p_k and their normalized d_k = p_k/‖p_k‖, α_k, β_k, the
 * curvatures p_kᵀ A p_k and the residual norms. CG minimizes q(x) = ½ xᵀA x − bᵀx, i.e.
 * solves A x = b (for the Newton step, b = −g): the residual r = A x − b is ∇q(x).
 */
import { fail } from '../tensor/index.ts';
import { countedProducts, type LinearOperator } from './operator.ts';
import { checkFinite, checkVector, dot, norm } from './vector.ts';

/** Why cg stopped. */
export type CgStopReason = 'tolerance' | 'maxiter' | 'negative-curvature' | 'non-finite' | 'zero-residual';

/** What one iteration k computed (passed to the callback and kept in the result). */
export interface CgIteration {
  k: number;
  /** The iterate x_k the step starts from. */
  x: Float64Array;
  /** Search direction p_k and its normalization d_k = p_k / ‖p_k‖. */
  p: Float64Array;
  d: Float64Array;
  /** p_kᵀ A p_k: the curvature along p_k (c(d_k) = curvature / ‖p_k‖²). */
  curvature: number;
  /** α_k = r_kᵀr_k / p_kᵀAp_k (NaN when the step stopped on non-positive curvature). */
  alpha: number;
  /** β_k = r_{k+1}ᵀr_{k+1} / r_kᵀr_k (NaN on the last iteration, where no new direction is built). */
  beta: number;
  /** ‖r_{k+1}‖ after the step (‖r_k‖ if it stopped before stepping). */
  residualNorm: number;
  /** x_{k+1} = x_k + α_k p_k, or null when it stopped before stepping (the same array as the result's x when it is the last; do not modify). */
  next: Float64Array | null;
}

/** Options of cg. */
export interface CgOptions {
  /** Start x_0 (default 0). */
  x0?: Float64Array;
  /** Stop when ‖r_{k+1}‖ ≤ tol·‖r_0‖ (default 1e-10). */
  tol?: number;
  /** Stop after this many iterations (default: the size of the problem). */
  maxIter?: number;
  /** Keep the iterates and directions in the result (default true; O(iterations·n) memory). */
  record?: boolean;
  /** Called after every iteration; return true to stop there (reason 'maxiter'). */
  callback?: (iteration: CgIteration) => boolean | void;
}

/** What cg returns: the solution, why it stopped, and (when recording) the whole trajectory. */
export interface CgResult {
  x: Float64Array;
  iterations: number;
  reason: CgStopReason;
  converged: boolean;
  /** x_0, x_1, …, x_K (when recording). */
  iterates: Float64Array[];
  /** p_0, …, p_{K−1} and d_0, … (when recording; on a negative-curvature stop, also the offending p_K). */
  directions: Float64Array[];
  normalizedDirections: Float64Array[];
  alphas: number[];
  betas: number[];
  curvatures: number[];
  /** ‖r_0‖, ‖r_1‖, …, ‖r_K‖. */
  residualNorms: number[];
  /** Number of operator products. */
  matvecs: number;
}

/** Conjugate gradients (Algorithm 1, MATH.md §2) for A x = b, recording the trajectory; stops on tolerance, maxIter, non-positive curvature or a non-finite value. */
export function cg(op: LinearOperator, b: Float64Array, options: CgOptions = {}): CgResult {
  return runToEnd(cgIterations(op, b, options), options.callback);
}

/** Runs an iteration generator (cgIterations, debiasedCgIterations) to its result, handing each iteration to `callback`; true from it stops there. */
export function runToEnd<I, R>(iterations: Generator<I, R, boolean | undefined>, callback?: (iteration: I) => boolean | void): R {
  let step = iterations.next();
  while (!step.done) step = iterations.next(callback?.(step.value) === true);
  return step.value;
}

/**
 * cg as a generator, for a caller that runs CG one iteration at a time (the interactive page):
 * it yields each iteration as cg's callback would see it — `next(true)` stops there as a
 * callback returning true does — and returns cg's result. cg itself is this loop run to the end.
 */
export function* cgIterations(op: LinearOperator, b: Float64Array, options: Omit<CgOptions, 'callback'> = {}): Generator<CgIteration, CgResult, boolean | undefined> {
  const n = op.size;
  checkVector('cg', 'right-hand side b', b, n);
  checkFinite('cg', 'right-hand side b', b);
  const tol = options.tol ?? 1e-10;
  const maxIter = options.maxIter ?? n;
  const record = options.record ?? true;
  if (!(tol >= 0)) fail('cg', `tol must be ≥ 0, given ${tol}`);
  if (!Number.isInteger(maxIter) || maxIter < 0) fail('cg', `maxIter must be a non-negative integer, given ${maxIter}`);
  let x = options.x0 ? options.x0.slice() : new Float64Array(n);
  if (options.x0) {
    checkVector('cg', 'x0', options.x0, n);
    checkFinite('cg', 'x0', options.x0);
  }
  const products = countedProducts(op, 'cg', 'operator');
  const apply = products.apply;
  const result: CgResult = {
    x, iterations: 0, reason: 'maxiter', converged: false, iterates: record ? [x.slice()] : [], directions: [], normalizedDirections: [],
    alphas: [], betas: [], curvatures: [], residualNorms: [], matvecs: 0,
  };

  // r_0 = A x_0 − b (= g + B x_0 with b = −g), p_0 = −r_0
  const r = options.x0 ? apply(x) : new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] -= b[i];
  let rr = dot(r, r);
  const r0 = Math.sqrt(rr);
  result.residualNorms.push(r0);
  const finish = (reason: CgStopReason) => Object.assign(result, { x, reason, converged: reason === 'tolerance' || reason === 'zero-residual', matvecs: products.count });
  if (!Number.isFinite(r0)) return finish('non-finite');
  if (r0 === 0) return finish('zero-residual');
  let p = r.map((v) => -v);

  for (let k = 0; k < maxIter; k++) {
    const ap = apply(p);
    const curvature = dot(p, ap);
    const pNorm = norm(p);
    const d = p.map((v) => v / pNorm);
    const iteration: CgIteration = { k, x: x.slice(), p: p.slice(), d, curvature, alpha: NaN, beta: NaN, residualNorm: Math.sqrt(rr), next: null };
    if (record) {
      result.directions.push(iteration.p);
      result.normalizedDirections.push(d);
    }
    result.curvatures.push(curvature);
    if (!Number.isFinite(curvature)) return finish('non-finite');
    // Non-positive curvature: A is not positive definite along p_k (the Hessian case); stop.
    if (curvature <= 0) {
      yield iteration;
      return finish('negative-curvature');
    }
    const alpha = rr / curvature; // α_k = r_kᵀr_k / p_kᵀAp_k
    const xNext = x.slice();
    for (let i = 0; i < n; i++) {
      xNext[i] += alpha * p[i]; // x_{k+1} = x_k + α_k p_k
      r[i] += alpha * ap[i]; // r_{k+1} = r_k + α_k A p_k
    }
    x = xNext;
    const rrNext = dot(r, r);
    const rNorm = Math.sqrt(rrNext);
    result.alphas.push(alpha);
    result.residualNorms.push(rNorm);
    result.iterations = k + 1;
    if (record) result.iterates.push(x.slice());
    iteration.alpha = alpha;
    iteration.residualNorm = rNorm;
    iteration.next = x;
    if (!Number.isFinite(rNorm) || !Number.isFinite(alpha)) return finish('non-finite');
    const done = rNorm <= tol * r0;
    if (!done && k + 1 < maxIter) {
      const beta = rrNext / rr; // β_k = r_{k+1}ᵀr_{k+1} / r_kᵀr_k
      for (let i = 0; i < n; i++) p[i] = -r[i] + beta * p[i]; // p_{k+1} = −r_{k+1} + β_k p_k
      result.betas.push(beta);
      iteration.beta = beta;
    }
    rr = rrNext;
    const stop = (yield iteration) === true;
    if (done) return finish('tolerance');
    if (stop) return finish('maxiter');
  }
  return finish('maxiter');
}

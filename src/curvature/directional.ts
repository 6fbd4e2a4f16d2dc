/**
 * Cuts through a quadratic (Eq. 10): along a unit direction d from x,
 *   q(x + τ d) = q(x) + τ s(x, d) + ½ τ² c(d),
 *   directional slope     s(x, d) = dᵀ ∇q(x) = dᵀ (g + B x),
 *   directional curvature c(d)    = dᵀ B d,
 * and the 1-D Newton step along d, τ = −s(x, d) / c(d) (Eq. 3, Eq. 8).
 */
import { fail } from '../tensor/index.ts';
import type { LinearOperator } from '../linalg/operator.ts';
import { checkVector, dot, norm } from '../linalg/vector.ts';

function checkUnit(op: string, d: Float64Array, n: number): void {
  checkVector(op, 'direction d', d, n);
  const length = norm(d);
  if (Math.abs(length - 1) > 1e-8) fail(op, `direction d must be normalized (‖d‖ = 1), given ‖d‖ = ${length}`);
}

/** s(x, d) = dᵀ(g + B x); with x = null (x = 0) no product is needed. */
export function directionalSlope(g: Float64Array, b: LinearOperator, x: Float64Array | null, d: Float64Array): number {
  checkVector('directionalSlope', 'gradient g', g, b.size);
  checkUnit('directionalSlope', d, b.size);
  if (x === null) return dot(d, g);
  checkVector('directionalSlope', 'x', x, b.size);
  return dot(d, g) + dot(d, b.apply(x));
}

/** c(d) = dᵀ B d (through the operator's quadraticForm where it has one: the GGN's needs no VJP). */
export function directionalCurvature(b: LinearOperator, d: Float64Array): number {
  checkUnit('directionalCurvature', d, b.size);
  return b.quadraticForm ? b.quadraticForm(d) : dot(d, b.apply(d));
}

/** The minimizer of the cut, τ = −s / c (Eq. 3); NaN unless c > 0. */
export function newtonStep(slope: number, curvature: number): number {
  return curvature > 0 ? -slope / curvature : NaN;
}

/**
 * Overlap weights w_ij = (u_iᵀ v_j)² between two sets of unit vectors (Eq. 6): with u_i from one
 * batch's eigenbasis and v_j from another's, u_iᵀ B2 u_i = Σ_j w_ij μ_j and Σ_j w_ij = 1 over a
 * full eigenbasis (Eq. 20).
 */
export function overlapWeights(us: readonly Float64Array[], vs: readonly Float64Array[]): number[][] {
  return us.map((u) => vs.map((v) => {
    if (u.length !== v.length) fail('overlapWeights', `vectors have lengths ${u.length} and ${v.length}`);
    return dot(u, v) ** 2;
  }));
}

/**
 * The quadratic q(x) = L + gᵀx + ½ xᵀ B x (Eq. 2) restricted to a 2-D subspace x = a u1 + b u2
 * of orthonormal u1, u2 (Fig. 1, B.3): it needs only uᵢᵀ g and uᵢᵀ B uⱼ,
 *   q(a, b) = L + a u1ᵀg + b u2ᵀg + ½ (a² u1ᵀBu1 + 2ab u1ᵀBu2 + b² u2ᵀBu2).
 */
import type { LinearOperator } from '../linalg/operator.ts';
import { dot } from '../linalg/vector.ts';

/** A quadratic restricted to span(u1, u2): value, 2-D gradient and 2×2 curvature (Fig. 1). */
export interface ProjectedQuadratic {
  value: number;
  /** [u1ᵀg, u2ᵀg] */
  gradient: [number, number];
  /** [[u1ᵀBu1, u1ᵀBu2], [u2ᵀBu1, u2ᵀBu2]] (symmetrized) */
  curvature: [[number, number], [number, number]];
}

/** The quadratic L + gᵀx + ½ xᵀBx restricted to x = a u1 + b u2 (orthonormal u1, u2): two products with B. */
export function projectQuadratic(value: number, g: Float64Array, b: LinearOperator, u1: Float64Array, u2: Float64Array): ProjectedQuadratic {
  return projectWithProducts(value, g, u1, u2, b.apply(u1), b.apply(u2));
}

/** projectQuadratic with the products B u1 and B u2 at hand (the bias study has them from the curvatures uᵢᵀBuᵢ). */
export function projectWithProducts(value: number, g: Float64Array, u1: Float64Array, u2: Float64Array, bu1: Float64Array, bu2: Float64Array): ProjectedQuadratic {
  const off = 0.5 * (dot(u1, bu2) + dot(u2, bu1));
  return { value, gradient: [dot(u1, g), dot(u2, g)], curvature: [[dot(u1, bu1), off], [off, dot(u2, bu2)]] };
}

/** q(a, b) of a projected quadratic. */
export function evaluateProjected(q: ProjectedQuadratic, a: number, b: number): number {
  const [[c11, c12], [, c22]] = q.curvature;
  return q.value + a * q.gradient[0] + b * q.gradient[1] + 0.5 * (a * a * c11 + 2 * a * b * c12 + b * b * c22);
}

/** q on a grid: values[i][j] = q(as[j], bs[i]). */
export function projectedGrid(q: ProjectedQuadratic, as: readonly number[], bs: readonly number[]): number[][] {
  return bs.map((b) => as.map((a) => evaluateProjected(q, a, b)));
}

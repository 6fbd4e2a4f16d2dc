/**
 * Derivative checks shared by the tests.
 *
 * Finite differences use the five-point central stencil
 *   f'(x)·v ≈ [−f(x+2hv) + 8f(x+hv) − 8f(x−hv) + f(x−2hv)] / (12h),
 * whose truncation error is h⁴/30·f⁽⁵⁾ and whose rounding error is about 1.5·ε_mach·‖f‖/h.
 * Tangents are scaled to max-norm 1, so with h = 1e-3 and derivatives of order one both are
 * ≲ 1e-12 and FD_TOLERANCE = 1e-9 leaves three orders of margin for the constants, while a
 * wrong rule is off by O(1). Errors are relative to max(‖exact‖, ‖f(x)‖): where the exact
 * derivative is zero or tiny (linear maps have zero second derivatives) the stencil returns
 * rounding noise ~1e-13·‖f(x)‖, which only the value's own scale can measure.
 * Dot-product tests compare two exact computations of the same number, so only rounding
 * separates them: DOT_TOLERANCE = 1e-12 relative to Σ|u_i|·|(Jv)_i|.
 */
import { expect } from 'vitest';
import * as ad from '../../src/autodiff/index.ts';
import type { Value } from '../../src/autodiff/index.ts';
import { concrete } from '../../src/autodiff/index.ts';
import { dot, norm } from '../../src/linalg/vector.ts';
import { Random, Tensor, randn } from '../../src/tensor/index.ts';

export const FD_STEP = 1e-3;
export const FD_TOLERANCE = 1e-9;
export const DOT_TOLERANCE = 1e-12;

export type Fn = (xs: readonly Value[]) => Value;

function axpy(x: Tensor, alpha: number, v: Tensor): Tensor {
  const out = new Float64Array(x.size);
  const xd = x.data, vd = v.data;
  for (let i = 0; i < out.length; i++) out[i] = xd[i] + alpha * vd[i];
  return new Tensor(x.shape, out);
}

/** Five-point central difference of g along (xs → xs + h·vs). */
export function finiteDifference(g: (xs: readonly Tensor[]) => Float64Array, xs: readonly Tensor[], vs: readonly Tensor[], h = FD_STEP): Float64Array {
  const at = (s: number) => g(xs.map((x, i) => axpy(x, s * h, vs[i])));
  const p2 = at(2), p1 = at(1), m1 = at(-1), m2 = at(-2);
  const out = new Float64Array(p1.length);
  for (let i = 0; i < out.length; i++) out[i] = (-p2[i] + 8 * p1[i] - 8 * m1[i] + m2[i]) / (12 * h);
  return out;
}

export { dot, norm };

/** ‖a − b‖ / max(‖b‖, floor): relative error with a floor for near-zero references. */
export function relativeError(a: Float64Array, b: Float64Array, floor = 1e-300): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2;
  return Math.sqrt(d) / Math.max(norm(b), floor, 1e-300);
}

export function expectClose(actual: Float64Array, expected: Float64Array, tolerance: number, what = '', floor = 1e-300): void {
  const err = relativeError(actual, expected, floor);
  if (!(err <= tolerance)) {
    throw new Error(`${what} relative error ${err.toExponential(3)} > ${tolerance.toExponential(1)}\n actual   ${Array.from(actual.slice(0, 8))}\n expected ${Array.from(expected.slice(0, 8))}`);
  }
}

const evalFlat = (f: Fn) => (xs: readonly Tensor[]) => concrete(f(xs)).data;

/**
 * Checks every derivative rule reached by f at xs:
 *  1. JVP against finite differences (all inputs perturbed at once along random tangents);
 *  2. VJP against finite differences: ⟨Jᵀu, v⟩ = d/dh ⟨u, f(x + h v)⟩;
 *  3. the dot-product test ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ between the two exact rules;
 *  4. second order, when `secondOrder`: the JVP of the pullback x ↦ Jᵀ(x) u — the way hvp
 *     differentiates VJP rules — against finite differences of that pullback.
 */
export function checkDerivatives(f: Fn, xs: readonly Tensor[], rng: Random, options: { secondOrder?: boolean; what?: string } = {}): void {
  const what = options.what ?? 'f';
  const vs = unitTangents(xs, rng);
  const y = concrete(f(xs));
  const u = randn(y.shape, rng);

  const [, tangent] = ad.jvp(f, xs, vs);
  const jv = concrete(tangent).data;
  expectClose(jv, finiteDifference(evalFlat(f), xs, vs), FD_TOLERANCE, `${what}: JVP vs finite differences:`, norm(y.data));

  const [, pullback] = ad.vjp(f, xs);
  const jtu = pullback(u).map((g) => concrete(g).data);
  const vjpDotV = jtu.reduce((s, g, i) => s + dot(g, vs[i].data), 0);
  const fdOfProjection = finiteDifference((zs) => Float64Array.of(dot(u.data, evalFlat(f)(zs))), xs, vs)[0];
  const scale = Math.max(Math.abs(fdOfProjection), Math.abs(dot(u.data, y.data)), 1e-300);
  expect(Math.abs(vjpDotV - fdOfProjection) / scale, `${what}: VJP vs finite differences`).toBeLessThanOrEqual(FD_TOLERANCE);

  let absDot = 0;
  for (let i = 0; i < jv.length; i++) absDot += Math.abs(u.data[i] * jv[i]);
  expect(Math.abs(dot(u.data, jv) - vjpDotV) / Math.max(absDot, 1e-300), `${what}: dot-product test`).toBeLessThanOrEqual(DOT_TOLERANCE);

  if (options.secondOrder) {
    const pullbackAt = (zs: readonly Value[]): readonly Value[] => ad.vjp(f, zs)[1](u);
    const [, second] = ad.jvp(pullbackAt, xs, vs);
    const exact = concatData(second.map((s) => concrete(s).data));
    const pulled = (zs: readonly Tensor[]) => concatData(pullbackAt(zs).map((g) => concrete(g).data));
    const fd = finiteDifference(pulled, xs, vs);
    expectClose(exact, fd, FD_TOLERANCE, `${what}: JVP of the VJP vs finite differences:`, norm(pulled(xs)));
  }
}

/** Random normal tangents scaled to max-norm 1 across all inputs (keeps FD truncation small). */
function unitTangents(xs: readonly Tensor[], rng: Random): Tensor[] {
  const raw = xs.map((x) => randn(x.shape, rng));
  const maxAbs = Math.max(1e-300, ...raw.flatMap((v) => Array.from(v.data, Math.abs)));
  return raw.map((v) => new Tensor(v.shape, v.data.map((e) => e / maxAbs)));
}

function concatData(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** CG (Algorithm 1): conjugacy, orthogonal residuals, Eq. 3, finite termination, negative curvature. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linalg } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { matVec, withSpectrum } from '../helpers/matrices.ts';

/** A random SPD problem with condition number ≤ 10 (so rounding stays small over ≤ n steps). */
function spdProblem(n: number, rng: Random) {
  const { a } = withSpectrum(Array.from({ length: n }, () => 1 + 9 * rng.uniform()), rng);
  const b = Float64Array.from({ length: n }, () => rng.normal());
  return { a, b, op: linalg.denseOperator(a, n) };
}

describe('cg', () => {
  it('directions are A-conjugate and residuals orthogonal', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 20 }), seed, (n, s) => {
      const { a, b, op } = spdProblem(n, new Random(s));
      const result = linalg.cg(op, b, { tol: 1e-12 });
      const ps = result.directions, rs = result.residualNorms, r0 = rs[0];
      // In floating point the recursive residual r_k carries an absolute error ~ε·κ·‖r_0‖, so
      // the relative loss of conjugacy and orthogonality grows like ε·κ·‖r_0‖/‖r_k‖ as CG
      // converges; allow 100× that (κ ≤ 10 here). A wrong recurrence is off by O(1).
      const bound = (i: number, j: number) => 100 * 2.2e-16 * 10 * r0 / Math.min(rs[i], rs[j]);
      for (let i = 0; i < ps.length; i++) for (let j = 0; j < i; j++) {
        const api = matVec(a, n, ps[i]);
        const scale = Math.sqrt(linalg.dot(ps[i], api) * linalg.dot(ps[j], matVec(a, n, ps[j])));
        expect(Math.abs(linalg.dot(ps[j], api)) / scale).toBeLessThanOrEqual(bound(i, j));
      }
      const residuals = result.iterates.map((x) => matVec(a, n, x).map((v, q) => v - b[q]));
      for (let i = 0; i < residuals.length; i++) for (let j = 0; j < i; j++) {
        const ri = residuals[i], rj = residuals[j];
        if (linalg.norm(ri) === 0 || linalg.norm(rj) === 0) continue; // an exact solution has no direction
        expect(Math.abs(linalg.dot(ri, rj)) / (linalg.norm(ri) * linalg.norm(rj))).toBeLessThanOrEqual(bound(i, j));
      }
    }), { numRuns: 30 });
  });

  it('update magnitude τ_k = α_k‖p_k‖ = −s(x_k, d_k) / c(d_k) (Eq. 3)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 20 }), seed, (n, s) => {
      const { a, b, op } = spdProblem(n, new Random(s));
      const result = linalg.cg(op, b, { tol: 1e-12 });
      result.alphas.forEach((alpha, k) => {
        const d = result.normalizedDirections[k], x = result.iterates[k];
        const gradient = matVec(a, n, x).map((v, q) => v - b[q]); // ∇q(x) = A x − b (= g + B x)
        const slope = linalg.dot(d, gradient); // s(x, d) = dᵀ∇q(x)   (Eq. 10)
        const curvature = linalg.dot(d, matVec(a, n, d)); // c(d) = dᵀ A d
        const tau = alpha * linalg.norm(result.directions[k]);
        // The slope recomputed from x_k carries rounding ε·(‖A x_k‖ + ‖b‖); near convergence
        // that dominates a tiny τ, so the bound has that absolute part next to 1e-12 relative.
        const slopeRounding = 100 * 2.2e-16 * (linalg.norm(matVec(a, n, x)) + linalg.norm(b));
        expect(Math.abs(tau - -slope / curvature)).toBeLessThanOrEqual(1e-12 * Math.abs(tau) + slopeRounding / curvature);
        expect(Math.abs(result.curvatures[k] / linalg.dot(result.directions[k], result.directions[k]) - curvature)).toBeLessThanOrEqual(1e-12 * curvature);
      });
    }), { numRuns: 30 });
  });

  it('reaches the exact solution in at most n steps on SPD problems', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 25 }), seed, (n, s) => {
      const { a, b, op } = spdProblem(n, new Random(s));
      const result = linalg.cg(op, b, { tol: 1e-12 });
      expect(result.iterations).toBeLessThanOrEqual(n);
      expect(result.converged).toBe(true);
      const r = matVec(a, n, result.x).map((v, q) => v - b[q]);
      expect(linalg.norm(r)).toBeLessThanOrEqual(1e-12 * linalg.norm(b));
      expect(result.matvecs).toBe(result.iterations + (result.reason === 'tolerance' ? 0 : 1));
      expect(result.iterates.length).toBe(result.iterations + 1);
      expect(result.residualNorms.length).toBe(result.iterations + 1);
    }), { numRuns: 40 });
  });

  it('stops on non-positive curvature on indefinite problems, with that reason', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 20 }), seed, (n, s) => {
      const rng = new Random(s);
      // Half the spectrum negative: some Krylov direction has pᵀAp ≤ 0 before CG can finish.
      const { a } = withSpectrum(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1) * (1 + rng.uniform())), rng);
      const b = Float64Array.from({ length: n }, () => rng.normal());
      const result = linalg.cg(linalg.denseOperator(a, n), b, { tol: 1e-14 });
      expect(result.reason).toBe('negative-curvature');
      expect(result.converged).toBe(false);
      expect(result.curvatures[result.curvatures.length - 1]).toBeLessThanOrEqual(0);
      expect(result.curvatures.slice(0, -1).every((c) => c > 0)).toBe(true);
    }), { numRuns: 30 });
  });

  it('cgIterations yields the iterations one at a time and returns cg\'s result; next(true) stops; x_{k+1} is each iteration\'s next', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 12 }), seed, fc.boolean(), (n, s, indefinite) => {
      const rng = new Random(s);
      const { a } = withSpectrum(Array.from({ length: n }, (_, i) => (indefinite && i % 2 ? -1 : 1) * (1 + rng.uniform())), rng);
      const b = Float64Array.from({ length: n }, () => rng.normal());
      const op = linalg.denseOperator(a, n);
      const reference = linalg.cg(op, b, { tol: 1e-12 });
      const steps = linalg.cgIterations(op, b, { tol: 1e-12 });
      const yielded: linalg.CgIteration[] = [];
      let it = steps.next();
      for (; !it.done; it = steps.next()) yielded.push(it.value);
      expect(it.value).toEqual(reference);
      expect(yielded.map((y) => y.k)).toEqual(reference.curvatures.map((_, k) => k));
      yielded.forEach((y, k) => {
        expect(y.x).toEqual(reference.iterates[k]);
        if (k < reference.iterations) expect(y.next).toEqual(reference.iterates[k + 1]);
        else expect(y.next).toBeNull(); // the direction CG stopped on
      });
      if (reference.iterations >= 2) {
        const early = linalg.cgIterations(op, b, { tol: 1e-12 });
        early.next();
        const done = early.next(true);
        expect(done.done).toBe(true);
        expect(done.value).toMatchObject({ iterations: 1, reason: 'maxiter', x: reference.iterates[1] });
      }
    }), { numRuns: 30 });
  });

  it('honours x0, maxIter and the callback; reports non-finite values and bad input clearly', () => {
    const { b, op } = spdProblem(6, new Random(1));
    const seen: number[] = [];
    const result = linalg.cg(op, b, { maxIter: 3, callback: (it) => void seen.push(it.k) });
    expect(result.iterations).toBe(3);
    expect(result.reason).toBe('maxiter');
    expect(seen).toEqual([0, 1, 2]);
    const stopped = linalg.cg(op, b, { callback: (it) => it.k === 1 });
    expect(stopped.iterations).toBe(2);
    const x0 = Float64Array.from({ length: 6 }, (_, i) => i / 6);
    const fromX0 = linalg.cg(op, b, { x0 });
    expect(fromX0.iterates[0]).toEqual(x0);
    expect(fromX0.residualNorms[0]).toBeCloseTo(linalg.norm(op.apply(x0).map((v, i) => v - b[i])), 12);
    expect(fromX0.converged).toBe(true);
    expect(linalg.cg(op, new Float64Array(6)).reason).toBe('zero-residual');
    expect(linalg.cg({ size: 2, apply: (v) => v.map(() => NaN) }, Float64Array.of(1, 1)).reason).toBe('non-finite');
    expect(() => linalg.cg(op, new Float64Array(5))).toThrow(/cg: right-hand side b must have length 6, given 5/);
    expect(() => linalg.cg(op, Float64Array.of(1, 2, NaN, 0, 0, 0))).toThrow(/cg: right-hand side b has a non-finite entry NaN at index 2/);
    expect(() => linalg.cg({ size: 6, apply: () => new Float64Array(2) }, b)).toThrow(/cg: operator output must have length 6, given 2/);
  });
});

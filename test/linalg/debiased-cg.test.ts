/**
 * Debiased CG (Eq. 8, Eq. 12): with op2 = op1 it is plain CG; each step is the 1-D Newton step
 * along d_k on q2 (Eq. 3); the Eq. 12 recursion equals the naive form with two products per
 * step; with op2 = c·op1 (b2 = b1) the trajectory is plain CG's scaled by 1/c; stops and costs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linalg } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { matVec, withSpectrum } from '../helpers/matrices.ts';

const spd = (n: number, rng: Random) => withSpectrum(Array.from({ length: n }, () => 0.1 + 5 * rng.uniform()), rng).a;
const vec = (n: number, rng: Random) => Float64Array.from({ length: n }, () => rng.normal());
const maxDiff = (a: Float64Array, b: Float64Array) => Math.max(0, ...Array.from(a, (v, i) => Math.abs(v - b[i])));
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('debiased CG', () => {
  it('with op2 = op1 and b2 = b1 it is plain CG (to rounding)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), seed, (n, s) => {
      const rng = new Random(s);
      const a = spd(n, rng), b = vec(n, rng);
      const op = linalg.denseOperator(a, n);
      const run = linalg.debiasedCg(op, b, op, b, { maxIter: Math.min(n, 8), tol: 0 });
      run.iterates.forEach((x, k) => expect(maxDiff(x, run.base.iterates[k])).toBeLessThanOrEqual(1e-10 * (1 + linalg.norm(run.base.iterates[k]))));
      expect(run.matvecs).toBe(run.base.matvecs + run.steps.length);
    }), { numRuns: 40 });
  });

  it('each τ̃_k is the Newton step along d_k on q2, and Eq. 12 equals the naive form (two products per step)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 25 }), seed, (n, s) => {
      const rng = new Random(s);
      const [a1, a2] = [spd(n, rng), spd(n, rng)];
      const [b1, b2] = [vec(n, rng), vec(n, rng)];
      const x0 = rng.uniform() < 0.5 ? vec(n, rng) : undefined;
      const run = linalg.debiasedCg(linalg.denseOperator(a1, n), b1, linalg.denseOperator(a2, n), b2, { maxIter: Math.min(n, 6), tol: 0, x0 });
      // Naive: at x̃_k, the gradient of q2 is A2 x̃_k − b2 (a fresh product), τ = −dᵀ∇ / dᵀA2 d.
      let x = x0 ? x0.slice() : new Float64Array(n);
      run.directions.forEach((d, k) => {
        const grad = matVec(a2, n, x).map((v, i) => v - b2[i]);
        const tau = -dot(d, grad) / dot(d, matVec(a2, n, d));
        expect(Math.abs(run.steps[k] - tau)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(tau)));
        x = x.map((v, i) => v + tau * d[i]);
        expect(maxDiff(run.iterates[k + 1], x)).toBeLessThanOrEqual(1e-9 * (1 + linalg.norm(x)));
        // The directions are plain CG's on (A1, b1).
        expect(maxDiff(d, run.base.normalizedDirections[k])).toBe(0);
      });
    }), { numRuns: 40 });
  });

  it('op2 = c·op1 with b2 = b1: the trajectory is plain CG\'s scaled by 1/c', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.1, max: 10, noNaN: true }), seed, (n, c, s) => {
      const rng = new Random(s);
      const a = spd(n, rng), b = vec(n, rng);
      const run = linalg.debiasedCg(linalg.denseOperator(a, n), b, linalg.denseOperator(a.map((v) => c * v), n), b, { maxIter: Math.min(n, 6), tol: 0 });
      run.iterates.forEach((x, k) => expect(maxDiff(x, run.base.iterates[k].map((v) => v / c))).toBeLessThanOrEqual(1e-9 * (1 + linalg.norm(run.base.iterates[k]) / c)));
    }), { numRuns: 30 });
  });

  it('stops on non-positive curvature of op2, and the callback sees every iterate', () => {
    const rng = new Random(3);
    const n = 6, a = spd(n, rng), b = vec(n, rng);
    const negative = linalg.denseOperator(a.map((v) => -v), n);
    const run = linalg.debiasedCg(linalg.denseOperator(a, n), b, negative, b);
    expect(run.reason).toBe('negative-curvature');
    expect(run.steps).toEqual([]);
    const seen: number[] = [];
    const stopped = linalg.debiasedCg(linalg.denseOperator(a, n), b, linalg.denseOperator(a, n), b, { callback: ({ k }) => { seen.push(k); return k === 2; } });
    expect(seen).toEqual([0, 1, 2]);
    expect(stopped.iterates).toHaveLength(4);
    expect(() => linalg.debiasedCg(linalg.denseOperator(a, n), b, linalg.scaledIdentity(5, 1), b)).toThrow(/debiasedCg: the two operators have sizes 6 and 5/);
  });

  it('debiasedCgIterations yields each iterate and returns debiasedCg\'s result; next(true) stops there', () => {
    const rng = new Random(8);
    const n = 7, a1 = spd(n, rng), a2 = spd(n, rng), b1 = vec(n, rng), b2 = vec(n, rng);
    const args = [linalg.denseOperator(a1, n), b1, linalg.denseOperator(a2, n), b2] as const;
    const reference = linalg.debiasedCg(...args, { maxIter: 5 });
    const steps = linalg.debiasedCgIterations(...args, { maxIter: 5 });
    const seen: linalg.DebiasedCgIteration[] = [];
    let it = steps.next();
    for (; !it.done; it = steps.next()) seen.push(it.value);
    expect(it.value).toEqual(reference);
    expect(seen.map((s) => [s.k, s.x, s.step, s.direction])).toEqual(reference.steps.map((step, k) => [k, reference.iterates[k + 1], step, reference.directions[k]]));
    const early = linalg.debiasedCgIterations(...args, { maxIter: 5 });
    early.next();
    early.next();
    const done = early.next(true);
    expect(done.done).toBe(true);
    expect(done.value).toMatchObject({ reason: 'maxiter', steps: reference.steps.slice(0, 2), iterates: reference.iterates.slice(0, 3) });
  });
});

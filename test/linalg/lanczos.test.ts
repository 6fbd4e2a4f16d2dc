/** Lanczos agrees with eigh on random symmetric operators, clusters, repeats and k close to n. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linalg } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { column, matVec, withSpectrum } from '../helpers/matrices.ts';

/** ‖P_U − P_W‖_F for the orthogonal projectors onto span(us) and span(ws). */
function subspaceDistance(us: Float64Array[], ws: Float64Array[]): number {
  const n = us[0].length;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let p = 0;
    for (const u of us) p += u[i] * u[j];
    for (const w of ws) p -= w[i] * w[j];
    s += p * p;
  }
  return Math.sqrt(s);
}

/** Checks values, true residuals, orthonormality and the invariant subspace against eigh. */
function checkAgainstEigh(spectrum: number[], k: number, rng: Random, which: 'largest' | 'smallest', tol = 1e-10, multiplicityCheck = false): linalg.LanczosResult {
  const n = spectrum.length;
  const { a } = withSpectrum(spectrum, rng);
  const result = linalg.lanczos(linalg.denseOperator(a, n), k, { which, tol, seed: rng.integer(1000), multiplicityCheck });
  const exact = linalg.eigh(a, n);
  const order = which === 'largest' ? Array.from({ length: k }, (_, i) => n - 1 - i) : Array.from({ length: k }, (_, i) => k - 1 - i);
  const scale = Math.max(...spectrum.map(Math.abs));
  // Values: a converged Ritz value is within residual²/gap of an eigenvalue, far below tol·|θ|.
  order.forEach((c, i) => expect(Math.abs(result.values[i] - exact.values[c])).toBeLessThanOrEqual(10 * tol * scale));
  for (let i = 1; i < k; i++) expect(result.values[i]).toBeLessThanOrEqual(result.values[i - 1]);
  result.vectors.forEach((u, i) => {
    // The reported residual is the true one ‖A u − θ u‖ up to rounding, and meets the tolerance.
    const r = linalg.norm(matVec(a, n, u).map((v, q) => v - result.values[i] * u[q]));
    // The test's scale is max(|θ|, ‖A‖est), and ‖A‖est (a largest |Ritz value|) never exceeds ‖A‖.
    expect(result.normEstimate).toBeLessThanOrEqual(scale * (1 + 1e-12));
    expect(r).toBeLessThanOrEqual(tol * Math.max(Math.abs(result.values[i]), result.normEstimate) * 1.01 + 1e-13 * scale);
    result.vectors.forEach((w, j) => expect(Math.abs(linalg.dot(u, w) - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-12));
  });
  // Subspaces agree where the spectrum has a gap after the k-th value.
  const sorted = order.map((c) => exact.values[c]);
  const nextIndex = which === 'largest' ? n - 1 - k : k;
  if (k < n && Math.abs(sorted[k - 1] - exact.values[nextIndex]) > 1e-3 * scale) {
    expect(subspaceDistance(result.vectors, order.map((c) => column(exact.vectors, n, c)))).toBeLessThanOrEqual(1e-6);
  }
  return result;
}

describe('lanczos', () => {
  it('finds the top-k eigenpairs of random symmetric operators (largest and smallest)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 60 }), seed, fc.constantFrom<'largest' | 'smallest'>('largest', 'smallest'), (n, s, which) => {
      const rng = new Random(s);
      const k = 1 + rng.integer(Math.min(n, 6));
      checkAgainstEigh(Array.from({ length: n }, () => rng.normal()), k, rng, which);
    }), { numRuns: 40 });
  });
  it('handles clustered top eigenvalues', () => {
    fc.assert(fc.property(fc.integer({ min: 12, max: 60 }), seed, (n, s) => {
      const rng = new Random(s);
      const spectrum = [10, 10 - 1e-7, 10 - 2e-7, ...Array.from({ length: n - 3 }, () => 5 * rng.uniform())];
      const result = checkAgainstEigh(spectrum, 4, rng, 'largest');
      expect(Array.from(result.values.subarray(0, 3)).every((v) => Math.abs(v - 10) < 1e-6)).toBe(true);
    }), { numRuns: 30 });
  });
  it('finds every copy of a repeated top eigenvalue with multiplicityCheck (largest and smallest)', () => {
    fc.assert(fc.property(fc.integer({ min: 6, max: 60 }), seed, fc.constantFrom<'largest' | 'smallest'>('largest', 'smallest'), (n, s, which) => {
      const rng = new Random(s);
      const extreme = which === 'largest' ? 10 : -10;
      const spectrum = [extreme, extreme, extreme, ...Array.from({ length: n - 3 }, () => 5 * rng.uniform() - 2.5)];
      const result = checkAgainstEigh(spectrum, 4, rng, which, 1e-10, true);
      const copies = Array.from(result.values).filter((v) => Math.abs(v - extreme) < 1e-6).length;
      expect(copies).toBe(3);
    }), { numRuns: 30 });
  });
  it('reports true residuals for vectors merged by the multiplicity check', () => {
    // The merged copies' residuals in the deflated operator were ~1e-15, their true residuals
    // ~1e-9: A couples them to the residuals of the vectors found first (here two that the merge
    // drops). The final Rayleigh–Ritz step reports ‖A u − θ u‖ itself.
    const rng = new Random(1897574237);
    const { a } = withSpectrum([10, 10, 10, ...Array.from({ length: 6 }, () => 5 * rng.uniform() - 2.5)], rng);
    const result = linalg.lanczos(linalg.denseOperator(a, 9), 4, { seed: rng.integer(1000), multiplicityCheck: true });
    expect(Array.from(result.values).filter((v) => Math.abs(v - 10) < 1e-6).length).toBe(3);
    result.vectors.forEach((u, i) => {
      const trueResidual = linalg.norm(matVec(a, 9, u).map((v, q) => v - result.values[i] * u[q]));
      expect(Math.abs(result.residuals[i] - trueResidual)).toBeLessThanOrEqual(1e-13 * 10); // rounding of A u at ‖A‖ = 10
      expect(trueResidual).toBeLessThanOrEqual(1e-10 * result.normEstimate);
    });
    expect(result.converged).toBe(true);
  });
  it('without the check, a single start vector can miss a copy (the documented limitation)', () => {
    const rng = new Random(0);
    const { a } = withSpectrum([10, 10, 10, ...Array.from({ length: 9 }, () => 5 * rng.uniform())], rng);
    const plain = linalg.lanczos(linalg.denseOperator(a, 12), 4, { seed: 0 });
    const checked = linalg.lanczos(linalg.denseOperator(a, 12), 4, { seed: 0, multiplicityCheck: true });
    expect(Array.from(plain.values).filter((v) => Math.abs(v - 10) < 1e-6).length).toBeLessThan(3);
    expect(Array.from(checked.values).filter((v) => Math.abs(v - 10) < 1e-6).length).toBe(3);
    expect(checked.matvecs).toBeGreaterThan(plain.matvecs);
  });
  it('works with k close to n and with k = n', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 25 }), seed, (n, s) => {
      const rng = new Random(s);
      const k = Math.max(1, n - rng.integer(2));
      checkAgainstEigh(Array.from({ length: n }, () => rng.normal()), k, rng, 'largest');
    }), { numRuns: 30 });
  });
  it('converges to exactly zero eigenvalues: the test has an absolute floor tol·‖A‖est', () => {
    // A purely relative test ‖Au − θu‖ ≤ tol·|θ| cannot accept θ ≈ 1e-16 by a true residual
    // (rounding leaves ~1e-16·‖A‖); it went on until the Lanczos estimate of the residual fell
    // to ~1e-26: 30–47 products where 15–19 now suffice, so a budget of 25 failed.
    fc.assert(fc.property(fc.integer({ min: 30, max: 60 }), seed, (n, s) => {
      const rng = new Random(s);
      const indefinite = [3, 2, 0, ...Array.from({ length: n - 3 }, () => -1 - rng.uniform())];
      const { a } = withSpectrum(indefinite, rng);
      const result = linalg.lanczos(linalg.denseOperator(a, n), 3, { seed: rng.integer(1000), maxMatvecs: 25 });
      expect(Math.abs(result.values[2])).toBeLessThanOrEqual(1e-9);
      const r = linalg.norm(matVec(a, n, result.vectors[2]).map((v, q) => v - result.values[2] * result.vectors[2][q]));
      expect(r).toBeLessThanOrEqual(1e-10 * result.normEstimate * 1.01 + 1e-13 * 3);
      // Rank 2, PSD: the third-largest eigenvalue is a zero of multiplicity n − 2.
      const lowRank = checkAgainstEigh([5, 3, ...new Array<number>(n - 2).fill(0)], 3, rng, 'largest');
      expect(lowRank.converged).toBe(true);
      expect(Math.abs(lowRank.values[2])).toBeLessThanOrEqual(1e-9);
    }), { numRuns: 20 });
  });
  it('restarts keep memory at the basis size and still converge', () => {
    const rng = new Random(3);
    const spectrum = Array.from({ length: 200 }, (_, i) => 1 - i / 200);
    const result = checkAgainstEigh(spectrum, 3, rng, 'largest', 1e-8);
    expect(result.restarts).toBeGreaterThan(0);
    expect(result.converged).toBe(true);
  });
  it('is deterministic for a seed', () => {
    const { a } = withSpectrum(Array.from({ length: 30 }, (_, i) => i), new Random(1));
    const op = linalg.denseOperator(a, 30);
    const r1 = linalg.lanczos(op, 3, { seed: 5 }), r2 = linalg.lanczos(op, 3, { seed: 5 });
    expect(r1.vectors).toEqual(r2.vectors);
    expect(r1.matvecs).toBe(r2.matvecs);
  });
  it('reports non-convergence within the budget with the partial results', () => {
    const { a } = withSpectrum(Array.from({ length: 100 }, (_, i) => 1 - i / 100), new Random(2));
    let error: unknown;
    try {
      linalg.lanczos(linalg.denseOperator(a, 100), 4, { maxMatvecs: 15 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(linalg.LanczosNoConvergence);
    const partial = (error as linalg.LanczosNoConvergence).partial;
    expect(partial.matvecs).toBe(15);
    expect(partial.values.length).toBe(4);
    expect(partial.converged).toBe(false);
    expect((error as Error).message).toMatch(/lanczos: no convergence within 15 products: the worst residual is .*·max\(\|θ\|, ‖A‖est\) > tol 1e-10; partial results are in .partial/);
  });
  it('refuses bad input', () => {
    const op = linalg.scaledIdentity(5, 1);
    expect(() => linalg.lanczos(op, 6)).toThrow(/lanczos: k must be an integer in \[1, n = 5\], given 6/);
    expect(() => linalg.lanczos({ size: 5, apply: () => new Float64Array(4) }, 2)).toThrow(/lanczos: operator output must have length 5, given 4/);
    expect(() => linalg.lanczos({ size: 3, apply: (v) => v.map(() => NaN) }, 1)).toThrow(/lanczos: operator output has a non-finite entry NaN at index 0/);
    expect(() => linalg.lanczos(op, 2, { basisSize: 1 })).toThrow(/basisSize must be an integer in \[k = 2, n = 5\]/);
  });
});

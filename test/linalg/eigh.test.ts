/** eigh reconstructs A with orthonormal eigenvectors; Cholesky and triangular solves; operators. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linalg } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { column, frobenius, matVec, randomSymmetric, withSpectrum } from '../helpers/matrices.ts';

/** ‖A V − V Λ‖_F / (n ‖A‖_F) and max |VᵀV − I|. */
function quality(a: Float64Array, n: number) {
  const { values, vectors } = linalg.eigh(a, n);
  let res = 0, orth = 0;
  for (let c = 0; c < n; c++) {
    const v = column(vectors, n, c);
    const av = matVec(a, n, v);
    for (let i = 0; i < n; i++) res += (av[i] - values[c] * v[i]) ** 2;
    for (let d = 0; d < n; d++) {
      const w = column(vectors, n, d);
      orth = Math.max(orth, Math.abs(linalg.dot(v, w) - (c === d ? 1 : 0)));
    }
  }
  return { values, residual: Math.sqrt(res) / (n * Math.max(frobenius(a), 1e-300)), orth };
}

// Backward-stable: ‖AV − VΛ‖ ≤ c·n·ε·‖A‖; the bound 1e-12·n·‖A‖ has ~10⁴ of margin here.
const RESIDUAL = 1e-12;
const ORTHONORMAL = 1e-12;

describe('eigh', () => {
  it('reconstructs random symmetric matrices with orthonormal eigenvectors, ascending values', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), seed, (n, s) => {
      const q = quality(randomSymmetric(n, new Random(s)), n);
      expect(q.residual).toBeLessThanOrEqual(RESIDUAL);
      expect(q.orth).toBeLessThanOrEqual(ORTHONORMAL);
      for (let i = 1; i < n; i++) expect(q.values[i]).toBeGreaterThanOrEqual(q.values[i - 1]);
    }), { numRuns: 40 });
  });
  it('handles repeated eigenvalues, rank deficiency and bad scaling', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 30 }), seed, fc.constantFrom('repeated', 'rank-deficient', 'badly scaled'), (n, s, kind) => {
      const rng = new Random(s);
      const spectrum = Array.from({ length: n }, (_, i) =>
        kind === 'repeated' ? [3, 3, 3, -1][i % 4] : kind === 'rank-deficient' ? (i < n / 2 ? 0 : rng.normal()) : 10 ** (12 * rng.uniform() - 6) * (rng.uniform() < 0.5 ? -1 : 1));
      const { a } = withSpectrum(spectrum, rng);
      const q = quality(a, n);
      expect(q.residual).toBeLessThanOrEqual(RESIDUAL);
      expect(q.orth).toBeLessThanOrEqual(ORTHONORMAL);
      const sorted = [...spectrum].sort((x, y) => x - y);
      const scale = Math.max(...spectrum.map(Math.abs));
      sorted.forEach((v, i) => expect(Math.abs(q.values[i] - v)).toBeLessThanOrEqual(1e-12 * n * scale));
    }), { numRuns: 40 });
  });
  it('is as accurate past one block of reflectors (n = 150) and on structured K-FAC-like factors', () => {
    // The back-transformation applies the reflectors 32 at a time; n = 150 spans five blocks. The
    // structured cases take the reduction's τ = 0 path (x already a multiple of e₁) mid-matrix.
    const n = 150, rng = new Random(3);
    const gram = new Float64Array(n * n); // rank 10, like a factor from fewer examples than inputs
    const x = Float64Array.from({ length: n * 10 }, () => rng.normal());
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < 10; c++) gram[i * n + j] += x[i * 10 + c] * x[j * 10 + c];
    const tridiagonal = new Float64Array(n * n), blockDiagonal = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      tridiagonal[i * n + i] = rng.normal();
      if (i > 0) tridiagonal[i * n + i - 1] = tridiagonal[(i - 1) * n + i] = rng.normal();
      for (let j = 0; j <= i; j++) if ((i < 70) === (j < 70)) blockDiagonal[i * n + j] = blockDiagonal[j * n + i] = rng.normal();
    }
    for (const a of [randomSymmetric(n, rng), gram, tridiagonal, blockDiagonal]) {
      const q = quality(a, n);
      expect(q.residual).toBeLessThanOrEqual(RESIDUAL);
      expect(q.orth).toBeLessThanOrEqual(ORTHONORMAL);
    }
    // The rank-10 Gram matrix: 140 eigenvalues at zero up to rounding (~n ε ‖A‖).
    const values = linalg.eigh(gram, n).values;
    expect(Math.max(...Array.from(values.subarray(0, n - 10), Math.abs))).toBeLessThanOrEqual(1e-12 * values[n - 1]);
  });
  it('refuses non-square, non-symmetric and non-finite input with a clear error', () => {
    expect(() => linalg.eigh(new Float64Array(6), 2)).toThrow(/eigh: a 2×2 matrix needs 4 entries, given 6/);
    expect(() => linalg.eigh(Float64Array.of(1, 2, 2.1, 1), 2)).toThrow(/eigh: matrix is not symmetric: \|a\[0\]\[1\] − a\[1\]\[0\]\| = 1.000e-1 exceeds 1e-10 · max\|a\|/);
    expect(() => linalg.eigh(Float64Array.of(1, NaN, NaN, 1), 2)).toThrow(/eigh: matrix has a non-finite entry NaN at index 1/);
    // Within the stated tolerance, a rounding-level asymmetry is accepted (and symmetrized).
    expect(linalg.eigh(Float64Array.of(1, 2, 2 + 1e-14, 1), 2).values[1]).toBeCloseTo(3, 12);
  });
});

describe('cholesky and triangular solves', () => {
  it('L Lᵀ = A and choleskySolve solves A x = b on random SPD matrices', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 25 }), seed, (n, s) => {
      const rng = new Random(s);
      const { a } = withSpectrum(Array.from({ length: n }, () => 0.1 + rng.uniform() * 10), rng);
      const l = linalg.cholesky(a, n);
      let err = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        if (j > i) expect(l[i * n + j]).toBe(0);
        let t = 0;
        for (let k = 0; k < n; k++) t += l[i * n + k] * l[j * n + k];
        err = Math.max(err, Math.abs(t - a[i * n + j]));
      }
      expect(err).toBeLessThanOrEqual(1e-13 * frobenius(a));
      const b = Float64Array.from({ length: n }, () => rng.normal());
      const x = linalg.choleskySolve(l, n, b);
      const r = matVec(a, n, x).map((v, i) => v - b[i]);
      // condition ≤ 100: backward error ε·κ·‖A‖‖x‖ bounds the residual
      expect(linalg.norm(r)).toBeLessThanOrEqual(1e-12 * frobenius(a) * linalg.norm(x));
    }), { numRuns: 30 });
  });
  it('refuses indefinite and non-symmetric matrices', () => {
    expect(() => linalg.cholesky(Float64Array.of(1, 2, 2, 1), 2)).toThrow(/cholesky: matrix is not positive definite: pivot 1 is -3.000e\+0/);
    expect(() => linalg.cholesky(Float64Array.of(2, 1, 0, 2), 2)).toThrow(/cholesky: matrix is not symmetric/);
    expect(() => linalg.solveLower(Float64Array.of(1, 0, 1, 0), 2, Float64Array.of(1, 1))).toThrow(/solveLower: zero diagonal entry at 1/);
    expect(Array.from(linalg.solveUpper(Float64Array.of(2, 1, 0, 4), 2, Float64Array.of(4, 8)))).toEqual([1, 2]);
  });
  it('semidefinite: a rank-deficient PSD matrix gets zero columns and still L Lᵀ = A; an indefinite one is still refused', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 12 }), seed, (n, s) => {
      const rng = new Random(s);
      const rank = 1 + rng.integer(n - 1);
      const { a } = withSpectrum(Array.from({ length: n }, (_, i) => (i < rank ? 1 + rng.uniform() : 0)), rng);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
      const l = linalg.cholesky(a, n, { semidefinite: true });
      let worst = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let v = 0;
        for (let k = 0; k < n; k++) v += l[i * n + k] * l[j * n + k];
        worst = Math.max(worst, Math.abs(v - a[i * n + j]));
      }
      // The dropped pivots are ≤ 1e-14·trace; what they leave out is of that order.
      expect(worst).toBeLessThanOrEqual(1e-12 * frobenius(a));
    }), { numRuns: 30 });
    expect(() => linalg.cholesky(Float64Array.of(1, 2, 2, 1), 2, { semidefinite: true })).toThrow(/cholesky: matrix is not positive definite: pivot 1 is -3.000e\+0/);
  });
});

describe('operators', () => {
  it('dense, scaled identity, scaled and summed operators', () => {
    const a = Float64Array.of(1, 2, 2, 5);
    const op = linalg.sumOperators(linalg.denseOperator(a, 2), linalg.scaledIdentity(2, 3), linalg.scaledOperator(linalg.denseOperator(a, 2), -1));
    expect(Array.from(op.apply(Float64Array.of(1, -2)))).toEqual([3, -6]);
    expect(() => linalg.sumOperators(linalg.scaledIdentity(2, 1), linalg.scaledIdentity(3, 1))).toThrow(/sumOperators: operator 1 has size 3, operator 0 has size 2/);
    expect(() => linalg.denseOperator(a, 2).apply(new Float64Array(3))).toThrow(/denseOperator.apply: vector must have length 2, given 3/);
  });
});

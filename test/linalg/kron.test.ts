/** Kronecker identities: (A ⊗ B) vec(X) = vec(A X Bᵀ) in row-major vec, and the eigenbasis of A ⊗ B. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linalg } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { randomSymmetric } from '../helpers/matrices.ts';

const dense = (rows: number, cols: number, rng: Random): linalg.Dense => ({ rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal()) });
const denseMatVec = (m: linalg.Dense, x: Float64Array) => Float64Array.from({ length: m.rows }, (_, i) => {
  let s = 0;
  for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j] * x[j];
  return s;
});

describe('Kronecker products', () => {
  it('kronMatVec(A, B, vec X) equals the dense (A ⊗ B) vec X, for rectangular factors', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), seed, (m, p, n, q, s) => {
      const rng = new Random(s);
      const a = dense(m, p, rng), b = dense(n, q, rng);
      const x = Float64Array.from({ length: p * q }, () => rng.normal());
      const got = linalg.kronMatVec(a, b, x);
      const want = denseMatVec(linalg.kron(a, b), x);
      got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[i]))));
    }), { numRuns: 50 });
  });
  it('the dense kron follows (A ⊗ B)[(i,k),(j,l)] = A_ij B_kl', () => {
    const k = linalg.kron({ rows: 1, cols: 2, data: Float64Array.of(1, 2) }, { rows: 2, cols: 1, data: Float64Array.of(3, 4) });
    expect([k.rows, k.cols]).toEqual([2, 2]);
    expect(Array.from(k.data)).toEqual([3, 6, 4, 8]);
  });
  it('A ⊗ B = (U ⊗ V)(Λ ⊗ M)(U ⊗ V)ᵀ: eigenvector u_i ⊗ v_k has eigenvalue λ_i μ_k', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), seed, (na, nb, s) => {
      const rng = new Random(s);
      const a = randomSymmetric(na, rng), b = randomSymmetric(nb, rng);
      const e = linalg.kronEigen(a, na, b, nb);
      const full = linalg.kron({ rows: na, cols: na, data: a }, { rows: nb, cols: nb, data: b });
      const scale = Math.max(...Array.from(e.values, Math.abs), 1);
      for (let i = 0; i < na; i++) for (let k = 0; k < nb; k++) {
        // u_i ⊗ v_k = (U ⊗ V) e_{(i,k)}, applied without forming U ⊗ V
        const unit = new Float64Array(na * nb);
        unit[i * nb + k] = 1;
        const vec = linalg.kronMatVec({ rows: na, cols: na, data: e.a.vectors }, { rows: nb, cols: nb, data: e.b.vectors }, unit);
        const av = denseMatVec(full, vec);
        av.forEach((v, t) => expect(Math.abs(v - e.values[i * nb + k] * vec[t])).toBeLessThanOrEqual(1e-12 * scale));
        expect(Math.abs(linalg.norm(vec) - 1)).toBeLessThanOrEqual(1e-13);
      }
      // The spectrum is that of the dense product.
      const dense = linalg.eigh(full.data, na * nb).values;
      const ours = Array.from(e.values).sort((x, y) => x - y);
      ours.forEach((v, t) => expect(Math.abs(v - dense[t])).toBeLessThanOrEqual(1e-12 * scale * na * nb));
    }), { numRuns: 30 });
  });
  it('refuses mismatched sizes', () => {
    const a = { rows: 2, cols: 2, data: new Float64Array(4) };
    expect(() => linalg.kronMatVec(a, a, new Float64Array(5))).toThrow(/kronMatVec: x must have length A.cols·B.cols = 2·2 = 4, given 5/);
    expect(() => linalg.kron({ rows: 2, cols: 2, data: new Float64Array(3) }, a)).toThrow(/kron: A is 2×2 but has 3 entries/);
  });
});

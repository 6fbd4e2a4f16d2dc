/**
 * Gram matrices on their lower triangle (src/linalg/gram.ts): K-FAC's factors and the Laplace
 * study's J Σ Jᵀ. The blocks on and below the diagonal are the full product's entries bit for bit
 * (the GEMM's k-blocks depend on K alone), in any row-block size, strided or transposed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addLowerGram, symmetrizeScaled } from '../../src/linalg/gram.ts';
import { gemm } from '../../src/tensor/cpu/gemm.ts';
import { Random, useKernels, wasmAvailable, type KernelKind } from '../../src/tensor/index.ts';
import { kernelChoice } from '../../src/tensor/cpu/kernels.ts';
import { seed } from '../helpers/arbitrary.ts';

const suiteChoice = kernelChoice();
const kinds: KernelKind[] = wasmAvailable() ? ['typescript', 'wasm'] : ['typescript'];

describe('lower-triangle Gram matrices', () => {
  it('lower(M Mᵀ) equals the full GEMM’s lower triangle bit for bit (any block, K across 384-blocks, M read transposed)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 23 }), fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 380, max: 800 })), fc.integer({ min: 1, max: 9 }), fc.boolean(), seed, (d, k, block, transposed, s) => {
      const rng = new Random(s);
      const data = Float64Array.from({ length: d * k }, () => rng.normal());
      const [rowStride, colStride] = transposed ? [1, d] : [k, 1];
      const full = new Float64Array(d * d);
      gemm(d, d, k, data, 0, rowStride, colStride, data, 0, colStride, rowStride, full, 0, d, false);
      // On either kernels: the TypeScript GEMM in place, or the WebAssembly one on a workspace copy.
      const lowers = kinds.map((kind) => {
        useKernels(kind);
        const lower = new Float64Array(d * d);
        addLowerGram(lower, data, d, k, rowStride, colStride, block);
        useKernels(suiteChoice);
        return lower;
      });
      const lower = lowers[0];
      for (const each of lowers) for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) if (!Object.is(each[i * d + j], full[i * d + j])) return false;
      // symmetrizeScaled mirrors the lower triangle: exactly symmetric, the full product scaled.
      symmetrizeScaled(lower, d, 0.5);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (!Object.is(lower[i * d + j], 0.5 * full[Math.max(i, j) * d + Math.min(i, j)])) return false;
      return true;
    }), { numRuns: 80 });
  });

  it('touches nothing above the diagonal blocks', () => {
    const d = 10, k = 7, data = Float64Array.from({ length: d * k }, (_, i) => Math.sin(i));
    const sum = new Float64Array(d * d).fill(NaN);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) sum[i * d + j] = 0;
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) if (Math.floor(i / 4) === Math.floor(j / 4)) sum[i * d + j] = 0;
    addLowerGram(sum, data, d, k, k, 1, 4);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(Number.isNaN(sum[i * d + j]), `${i},${j}`).toBe(j > i && Math.floor(i / 4) !== Math.floor(j / 4));
  });
});

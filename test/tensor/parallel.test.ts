/**
 * The chunked kernels (src/tensor/cpu/parallel.ts) without threads: a call planned for any
 * thread count, its chunks run in any order, gives the single-threaded result bit for bit.
 * This is the property the thread pool relies on (test/node/thread-pool.test.ts runs the
 * same calls on real threads).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convGeometry, matmulGeometry, Random, randn } from '../../src/tensor/index.ts';
import { conv2dCall, conv2dInputGradCall, conv2dWeightGradCall, matmulCall, runCall, runChunk, type KernelCall } from '../../src/tensor/cpu/parallel.ts';
import { gemm } from '../../src/tensor/cpu/gemm.ts';
import { convCase, matmulCase } from '../helpers/arbitrary.ts';

/** Runs a call's chunks in the order `order` (a permutation of 0 … chunks − 1) into a fresh output, then its finish. */
function runInOrder(call: KernelCall, order: readonly number[]): Float64Array {
  const out = new Float64Array(call.outputLength);
  for (const chunk of order) runChunk(call.kind, [call.params, ...call.inputs, out], chunk);
  return call.finish ? call.finish(out) : out;
}

const sameBits = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/** A permutation of 0 … n − 1 from a seeded generator. */
const shuffled = (n: number, s: number): number[] => Array.from(new Random(s).permutation(n));

describe('chunked kernels', () => {
  it('matmul: any thread count and chunk order give the unchunked GEMM bit for bit (transposes, broadcast batches, k beyond one 384 block)', () => {
    fc.assert(fc.property(matmulCase, fc.integer({ min: 1, max: 8 }), ({ batchA, broadcastB, m, k, n, transA, transB, s }, threads) => {
      const rng = new Random(s);
      const aShape = transA ? [batchA, k, m] : [batchA, m, k];
      const bShape = broadcastB ? (transB ? [n, k] : [k, n]) : transB ? [batchA, n, k] : [batchA, k, n];
      const a = randn(aShape, rng).data, b = randn(bShape, rng).data;
      const g = matmulGeometry(aShape, bShape, { transA, transB });
      // The reference: one GEMM per batch over the whole product, as before chunking.
      const want = new Float64Array(g.batch * m * n);
      const [aRow, aCol] = transA ? [1, m] : [k, 1], [bRow, bCol] = transB ? [1, k] : [n, 1];
      for (let t = 0; t < g.batch; t++) gemm(m, n, k, a, g.aOffsets[t], aRow, aCol, b, g.bOffsets[t], bRow, bCol, want, t * m * n, n, false);
      const call = matmulCall(a, b, g, threads);
      expect(sameBits(runInOrder(call, shuffled(call.chunks, s)), want)).toBe(true);
      expect(sameBits(runCall(matmulCall(a, b, g, 1)), want)).toBe(true);
    }), { numRuns: 60 });
  });

  it('conv2d and both adjoints: any thread count and chunk order give the one-thread plan (all images in one chunk) bit for bit', () => {
    fc.assert(fc.property(convCase, fc.integer({ min: 1, max: 8 }), ({ n, c, o, h, w, k, stride, pad, s }, threads) => {
      const rng = new Random(s);
      const g = convGeometry([n, c, h, w], [o, c, k, k], { stride, padding: pad });
      const x = randn([n, c, h, w], rng).data, weight = randn([o, c, k, k], rng).data, gy = randn([n, o, g.ho, g.wo], rng).data;
      const cases: [KernelCall, Float64Array][] = [
        [conv2dCall(x, weight, g, threads), runCall(conv2dCall(x, weight, g, 1))],
        [conv2dInputGradCall(gy, weight, g, threads), runCall(conv2dInputGradCall(gy, weight, g, 1))],
        [conv2dWeightGradCall(x, gy, g), runCall(conv2dWeightGradCall(x, gy, g))],
      ];
      for (const [call, want] of cases) {
        expect(sameBits(runInOrder(call, shuffled(call.chunks, s)), want), call.op).toBe(true);
      }
    }), { numRuns: 60 });
  });

  it('plans every output element into exactly one chunk (matmul blocks tile each product)', () => {
    fc.assert(fc.property(matmulCase, fc.integer({ min: 2, max: 8 }), ({ batchA, m, k, n, s }, threads) => {
      const g = matmulGeometry([batchA, m, k], [k, n]);
      const call = matmulCall(new Float64Array(batchA * m * k), new Float64Array(k * n), g, threads);
      // Count writes per element: a GEMM with A = 1, B = 1 on k = 1 writes 1 wherever a chunk covers.
      const ones = matmulCall(new Float64Array(batchA * m).fill(1), new Float64Array(n).fill(1), matmulGeometry([batchA, m, 1], [1, n]), threads);
      const covered = new Float64Array(ones.outputLength);
      for (const chunk of shuffled(ones.chunks, s)) {
        const part = new Float64Array(ones.outputLength);
        runChunk(ones.kind, [ones.params, ...ones.inputs, part], chunk);
        part.forEach((v, i) => { covered[i] += v; });
      }
      expect(covered.every((v) => v === 1)).toBe(true);
      expect(call.chunks).toBe(ones.chunks);
    }), { numRuns: 40 });
  });

  it('plans empty products as no chunks (k = 0 as zeros) and batches of 2·10⁵ products', () => {
    for (const threads of [1, 2, 5]) {
      expect(matmulCall(new Float64Array(0), new Float64Array(12), matmulGeometry([0, 3], [3, 4]), threads).chunks).toBe(0);
      expect(matmulCall(new Float64Array(6), new Float64Array(0), matmulGeometry([2, 3], [3, 0]), threads).chunks).toBe(0);
      const empty = matmulCall(new Float64Array(0), new Float64Array(0), matmulGeometry([2, 0], [0, 4]), threads);
      expect(Array.from(runInOrder(empty, shuffled(empty.chunks, 1)))).toEqual(new Array(8).fill(0));
    }
    // The offsets of every product travel in params; a spread into Float64Array.of overflowed the stack here.
    const batch = 200_000, rng = new Random(3);
    const a = randn([batch, 1, 2], rng).data, b = randn([batch, 2, 1], rng).data;
    const out = runCall(matmulCall(a, b, matmulGeometry([batch, 1, 2], [batch, 2, 1]), 2));
    expect(out.every((v, t) => Object.is(v, a[2 * t] * b[2 * t] + a[2 * t + 1] * b[2 * t + 1]))).toBe(true);
  });
});

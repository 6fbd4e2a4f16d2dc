/** fast-check generators for shapes, broadcastable shape pairs and seeded tensors. */
import fc from 'fast-check';
import { Random, Tensor } from '../../src/tensor/index.ts';

export const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** A shape of rank in [minRank, maxRank] with dimensions in [1, maxDim]. */
export function shape(minRank = 1, maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/** Two shapes that broadcast together: drop leading dimensions and set some to 1 in each. */
export function broadcastPair(): fc.Arbitrary<[number[], number[]]> {
  return fc
    .tuple(shape(1, 4, 3), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.nat(4), fc.nat(4))
    .map(([out, onesA, onesB, dropA, dropB]) => {
      const a = out.map((d, i) => (onesA[i] ? 1 : d)).slice(Math.min(dropA, out.length));
      const b = out.map((d, i) => (onesB[i] && !onesA[i] ? 1 : d)).slice(Math.min(dropB, out.length));
      return [a, b];
    });
}

/** Uniform entries in [low, high), optionally with a random sign, from a seeded generator. */
export function uniform(shp: readonly number[], rng: Random, low: number, high: number, randomSign = false): Tensor {
  const n = shp.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = low + (high - low) * rng.uniform();
    data[i] = randomSign && rng.uniform() < 0.5 ? -v : v;
  }
  return new Tensor(shp, data);
}

/**
 * Entries whose pairwise gaps are at least `gap` (a shuffled grid plus small noise): max,
 * pooling and maximum then have no near-ties, so finite differences never cross a kink.
 */
export function distinct(shp: readonly number[], rng: Random, gap = 0.05): Tensor {
  const n = shp.reduce((a, b) => a * b, 1);
  const perm = rng.permutation(n);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = (perm[i] - n / 2) * gap * 2 + gap * 0.5 * rng.uniform();
  return new Tensor(shp, data);
}

/** A batched matmul: sizes, transposes, and B shared by every batch (broadcast) or not; k crosses the GEMM's 384 block. */
export const matmulCase = fc.record({
  batchA: fc.integer({ min: 1, max: 3 }), broadcastB: fc.boolean(),
  m: fc.integer({ min: 1, max: 40 }), k: fc.integer({ min: 1, max: 420 }), n: fc.integer({ min: 1, max: 300 }),
  transA: fc.boolean(), transB: fc.boolean(), s: seed,
});

/** A conv2d: batch, channels, image and kernel sizes, stride and padding. */
export const convCase = fc.record({
  n: fc.integer({ min: 1, max: 18 }), c: fc.integer({ min: 1, max: 5 }), o: fc.integer({ min: 1, max: 9 }),
  h: fc.integer({ min: 3, max: 11 }), w: fc.integer({ min: 3, max: 11 }), k: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }), pad: fc.integer({ min: 0, max: 1 }), s: seed,
});

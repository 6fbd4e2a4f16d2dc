/**
 * Seeded random numbers: xoshiro128** (Blackman & Vigna, 2018), 32-bit state words so the
 * arithmetic is exact in JavaScript (Math.imul, >>> 0). The same seed gives bit-identical
 * streams on every platform. There is no global generator: pass one in (docs/DESIGN.md).
 */
import { fail } from './errors.ts';

/** splitmix32: spreads an integer seed over the four state words (the authors' advice). */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The seeded generator (xoshiro128**): the only source of randomness; the same seed gives the same stream on every platform. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second Box–Muller variate, kept so normals come in pairs deterministically. */
  private spareNormal: number | null = null;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) fail('Random', `seed must be a safe integer, given ${seed}`);
    // Fold the high bits of seeds above 2^32 in, so that nearby 53-bit seeds differ.
    const st = { s: (seed | 0) ^ Math.floor(seed / 0x100000000) };
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
  }

  /**
   * A generator with an explicit xoshiro128** state (four 32-bit words, not all zero), for
   * comparison with the authors' reference implementation.
   */
  static fromState(state: readonly [number, number, number, number]): Random {
    if (state.every((w) => (w >>> 0) === 0)) fail('Random.fromState', 'the state must not be all zero');
    const r = new Random(0);
    [r.s0, r.s1, r.s2, r.s3] = state.map((w) => w | 0);
    return r;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (every float64 multiple of 2^-53). */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal by the Box–Muller transform. */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling), for 1 ≤ n ≤ 2^32. */
  integer(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      fail('Random.integer', `n must be an integer in [1, 2^32], given ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n); // largest multiple of n ≤ 2^32
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) fail('Random.permutation', `n must be a non-negative integer, given ${n}`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * One draw from the categorical distribution with the given probabilities (non-negative,
   * summing to 1 within 1e-9) by inverting the cumulative sum.
   */
  categorical(probs: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < probs.length; i++) {
      const p = probs[i];
      if (!(p >= 0) || !Number.isFinite(p)) fail('Random.categorical', `probabilities must be finite and ≥ 0, given ${p} at index ${i}`);
      total += p;
    }
    if (probs.length === 0 || Math.abs(total - 1) > 1e-9) {
      fail('Random.categorical', `probabilities must sum to 1, given a sum of ${total} over ${probs.length} entries`);
    }
    const u = this.uniform() * total;
    let acc = 0;
    for (let i = 0; i < probs.length; i++) {
      acc += probs[i];
      if (u < acc) return i;
    }
    // Rounding can leave u ≥ the final cumulative sum: return the last class with mass.
    for (let i = probs.length - 1; i >= 0; i--) if (probs[i] > 0) return i;
    return probs.length - 1;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** linearize replays one recorded forward pass for both J v and Jᵀ u. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.ts';
import type { Value } from '../../src/autodiff/index.ts';
import { Random, randn, Tensor } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { expectClose } from '../helpers/derivatives.ts';

/** conv → relu → max pool → linear, with a skip through the input (every op kind on the tape). */
function network(x: Tensor) {
  return ([w1, b1, w2]: readonly Value[]): Value => {
    const h = ad.maxPool2d(ad.relu(ad.add(ad.conv2d(x, w1, { padding: 1 }), ad.reshape(b1, [1, 2, 1, 1]))), { kernel: 2 });
    const z = ad.matmul(ad.reshape(h, [x.shape[0], -1]), w2, { transB: true });
    return ad.add(ad.logSoftmax(z, 1), ad.mul(ad.sum(ad.tanh(w2)), 0.1));
  };
}

describe('linearize', () => {
  it('pushforward equals jvp and pullback equals vjp, without evaluating f again', () => {
    fc.assert(fc.property(seed, (s) => {
      const rng = new Random(s);
      const x = randn([3, 1, 4, 4], rng);
      const params = [randn([2, 1, 3, 3], rng), randn([2], rng), randn([3, 8], rng)];
      const f = network(x);
      const v = params.map((p) => randn(p.shape, rng));
      let calls = 0;
      const counted = (ps: readonly Value[]) => (calls++, f(ps));
      const [y, pushforward, pullback] = ad.linearize(counted, params);
      const jv = ad.concrete(pushforward(v)).data;
      const u = randn(y.shape, rng);
      const jtu = pullback(u).map((g) => ad.concrete(g).data);
      expect(calls).toBe(1);
      // Same rules on the same primals: equal up to the order of accumulation.
      expectClose(jv, ad.concrete(ad.jvp(f, params, v)[1]).data, 1e-14, 'pushforward vs jvp');
      ad.vjp(f, params)[1](u).forEach((g, i) => expectClose(jtu[i], ad.concrete(g).data, 1e-14, 'pullback vs vjp'));
    }), { numRuns: 20 });
  });
  it('an output that does not depend on the input has a zero tangent; shapes are checked', () => {
    const c = randn([2], new Random(1));
    const [, pushforward] = ad.linearize((_x: Value) => c, randn([3], new Random(2)));
    expect(Array.from(ad.concrete(pushforward(randn([3], new Random(3)))).data)).toEqual([0, 0]);
    const [, push2] = ad.linearize((x: Value) => ad.mul(x, 2), randn([3], new Random(2)));
    expect(() => push2(randn([4], new Random(3)))).toThrow(/linearize: tangent 0 must have the primal's shape \[3\], given \[4\]/);
  });
});

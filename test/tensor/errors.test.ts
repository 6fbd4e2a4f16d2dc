/** Bad input throws an MbquadError naming the op, what it expected and what it was given. */
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.ts';
import * as T from '../../src/tensor/index.ts';
import { MbquadError, Random, randn, tensor, zeros } from '../../src/tensor/index.ts';

const rng = new Random(0);
const expectError = (f: () => unknown, pattern: RegExp) => {
  expect(f).toThrow(MbquadError);
  expect(f).toThrow(pattern);
};

describe('shape errors', () => {
  it('incompatible broadcast names both shapes (tensor and autodiff ops alike)', () => {
    expectError(() => T.add(zeros([2, 3]), zeros([4, 3])), /add: shapes \[2,3\] and \[4,3\] cannot be broadcast together/);
    expectError(() => ad.mul(zeros([3]), zeros([2])), /mul: shapes \[3\] and \[2\] cannot be broadcast/);
    expectError(() => T.broadcastTo(zeros([3]), [2, 4]), /broadcastTo: cannot broadcast \[3\] to \[2,4\]/);
  });
  it('matmul inner-dimension mismatch names both shapes and k', () => {
    expectError(() => T.matmul(zeros([2, 3]), zeros([4, 5])), /matmul: inner dimensions differ: a \[2,3\] has k = 3, b \[4,5\] has k = 4/);
    expectError(() => ad.matmul(zeros([2, 3]), zeros([5, 3]), { transB: false }), /matmul: inner dimensions differ/);
    expectError(() => T.matmul(zeros([3]), zeros([4, 2])), /matmul: inner dimensions differ: a \[1,3\] has k = 3, b \[4,2\] has k = 4/);
    expectError(() => T.matmul(zeros([2, 2, 3]), zeros([3, 3, 1])), /matmul: shapes \[2\] and \[3\] cannot be broadcast/);
  });
  it('conv channel mismatch and kernels larger than the padded input', () => {
    expectError(() => T.conv2d(zeros([1, 3, 5, 5]), zeros([2, 4, 3, 3])), /conv2d: channel mismatch: input \[1,3,5,5\] has 3 channels, weight \[2,4,3,3\] expects 4/);
    expectError(() => ad.conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 5, 5]), { padding: 1 }), /conv2d: kernel height 5 is larger than the padded input height 2 \+ 2·1 = 4/);
    expectError(() => T.conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), { stride: 0 }), /conv2d: stride must be an integer ≥ 1/);
    expectError(() => T.conv2d(zeros([1, 4, 4]), zeros([1, 1, 3, 3])), /conv2d: input must be 4-D \[n, c, h, w\], given \[1,4,4\]/);
  });
  it('pooling: kernel larger than the padded input, padding over half the kernel', () => {
    expectError(() => T.maxPool2d(zeros([1, 1, 2, 2]), { kernel: 3 }), /maxPool2d: kernel height 3 is larger than the padded input height 2/);
    expectError(() => ad.avgPool2d(zeros([1, 1, 4, 4]), { kernel: 2, padding: 2 }), /avgPool2d: padding must be at most half the kernel size/);
  });
  it('invalid axes', () => {
    expectError(() => T.sum(zeros([2, 3]), 2), /sum: axis must be an integer in \[-2, 1\] for a rank-2 input, given 2/);
    expectError(() => ad.logsumexp(zeros([2, 3]), 1.5), /logsumexp: axis must be an integer/);
    expectError(() => T.sum(zeros([2, 3]), [0, -2]), /sum: axes must be distinct/);
    expectError(() => ad.permute(zeros([2, 3]), [0, 0]), /permute: expected a permutation of 0..1, given \[0,0\]/);
    expectError(() => T.mean(zeros([2, 0]), 1), /mean: cannot average over an empty axis of \[2,0\]/);
  });
  it('non-integer or negative shapes, wrong-length data, bad reshapes', () => {
    expectError(() => zeros([2, -1]), /zeros: shape entries must be non-negative integers, given \[2,-1\]/);
    expectError(() => zeros([2.5]), /zeros: shape entries must be non-negative integers/);
    expectError(() => tensor([1, 2, 3], [2, 2]), /tensor: data length 3 does not match shape \[2,2\] \(size 4\)/);
    expectError(() => tensor([[1, 2], [3]]), /tensor: nested arrays are not rectangular/);
    expectError(() => T.reshape(zeros([2, 3]), [4, 2]), /reshape: cannot reshape \[2,3\] \(size 6\) to \[4,2\] \(size 8\)/);
    expectError(() => T.slice(zeros([4]), [2], [1]), /slice: axis 0 of \[4\]: need integers 0 ≤ begin ≤ end ≤ 4, given \[2, 1\)/);
    expectError(() => T.gather(zeros([3]), Int32Array.of(3), [1]), /gather: index 3 at position 0 is outside \[0, 3\)/);
  });
  it('transformations check tangent and cotangent shapes', () => {
    const x = randn([3], rng);
    expectError(() => ad.jvp((z: ad.Value) => z, x, zeros([4])), /jvp: tangent 0 must have the primal's shape \[3\], given \[4\]/);
    const [, pullback] = ad.vjp((z: ad.Value) => ad.sum(z), x);
    expectError(() => pullback(zeros([2])), /vjp: cotangent must have the output's shape \[\], given \[2\]/);
  });
  it('the generator rejects bad arguments', () => {
    expectError(() => new Random(1.5), /Random: seed must be a safe integer/);
    expectError(() => rng.integer(0), /Random.integer: n must be an integer in \[1, 2\^32\], given 0/);
    expectError(() => rng.categorical([0.5, 0.6]), /Random.categorical: probabilities must sum to 1/);
    expectError(() => rng.categorical([1.5, -0.5]), /Random.categorical: probabilities must be finite and ≥ 0/);
  });
});

/** Exact Hessian-vector products (forward-over-reverse) and the transformations around them. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.ts';
import type { Value } from '../../src/autodiff/index.ts';
import { concrete } from '../../src/autodiff/index.ts';
import { Random, randn, Tensor, tensor } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { dot, expectClose, finiteDifference, FD_TOLERANCE, norm } from '../helpers/derivatives.ts';

const flat = (vs: readonly Value[]): Float64Array => {
  const parts = vs.map((v) => concrete(v).data);
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

/** Softmax cross-entropy, mean over the batch: mean_n (logsumexp(z_n) − z_{n,y_n}) (Eq. 13). */
function crossEntropy(logits: Value, labels: Int32Array): Value {
  const [n, c] = logits.shape;
  const picked = ad.gather(logits, Int32Array.from(labels, (y, i) => i * c + y), [n]);
  return ad.mean(ad.sub(ad.logsumexp(logits, 1), picked));
}

interface Net {
  params: Tensor[];
  loss: (params: readonly Value[]) => Value;
}

/** conv(1→3, 3×3, pad 1) + bias → act → pool 2 → flatten → linear(→4) + bias → cross-entropy. */
function smallConvNet(rng: Random, kind: 'smooth' | 'relu'): Net {
  const x = randn([3, 1, 6, 6], rng);
  const labels = Int32Array.from({ length: 3 }, () => rng.integer(4));
  const params = [randn([3, 1, 3, 3], rng), randn([3], rng), ad.mul(randn([4, 27], rng), 0.3) as Tensor, randn([4], rng)];
  const loss = ([w1, b1, w2, b2]: readonly Value[]): Value => {
    let h = ad.add(ad.conv2d(x, w1, { padding: 1 }), ad.reshape(b1, [1, 3, 1, 1]));
    h = kind === 'smooth' ? ad.avgPool2d(ad.tanh(h), { kernel: 2 }) : ad.maxPool2d(ad.relu(h), { kernel: 2 });
    const z = ad.add(ad.matmul(ad.reshape(h, [3, 27]), w2, { transB: true }), b2);
    return crossEntropy(z, labels);
  };
  return { params, loss };
}

describe('hvp', () => {
  // Cross-entropy of a network has larger high-order derivatives than the single primitives, so
  // the stencil's h⁴ truncation term needs a smaller step here: at h = 1e-3 seed 2 is off by
  // 1e-8, and the error falls 16× per halving of h (pure truncation, no kink crossed) down to
  // 1.5e-12 at h = 1e-4. h = 2.5e-4 keeps truncation ≲ 4e-11 and rounding ≲ 1e-12.
  const NET_STEP = 2.5e-4;

  it('of f(x) = ½ xᵀ A x + bᵀ x is A v, to rounding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), seed, (n, s) => {
        const rng = new Random(s);
        const m = randn([n, n], rng);
        const A = ad.add(m, ad.transpose(m)) as Tensor;
        const b = randn([n, 1], rng), x = randn([n, 1], rng), v = randn([n, 1], rng);
        const f = (z: Value) => ad.add(ad.mul(0.5, ad.sum(ad.mul(z, ad.matmul(A, z)))), ad.sum(ad.mul(b, z)));
        // The rules give ½(A + Aᵀ)v = Av for symmetric A; only summation order differs.
        expectClose(concrete(ad.hvp(f, x, v)).data, concrete(ad.matmul(A, v)).data, 1e-14, 'hvp of a quadratic');
        expectClose(concrete(ad.grad(f)(x)).data, concrete(ad.add(ad.matmul(A, x), b)).data, 1e-14, 'grad of a quadratic');
      }),
      { numRuns: 30 },
    );
  });

  it('is symmetric: ⟨u, H v⟩ = ⟨v, H u⟩ (conv net, cross-entropy)', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const rng = new Random(s);
        const net = smallConvNet(rng, 'smooth');
        const u = net.params.map((p) => randn(p.shape, rng)), v = net.params.map((p) => randn(p.shape, rng));
        const hv = flat(ad.hvp(net.loss, net.params, v)), hu = flat(ad.hvp(net.loss, net.params, u));
        const uHv = dot(flat(u), hv), vHu = dot(flat(v), hu);
        // Both are exact; rounding is relative to ‖u‖‖Hv‖.
        expect(Math.abs(uHv - vHu)).toBeLessThanOrEqual(1e-12 * norm(flat(u)) * norm(hv));
      }),
      { numRuns: 10 },
    );
  });

  /** Exact H·v against finite differences of grad along a max-norm-1 direction v. */
  function checkAgainstFiniteDifferences(net: Net, rng: Random, what: string): void {
    const v = net.params.map((p) => randn(p.shape, rng));
    const scale = Math.max(...flat(v).map(Math.abs));
    const vUnit = v.map((t) => new Tensor(t.shape, t.data.map((e) => e / scale)));
    const g = ad.grad(net.loss);
    const fd = finiteDifference((ps) => flat(g(ps)), net.params, vUnit, NET_STEP);
    expectClose(flat(ad.hvp(net.loss, net.params, vUnit)), fd, FD_TOLERANCE, what, norm(flat(g(net.params))));
  }

  it('equals finite differences of grad on a smooth conv net (tanh, average pooling)', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const rng = new Random(s);
        checkAgainstFiniteDifferences(smallConvNet(rng, 'smooth'), rng, 'hvp vs FD of grad');
      }),
      { numRuns: 10 },
    );
  });

  it('equals finite differences of grad on a ReLU + max-pool conv net (fixed seeds, away from kinks)', () => {
    for (const s of [1, 2, 3]) {
      const rng = new Random(s);
      checkAgainstFiniteDifferences(smallConvNet(rng, 'relu'), rng, `hvp vs FD of grad (seed ${s})`);
    }
  });

  it('valueAndGrad agrees with grad and refuses non-scalar outputs', () => {
    const net = smallConvNet(new Random(4), 'smooth');
    const [value, gradient] = ad.valueAndGrad(net.loss)(net.params);
    expect(concrete(value).item()).toBe(concrete(net.loss(net.params)).item());
    expect(flat(gradient)).toEqual(flat(ad.grad(net.loss)(net.params)));
    expect(() => ad.grad((x: Value) => ad.mul(x, 2))(tensor([1, 2]))).toThrow(/grad: f must return a single number/);
  });
});

describe('nested transformations keep their levels apart', () => {
  it('d/dx [x · d/dy (x·y)] = 2x (no perturbation confusion)', () => {
    const x0 = tensor(3);
    const inner = (x: Value) => ad.grad((y: Value) => ad.mul(x, y))(tensor(1));
    const outer = ad.grad((x: Value) => ad.mul(x, inner(x)));
    expect(concrete(outer(x0)).item()).toBe(6);
  });
  it('third derivative of x⁴ by nesting jvp over hvp is 24x', () => {
    const f = (x: Value) => ad.square(ad.square(x));
    const third = ad.jvp((x: Value) => ad.hvp(f, x, tensor(1)), tensor(2), tensor(1))[1];
    expect(concrete(third).item()).toBe(48);
  });
  it('a function that ignores its input has zero derivatives', () => {
    const c = tensor([1, 2]);
    expect(Array.from(concrete(ad.grad((_x: Value) => ad.sum(c))(tensor([5, 6]))).data)).toEqual([0, 0]);
    expect(Array.from(concrete(ad.jvp((_x: Value) => c, tensor([5, 6]), tensor([1, 1]))[1]).data)).toEqual([0, 0]);
  });
});

describe('kinks and ties follow PyTorch', () => {
  const g = (f: (x: Value) => Value, x: Tensor) => Array.from(concrete(ad.grad(f)(x)).data);
  it("relu'(0) = 0 and abs'(0) = 0", () => {
    expect(g((x) => ad.sum(ad.relu(x)), tensor([-1, 0, 2]))).toEqual([0, 0, 1]);
    expect(g((x) => ad.sum(ad.abs(x)), tensor([-1, 0, 2]))).toEqual([-1, 0, 1]);
  });
  it('maximum splits the gradient evenly at ties', () => {
    const [ga, gb] = ad.grad(([a, b]: readonly Value[]) => ad.sum(ad.maximum(a, b)))([tensor([1, 2, 3]), tensor([1, 5, 0])]);
    expect(Array.from(concrete(ga).data)).toEqual([0.5, 0, 1]);
    expect(Array.from(concrete(gb).data)).toEqual([0.5, 1, 0]);
  });
  it('max and max pooling send the gradient to the first maximum in row-major order', () => {
    expect(g((x) => ad.sum(ad.max(x, 0)), tensor([2, 7, 7, 1]))).toEqual([0, 1, 0, 0]);
    const img = tensor([[[[1, 4], [4, 4]]]]);
    expect(g((x) => ad.sum(ad.maxPool2d(x, { kernel: 2 })), img)).toEqual([0, 1, 0, 0]);
  });
});

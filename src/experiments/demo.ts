/**
 * `npm run demo`: the engine's main job for now. A small convolutional network with softmax
 * cross-entropy on seeded random data; its exact Hessian-vector product (forward-over-reverse)
 * is compared with central finite differences of the gradient at shrinking steps: the
 * difference falls like h² until rounding (≈ ε/h) takes over, while the exact product needs
 * no step at all.
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { concrete } from '../autodiff/index.ts';
import { Random, randn, Tensor } from '../tensor/index.ts';

const rng = new Random(2026);
const batch = 16, classes = 10;
const inputs = randn([batch, 1, 8, 8], rng);
const labels = Int32Array.from({ length: batch }, () => rng.integer(classes));

/** He-style scaled normal initialization. */
const init = (shape: number[], fanIn: number) => ad.mul(randn(shape, rng), Math.sqrt(2 / fanIn)) as Tensor;
const params = [init([4, 1, 3, 3], 9), init([4], 9), init([classes, 64], 64), init([classes], 64)];

/** conv 1→4 (3×3, pad 1) → tanh → avg-pool 2 → flatten → linear 64→10 → mean cross-entropy (Eq. 13). */
function loss([w1, b1, w2, b2]: readonly Value[]): Value {
  const h = ad.avgPool2d(ad.tanh(ad.add(ad.conv2d(inputs, w1, { padding: 1 }), ad.reshape(b1, [1, 4, 1, 1]))), { kernel: 2 });
  const logits = ad.add(ad.matmul(ad.reshape(h, [batch, 64]), w2, { transB: true }), b2);
  const picked = ad.gather(logits, Int32Array.from(labels, (y, n) => n * classes + y), [batch]);
  return ad.mean(ad.sub(ad.logsumexp(logits, 1), picked));
}

const flat = (vs: readonly Value[]): Float64Array => Float64Array.from(vs.flatMap((v) => Array.from(concrete(v).data)));
const norm = (a: Float64Array): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const P = params.reduce((s, p) => s + p.size, 0);

const v = params.map((p) => randn(p.shape, rng));
const gradient = ad.grad(loss);
const t0 = performance.now();
const g = flat(gradient(params));
const t1 = performance.now();
const hv = flat(ad.hvp(loss, params, v));
const t2 = performance.now();

console.log(`mbquad demo: exact Hessian-vector product of a small conv net (P = ${P} parameters, batch ${batch})`);
console.log(`loss ${concrete(loss(params)).item().toFixed(6)}, ‖gradient‖ ${norm(g).toExponential(4)}, ‖H v‖ ${norm(hv).toExponential(4)}`);
console.log(`time: gradient ${(t1 - t0).toFixed(1)} ms, HVP ${(t2 - t1).toFixed(1)} ms (first calls, including JIT warm-up)\n`);
console.log('central finite differences of the gradient, [g(θ + h v) − g(θ − h v)] / 2h, against the exact H v:');
console.log('      h        ‖FD − Hv‖ / ‖Hv‖');
for (const h of [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]) {
  const shift = (s: number) => params.map((p, i) => ad.add(p, ad.mul(v[i], s * h)) as Tensor);
  const plus = flat(gradient(shift(1))), minus = flat(gradient(shift(-1)));
  const fd = plus.map((x, i) => (x - minus[i]) / (2 * h));
  const err = norm(fd.map((x, i) => x - hv[i])) / norm(hv);
  console.log(`  ${h.toExponential(0).padStart(6)}   ${err.toExponential(2)}`);
}
console.log('\nThe exact product is reached by no step: truncation (∝ h²) and rounding (∝ 1/h) bound the finite difference.');

/**
 * `npm run demo` (the main job for now): trains a small CNN on the shipped digits data, then
 * shows that its exact Hessian-vector product (forward-over-reverse) on a mini-batch is what
 * central finite differences of the gradient approach — the difference falls like h² until
 * rounding (≈ ε/h) takes over, while the exact product needs no step at all.
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { concrete } from '../autodiff/index.ts';
import { batchOf, partitionBatches } from '../nn/data/dataset.ts';
import { crossEntropy } from '../nn/losses.ts';
import { fromSpec } from '../nn/model.ts';
import { convNet } from '../nn/presets.ts';
import { defaultTrainSettings, initialTrainState, train, type TrainSettings } from '../nn/train.ts';
import { Random, randn, Tensor } from '../tensor/index.ts';
import { loadDigitsSplit } from '../node/datasets.ts';

const data = loadDigitsSplit();
const model = fromSpec(convNet([1, 8, 8], 10, 1, 16));
const settings: TrainSettings = defaultTrainSettings();
console.log(`mbquad demo\n\n1. Train a small CNN on the digits data (${data.train.targets.length} training, ${data.test.targets.length} test images)\n${model.summary()}`);
const started = performance.now();
const trained = train(model, data, settings, initialTrainState(model, settings), {
  onEpoch: (_s, m) => {
    if (m.epoch % 5 === 0) console.log(`  epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}, test accuracy ${(100 * m.testAccuracy!).toFixed(2)}%`);
  },
});
console.log(`  trained in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

const batch = batchOf(data.train, partitionBatches(data.train.targets.length, 128, new Random(1), 'drop')[0]);
const inputs = new Tensor([128, 1, 8, 8], batch.inputs);
const loss = ([theta]: readonly Value[]): Value => crossEntropy(model.forward(theta, inputs), batch.targets as Int32Array);
const theta = new Tensor([model.numParams], trained.params);
const norm = (a: Float64Array): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const direction = randn([model.numParams], new Random(2));
const v = new Tensor(direction.shape, direction.data.map((x) => x / norm(direction.data))); // ‖v‖ = 1
const gradient = ad.grad(loss);
const hv = concrete(ad.hvp(loss, [theta], [v])[0]).data;

console.log(`2. Exact Hessian-vector product of the mini-batch loss (batch 128, P = ${model.numParams}) at the trained θ`);
console.log(`  ‖H v‖ = ${norm(hv).toExponential(6)} for a random unit vector v`);
console.log('  central differences of the gradient, [g(θ + h v) − g(θ − h v)] / 2h, vs the exact H v:');
console.log('        h     ‖FD − Hv‖ / ‖Hv‖');
for (const h of [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]) {
  const at = (s: number) => concrete(gradient([ad.add(theta, ad.mul(v, s * h))])[0]).data;
  const plus = at(1), minus = at(-1);
  const fd = plus.map((x, i) => (x - minus[i]) / (2 * h));
  console.log(`    ${h.toExponential(0).padStart(6)}   ${(norm(fd.map((x, i) => x - hv[i])) / norm(hv)).toExponential(2)}`);
}
console.log('  No step reaches the exact product: truncation (∝ h², plus ReLU kinks crossed at large h)\n  and rounding (∝ 1/h) bound the finite difference.');

/**
 * The paper's two applications with the library directly: debiased CG (Eq. 8, 12) against CG on
 * one batch, and a debiased K-FAC Laplace approximation (Eq. 9) against a single-batch one, on a
 * small MLP trained on the shipped digits.
 * Run: npx tsx --conditions=source examples/debiased-cg-and-laplace.ts
 */
import { curvature, linalg, nn, Random } from 'mbquad';
import { loadDigitsSplit } from 'mbquad/node';
const data = loadDigitsSplit();
const model = nn.fromSpec({ input: [1, 8, 8], layers: [{ type: 'flatten' }, { type: 'linear', out: 32 }, { type: 'tanh' }, { type: 'linear', out: 10 }] });
const settings: nn.TrainSettings = { ...nn.paperStyleTrainSettings(), epochs: 20, milestones: [10, 15] };
const { params } = nn.train(model, data, settings, nn.initialTrainState(model, settings));
const problem = curvature.problem({ model, loss: 'cross_entropy', weightDecay: settings.weightDecay, params });
const order = new Random(1).permutation(data.train.targets.length);
const [first, second] = [nn.batchOf(data.train, order.slice(0, 64)), nn.batchOf(data.train, order.slice(64, 128))];
const both = nn.batchOf(data.train, order.slice(0, 128));

// #region cg
// Minimize the GGN quadratic of a batch, (G_B + λD) x = −g_B: plain CG on all 128 examples against
// debiased CG, directions from the first 64 and step sizes re-measured on the other 64 (Eq. 8).
const quadratic = (b: nn.Batch) => ({ op: curvature.ggnOperator(problem, b), rhs: curvature.gradient(problem, b).map((v) => -v) });
const [q, q1, q2] = [quadratic(both), quadratic(first), quadratic(second)];
const single = linalg.cg(q.op, q.rhs, { maxIter: 30, tol: 0 });
const debiased = linalg.debiasedCg(q1.op, q1.rhs, q2.op, q2.rhs, { maxIter: 30, tol: 0 });
const testAccuracy = (x: Float64Array) => nn.evaluate(model, params.map((v, i) => v + x[i]), data.test).accuracy;
console.log(`test accuracy: θ0 ${testAccuracy(new Float64Array(params.length)).toFixed(3)}, after 30 steps: `
  + `single-batch CG ${testAccuracy(single.x).toFixed(3)}, debiased CG ${testAccuracy(debiased.iterates.at(-1)!).toFixed(3)}`);
// #endregion cg
if (debiased.matvecs !== 2 * debiased.steps.length) throw new Error('debiased CG: one product with each operator per step');

// #region laplace
// Laplace approximations Σ = (N·K + δI)⁻¹ from one batch's K-FAC and from the debiased K-FAC
// (B1's eigenbases, B2's eigenvalues), and their linearized predictives on the test set (Eq. 18).
const options = { dataSize: data.train.targets.length, priorPrecision: 10 };
const approximations = {
  'single-batch (128)': curvature.laplace(problem, curvature.kfac(problem, both), options),
  'debiased (64 + 64)': curvature.laplace(problem, curvature.debiasKfac(curvature.kfac(problem, first), curvature.kfac(problem, second)), options),
};
const count = data.test.targets.length;
for (const [name, la] of Object.entries(approximations)) {
  const probs = la.predictive(data.test.inputs, count, { samples: 30, rng: new Random(0) });
  console.log(`${name} LA at δ = 10: test NLL ${nn.metrics.nll(probs, data.test.targets).toFixed(3)}, `
    + `ECE ${nn.metrics.ece(probs, data.test.targets).toFixed(3)}, accuracy ${nn.metrics.accuracy(probs, data.test.targets).toFixed(3)}`);
}
// #endregion laplace

/**
 * The CG experiment (Fig. 5, Fig. 13) recomputed densely: per batch the GGN matrix G_B + λD
 * (curvature.ggnMatrix, itself tested against the explicit matrix) and the gradient g_B; CG on
 * the dense quadratic written here; debiased CG in its naive form (two products per step,
 * τ̃_k = −d_kᵀ(g2 + B2 x̃_k)/d_kᵀB2 d_k, Eq. 8) — never through linalg.cg or debiasedCg; and the
 * metrics from the network's logits with a log-softmax, argmax and (λ/2)‖θ_w‖² written here.
 * Tolerance: the dense and the operator products differ by rounding (~1e-16 relative), which
 * K = 4 CG steps on this well-conditioned problem (λ = 0.05) amplify only mildly: measured, every
 * compared number agrees to better than 1e-14 relative; 1e-12 leaves a factor 100 for other
 * machines' rounding while any mistake in the method (a wrong batch, a factor 2) is off by ≫ 1e-6.
 */
import { describe, expect, it } from 'vitest';
import { curvature, nn } from '../../src/index.ts';
import { partitionBatches, batchOf, type Dataset } from '../../src/nn/data/dataset.ts';
import { Random } from '../../src/tensor/index.ts';
import * as ad from '../../src/autodiff/index.ts';
import { matVec } from '../helpers/matrices.ts';

const model = nn.fromSpec({ input: [1, 4, 4], layers: [{ type: 'conv2d', out: 2, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 3 }] });
const P = model.numParams;
const rng = new Random(4);
const dataset = (name: string, n: number): Dataset => ({
  name, inputShape: [1, 4, 4], numClasses: 3,
  inputs: Float64Array.from({ length: n * 16 }, () => rng.normal()), targets: Int32Array.from({ length: n }, () => rng.integer(3)),
});
const train = dataset('train', 27), test = dataset('test', 9);
const lambda = 0.05;
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: lambda, params: model.init(rng) });
const K = 4;

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a: Float64Array) => Math.sqrt(dot(a, a));

/** CG on ½xᵀBx + gᵀx from 0, K steps, dense (MATH.md §2): the iterates and directions d_k. */
function denseCg(B: Float64Array, g: Float64Array): { iterates: Float64Array[]; directions: Float64Array[] } {
  let x = new Float64Array(P);
  const r = g.slice();
  let p_ = r.map((v) => -v);
  const iterates = [x], directions: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const Bp = matVec(B, P, p_);
    const alpha = dot(r, r) / dot(p_, Bp);
    directions.push(p_.map((v) => v / norm(p_)));
    x = x.map((v, i) => v + alpha * p_[i]);
    const rrOld = dot(r, r);
    for (let i = 0; i < P; i++) r[i] += alpha * Bp[i];
    const beta = dot(r, r) / rrOld;
    p_ = p_.map((v, i) => -r[i] + beta * v);
    iterates.push(x);
  }
  return { iterates, directions };
}

/** Regularized cross-entropy and accuracy at θ on a data set, by hand from the logits. */
function metricsAt(theta: Float64Array, d: Dataset): { loss: number; accuracy: number } {
  const logits = ad.concrete(model.forward(theta, model.inputTensor(d.inputs))).data;
  const n = d.targets.length;
  let loss = 0, correct = 0;
  for (let i = 0; i < n; i++) {
    const z = Array.from(logits.subarray(3 * i, 3 * i + 3));
    const max = Math.max(...z);
    loss += max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0)) - z[d.targets[i]];
    if (z.indexOf(max) === d.targets[i]) correct++;
  }
  const mask = model.weightMask();
  const reg = 0.5 * lambda * theta.reduce((s, v, i) => s + mask[i] * v * v, 0);
  return { loss: loss / n + reg, accuracy: correct / n };
}

function expectTrajectory(t: curvature.CgTrajectory, iterates: Float64Array[]) {
  expect(t.iterations).toBe(K);
  expect(t.reason).toBe('maxiter');
  const scale = Math.max(...iterates.map(norm));
  iterates.forEach((x, k) => {
    expect(Math.abs(t.distances[k] - norm(x))).toBeLessThanOrEqual(1e-12 * scale);
    const theta = p.params.map((v, i) => v + x[i]);
    const onTrain = metricsAt(theta, train), onTest = metricsAt(theta, test);
    expect(Math.abs(t.metrics.trainLoss[k] - onTrain.loss)).toBeLessThanOrEqual(1e-12 * Math.max(1, onTrain.loss));
    expect(Math.abs(t.metrics.testLoss![k] - onTest.loss)).toBeLessThanOrEqual(1e-12 * Math.max(1, onTest.loss));
    expect(t.metrics.trainAccuracy[k]).toBe(onTrain.accuracy);
    expect(t.metrics.testAccuracy![k]).toBe(onTest.accuracy);
    if (k > 0) expect(Math.abs(t.steps[k - 1] - norm(x.map((v, i) => v - iterates[k - 1][i])))).toBeLessThanOrEqual(1e-12 * scale);
  });
}

describe('CG experiment against a dense recomputation', () => {
  const study = curvature.cgStudy(p, train, test, { batchSizes: [8, 6], iterations: K, repeats: 2, seed: 3 });
  const quadratic = (b: { inputs: Float64Array; targets: Int32Array | Float64Array }) => ({ B: curvature.ggnMatrix(p, b), g: curvature.gradient(p, b) });

  it('single-batch and debiased trajectories at every size, evaluated at θ0 + x_k', () => {
    expect(study.sizes.map((z) => [z.batchSize, z.numHalves])).toEqual([[8, 6], [6, 9]]);
    for (const size of study.sizes) {
      const halves = partitionBatches(27, size.batchSize / 2, new Random(3), 'drop');
      for (let r = 0; r < 2; r++) {
        const union = quadratic(batchOf(train, [...halves[2 * r], ...halves[2 * r + 1]]));
        const single = size.trajectories.find((t) => t.method === 'single' && t.repeat === r)!;
        expect([single.directionExamples, single.stepExamples, single.matvecs]).toEqual([size.batchSize, size.batchSize, K]);
        expectTrajectory(single, denseCg(union.B, union.g).iterates);

        const q1 = quadratic(batchOf(train, halves[2 * r])), q2 = quadratic(batchOf(train, halves[2 * r + 1]));
        const { directions } = denseCg(q1.B, q1.g);
        let x = new Float64Array(P);
        const iterates = [x];
        for (const d of directions) {
          const gradient2 = matVec(q2.B, P, x).map((v, i) => v + q2.g[i]); // g2 + B2 x̃_k
          const step = -dot(d, gradient2) / dot(d, matVec(q2.B, P, d)); //  Eq. 8
          x = x.map((v, i) => v + step * d[i]);
          iterates.push(x);
        }
        const debiased = size.trajectories.find((t) => t.method === 'debiased' && t.repeat === r)!;
        expect([debiased.directionExamples, debiased.stepExamples, debiased.matvecs]).toEqual([size.batchSize / 2, size.batchSize / 2, 2 * K]);
        expectTrajectory(debiased, iterates);
      }
    }
  });

  it('the full-batch variants (Fig. 13): all 27 examples, and the two seeded halves of 13', () => {
    const [full, debiasedFull] = study.fullBatch!.trajectories;
    const whole = quadratic({ inputs: train.inputs, targets: train.targets });
    expectTrajectory(full, denseCg(whole.B, whole.g).iterates);
    const [a, b] = partitionBatches(27, 13, new Random(3), 'drop');
    const q1 = quadratic(batchOf(train, a)), q2 = quadratic(batchOf(train, b));
    let x = new Float64Array(P);
    const iterates = [x];
    for (const d of denseCg(q1.B, q1.g).directions) {
      const step = -dot(d, matVec(q2.B, P, x).map((v, i) => v + q2.g[i])) / dot(d, matVec(q2.B, P, d));
      x = x.map((v, i) => v + step * d[i]);
      iterates.push(x);
    }
    expect([debiasedFull.method, debiasedFull.directionExamples, debiasedFull.stepExamples]).toEqual(['debiased-full', 13, 13]);
    expectTrajectory(debiasedFull, iterates);
    expect(study.fullBatch!.split).toMatch(/two halves of 13 .* seed 3 \(one example left out\)/);
  });

  it('bands and peaks summarize the trajectories; θ0 is every trajectory\'s k = 0', () => {
    const start = metricsAt(p.params, test);
    expect(Math.abs(study.atStart.testLoss! - start.loss)).toBeLessThanOrEqual(1e-12 * Math.max(1, start.loss));
    for (const size of study.sizes) {
      for (const summary of size.summaries) {
        const runs = size.trajectories.filter((t) => t.method === summary.method);
        expect(summary.runs).toBe(2);
        for (let k = 0; k <= K; k++) {
          const values = runs.map((t) => t.metrics.testLoss![k]);
          expect(summary.bands.testLoss!.mean[k]).toBeCloseTo((values[0] + values[1]) / 2, 14);
          expect(summary.bands.testLoss!.min[k]).toBe(Math.min(...values));
          expect(summary.bands.testLoss!.max[k]).toBe(Math.max(...values));
        }
        runs.forEach((t, i) => {
          const acc = t.metrics.testAccuracy!;
          const best = acc.indexOf(Math.max(...acc));
          expect(summary.peak[i]).toEqual({ iteration: best, accuracy: acc[best], finalAccuracy: acc[K], lossAtPeak: t.metrics.testLoss![best], finalLoss: t.metrics.testLoss![K] });
        });
      }
    }
  });

  it('cgStepper: repeat r advanced k times is the dense trajectory, and cgStudy\'s bit for bit', () => {
    const size = study.sizes[1], r = 1;
    const stepper = curvature.cgStepper(p, train, test, { batchSize: 6, repeat: r, seed: 3 });
    expect([stepper.single.iterations, stepper.single.metrics.testLoss]).toEqual([0, [study.atStart.testLoss]]);
    for (let k = 0; k < K; k++) stepper.step();
    const halves = partitionBatches(27, 3, new Random(3), 'drop');
    const union = quadratic(batchOf(train, [...halves[2 * r], ...halves[2 * r + 1]]));
    const { iterates } = denseCg(union.B, union.g);
    iterates.forEach((x, k) => {
      const theta = p.params.map((v, i) => v + x[i]), onTest = metricsAt(theta, test);
      expect(Math.abs(stepper.single.metrics.testLoss![k] - onTest.loss)).toBeLessThanOrEqual(1e-12 * Math.max(1, onTest.loss));
      expect(stepper.single.metrics.testAccuracy![k]).toBe(onTest.accuracy);
    });
    for (const [line, method] of [[stepper.single, 'single'], [stepper.debiased, 'debiased']] as const) {
      const t = size.trajectories.find((x) => x.method === method && x.repeat === r)!;
      expect(line.metrics, method).toEqual(t.metrics); // the same batches, the same deterministic iterates
      expect(line.steps, method).toEqual(t.steps);
      expect(line.stopped).toBeNull();
    }
    expect(() => curvature.cgStepper(p, train, test, { batchSize: 6, repeat: 4 })).toThrow(/cgStepper: repeat 4 at \|B\| = 6 needs 30 training examples \(disjoint batches\), the data have 27/);
    expect(() => curvature.cgStepper(p, train, test, { batchSize: 5 })).toThrow(/cgStepper: the batch size must be an even integer ≥ 2/);
  });

  it('cgStepper marks a method that cannot step as stopped, with the reason', () => {
    // Zero inputs and no bias at θ = 0: the logits are 0 and g = (softmax − y) xᵀ = 0 exactly, so CG's residual is zero.
    const flat = nn.fromSpec({ input: [4], layers: [{ type: 'linear', out: 3, bias: false }] });
    const zero = curvature.problem({ model: flat, loss: 'cross_entropy', weightDecay: 0.1, params: new Float64Array(flat.numParams) });
    const data: Dataset = { name: 'zeros', inputShape: [4], numClasses: 3, inputs: new Float64Array(8 * 4), targets: Int32Array.from({ length: 8 }, (_, i) => i % 3) };
    const stepper = curvature.cgStepper(zero, data, null, { batchSize: 4 });
    stepper.step();
    expect([stepper.single.stopped, stepper.debiased.stopped]).toEqual(['zero-residual', 'zero-residual']);
    expect([stepper.single.iterations, stepper.single.metrics.trainLoss.length, stepper.single.metrics.testLoss]).toEqual([0, 1, null]);
  });

  it('refuses bad settings with a clear error', () => {
    expect(() => curvature.cgStudy(p, train, test, { batchSizes: [7] })).toThrow(/cgStudy: batch sizes must be even integers ≥ 2 \(debiased CG uses two halves\), given 7/);
    expect(() => curvature.cgStudy(p, train, test, { batchSizes: [8], repeats: 4 })).toThrow(/cgStudy: 4 repeats at \|B\| = 8 need 32 training examples \(disjoint batches\), the data have 27/);
    expect(() => curvature.cgStudy(p, train, test, { iterations: 0 })).toThrow(/cgStudy: iterations must be an integer ≥ 1, given 0/);
    const mse = curvature.problem({ model, loss: 'mse', params: p.params });
    expect(() => curvature.cgStudy(mse, train, test)).toThrow(/cgStudy: the experiment evaluates accuracy and cross-entropy; the problem's loss is mse/);
  });
});

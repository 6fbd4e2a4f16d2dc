/**
 * The Laplace experiment (Figs. 6, 14, 15) recomputed densely on a small CNN: per approximation
 * the dense Σ = (N·K + δI)⁻¹ on the weight blocks (linalg.kron, Cholesky), the dense Jacobian from
 * one JVP per parameter, J Σ Jᵀ and its Cholesky factor (linalg.cholesky), and the logit samples
 * f + L ε with ε from Random(seed) in the documented order (set, input, approximation, δ, sample);
 * the metrics through nn.metrics (tested on their own). Dense and factored Σ agree to ~1e-14, the
 * probabilities to ~1e-15, so every metric is compared at 1e-10.
 */
import { describe, expect, it } from 'vitest';
import { curvature, linalg, nn } from '../../src/index.ts';
import * as ad from '../../src/autodiff/index.ts';
import { batchOf, partitionBatches, type Dataset } from '../../src/nn/data/dataset.ts';
import { Random } from '../../src/tensor/index.ts';

const model = nn.fromSpec({ input: [1, 4, 4], layers: [{ type: 'conv2d', out: 2, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 3 }] });
const P = model.numParams, C = 3;
const rng = new Random(5);
const dataset = (name: string, n: number): Dataset => ({ name, inputShape: [1, 4, 4], numClasses: 3, inputs: Float64Array.from({ length: 16 * n }, () => rng.normal()), targets: Int32Array.from({ length: n }, () => rng.integer(3)) });
const train = dataset('train', 20), test = dataset('test', 6), corrupted = [dataset('c1', 6), dataset('c2', 5)];
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params: model.init(rng) });
const deltas = [0.1, 10];
const options = { batchSizes: [4], repeats: 2, priorPrecisions: deltas, samples: 3, seed: 1 };

function denseSigma(k: curvature.Kfac, N: number, delta: number): Float64Array {
  const sigma = new Float64Array(P * P);
  for (const b of k.blocks) {
    const size = b.aSize * b.gSize;
    const precision = linalg.kron({ data: b.g, rows: b.gSize, cols: b.gSize }, { data: b.a, rows: b.aSize, cols: b.aSize }).data.map((v) => N * v);
    for (let i = 0; i < size; i++) precision[i * size + i] += delta;
    const l = linalg.cholesky(precision, size);
    for (let j = 0; j < size; j++) {
      const e = new Float64Array(size);
      e[j] = 1;
      linalg.choleskySolve(l, size, e).forEach((v, i) => (sigma[(b.offset + i) * P + b.offset + j] = v));
    }
  }
  return sigma;
}

function jacobian(x: Float64Array): Float64Array {
  const J = new Float64Array(C * P);
  for (let q = 0; q < P; q++) {
    const e = new Float64Array(P);
    e[q] = 1;
    const [, t] = ad.jvp((ps: readonly ad.Value[]) => model.forward(ps, model.inputTensor(x)), model.split(p.params), model.split(e));
    ad.concrete(t as ad.Value).data.forEach((v, c) => (J[c * P + q] = v));
  }
  return J;
}

const softmax = (z: number[]) => {
  const max = Math.max(...z), e = z.map((v) => Math.exp(v - max)), sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};

describe('Laplace experiment against a dense recomputation', () => {
  const study = curvature.laplaceStudy(p, { train, test, corrupted }, options);
  it('every metric of every approximation, δ and set; the vanilla baseline; the AUROCs', () => {
    const N = 20;
    const halves = partitionBatches(N, 2, new Random(1), 'drop');
    const kfacs: curvature.Kfac[] = [];
    for (let r = 0; r < 2; r++) {
      kfacs.push(curvature.kfac(p, batchOf(train, [...halves[2 * r], ...halves[2 * r + 1]])));
      kfacs.push(curvature.debiasKfac(curvature.kfac(p, batchOf(train, halves[2 * r])), curvature.kfac(p, batchOf(train, halves[2 * r + 1]))));
    }
    kfacs.push(curvature.kfac(p, { inputs: train.inputs, targets: train.targets }));
    expect(study.runs.map((r) => [r.method, r.batchSize, r.repeat])).toEqual([['single', 4, 0], ['debiased', 4, 0], ['single', 4, 1], ['debiased', 4, 1], ['full', null, 0]]);
    const sigmas = kfacs.map((k) => deltas.map((d) => denseSigma(k, N, d)));
    const sets = [train, test, ...corrupted];
    const eps = new Random(1);
    const probs = kfacs.map(() => deltas.map(() => sets.map((d) => new Float64Array(d.targets.length * C))));
    const vanilla = sets.map((d) => new Float64Array(d.targets.length * C));
    sets.forEach((d, s) => {
      for (let i = 0; i < d.targets.length; i++) {
        const x = d.inputs.slice(16 * i, 16 * (i + 1));
        const f = Array.from(ad.concrete(model.forward(p.params, model.inputTensor(x))).data);
        softmax(f).forEach((v, c) => (vanilla[s][i * C + c] = v));
        const J = jacobian(x);
        kfacs.forEach((_, a) => deltas.forEach((__, di) => {
          const sigma = sigmas[a][di];
          const cov = new Float64Array(C * C);
          for (let c = 0; c < C; c++) for (let e = 0; e < C; e++) {
            let v = 0;
            for (let q = 0; q < P; q++) for (let r = 0; r < P; r++) v += J[c * P + q] * sigma[q * P + r] * J[e * P + r];
            cov[c * C + e] = v;
          }
          for (let c = 0; c < C; c++) for (let e = 0; e < c; e++) cov[c * C + e] = cov[e * C + c] = 0.5 * (cov[c * C + e] + cov[e * C + c]);
          const L = linalg.cholesky(cov, C);
          for (let sample = 0; sample < 3; sample++) {
            const z = Array.from({ length: C }, () => eps.normal());
            const logits = f.map((v, c) => v + z.reduce((sum, ze, e) => sum + L[c * C + e] * ze, 0));
            softmax(logits).forEach((v, c) => (probs[a][di][s][i * C + c] += v / 3));
          }
        }));
      }
    });
    const check = (got: curvature.PredictiveMetrics, probsBySet: Float64Array[]) => {
      sets.forEach((d, s) => {
        const name = study.setNames[s];
        expect(Math.abs(got.sets[name].accuracy - nn.metrics.accuracy(probsBySet[s], d.targets))).toBeLessThanOrEqual(1e-10);
        expect(Math.abs(got.sets[name].nll - nn.metrics.nll(probsBySet[s], d.targets))).toBeLessThanOrEqual(1e-10);
        expect(Math.abs(got.sets[name].ece - nn.metrics.ece(probsBySet[s], d.targets))).toBeLessThanOrEqual(1e-10);
      });
      const hTest = nn.metrics.entropy(probsBySet[1], C);
      got.auroc.forEach((v, c) => expect(Math.abs(v - nn.metrics.auroc(hTest, nn.metrics.entropy(probsBySet[2 + c], C)))).toBeLessThanOrEqual(1e-10));
    };
    expect(study.setNames).toEqual(['train', 'test', 'c1', 'c2']);
    check(study.vanilla, vanilla);
    study.runs.forEach((run, a) => {
      expect(run.buildSeconds).toBeGreaterThan(0);
      run.byPrecision.forEach((m, di) => check(m, probs[a][di]));
    });
  });
  it('the default δ grid: 13 log-spaced values from 1e-2 to 1e4 and N·λ', () => {
    const grid = curvature.defaultPriorPrecisions(1438, 5e-4);
    expect(grid).toHaveLength(14);
    expect(grid[0]).toBeCloseTo(0.01, 15);
    expect(grid[13]).toBeCloseTo(1e4, 9);
    expect(grid).toContain(1438 * 5e-4);
  });
  it('refuses bad settings', () => {
    expect(() => curvature.laplaceStudy(p, { train, test, corrupted }, { ...options, batchSizes: [3] })).toThrow(/laplaceStudy: batch sizes must be even integers ≥ 2/);
    expect(() => curvature.laplaceStudy(p, { train, test, corrupted }, { ...options, repeats: 6 })).toThrow(/laplaceStudy: 6 repeats at \|B\| = 4 need 24 training examples/);
    expect(() => curvature.laplaceStudy(p, { train, test, corrupted }, { ...options, priorPrecisions: [0] })).toThrow(/laplaceStudy: prior precisions must be finite and > 0, given \[0\]/);
  });
});

/**
 * The top-eigenvector bias against the full data (B.9, B.10) recomputed densely: G_B1 and the
 * full-data G from ggnMatrix (tested against finite differences elsewhere), B1's top eigenvectors
 * from eigh, slopes as uᵀg and curvatures as dense quadratic forms, the percentiles by hand —
 * never through eigenBias's helpers. Lanczos runs to a residual of 1e-12 here (the default 1e-8
 * moves a vector by ~1e-9 where eigenvalues are close), so its eigenvectors agree with eigh's to
 * ~1e-12 and the numbers are compared to 1e-9 relative (slope errors to 1e-6: a slope near 0
 * amplifies the vector's error in the ratio).
 */
import { describe, expect, it } from 'vitest';
import { curvature, linalg, nn } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { matVec } from '../helpers/matrices.ts';

const model = nn.fromSpec({ input: [1, 4, 4], layers: [{ type: 'conv2d', out: 2, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 3 }] });
const P = model.numParams;
const rng = new Random(4);
const n = 26; // batches of 8: three, and 2 examples left over that only the full data sees
const data = { inputs: Float64Array.from({ length: n * 16 }, () => rng.normal()), targets: Int32Array.from({ length: n }, () => rng.integer(3)) };
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params: model.init(rng) });
const dotOf = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('eigenBias against a dense recomputation', () => {
  const study = curvature.eigenBias(p, data, { batchSize: 8, k: 3, b1Count: 2, seed: 5, lanczosTol: 1e-12 });
  const batches = curvature.partitionData(p, data, 8, 5);
  const fullG = curvature.ggnMatrix(p, data);
  const fullGradient = curvature.gradient(p, data);

  it('Ritz values, slopes, curvatures and relative errors along B1\'s top eigenvectors', () => {
    expect([study.numBatches, study.fullExamples, study.runs.map((r) => r.b1Batch)]).toEqual([3, 26, [0, 1]]);
    for (const run of study.runs) {
      const G = curvature.ggnMatrix(p, batches[run.b1Batch]);
      const g = curvature.gradient(p, batches[run.b1Batch]);
      const e = linalg.eigh(G, P);
      const scale = e.values[P - 1];
      for (let i = 0; i < 3; i++) {
        let u = Float64Array.from({ length: P }, (_, r) => e.vectors[r * P + P - 1 - i]);
        // The study orients each vector so that its largest-magnitude entry is positive.
        const largest = u.reduce((best, x, j) => (Math.abs(x) > Math.abs(u[best]) ? j : best), 0);
        if (u[largest] < 0) u = u.map((x) => -x);
        expect(Math.abs(run.values[i] - e.values[P - 1 - i])).toBeLessThan(1e-9 * scale);
        const cB1 = dotOf(u, matVec(G, P, u)), cFull = dotOf(u, matVec(fullG, P, u));
        const sB1 = dotOf(u, g), sFull = dotOf(u, fullGradient);
        expect(Math.abs(run.curvatures[i].b1 - cB1)).toBeLessThan(1e-9 * scale);
        expect(Math.abs(run.curvatures[i].full - cFull)).toBeLessThan(1e-9 * scale);
        expect(Math.abs(run.slopes[i].b1 - sB1)).toBeLessThan(1e-9 * Math.hypot(...g));
        expect(Math.abs(run.slopes[i].full - sFull)).toBeLessThan(1e-9 * Math.hypot(...fullGradient));
        const cError = Math.abs(cB1 - cFull) / Math.abs(cFull), sError = Math.abs(sB1 - sFull) / Math.abs(sFull);
        expect(Math.abs(run.curvatureError[i] - cError)).toBeLessThan(1e-8 * cError);
        expect(Math.abs(run.slopeError[i] - sError)).toBeLessThan(1e-6 * sError);
      }
      // Mean and percentiles of three values: p5 = x0 + 0.1 (x1 − x0), p95 = x1 + 0.9 (x2 − x1).
      const sorted = run.curvatureError.slice().sort((a, b) => a - b);
      expect(run.curvatureSpread.mean).toBeCloseTo((sorted[0] + sorted[1] + sorted[2]) / 3, 14);
      expect(run.curvatureSpread.p5).toBeCloseTo(sorted[0] + 0.1 * (sorted[1] - sorted[0]), 14);
      expect(run.curvatureSpread.p95).toBeCloseTo(sorted[1] + 0.9 * (sorted[2] - sorted[1]), 14);
    }
    const all = study.runs.flatMap((r) => r.curvatureError).sort((a, b) => a - b);
    expect(study.medianCurvatureError).toBe((all[2] + all[3]) / 2);
  });

  it('biasOverTraining and biasOverModels measure each θ and each model as eigenBias does', () => {
    const theta2 = p.params.map((x) => 0.5 * x);
    const over = curvature.biasOverTraining(p, [{ epoch: 0, params: theta2 }, { epoch: 3, params: p.params }], data, { batchSize: 8, k: 3, b1Count: 2, seed: 5, lanczosTol: 1e-12 });
    expect(over.checkpoints.map((c) => c.epoch)).toEqual([0, 3]);
    expect(over.checkpoints[1].runs).toEqual(study.runs);
    const p2 = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params: theta2 });
    expect(over.checkpoints[0].runs).toEqual(curvature.eigenBias(p2, data, { batchSize: 8, k: 3, b1Count: 2, seed: 5, lanczosTol: 1e-12 }).runs);
    const family = curvature.biasOverModels([{ label: 'm', depth: 0, width: 2, problem: p, trainAccuracy: 0.5 }], data, { batchSize: 8, k: 3, b1Count: 2, seed: 5, lanczosTol: 1e-12 });
    expect(family.models[0]).toMatchObject({ label: 'm', numParams: P, trainAccuracy: 0.5, runs: study.runs });
  });

  it('percentile interpolates as numpy, and bad options are refused', () => {
    expect(curvature.percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(curvature.percentile([1, 2, 3, 4, 5], 5)).toBeCloseTo(1.2, 15);
    expect(() => curvature.percentile([], 5)).toThrow(/needs at least one value/);
    expect(() => curvature.eigenBias(p, data, { batchSize: 8, b1Count: 4 })).toThrow(/b1Count must be an integer in \[1, 3\]/);
    expect(() => curvature.eigenBias(p, data, { batchSize: 8, k: P + 1 })).toThrow(/k must be an integer in \[1, 47\]/);
  });
});

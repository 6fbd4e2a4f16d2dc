/** The bias study's bookkeeping on a small model: what it measures is what MATH.md §4 defines. */
import { describe, expect, it } from 'vitest';
import { curvature, linalg, nn } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';

const model = nn.fromSpec({ input: [1, 4, 4], layers: [{ type: 'conv2d', out: 2, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 3 }] });
const rng = new Random(4);
const n = 26; // 6 batches of 4, remainder 2 left out
const data = { inputs: Float64Array.from({ length: n * 16 }, () => rng.normal()), targets: Int32Array.from({ length: n }, () => rng.integer(3)) };
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params: model.init(rng) });

describe('bias study', () => {
  for (const kind of ['ggn', 'hessian'] as const) {
    it(`${kind}: measures every direction on B1, on the other batches and as their average (Eq. 5)`, () => {
      const study = curvature.biasStudy(p, data, { kind, batchSize: 4, k: 3, seed: 1, repeats: 3, chooseB1: 'first' });
      expect(study.numBatches).toBe(6);
      expect(study.numExamples).toBe(24);
      const batches = curvature.partitionData(p, data, 4, 1);
      const full = { inputs: Float64Array.from(batches.flatMap((b) => Array.from(b.inputs))), targets: Int32Array.from(batches.flatMap((b) => Array.from(b.targets))) };
      const fullOp = curvature.curvatureOperator(p, full, kind);
      const g1 = curvature.gradient(p, batches[0]);
      // The eigenvectors come from B1: their B1 curvature is their Ritz value.
      expect(curvature.ritzConsistency(study)).toBeLessThan(1e-7);
      const top = linalg.lanczos(curvature.curvatureOperator(p, batches[0], kind), 3, { tol: 1e-8, seed: 1 });
      study.eigen.curvatures.forEach((c, i) => {
        expect(c.others.length).toBe(5);
        // full = mean over batches = the full-data curvature along u_i (Eq. 5)
        expect(c.full).toBeCloseTo(curvature.directionalCurvature(fullOp, top.vectors[i]), 10);
        expect(study.eigen.slopes[i].b1).toBeCloseTo(linalg.dot(top.vectors[i], g1), 10);
        expect(study.eigen.relativeCurvatureError[i]).toBeCloseTo(Math.abs(c.b1 - c.full) / Math.abs(c.full), 12);
      });
      // CG directions from B1: on B1 the 1-D Newton step −s/c is CG's α‖p‖ (Eq. 3).
      const run = linalg.cg(curvature.curvatureOperator(p, batches[0], kind), g1.map((x) => -x), { maxIter: 3, tol: 0 });
      study.cg.steps.forEach((step, j) => expect(step.b1).toBeCloseTo(run.alphas[j] * linalg.norm(run.directions[j]), 8));
      study.eigen.overlaps.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-12));
      expect(study.eigen.topCurvatureRatios.length).toBe(3);
      // The ratio uses a separate top-1 Lanczos run: its u1 agrees to ~tol/gap = 1e-8, not to rounding.
      expect(study.eigen.topCurvatureRatios[0]).toBeCloseTo(study.eigen.values[0] / study.eigen.curvatures[0].full, 6);
      // Fig. 1: the full projected quadratic is the batch average; on B1 its curvature is diag(λ1, λ2).
      const q = study.projected!;
      expect(q.b1.curvature[0][0]).toBeCloseTo(study.eigen.values[0], 6);
      expect(Math.abs(q.b1.curvature[0][1])).toBeLessThan(1e-6 * study.eigen.values[0]);
      expect(q.full.curvature[0][0]).toBeCloseTo(study.eigen.curvatures[0].full, 10);
      expect(q.full.value).toBeCloseTo(curvature.loss(p, full), 10);
    });
  }
  it("'median' takes the batch with the median top eigenvalue among the candidates as B1", () => {
    const study = curvature.biasStudy(p, data, { kind: 'ggn', batchSize: 4, k: 2, seed: 1, repeats: 5 });
    const batches = curvature.partitionData(p, data, 4, 1);
    const tops = batches.slice(0, 5).map((b) => linalg.lanczos(curvature.ggnOperator(p, b), 1, { tol: 1e-8, seed: 1 }).values[0]);
    const median = tops.slice().sort((a, b) => a - b)[2];
    expect(tops[study.b1Batch]).toBe(median);
    expect(study.eigen.values[0]).toBeCloseTo(median, 6);
  });
  it('refuses too few batches', () => {
    expect(() => curvature.biasStudy(p, data, { kind: 'ggn', batchSize: 20 })).toThrow(/biasStudy: need at least 2 batches of 20; the data hold 1/);
  });
});

/**
 * The K-FAC bias study (B.8) recomputed densely: per batch, the K-FAC factors (curvature.kfac,
 * itself tested against the GGN) assembled into the dense block-diagonal matrix K_m with
 * linalg.kron, B1's top eigenvectors from eigh, and every curvature uᵀ K_m u as a dense
 * quadratic form — never through kfacEigen or kfacOperator. The full-data K is the K-FAC of all
 * examples used (not the batches' average). Eigenvectors from factors agree with eigh's to
 * ~1e-13 where the spectrum has gaps, so values, curvatures and ratios are compared to 1e-9.
 */
import { describe, expect, it } from 'vitest';
import { curvature, linalg, nn } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { matVec } from '../helpers/matrices.ts';

const model = nn.fromSpec({ input: [1, 4, 4], layers: [{ type: 'conv2d', out: 2, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 3 }] });
const P = model.numParams;
const rng = new Random(9);
const n = 26;
const data = { inputs: Float64Array.from({ length: n * 16 }, () => rng.normal()), targets: Int32Array.from({ length: n }, () => rng.integer(3)) };
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.5, params: model.init(rng) });

function denseK(k: curvature.Kfac): Float64Array {
  const out = new Float64Array(P * P);
  for (const b of k.blocks) {
    const size = b.aSize * b.gSize;
    const kb = linalg.kron({ data: b.g, rows: b.gSize, cols: b.gSize }, { data: b.a, rows: b.aSize, cols: b.aSize }).data;
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) out[(b.offset + i) * P + b.offset + j] = kb[i * size + j];
  }
  return out;
}
const quad = (m: Float64Array, u: Float64Array) => u.reduce((s, x, i) => s + x * matVec(m, P, u)[i], 0);

describe('K-FAC bias study against a dense recomputation', () => {
  const study = curvature.kfacBiasStudy(p, data, { batchSizes: [4, 8], k: 3, seed: 2 });
  it('values, curvatures on every batch and on the full data, ratios and their medians', () => {
    expect(study.sizes.map((s) => [s.batchSize, s.numBatches, s.numExamples])).toEqual([[4, 6, 24], [8, 3, 24]]);
    for (const size of study.sizes) {
      const batches = curvature.partitionData(p, data, size.batchSize, 2);
      const K = batches.map((b) => denseK(curvature.kfac(p, b)));
      const all = { inputs: Float64Array.from(batches.flatMap((b) => Array.from(b.inputs))), targets: Int32Array.from(batches.flatMap((b) => Array.from(b.targets))) };
      const full = denseK(curvature.kfac(p, all));
      expect(size.runs.map((r) => r.b1Batch)).toEqual([0, 1, 2]);
      const ratios: number[] = [];
      for (const run of size.runs) {
        const e = linalg.eigh(K[run.b1Batch], P);
        const scale = e.values[P - 1];
        for (let i = 0; i < 3; i++) {
          const u = Float64Array.from({ length: P }, (_, r) => e.vectors[r * P + P - 1 - i]);
          expect(Math.abs(run.values[i] - e.values[P - 1 - i])).toBeLessThan(1e-9 * scale);
          const c = run.curvatures[i];
          expect(Math.abs(c.b1 - quad(K[run.b1Batch], u))).toBeLessThan(1e-9 * scale);
          batches.forEach((_, m) => {
            if (m === run.b1Batch) return;
            const o = m < run.b1Batch ? m : m - 1;
            expect(Math.abs(c.others[o] - quad(K[m], u))).toBeLessThan(1e-9 * scale);
          });
          const cFull = quad(full, u);
          expect(Math.abs(c.full - cFull)).toBeLessThan(1e-9 * scale);
          expect(Math.abs(run.ratios[i] - e.values[P - 1 - i] / cFull)).toBeLessThan(1e-8 * Math.abs(run.ratios[i]));
          ratios.push(e.values[P - 1 - i] / cFull);
        }
      }
      const sorted = ratios.slice().sort((a, b) => a - b);
      const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      expect(Math.abs(size.medianRatio - median)).toBeLessThan(1e-8 * median);
      expect(Math.abs(size.minRatio - sorted[0])).toBeLessThan(1e-8 * sorted[0]);
      // The full-data K-FAC is not the batches' average (Eq. 5 fails for K-FAC).
      const mean = K[0].map((_, q) => K.reduce((s, m) => s + m[q], 0) / K.length);
      expect(Math.max(...mean.map((v, q) => Math.abs(v - full[q])))).toBeGreaterThan(1e-6 * Math.max(...full.map(Math.abs)));
    }
  });
  it('refuses batch sizes that leave fewer than 2 batches', () => {
    expect(() => curvature.kfacBiasStudy(p, data, { batchSizes: [14] })).toThrow(/kfacBiasStudy: every batch size must be an integer in \[1, 13\] \(2 batches of the 26 examples\), given 14/);
  });
});

/**
 * nn.metrics against values computed independently (tools/metrics-sklearn.py: numpy, scikit-
 * learn's roc_auc_score, scipy's entropy, ECE written from torchmetrics' binning rule), plus
 * properties and the error cases. Sums of ≤ 200 terms: 1e-12 relative covers their rounding.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nn } from '../../src/index.ts';

const reference = JSON.parse(readFileSync('test/fixtures/metrics-reference.json', 'utf8')) as {
  cases: { n: number; classes: number; probs: number[]; labels: number[]; accuracy: number; nll: number; ece: number; entropy: number[] }[];
  scores: { in: number[]; out: number[]; auroc: number }[];
};
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

describe('nn.metrics', () => {
  it('accuracy, NLL, ECE (15 bins) and entropy equal the independent reference values', () => {
    for (const c of reference.cases) {
      const probs = Float64Array.from(c.probs), labels = Int32Array.from(c.labels);
      close(nn.metrics.accuracy(probs, labels), c.accuracy);
      close(nn.metrics.nll(probs, labels), c.nll);
      close(nn.metrics.ece(probs, labels, { bins: 15 }), c.ece);
      nn.metrics.entropy(probs, c.classes).forEach((h, i) => close(h, c.entropy[i]));
    }
  });
  it('AUROC equals scikit-learn\'s roc_auc_score, ties counted ½', () => {
    for (const s of reference.scores) close(nn.metrics.auroc(Float64Array.from(s.in), Float64Array.from(s.out)), s.auroc);
    expect(nn.metrics.auroc(Float64Array.of(1, 2), Float64Array.of(3, 4))).toBe(1);
    expect(nn.metrics.auroc(Float64Array.of(3, 4), Float64Array.of(1, 2))).toBe(0);
    expect(nn.metrics.auroc(Float64Array.of(1, 1), Float64Array.of(1))).toBe(0.5);
  });
  it('AUROC is the fraction of (out, in) pairs ordered right, ties ½ (fast-check against the O(mn) count)', () => {
    const scores = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 30 });
    fc.assert(fc.property(scores, scores, (a, b) => {
      let wins = 0;
      for (const x of b) for (const y of a) wins += x > y ? 1 : x === y ? 0.5 : 0;
      close(nn.metrics.auroc(Float64Array.from(a), Float64Array.from(b)), wins / (a.length * b.length));
    }), { numRuns: 100 });
  });
  it('ECE: a confidence of exactly 1 is a bin of its own; perfectly calibrated bins give 0', () => {
    // Two rows at confidence 1 (one right, one wrong) and two at 0.5 (one right): bins {1} and [7/15, 8/15).
    const probs = Float64Array.of(1, 0, 1, 0, 0.5, 0.5, 0.5, 0.5);
    const labels = Int32Array.of(0, 1, 0, 1);
    // bin {1}: |½ − 1|·½ = ¼; bin of 0.5: |½ − ½|·½ = 0 (argmax of a tie is the first class).
    close(nn.metrics.ece(probs, labels), 0.25);
    expect(nn.metrics.nll(Float64Array.of(1, 0), Int32Array.of(1))).toBe(Infinity);
  });
  it('refuses bad input with a clear error', () => {
    const p = Float64Array.of(0.5, 0.5, 0.2, 0.8);
    expect(() => nn.metrics.accuracy(Float64Array.of(0.5, 0.6, 0.2, 0.8), Int32Array.of(0, 1))).toThrow(/metrics.accuracy: row 0 of probs sums to 1.1, not 1 \(tolerance 1e-9\)/);
    expect(() => nn.metrics.nll(p, Int32Array.of(0, 2))).toThrow(/metrics.nll: label 1 is 2, outside 0..1/);
    expect(() => nn.metrics.ece(Float64Array.of(NaN, 1, 0.2, 0.8), Int32Array.of(0, 1))).toThrow(/metrics.ece: probs\[0\]\[0\] is NaN, not a probability/);
    expect(() => nn.metrics.ece(p, Int32Array.of(0, 1), { bins: 0 })).toThrow(/metrics.ece: bins must be an integer ≥ 1, given 0/);
    expect(() => nn.metrics.accuracy(p, Int32Array.of(0, 1, 1))).toThrow(/metrics.accuracy: probs has 4 entries, not a multiple of the 3 labels/);
    expect(() => nn.metrics.auroc(Float64Array.of(1, NaN), Float64Array.of(0))).toThrow(/metrics.auroc: scoresIn\[1\] is NaN/);
    expect(() => nn.metrics.auroc(new Float64Array(0), Float64Array.of(0))).toThrow(/metrics.auroc: scoresIn must be a non-empty Float64Array/);
    expect(() => nn.metrics.entropy(Float64Array.of(0.5, 0.5, 0.3), 2)).toThrow(/metrics.entropy: probs must be a Float64Array \[n, 2\], given 3 entries/);
  });
});

/**
 * Metrics of predictive distributions (MATH.md §7, the paper's B.6): accuracy, negative
 * log-likelihood, expected calibration error, the entropy used as an out-of-distribution score,
 * and the AUROC of separating in- from out-of-distribution inputs by that score.
 * `probs` is always a row-major [n, C] Float64Array whose rows are probability vectors (each
 * entry in [0, 1], each row summing to 1 within 1e-9); labels are class ids in [0, C).
 */
import { fail } from '../tensor/index.ts';

const ROW_SUM_TOLERANCE = 1e-9;

/** Checks probs [n, C] against n labels and returns C. */
function checkPredictions(op: string, probs: Float64Array, labels: Int32Array): number {
  if (!(probs instanceof Float64Array)) fail(op, 'probs must be a Float64Array [n, C]');
  if (!(labels instanceof Int32Array)) fail(op, 'labels must be an Int32Array of class ids');
  const n = labels.length;
  if (n === 0) fail(op, 'needs at least one example');
  if (probs.length % n !== 0 || probs.length === 0) fail(op, `probs has ${probs.length} entries, not a multiple of the ${n} labels`);
  const C = probs.length / n;
  checkProbabilityRows(op, probs, C);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= C) fail(op, `label ${i} is ${labels[i]}, outside 0..${C - 1}`);
  }
  return C;
}

/** Every entry finite and in [0, 1], every row summing to 1 within 1e-9. */
function checkProbabilityRows(op: string, probs: Float64Array, C: number): void {
  for (let i = 0; i < probs.length / C; i++) {
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const v = probs[i * C + c];
      if (!(v >= 0 && v <= 1)) fail(op, `probs[${i}][${c}] is ${v}, not a probability`);
      sum += v;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) fail(op, `row ${i} of probs sums to ${sum}, not 1 (tolerance ${ROW_SUM_TOLERANCE})`);
  }
}

/** The predicted class of row i: argmax, the first of ties. */
function argmaxRow(probs: Float64Array, C: number, i: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (probs[i * C + c] > probs[i * C + best]) best = c;
  return best;
}

/** The fraction of rows whose argmax (first of ties) is the label. */
export function accuracy(probs: Float64Array, labels: Int32Array): number {
  const C = checkPredictions('metrics.accuracy', probs, labels);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (argmaxRow(probs, C, i) === labels[i]) correct++;
  return correct / labels.length;
}

/** Mean negative log-likelihood −(1/n) Σ log p_i[y_i] (Infinity if a label has probability 0). */
export function nll(probs: Float64Array, labels: Int32Array): number {
  const C = checkPredictions('metrics.nll', probs, labels);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum -= Math.log(probs[i * C + labels[i]]);
  return sum / labels.length;
}

/**
 * Expected calibration error, top-label, L1, as torchmetrics' MulticlassCalibrationError
 * (norm 'l1'): confidence = max_c p_c, correct = [argmax = label]; with boundaries b_j = j/bins,
 * a confidence falls in bin j when b_j ≤ conf < b_{j+1} (torch.bucketize(right=True)), and a
 * confidence of exactly 1 in a bin of its own; ECE = Σ_bins (n_bin/n) |mean correct − mean conf|.
 */
export function ece(probs: Float64Array, labels: Int32Array, options: { bins?: number } = {}): number {
  const C = checkPredictions('metrics.ece', probs, labels);
  const bins = options.bins ?? 15;
  if (!Number.isInteger(bins) || bins < 1) fail('metrics.ece', `bins must be an integer ≥ 1, given ${bins}`);
  const count = new Float64Array(bins + 1), confidence = new Float64Array(bins + 1), correct = new Float64Array(bins + 1);
  const boundaries = Float64Array.from({ length: bins + 1 }, (_, j) => j / bins);
  for (let i = 0; i < labels.length; i++) {
    const predicted = argmaxRow(probs, C, i), conf = probs[i * C + predicted];
    let bin = 0; // the last j with b_j ≤ conf
    while (bin < bins && boundaries[bin + 1] <= conf) bin++;
    count[bin]++;
    confidence[bin] += conf;
    if (predicted === labels[i]) correct[bin]++;
  }
  let error = 0;
  for (let j = 0; j <= bins; j++) if (count[j] > 0) error += Math.abs(correct[j] - confidence[j]) / labels.length; // (n_j/n)|acc_j − conf_j|
  return error;
}

/** The entropy −Σ_c p_c log p_c of each row of probs [n, classes] (0 log 0 = 0): the OOD score. */
export function entropy(probs: Float64Array, classes: number): Float64Array {
  if (!Number.isInteger(classes) || classes < 1) fail('metrics.entropy', `classes must be an integer ≥ 1, given ${classes}`);
  if (!(probs instanceof Float64Array) || probs.length % classes !== 0) fail('metrics.entropy', `probs must be a Float64Array [n, ${classes}], given ${probs?.length} entries`);
  checkProbabilityRows('metrics.entropy', probs, classes);
  const n = probs.length / classes;
  return Float64Array.from({ length: n }, (_, i) => {
    let h = 0;
    for (let c = 0; c < classes; c++) {
      const p = probs[i * classes + c];
      if (p > 0) h -= p * Math.log(p);
    }
    return h;
  });
}

/**
 * Area under the ROC curve of telling out- from in-distribution inputs by a score that should be
 * higher out of distribution: P(s_out > s_in) + ½ P(s_out = s_in) over all pairs (the
 * Mann–Whitney statistic; ties count ½), from one sort: O((m + n) log(m + n)).
 */
export function auroc(scoresIn: Float64Array, scoresOut: Float64Array): number {
  for (const [name, s] of [['scoresIn', scoresIn], ['scoresOut', scoresOut]] as const) {
    if (!(s instanceof Float64Array) || s.length === 0) fail('metrics.auroc', `${name} must be a non-empty Float64Array`);
    for (let i = 0; i < s.length; i++) if (!Number.isFinite(s[i])) fail('metrics.auroc', `${name}[${i}] is ${s[i]}`);
  }
  const all = [...Array.from(scoresIn, (v) => ({ v, out: false })), ...Array.from(scoresOut, (v) => ({ v, out: true }))].sort((a, b) => a.v - b.v);
  // Walk groups of equal scores: each out-score beats every in-score below its group and ties ½ with those in it.
  let inBelow = 0, wins = 0;
  for (let start = 0; start < all.length;) {
    let end = start, inGroup = 0, outGroup = 0;
    while (end < all.length && all[end].v === all[start].v) {
      if (all[end].out) outGroup++;
      else inGroup++;
      end++;
    }
    wins += outGroup * (inBelow + 0.5 * inGroup);
    inBelow += inGroup;
    start = end;
  }
  return wins / (scoresIn.length * scoresOut.length);
}

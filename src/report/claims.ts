/**
 * The paper's claims, one per study, checked against a reproduction's results. Each claim is
 * the paper's sentence (with its figures), the numbers that test it — computed here from the
 * results, never typed in — a sentence that shows them, and a verdict by a rule fixed before
 * any run: supports, contradicts, mixed (holds in some settings and not in others), or
 * untestable (this scale cannot test it; the reason is given).
 */
import { median } from '../curvature/bias.ts';
import { laplaceApproaches } from '../curvature/laplace-study.ts';
import type { Reproduction } from './reproduction.ts';

export type Verdict = 'supports' | 'contradicts' | 'mixed' | 'untestable';

export interface Claim {
  id: string;
  /** The paper's figures, e.g. 'Figs. 1, 2'. */
  figures: string;
  /** What the paper claims, in one sentence. */
  claim: string;
  /** The measured numbers, by name. */
  numbers: Record<string, number>;
  /** What was measured, with {name} where a number of `numbers` goes. */
  measured: string;
  verdict: Verdict;
  /** The rule that gave the verdict. */
  rule: string;
}

/** A claim's `measured` sentence with each {name} replaced by render(name, value). */
export function fillNumbers(c: Pick<Claim, 'measured' | 'numbers'>, render: (name: string, value: number) => string): string {
  return c.measured.replace(/\{(\w+)\}/g, (_, name: string) => render(name, c.numbers[name]));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** 'supports' when every case holds, 'contradicts' when none does, else 'mixed'. */
function byCases(holds: boolean[]): Verdict {
  return holds.every(Boolean) ? 'supports' : holds.some(Boolean) ? 'mixed' : 'contradicts';
}

/** Ranks 1…n, ties sharing their mean rank. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let t = i; t <= j; t++) out[order[t][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation: Pearson's correlation of the ranks (NaN for fewer than 2 values or no spread). */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  const rx = ranks(xs), ry = ranks(ys);
  const mx = mean(rx), my = mean(ry);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Every claim of the report, from the results. */
export function claims(r: Reproduction): Claim[] {
  const out: Claim[] = [];
  const studies = r.bias.studies;
  const tag = (s: { kind: string; batchSize: number }) => `${s.kind}${s.batchSize}`;
  const label = (s: { kind: string; batchSize: number }) => `${s.kind === 'ggn' ? 'GGN' : 'Hessian'}, |B| = ${s.batchSize}`;

  {
    const numbers: Record<string, number> = {};
    const parts = studies.map((s) => {
      const t = tag(s), e = s.summary.eigenCurvature;
      numbers[`${t}B1`] = e.b1.median;
      numbers[`${t}Others`] = e.others.median;
      if (s.summary.topCurvatureRatio) numbers[`${t}TopRatio`] = s.summary.topCurvatureRatio.median;
      return `${label(s)}: {${t}B1} on B1 against {${t}Others} on the other batches${s.summary.topCurvatureRatio ? ` (λ1(B)/c_full(u1): median {${t}TopRatio})` : ''}`;
    });
    out.push({
      id: 'eigen-curvature', figures: 'Figs. 1, 2',
      claim: 'Along the top eigenvectors of a mini-batch B1\'s curvature matrix, B1\'s quadratic strongly overestimates the curvature of the full-data quadratic, while other batches measured along the same directions do not.',
      numbers,
      measured: `Median signed relative error (c_B − c_full)/|c_full| of the curvature along B1's top-${studies[0]?.k} eigenvectors — ${parts.join('; ')}.`,
      verdict: byCases(studies.map((s) => s.summary.eigenCurvature.b1.median > 0 && s.summary.eigenCurvature.b1.median > s.summary.eigenCurvature.others.median)),
      rule: 'supports if, in every setting, B1\'s median error is positive and above the other batches\'; contradicts if in none',
    });
  }
  {
    const numbers: Record<string, number> = {};
    const parts = studies.map((s) => {
      const t = tag(s);
      numbers[`${t}SlopeB1`] = s.summary.cgSlope.b1.median;
      numbers[`${t}SlopeOthers`] = s.summary.cgSlope.others.median;
      numbers[`${t}CurvatureB1`] = s.summary.cgCurvature.b1.median;
      numbers[`${t}CurvatureOthers`] = s.summary.cgCurvature.others.median;
      return `${label(s)}: slope {${t}SlopeB1} on B1 vs {${t}SlopeOthers}, curvature {${t}CurvatureB1} vs {${t}CurvatureOthers}`;
    });
    out.push({
      id: 'cg-directions', figures: 'Fig. 2',
      claim: 'Along the directions CG finds on B1, B1\'s quadratic reports slopes that are too steep and curvatures that are too large, compared with the full data; other batches are unbiased.',
      numbers,
      measured: `Median signed relative errors along B1's CG directions at CG's iterates — ${parts.join('; ')}.`,
      verdict: byCases(studies.map((s) => s.summary.cgSlope.b1.median < s.summary.cgSlope.others.median && s.summary.cgCurvature.b1.median > s.summary.cgCurvature.others.median && s.summary.cgCurvature.b1.median > 0)),
      rule: 'supports if, in every setting, B1\'s median slope error is below the other batches\' (steeper) and its median curvature error positive and above theirs',
    });
  }
  {
    // Per setting: Σ_j w_ij, the share of u_i (B1) in the span of B2's top-k eigenvectors (Eq. 6),
    // averaged over runs and i; and the median |τ_B1| / |τ_full| over B1's CG steps.
    const shares: Record<string, number> = {}, stepRatios: Record<string, number> = {};
    for (const s of studies) {
      shares[`${tag(s)}Share`] = mean(s.runs.flatMap((run) => run.eigen.overlaps.map((row) => row.reduce((a, w) => a + w, 0))));
      const steps = s.runs.flatMap((run) => run.cg.steps.filter((t) => Number.isFinite(t.b1) && Number.isFinite(t.full) && t.full !== 0).map((t) => Math.abs(t.b1) / Math.abs(t.full)));
      stepRatios[`${tag(s)}StepRatio`] = steps.length ? median(steps) : NaN;
    }
    out.push({
      id: 'overlap', figures: 'Fig. 4 (left)',
      claim: 'The top eigenspaces of two mini-batches\' curvature matrices are misaligned: B1\'s top eigenvectors lie largely outside the span of B2\'s.',
      numbers: shares,
      measured: `Mean share Σ_j w_ij of B1's eigenvector u_i in the span of B2's top-${studies[0]?.k} (1 = inside) — ${studies.map((s) => `${label(s)}: {${tag(s)}Share}`).join('; ')}.`,
      verdict: byCases(Object.values(shares).map((share) => share < 0.5)),
      rule: 'supports if the mean share is below 0.5 in every setting',
    });
    out.push({
      id: 'cg-steps', figures: 'Fig. 4 (right)',
      claim: 'CG\'s update magnitudes from B1\'s quadratic are too large: larger than the full data\'s Newton steps along the same directions.',
      numbers: stepRatios,
      measured: `Median |τ_B1| / |τ_full| over B1's CG steps — ${studies.map((s) => `${label(s)}: {${tag(s)}StepRatio}`).join('; ')}.`,
      verdict: byCases(Object.values(stepRatios).map((ratio) => ratio > 1)),
      rule: 'supports if the median ratio is above 1 in every setting',
    });
  }
  {
    const sizes = r.kfac.sizes;
    const numbers = Object.fromEntries(sizes.map((z) => [`ratio${z.batchSize}`, z.medianRatio]));
    const allOver = sizes.every((z) => z.medianRatio > 1);
    const shrinks = sizes[sizes.length - 1].medianRatio < sizes[0].medianRatio;
    out.push({
      id: 'kfac', figures: 'Fig. 20 (B.8)',
      claim: 'K-FAC from one mini-batch also overestimates the full-data K-FAC\'s curvature along its own top eigenvectors, the less the larger the batch.',
      numbers,
      measured: `Median λ_i(B1) / c_full(u_i) over B1's top-${r.kfac.k} K-FAC eigenvectors: ${sizes.map((z) => `{ratio${z.batchSize}} at |B| = ${z.batchSize}`).join(', ')}.`,
      verdict: allOver && shrinks ? 'supports' : allOver || shrinks ? 'mixed' : 'contradicts',
      rule: 'supports if the median ratio is above 1 at every batch size and lower at the largest than at the smallest',
    });
  }
  {
    const shown = r.overTraining.checkpoints.filter((c) => c.epoch >= 1);
    const first = shown[0], last = shown[shown.length - 1];
    const numbers = {
      firstEpoch: first.epoch, lastEpoch: last.epoch,
      curvatureFirst: first.medianCurvatureError, curvatureLast: last.medianCurvatureError, curvatureGrowth: last.medianCurvatureError / first.medianCurvatureError,
      slopeFirst: first.medianSlopeError, slopeLast: last.medianSlopeError, slopeGrowth: last.medianSlopeError / first.medianSlopeError,
    };
    const slopeStable = numbers.slopeGrowth >= 0.1 && numbers.slopeGrowth <= 10;
    out.push({
      id: 'over-training', figures: 'Fig. 21 (B.9)',
      claim: 'Over the course of training, the curvature bias along B1\'s top eigenvectors grows by orders of magnitude, while the slope bias stays about the same.',
      numbers,
      measured: 'Median relative curvature error from epoch {firstEpoch} to epoch {lastEpoch}: {curvatureFirst} → {curvatureLast} (×{curvatureGrowth}); slope error {slopeFirst} → {slopeLast} (×{slopeGrowth}).',
      verdict: numbers.curvatureGrowth >= 10 && slopeStable ? 'supports' : numbers.curvatureGrowth <= 1 ? 'contradicts' : 'mixed',
      rule: 'supports if the curvature error grows at least 10× and the slope error changes less than 10× either way; contradicts if the curvature error does not grow',
    });
  }
  {
    const models = r.family.models;
    const interpolating = models.filter((m) => m.trainAccuracy >= 0.999).length;
    const numbers = {
      rho: spearman(models.map((m) => m.numParams), models.map((m) => m.medianCurvatureError)),
      models: models.length, interpolating,
      minParams: Math.min(...models.map((m) => m.numParams)), maxParams: Math.max(...models.map((m) => m.numParams)),
    };
    const untestable = interpolating > models.length / 2;
    out.push({
      id: 'parameters', figures: 'Fig. 22 (B.10)',
      claim: 'The curvature bias grows with the number of parameters P: across the ConvNet family, larger models have larger relative curvature errors.',
      numbers,
      measured: 'Spearman rank correlation between P ({minParams} to {maxParams}) and the median relative curvature error over {models} models: {rho}; {interpolating} of them reach ≥ 99.9 % training accuracy.',
      verdict: untestable ? 'untestable' : numbers.rho >= 0.5 ? 'supports' : numbers.rho <= 0 ? 'contradicts' : 'mixed',
      rule: 'untestable if more than half the models interpolate the training data (their curvature then reflects memorized examples, not the claim); else supports if ρ ≥ 0.5, contradicts if ρ ≤ 0',
    });
  }
  {
    const numbers: Record<string, number> = {};
    const holds = r.cg.sizes.map((z) => {
      // The rise of the loss from its best iteration to the last, mean over the runs.
      const rise = (method: string) => mean(z.trajectories.filter((t) => t.method === method).map((t) => {
        const losses = t.metrics.testLoss ?? t.metrics.trainLoss;
        return losses[losses.length - 1] - Math.min(...losses);
      }));
      numbers[`single${z.batchSize}`] = rise('single');
      numbers[`debiased${z.batchSize}`] = rise('debiased');
      return numbers[`single${z.batchSize}`] > numbers[`debiased${z.batchSize}`];
    });
    const which = r.cg.testExamples === null ? 'training' : 'test';
    out.push({
      id: 'cg', figures: 'Figs. 5, 13',
      claim: 'Single-batch CG (no damping) reaches its best loss early and then diverges; debiased CG, with directions from one half-batch and step sizes from the other, stays stable.',
      numbers,
      measured: `Rise of the ${which} loss from its best iteration to the last (mean over ${r.cg.repeats} runs): ${r.cg.sizes.map((z) => `single |B| = ${z.batchSize}: {single${z.batchSize}}, debiased 2 × ${z.batchSize / 2}: {debiased${z.batchSize}}`).join('; ')}.`,
      verdict: byCases(holds),
      rule: 'supports if, at every batch size, the single-batch loss rises more after its best iteration than the debiased one',
    });
  }
  {
    const L = r.laplace;
    const groups = laplaceApproaches(L);
    const nllAt = (method: string, batchSize: number | null, i: number) => mean(groups.find((g) => g.method === method && g.batchSize === batchSize)!.runs.map((run) => run.byPrecision[i].sets.test.nll));
    const numbers: Record<string, number> = { delta: L.priorPrecisions[0], full: nllAt('full', null, 0), vanilla: L.vanilla.sets.test.nll };
    const holds = L.batchSizes.map((b) => {
      numbers[`single${b}`] = nllAt('single', b, 0);
      numbers[`debiased${b}`] = nllAt('debiased', b, 0);
      return Math.abs(numbers[`debiased${b}`] - numbers.full) < Math.abs(numbers[`single${b}`] - numbers.full);
    });
    out.push({
      id: 'laplace', figures: 'Figs. 6, 14, 15',
      claim: 'At low prior precision the single-batch K-FAC Laplace approximation degrades, while the debiased one (two half-batches) mimics the full-batch approximation.',
      numbers,
      measured: `Mean test NLL at the smallest prior precision δ = {delta}: full batch {full} (vanilla network {vanilla}); ${L.batchSizes.map((b) => `single |B| = ${b}: {single${b}}, debiased 2 × ${b / 2}: {debiased${b}}`).join('; ')}.`,
      verdict: byCases(holds),
      rule: 'supports if, at every batch size, the debiased NLL is closer to the full-batch NLL than the single-batch NLL is',
    });
  }
  return out;
}

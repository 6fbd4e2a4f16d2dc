/** The Laplace experiment's figures: Fig. 6 (test), Fig. 14 (train), Fig. 15 (corrupted, with AUROC), all against log10 δ. */
import { laplaceApproaches, type LaplaceStudy, type PredictiveMetrics } from '../curvature/laplace-study.ts';
import { scatterPanel, svgDocument, type Panel, type Series } from './svg.ts';

const PALETTE = ['#d62728', '#1f77b4', '#9467bd', '#17becf', '#8c564b', '#e377c2'];

/** The approaches as series groups: single and debiased per batch size, then full batch. */
function approaches(study: LaplaceStudy) {
  return laplaceApproaches(study).map((g, i) => ({
    label: g.method === 'full' ? 'full batch' : g.method === 'single' ? `single, |B| = ${g.batchSize}` : `debiased, 2 × ${g.batchSize! / 2}`,
    runs: g.runs,
    color: g.method === 'full' ? '#ff7f0e' : PALETTE[i % PALETTE.length],
  }));
}

/** One metric against log10 δ: per approach the mean over its runs (dots and line) with the min–max band; vanilla as a horizontal line. */
function metricPanel(study: LaplaceStudy, title: string, yLabel: string, value: (m: PredictiveMetrics) => number): Panel {
  const xs = study.priorPrecisions.map(Math.log10);
  const series: Series[] = approaches(study).map((g) => {
    const values = study.priorPrecisions.map((_, di) => g.runs.map((r) => value(r.byPrecision[di])));
    return {
      name: g.label, color: g.color, line: true, radius: 2,
      points: values.map((v, di) => [xs[di], v.reduce((a, b) => a + b, 0) / v.length]),
      band: values.map((v, di) => [xs[di], Math.min(...v), Math.max(...v)]),
    };
  });
  const v = value(study.vanilla);
  series.push({ name: 'vanilla', color: '#444', line: true, radius: 0, points: [[xs[0], v], [xs[xs.length - 1], v]] });
  return scatterPanel({ title, xLabel: 'log10 prior precision δ', yLabel, series });
}

const setPanels = (study: LaplaceStudy, set: string, label: string) => [
  metricPanel(study, `${label}: accuracy`, 'accuracy', (m) => m.sets[set].accuracy),
  metricPanel(study, `${label}: NLL`, 'NLL', (m) => m.sets[set].nll),
  metricPanel(study, `${label}: ECE`, 'ECE', (m) => m.sets[set].ece),
];

const caption = (study: LaplaceStudy, what: string) =>
  `${what} — K-FAC Laplace approximations (exact K-FAC, N = ${study.dataSize}, ${study.samples} samples): mean and min–max over ${study.repeats} batches / batch pairs`;

/** Fig. 6: the test set. */
export function figure6(study: LaplaceStudy): string {
  return svgDocument(caption(study, 'Fig. 6, test set'), setPanels(study, 'test', 'test'), 3, 300, 220, 3);
}

/** Fig. 14: the training set. */
export function figure14(study: LaplaceStudy): string {
  return svgDocument(caption(study, 'Fig. 14, training set'), setPanels(study, 'train', 'train'), 3, 300, 220, 3);
}

/** Fig. 15: the corrupted test sets, one row per severity, with the AUROC of test vs that set. */
export function figure15(study: LaplaceStudy): string {
  const panels = study.setNames.slice(2).flatMap((set, s) => [
    ...setPanels(study, set, `severity ${s + 1}`),
    metricPanel(study, `severity ${s + 1}: AUROC test vs corrupted`, 'AUROC', (m) => m.auroc[s]),
  ]);
  return svgDocument(caption(study, 'Fig. 15, corrupted test sets'), panels, 4, 260, 200, 3);
}

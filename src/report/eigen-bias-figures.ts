/**
 * Figs. 21 (B.9) and 22 (B.10): the relative slope and curvature errors of B1's quadratic along
 * its top eigenvectors against the full data, per B1 a dot at the mean and a line over the
 * 5–95 % range of the k directions, on log10 axes (the errors span orders of magnitude).
 */
import type { BiasOverModels, BiasOverTraining, EigenBiasRun, Spread } from '../curvature/eigen-bias.ts';
import { scatterPanel, svgDocument, type Series } from './svg.ts';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** One series per B1 (or per group): dots at log10 of the mean, ranges over log10 of p5…p95, x nudged apart. */
function spreadSeries(name: string, color: string, points: { x: number; spread: Spread }[]): Series {
  return {
    name, color, radius: 3,
    points: points.map((p) => [p.x, Math.log10(p.spread.mean)]),
    ranges: points.map((p) => [p.x, Math.log10(p.spread.p5), Math.log10(p.spread.p95)]),
  };
}

const nudge = (r: number, count: number, step: number) => (r - (count - 1) / 2) * step;

/** Fig. 21: the errors at each training checkpoint (epochs ≥ 1 on a log axis), one colour per B1. */
export function figure21(over: BiasOverTraining): string {
  const shown = over.checkpoints.filter((c) => c.epoch >= 1);
  const b1Count = shown[0]?.runs.length ?? 0;
  const panel = (title: string, pick: (r: EigenBiasRun) => Spread) => scatterPanel({
    title, xLabel: 'log10 epoch', yLabel: 'log10 relative error',
    series: Array.from({ length: b1Count }, (_, r) => spreadSeries(`B1 = batch ${shown[0].runs[r].b1Batch}`, COLORS[r % COLORS.length],
      shown.map((c) => ({ x: Math.log10(c.epoch) + nudge(r, b1Count, 0.02), spread: pick(c.runs[r]) })))),
  });
  const first = shown[0];
  return svgDocument(
    `Fig. 21 — bias over training: |x_B1 − x_full| / |x_full| along B1's top-${first?.k} ${first?.kind.toUpperCase()} eigenvectors, |B| = ${first?.batchSize} (dot: mean, line: 5–95 %)`,
    [panel('directional slope', (r) => r.slopeSpread), panel('directional curvature', (r) => r.curvatureSpread)], 2, 330, 230,
  );
}

/** Fig. 22: the curvature error of each model of the family against its number of parameters, one colour per depth. */
export function figure22(family: BiasOverModels): string {
  const depths = [...new Set(family.models.map((m) => m.depth))].sort((a, b) => a - b);
  const series = depths.map((d, i) => spreadSeries(`depth ${d}`, COLORS[i % COLORS.length], family.models.filter((m) => m.depth === d).flatMap((m) =>
    m.runs.map((run, r) => ({ x: Math.log10(m.numParams) + nudge(r, m.runs.length, 0.012), spread: run.curvatureSpread })))));
  const first = family.models[0];
  return svgDocument(
    `Fig. 22 — curvature bias vs number of parameters: |c_B1(u) − c(u)| / |c(u)| along B1's top-${first?.k} eigenvectors, |B| = ${first?.batchSize}, per model and B1 (dot: mean, line: 5–95 %)`,
    [scatterPanel({ title: 'ConvNet family (depth, width)', xLabel: 'log10 P (parameters)', yLabel: 'log10 relative curvature error', series })], 1, 560, 260,
  );
}

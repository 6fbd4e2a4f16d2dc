/** The CG experiment's figures: Fig. 5 (single-batch vs debiased CG) and Fig. 13 (full batch). */
import type { Band, CgMethod, CgStudy, CgStudyAtSize, CgTrajectory } from '../curvature/cg-study.ts';
import { scatterPanel, svgDocument, type Series } from './svg.ts';

const COLORS: Record<CgMethod, string> = { single: '#d62728', debiased: '#1f77b4', full: '#ff7f0e', 'debiased-full': '#2ca02c' };

type MetricName = 'trainLoss' | 'testLoss' | 'trainAccuracy' | 'testAccuracy';
/** The four panels; losses on a log10 axis, so a stable run's small changes show beside a diverging one. */
const METRICS: { name: MetricName; title: string; yLabel: string; scale: (v: number) => number }[] = [
  { name: 'trainLoss', title: 'training loss (Eq. 1)', yLabel: 'log10 regularized loss', scale: Math.log10 },
  { name: 'testLoss', title: 'test loss', yLabel: 'log10 regularized loss', scale: Math.log10 },
  { name: 'trainAccuracy', title: 'training accuracy', yLabel: 'accuracy', scale: (v) => v },
  { name: 'testAccuracy', title: 'test accuracy', yLabel: 'accuracy', scale: (v) => v },
];

/** Mean line with the min–max band over the repeats (the mean taken before scaling). */
function bandSeries(name: string, color: string, band: Band, scale: (v: number) => number): Series {
  return {
    name, color, line: true, radius: 0,
    points: band.mean.map((v, k) => [k, scale(v)]),
    band: band.mean.map((_, k) => [k, scale(band.min[k]), scale(band.max[k])]),
  };
}

/** Fig. 5 at one batch size: four panels, single-batch CG at |B| vs debiased CG at |B|/2 (mean and min–max over the repeats). */
export function figure5(study: CgStudy, size: CgStudyAtSize): string {
  const panels = METRICS.flatMap(({ name, title, yLabel, scale }) => {
    const series = size.summaries.flatMap((s) => {
      const band = s.bands[name];
      if (!band) return [];
      const label = s.method === 'single' ? `single-batch, |B| = ${size.batchSize}` : `debiased, 2 × ${size.batchSize / 2}`;
      return [bandSeries(label, COLORS[s.method], band, scale)];
    });
    return series.length ? [scatterPanel({ title, xLabel: 'CG iteration k', yLabel, series })] : [];
  });
  return svgDocument(`Fig. 5 — CG on the GGN quadratic (λ = ${study.weightDecay}, no damping) at θ0 + x_k: mean and min–max over ${study.repeats} batches / batch pairs`, panels, 2);
}

/** Fig. 13: the full-batch variants (CG on all N examples; debiased with the two halves). */
export function figure13(study: CgStudy): string {
  const runs = study.fullBatch?.trajectories ?? [];
  const label = (t: CgTrajectory) => (t.method === 'full' ? `full batch (${t.directionExamples})` : `debiased, ${t.directionExamples} + ${t.stepExamples}`);
  const panels = METRICS.flatMap(({ name, title, yLabel, scale }) => {
    const series = runs.flatMap((t): Series[] => {
      const values = t.metrics[name];
      return values ? [{ name: label(t), color: COLORS[t.method], line: true, radius: 0, points: values.map((v, k) => [k, scale(v)]) }] : [];
    });
    return series.length ? [scatterPanel({ title, xLabel: 'CG iteration k', yLabel, series })] : [];
  });
  return svgDocument(`Fig. 13 — full-batch CG and debiased full-batch CG (directions from one half of the training set, step sizes from the other)`, panels, 2);
}

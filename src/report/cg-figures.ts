/** The CG experiment's figures: Fig. 5 (single-batch vs debiased CG) and Fig. 13 (full batch). */
import type { Band, CgMethod, CgMetrics, CgStepper, CgStudy, CgStudyAtSize, CgTrajectory } from '../curvature/cg-study.ts';
import { scatterPanel, svgDocument, type Panel, type Series } from './svg.ts';

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

/** One line per trajectory in each of the four panels (a panel is left out when no line has its metric). */
function trajectoryPanels(lines: { label: string; color: string; metrics: CgMetrics }[], radius = 0): Panel[] {
  return METRICS.flatMap(({ name, title, yLabel, scale }) => {
    const series = lines.flatMap((l): Series[] => {
      const values = l.metrics[name];
      return values ? [{ name: l.label, color: l.color, line: true, radius, points: values.map((v, k) => [k, scale(v)]) }] : [];
    });
    return series.length ? [scatterPanel({ title, xLabel: 'CG iteration k', yLabel, series })] : [];
  });
}

/** Fig. 13: the full-batch variants (CG on all N examples; debiased with the two halves). */
export function figure13(study: CgStudy): string {
  const label = (t: CgTrajectory) => (t.method === 'full' ? `full batch (${t.directionExamples})` : `debiased, ${t.directionExamples} + ${t.stepExamples}`);
  const panels = trajectoryPanels((study.fullBatch?.trajectories ?? []).map((t) => ({ label: label(t), color: COLORS[t.method], metrics: t.metrics })));
  return svgDocument(`Fig. 13 — full-batch CG and debiased full-batch CG (directions from one half of the training set, step sizes from the other)`, panels, 2);
}

/** The page's CG panel: one repeat of Fig. 5 as far as the stepper has gone (test panels first when there is a test set). */
export function cgStepFigure(stepper: CgStepper): string {
  const stop = (s: string | null) => (s ? `, stopped: ${s}` : '');
  const panels = trajectoryPanels([
    { label: `single-batch, |B| = ${stepper.batchSize}${stop(stepper.single.stopped)}`, color: COLORS.single, metrics: stepper.single.metrics },
    { label: `debiased, 2 × ${stepper.batchSize / 2}${stop(stepper.debiased.stopped)}`, color: COLORS.debiased, metrics: stepper.debiased.metrics },
  ], 2.5);
  const ordered = panels.length === 4 ? [panels[1], panels[3], panels[0], panels[2]] : panels;
  return svgDocument(`CG on the GGN quadratic at θ0 + x_k: batch pair ${stepper.repeat} of the partition with seed ${stepper.seed}, k = ${stepper.single.iterations}`, ordered, 2);
}

/** SVG figures of one bias study: Fig. 1 (projected quadratics), Fig. 2 (slopes and curvatures), Fig. 4 (overlaps, CG steps). */
import type { BiasStudy, Measured } from '../curvature/bias.ts';
import { evaluateProjected, type ProjectedQuadratic } from '../curvature/projected.ts';
import { contourPanel, heatmapPanel, scatterPanel, svgDocument, type Series } from './svg.ts';

const RED = '#d62728', GRAY = '#7f7f7f', BLACK = '#111', BLUE = '#1f77b4';

/** B1 (red), every other batch (gray, spread around its index), full data (black line). */
function directionSeries(values: Measured[]): Series[] {
  const others: [number, number][] = values.flatMap((v, i) => v.others.map((o, m) => [i + 1 + 0.3 * (m / Math.max(v.others.length - 1, 1) - 0.5), o] as [number, number]));
  return [
    { name: 'other batches', color: GRAY, points: others, radius: 2, opacity: 0.45 },
    { name: 'full data', color: BLACK, points: values.map((v, i) => [i + 1, v.full]), line: true },
    { name: 'B1 (the directions\' batch)', color: RED, points: values.map((v, i) => [i + 1, v.b1]), radius: 3.5 },
  ];
}

export function figure2(s: BiasStudy): string {
  const label = `${s.kind.toUpperCase()}, |B| = ${s.batchSize}`;
  return svgDocument(`Fig. 2 — slopes and curvatures along directions found on B1 (${label}; B1 = batch ${s.b1Batch} of ${s.numBatches}, the median top eigenvalue of ${s.eigen.topCurvatureRatios.length})`, [
    scatterPanel({ title: 'slope s(0, u_i), top eigenvectors', xLabel: 'eigenvector i', yLabel: 'slope', series: directionSeries(s.eigen.slopes), zeroLine: true }),
    scatterPanel({ title: 'curvature c(u_i), top eigenvectors', xLabel: 'eigenvector i', yLabel: 'curvature', series: directionSeries(s.eigen.curvatures), zeroLine: true }),
    scatterPanel({ title: 'slope s(x_k, d_k), CG directions', xLabel: 'CG iteration k + 1', yLabel: 'slope', series: directionSeries(s.cg.slopes), zeroLine: true }),
    scatterPanel({ title: 'curvature c(d_k), CG directions', xLabel: 'CG iteration k + 1', yLabel: 'curvature', series: directionSeries(s.cg.curvatures), zeroLine: true }),
  ]);
}

export function figure4(s: BiasStudy): string {
  const label = `${s.kind.toUpperCase()}, |B| = ${s.batchSize}`;
  const logW = s.eigen.overlaps.map((row) => row.map((w) => Math.max(Math.log10(Math.max(w, 1e-300)), -6)));
  return svgDocument(`Fig. 4 — eigenspace overlaps and CG update magnitudes (${label})`, [
    heatmapPanel({ title: 'overlaps log10 w_ij = log10 (u_iᵀ v_j)²', xLabel: 'eigenvector j of B2', yLabel: 'eigenvector i of B1', matrix: logW, colorLabel: 'log10 w_ij', range: [-6, 0] }),
    scatterPanel({ title: 'update magnitude τ = −s/c along d_k', xLabel: 'CG iteration k + 1', yLabel: 'τ', series: directionSeries(s.cg.steps), zeroLine: true }),
    scatterPanel({
      title: 'λ1(B_r) / full-data curvature along its u1',
      xLabel: 'batch r in the role of B1',
      yLabel: 'ratio (> 1: overestimate)',
      series: [
        { name: 'ratio', color: RED, points: s.eigen.topCurvatureRatios.map((r, i) => [i + 1, r]) },
        { name: 'no bias', color: GRAY, points: s.eigen.topCurvatureRatios.map((_, i) => [i + 1, 1]), line: true, radius: 0 },
      ],
    }),
  ]);
}

/** Minimizer of a 2-D quadratic (null unless its curvature is positive definite). */
function minimizer(q: ProjectedQuadratic): [number, number] | null {
  const [[a, b], [, d]] = q.curvature;
  const det = a * d - b * b;
  if (!(a > 0 && det > 0)) return null;
  const [g1, g2] = q.gradient;
  return [-(d * g1 - b * g2) / det, -(a * g2 - b * g1) / det];
}

export function figure1(s: BiasStudy): string {
  const q = s.projected!;
  const label = `${s.kind.toUpperCase()}, |B| = ${s.batchSize}`;
  const minima = [minimizer(q.b1), minimizer(q.full), minimizer(q.b2)].filter((m): m is [number, number] => m !== null);
  const radius = 1.3 * Math.max(1e-3, ...minima.flatMap((m) => m.map(Math.abs)), 2 / Math.sqrt(Math.max(q.full.curvature[0][0], 1e-12)));
  const grid = Array.from({ length: 61 }, (_, i) => -radius + (2 * radius * i) / 60);
  const field = (p: ProjectedQuadratic) => grid.map((b) => grid.map((a) => evaluateProjected(p, a, b)));
  const full = field(q.full);
  const lo = Math.min(...full.flat()), hi = Math.max(...full.flat());
  const levels = Array.from({ length: 8 }, (_, i) => lo + ((hi - lo) * (i + 0.5) ** 2) / 64);
  const marker = (p: ProjectedQuadratic, color: string): Series[] => {
    const m = minimizer(p);
    return m ? [{ name: 'minimum', color, points: [m] }] : [];
  };
  return svgDocument(`Fig. 1 — q in the span of B1's top-2 eigenvectors (${label})`, [
    contourPanel({
      title: 'B1, B2 and full data (same contour levels)',
      xLabel: 'a (along u1)',
      yLabel: 'b (along u2)',
      xs: grid,
      ys: grid,
      fields: [
        { name: 'q on B1', color: RED, values: field(q.b1) },
        { name: 'q on another batch B2', color: BLUE, values: field(q.b2) },
        { name: 'q on the full data', color: BLACK, values: full },
      ],
      levels,
      markers: [...marker(q.b1, RED), ...marker(q.b2, BLUE), ...marker(q.full, BLACK)],
    }),
  ], 1, 420, 360);
}

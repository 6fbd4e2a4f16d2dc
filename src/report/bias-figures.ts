/**
 * SVG figures of one bias study, one row per B1: Fig. 1 (projected quadratics of B1, five other
 * batches and the full data), Fig. 2 (slopes and curvatures), Fig. 4 (overlaps, CG steps, and
 * the top-curvature ratios over the first batches).
 */
import type { B1Run, BiasStudy, Measured } from '../curvature/bias.ts';
import type { KfacBiasStudy } from '../curvature/kfac-bias.ts';
import { evaluateProjected, type ProjectedQuadratic } from '../curvature/projected.ts';
import { contourPanel, heatmapPanel, scatterPanel, svgDocument, type Panel, type Series } from './svg.ts';

const RED = '#d62728', GRAY = '#7f7f7f', BLACK = '#111', BLUE = '#1f77b4', LIGHT_BLUE = '#9ecae1';

/** B1 (red), every other batch (gray, spread around its index), full data (black line). */
function directionSeries(values: Measured[]): Series[] {
  const others: [number, number][] = values.flatMap((v, i) => v.others.map((o, m) => [i + 1 + 0.3 * (m / Math.max(v.others.length - 1, 1) - 0.5), o] as [number, number]));
  return [
    { name: 'other batches', color: GRAY, points: others, radius: 2, opacity: 0.45 },
    { name: 'full data', color: BLACK, points: values.map((v, i) => [i + 1, v.full]), line: true },
    { name: 'B1 (the directions\' batch)', color: RED, points: values.map((v, i) => [i + 1, v.b1]), radius: 3.5 },
  ];
}

const label = (s: BiasStudy) => `${s.kind.toUpperCase()}, |B| = ${s.batchSize}, ${s.numBatches} batches`;

/**
 * Fig. 2: slopes and curvatures along B1's eigenvectors and CG directions, a row of four panels
 * per B1 (`columns` per row); two when the study measured the eigenvectors only (eigenOnly).
 */
export function figure2(s: BiasStudy, columns = 4): string {
  const panels = s.runs.flatMap((run): Panel[] => {
    const b1 = `B1 = batch ${run.b1Batch}`;
    const eigen = [
      scatterPanel({ title: `${b1}: slope s(0, u_i)`, xLabel: 'top eigenvector i (largest entry > 0)', yLabel: 'slope', series: directionSeries(run.eigen.slopes), zeroLine: true }),
      scatterPanel({ title: `${b1}: curvature c(u_i)`, xLabel: 'top eigenvector i', yLabel: 'curvature', series: directionSeries(run.eigen.curvatures), zeroLine: true }),
    ];
    if (run.cg.reason === 'not run') return eigen;
    return [
      ...eigen,
      scatterPanel({ title: `${b1}: slope s(x_k, d_k)`, xLabel: 'CG iteration k + 1', yLabel: 'slope', series: directionSeries(run.cg.slopes), zeroLine: true }),
      scatterPanel({ title: `${b1}: curvature c(d_k)`, xLabel: 'CG iteration k + 1', yLabel: 'curvature', series: directionSeries(run.cg.curvatures), zeroLine: true }),
    ];
  });
  return svgDocument(`Fig. 2 — slopes and curvatures along directions found on B1, for ${s.runs.length} choice${s.runs.length === 1 ? '' : 's'} of B1 (${label(s)})`, panels, columns, 280, 200);
}

export function figure4(s: BiasStudy): string {
  const panels = s.runs.flatMap((run): Panel[] => [
    heatmapPanel({
      title: `overlaps log10 (u_iᵀ v_j)², B1 = ${run.b1Batch}, B2 = ${run.b2Batch}`,
      xLabel: 'eigenvector j of B2', yLabel: 'eigenvector i of B1',
      matrix: run.eigen.overlaps.map((row) => row.map((w) => Math.max(Math.log10(Math.max(w, 1e-300)), -6))),
      colorLabel: 'log10 w_ij', range: [-6, 0],
    }),
    scatterPanel({ title: `B1 = batch ${run.b1Batch}: update magnitude τ = −s/c`, xLabel: 'CG iteration k + 1', yLabel: 'τ', series: directionSeries(run.cg.steps), zeroLine: true }),
  ]);
  if (s.topCurvatureRatios.length > 0) {
    panels.push(scatterPanel({
      title: 'λ1(B_r) / full-data curvature along its u1',
      xLabel: 'batch r in the role of B1',
      yLabel: 'ratio (> 1: overestimate)',
      series: [
        { name: 'ratio', color: RED, points: s.topCurvatureRatios.map((r, i) => [i, r]) },
        { name: 'no bias', color: GRAY, points: s.topCurvatureRatios.map((_, i) => [i, 1]), line: true, radius: 0 },
      ],
    }));
  }
  return svgDocument(`Fig. 4 — eigenspace overlaps and CG update magnitudes, for ${s.runs.length} choices of B1 (${label(s)})`, panels);
}

/** Minimizer of a 2-D quadratic (null unless its curvature is positive definite). */
function minimizer(q: ProjectedQuadratic): [number, number] | null {
  const [[a, b], [, d]] = q.curvature;
  const det = a * d - b * b;
  if (!(a > 0 && det > 0)) return null;
  const [g1, g2] = q.gradient;
  return [-(d * g1 - b * g2) / det, -(a * g2 - b * g1) / det];
}

/**
 * Fig. 1 for one B1: q on B1 (red), on B2 — the batch after B1, whose eigenvectors give the
 * overlaps of Fig. 4 (blue) —, on `others` − 1 more batches (light blue) and on the full data
 * (black), in B1's top-2 eigenvector plane, each with its minimum.
 */
function projectedPanel(run: B1Run, others: number): Panel {
  const q = run.projected!;
  const b2 = run.otherBatches.indexOf(run.b2Batch);
  const rest = q.others.filter((_, m) => m !== b2).slice(0, Math.max(0, others - 1));
  const minima = [q.b1, q.full, q.others[b2], ...rest].map(minimizer).filter((m): m is [number, number] => m !== null);
  const radius = 1.3 * Math.max(1e-3, ...minima.flatMap((m) => m.map(Math.abs)), 2 / Math.sqrt(Math.max(q.full.curvature[0][0], 1e-12)));
  const grid = Array.from({ length: 61 }, (_, i) => -radius + (2 * radius * i) / 60);
  const field = (p: ProjectedQuadratic) => grid.map((b) => grid.map((a) => evaluateProjected(p, a, b)));
  const full = field(q.full);
  const lo = Math.min(...full.flat()), hi = Math.max(...full.flat());
  const levels = Array.from({ length: 4 }, (_, i) => lo + ((hi - lo) * (i + 0.5) ** 2) / 16);
  const marker = (p: ProjectedQuadratic, color: string): Series[] => {
    const m = minimizer(p);
    return m ? [{ name: 'minimum', color, points: [m] }] : [];
  };
  return contourPanel({
    title: `B1 = batch ${run.b1Batch} (same contour levels)`,
    xLabel: 'a (along u1)',
    yLabel: 'b (along u2)',
    xs: grid,
    ys: grid,
    fields: [
      ...rest.map((o, i) => ({ name: i === 0 ? `q on ${rest.length} more batches` : '', color: LIGHT_BLUE, values: field(o) })),
      { name: `q on B2 = batch ${run.b2Batch}`, color: BLUE, values: field(q.others[b2]) },
      { name: 'q on B1', color: RED, values: field(q.b1) },
      { name: 'q on the full data', color: BLACK, values: full },
    ],
    levels,
    markers: [...rest.flatMap((o) => marker(o, LIGHT_BLUE)), ...marker(q.others[b2], BLUE), ...marker(q.b1, RED), ...marker(q.full, BLACK)],
  });
}

/** Fig. 1: one panel per B1, with B2 and `others` − 1 more batches (default 5 in all). */
export function figure1(s: BiasStudy, others = 5): string {
  const caption = s.runs.length === 1
    ? `Fig. 1 — q in B1's top-2 eigenvector plane (${label(s)})`
    : `Fig. 1 — q in the span of B1's top-2 eigenvectors, for ${s.runs.length} choices of B1 (${label(s)})`;
  return svgDocument(caption, s.runs.map((run) => projectedPanel(run, others)), Math.min(3, s.runs.length), 380, 330);
}

/** Fig. 20 (B.8): K-FAC curvature along B1's top eigenvectors, one panel per batch size (the first B1). */
export function figure20(s: KfacBiasStudy): string {
  const panels = s.sizes.map((size) => {
    const run = size.runs[0];
    return scatterPanel({
      title: `|B| = ${size.batchSize} (B1 = batch ${run.b1Batch} of ${size.numBatches})`,
      xLabel: 'eigenvector i of B1\'s K-FAC',
      yLabel: 'curvature uᵢᵀ K uᵢ',
      series: directionSeries(run.curvatures),
      zeroLine: true,
    });
  });
  return svgDocument(`Fig. 20 — K-FAC curvature bias vs batch size (${s.type} K-FAC of the data term; median λ_i(B1)/c_full(u_i): ${s.sizes.map((z) => `${z.medianRatio.toFixed(2)} at ${z.batchSize}`).join(', ')})`, panels, Math.min(4, panels.length), 300, 220);
}

/**
 * The README states what the committed results show: its generated regions equal what
 * tools/readme-results.ts makes of the JSON, and the prose around them ("Reading them") makes
 * claims that are checked here against the same JSON.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIAS_RESULTS, biasSection, FULL_COMMAND, REPRODUCE_FASHION_RESULTS, REPRODUCE_FULL_RESULTS, REPRODUCE_RESULTS, reproductionsByScale, verdictsByScale, reproduceSection, type ReproduceReport, CG_RESULTS, cgSection, LAPLACE_RESULTS, laplaceGroups, laplaceSection, DOCUMENTS, readRegion, regenerateDocument, replaceRegion, type BiasReport, type CgReport, type LaplaceReport } from '../tools/readme-results.ts';

/** The generated regions live in docs/results.md (the studies and the reproduction) and docs/guide.md (K-FAC's bias). */
const readme = readFileSync('docs/results.md', 'utf8');
const report = JSON.parse(readFileSync(BIAS_RESULTS, 'utf8')) as BiasReport;
const cgReport = JSON.parse(readFileSync(CG_RESULTS, 'utf8')) as CgReport;
const laReport = JSON.parse(readFileSync(LAPLACE_RESULTS, 'utf8')) as LaplaceReport;

const reproduction = JSON.parse(readFileSync(REPRODUCE_RESULTS, 'utf8')) as ReproduceReport;
const fashion = JSON.parse(readFileSync(REPRODUCE_FASHION_RESULTS, 'utf8')) as ReproduceReport;
const full = JSON.parse(readFileSync(REPRODUCE_FULL_RESULTS, 'utf8')) as ReproduceReport;

describe('README results', () => {
  it('the reproduce regions are what `npm run readme` makes of docs/reproduce*/results.json', () => {
    expect(readRegion(readme, 'reproduce')).toBe(reproduceSection(reproduction, 'npm start'));
    expect(readRegion(readme, 'reproduce-fashion')).toBe(reproduceSection(fashion, 'npm start -- --data fashion-mnist:/usr/share/datasets/fashion-mnist'));
    expect(readRegion(readme, 'reproduce-full')).toBe(reproduceSection(full, FULL_COMMAND));
    expect(readRegion(readFileSync('README.md', 'utf8'), 'verdicts-by-scale')).toBe(verdictsByScale(reproductionsByScale()));
  });

  it('the prose on the full Fashion-MNIST reproduction says what its results.json shows', () => {
    const claim = (id: string) => full.claims.find((c) => c.id === id)!;
    // "supports … at both batch sizes, where on digits it was mixed": "9 of 9 directions", "within 6 %"
    expect([claim('eigen-curvature').verdict, reproduction.claims.find((c) => c.id === 'eigen-curvature')!.verdict]).toEqual(['supports', 'mixed']);
    for (const st of full.bias.studies) {
      expect([st.batchSize, st.summary.eigenCurvature.b1.over, st.summary.eigenCurvature.b1.count]).toEqual([st.batchSize, 9, 9]);
      expect(Math.abs(st.summary.eigenCurvature.others.median)).toBeLessThan(0.06 + 5e-4);
    }
    for (const id of ['cg-directions', 'cg-steps', 'cg', 'laplace']) expect(claim(id).verdict, id).toBe('supports');
    // "0.36 at |B| = 32 but 0.71 at |B| = 128"
    const overlap = claim('overlap');
    expect(overlap.verdict).toBe('mixed');
    expect(overlap.numbers.ggn32Share).toBeCloseTo(0.36, 2);
    expect(overlap.numbers.ggn128Share).toBeCloseTo(0.71, 2);
    // "1.23 at |B| = 32 … gone at 512 (0.98)"
    expect([claim('kfac').verdict, claim('kfac').numbers.ratio32.toFixed(2), claim('kfac').numbers.ratio512.toFixed(2)]).toEqual(['mixed', '1.23', '0.98']);
    // "rises from 0.13 on the subset to 0.45", "no model interpolating (85–89 %)"
    const p = claim('parameters');
    expect([p.verdict, p.numbers.rho, p.numbers.interpolating]).toEqual(['mixed', 0.45, 0]);
    expect(fashion.claims.find((c) => c.id === 'parameters')!.numbers.rho).toBeCloseTo(0.13, 2);
    for (const m of full.family.models) expect(m.trainAccuracy > 0.85 && m.trainAccuracy < 0.89, m.label).toBe(true);
    // "grows 2.4× and … 18×, the same pattern at all three scales"
    const over = claim('over-training').numbers;
    expect([over.curvatureGrowth.toFixed(1), over.slopeGrowth.toFixed(0)]).toEqual(['2.4', '18']);
    for (const r of [reproduction, fashion, full]) expect(r.claims.find((c) => c.id === 'over-training')!.verdict).toBe('mixed');
    // "debiased CG a little less (0.116 against 0.125)", "(0.35) … (0.33) … 1.5", "θ0 at 90 %"
    expect([claim('cg').numbers.debiased128.toFixed(3), claim('cg').numbers.single128.toFixed(3)]).toEqual(['0.116', '0.125']);
    expect([claim('laplace').numbers.debiased128.toFixed(2), claim('laplace').numbers.full.toFixed(2), claim('laplace').numbers.single128.toFixed(1)]).toEqual(['0.35', '0.33', '1.5']);
    expect(full.models.main.final.trainAccuracy.toFixed(2)).toBe('0.90');
    // "122 minutes", "41 minutes", "26 (its training 5)", "2.6 GiB, in the K-FAC bias study"
    const seconds = (part: string) => full.timings.find((t) => t.part === part)!.seconds;
    expect(Math.round(full.totalSeconds / 60)).toBe(122);
    expect(Math.round(seconds('Laplace experiment') / 60)).toBe(41);
    expect(Math.round(seconds('ConvNet family') / 60)).toBe(26);
    expect(Math.round(full.models.family.reduce((a, m) => a + m.trainSeconds, 0) / 60)).toBe(5);
    expect((full.peakRssBytes / 2 ** 30).toFixed(1)).toBe('2.6');
    const firstAtPeak = full.timings.find((t) => t.peakRssBytes === full.peakRssBytes)!;
    expect(firstAtPeak.part).toBe('K-FAC bias');
  });

  it('the verdict table has a column per data scale, each from its own results.json, and names what changed', () => {
    const table = verdictsByScale(reproductionsByScale());
    const rows = table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| paper') && !l.startsWith('| ---'));
    expect(rows).toHaveLength(9);
    for (const [i, row] of rows.entries()) {
      const cells = row.split('|').slice(3, 6).map((c) => c.trim().replace(/\*/g, ''));
      expect(cells).toEqual([reproduction, fashion, full].map((r) => r.claims[i].verdict));
    }
    expect(full.data.trainExamples).toBe(60000);
    expect(full.data.testExamples).toBe(10000);
    expect(full.settings.mode).toBe('full');
    expect(full.settings.subset).toBeNull();
  });

  it('the prose on the digits reproduction says what its results.json shows', () => {
    const claim = (id: string) => reproduction.claims.find((c) => c.id === id)!;
    // "the numbers of `mbquad bias` above to the last digit"
    expect(reproduction.bias.studies.map((s) => s.summary)).toEqual(report.studies.map((s) => s.summary));
    expect(reproduction.kfac.sizes.map((z) => z.medianRatio)).toEqual(report.kfac!.sizes.map((z) => z.medianRatio));
    // "mixed because at |B| = 32 B1 underestimates … (its top one is still overestimated)"
    expect(claim('eigen-curvature').verdict).toBe('mixed');
    for (const s of reproduction.bias.studies.filter((x) => x.batchSize === 32)) {
      expect(s.summary.eigenCurvature.b1.under).toBeGreaterThan(s.summary.eigenCurvature.b1.count / 2);
      expect(s.summary.topCurvatureRatio!.median).toBeGreaterThan(1);
    }
    // "K-FAC's overestimate does not shrink with the batch size"
    const ratios = reproduction.kfac.sizes.map((z) => z.medianRatio);
    expect(ratios[ratios.length - 1]).toBeGreaterThanOrEqual(ratios[0]);
    // "the curvature error grows far less than orders of magnitude, the relative slope error much more"
    const over = claim('over-training').numbers;
    expect(over.curvatureGrowth).toBeLessThan(10);
    expect(over.slopeGrowth).toBeGreaterThan(10);
    // "the trend … does show on digits (most of the family below 99.9 %)", "both applications behave as the paper says"
    expect(claim('parameters').verdict).toBe('supports');
    expect(claim('parameters').numbers.interpolating).toBeLessThan(claim('parameters').numbers.models / 2);
    expect([claim('cg').verdict, claim('laplace').verdict]).toEqual(['supports', 'supports']);
  });

  it('the prose on the Fashion-MNIST reproduction says what its results.json shows', () => {
    const claim = (id: string) => fashion.claims.find((c) => c.id === id)!;
    // "supports the paper at every point … and so do both applications"
    for (const id of ['eigen-curvature', 'cg-directions', 'overlap', 'cg-steps', 'cg', 'laplace']) expect(claim(id).verdict, id).toBe('supports');
    // "no model of the family interpolates", "positive but far below 0.5", "mixed, where on digits supports"
    const p = claim('parameters');
    expect(p.numbers.interpolating).toBe(0);
    expect(p.numbers.rho).toBeGreaterThan(0);
    expect(p.numbers.rho).toBeLessThan(0.25);
    expect([p.verdict, reproduction.claims.find((c) => c.id === 'parameters')!.verdict]).toEqual(['mixed', 'supports']);
    // "the curvature error grows almost tenfold but the slope error grows more"
    const over = claim('over-training').numbers;
    expect(over.curvatureGrowth).toBeGreaterThan(8);
    expect(over.curvatureGrowth).toBeLessThan(10);
    expect(over.slopeGrowth).toBeGreaterThan(over.curvatureGrowth);
    // "K-FAC's overestimate is large at |B| = 8 but does not fall steadily"
    const ratios = fashion.kfac.sizes.map((z) => z.medianRatio);
    expect(ratios[0]).toBeGreaterThan(5);
    expect(ratios.some((r, i) => i > 0 && r > ratios[i - 1])).toBe(true);
    // "The family's runs dominate the time"
    const longest = fashion.timings.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    expect(longest.part).toBe('ConvNet family');
  });

  it("the bias region is what `npm run readme` makes of docs/bias/bias-study.json", () => {
    expect(readRegion(readme, 'bias')).toBe(biasSection(report));
  });

  it('the cg region is what `npm run readme` makes of docs/cg/cg-study.json', () => {
    expect(readRegion(readme, 'cg')).toBe(cgSection(cgReport));
  });

  it('the prose on the CG experiment says what the JSON shows', () => {
    const s = cgReport.study, K = s.iterations;
    const runs = (method: string, size?: number) => [...s.sizes.filter((z) => size === undefined || z.batchSize === size).flatMap((z) => z.trajectories), ...(s.fullBatch?.trajectories ?? [])].filter((t) => t.method === method);
    const final = (t: { metrics: { testAccuracy: number[] | null } }) => t.metrics.testAccuracy![K];
    const start = s.atStart.testAccuracy!;
    expect(s.atStart.trainAccuracy).toBe(1); // "θ0 is already at 100 % training accuracy"
    const all = [...s.sizes.flatMap((z) => z.trajectories), ...s.fullBatch!.trajectories];
    for (const t of all) {
      const acc = t.metrics.testAccuracy!, peak = Math.max(...acc);
      expect(peak - start).toBeLessThanOrEqual(2 / s.testExamples! + 1e-12); // "no run improves the test accuracy by more than two of the 359 images"
      expect(acc.indexOf(peak)).toBeLessThanOrEqual(7); // "its peaks lie at iterations 0–7"
    }
    const singles = runs('single');
    expect(singles).toHaveLength(15);
    for (const t of singles) expect(final(t)).toBeGreaterThanOrEqual(0.095); // "all 15 are at 10–15 %"
    for (const t of singles) expect(final(t)).toBeLessThanOrEqual(0.15);
    for (const size of [128, 256]) for (const t of runs('debiased', size)) expect(final(t)).toBeGreaterThanOrEqual(0.92); // "stays at 92–99 %"
    const small = runs('debiased', 32).map(final);
    const degraded = small.filter((a) => a < 0.9).sort((a, b) => b - a);
    expect(degraded).toHaveLength(2); // "two of the five to 38 % and 25 %"
    expect(degraded[0]).toBeCloseTo(0.384, 3);
    expect(degraded[1]).toBeCloseTo(0.253, 3);
    expect(Math.min(...small)).toBeGreaterThan(Math.max(...runs('single', 32).map(final))); // "far less than single-batch CG"
    expect(final(runs('full')[0])).toBeCloseTo(0.351, 3); // "35 % after 50 iterations"
    expect(final(runs('debiased-full')[0])).toBeCloseTo(0.986, 3); // "stays at 98.6 %"
  });

  it('the laplace region is what `npm run readme` makes of docs/laplace/laplace-study.json', () => {
    expect(readRegion(readme, 'laplace')).toBe(laplaceSection(laReport));
  });

  it('the prose on the Laplace experiment says what the JSON shows', () => {
    const s = laReport.study, deltas = s.priorPrecisions, last = deltas.length - 1;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const groups = laplaceGroups(s);
    const nll = (g: (typeof groups)[number], set: string, di: number) => mean(g.runs.map((r) => r.byPrecision[di].sets[set].nll));
    const bestIndex = (g: (typeof groups)[number], set: string) => deltas.reduce((b, _, di) => (nll(g, set, di) < nll(g, set, b) ? di : b), 0);
    for (const g of groups) {
      expect(bestIndex(g, 'test'), g.label).toBe(last); // "lowest at the largest δ (10⁴)"
      const auroc = (di: number) => mean(g.runs.map((r) => mean(r.byPrecision[di].auroc)));
      expect(auroc(0)).toBeLessThan(auroc(last)); // "rises with δ towards the vanilla network's"
      expect(auroc(last)).toBeLessThanOrEqual(mean(s.vanilla.auroc) + 1e-3);
      for (const set of ['c2', 'c3', 'c4', 'c5']) {
        const b = bestIndex(g, set);
        expect(nll(g, set, b)).toBeLessThan(s.vanilla.sets[set].nll); // "lower NLL than the vanilla network"
        expect(deltas[b]).toBeGreaterThanOrEqual(31); // "at its best δ (32 to 320)"
        expect(deltas[b]).toBeLessThanOrEqual(320);
      }
      const c4 = nll(g, 'c4', bestIndex(g, 'c4'));
      expect(c4).toBeGreaterThanOrEqual(0.705); // "severity 4: 0.71–0.74"
      expect(c4).toBeLessThan(0.745);
    }
    expect(s.vanilla.sets.c4.nll).toBeCloseTo(0.865, 3);
    const [single32, debiased32, single128, debiased128, full] = groups;
    expect([single32.label, debiased128.label, full.label]).toEqual(['single-batch, \\|B\\| = 32', 'debiased, 2 × 64', 'full batch (1438)']);
    deltas.forEach((d, di) => {
      if (d <= 31.7) {
        expect(nll(debiased128, 'test', di)).toBeLessThan(nll(single128, 'test', di)); // "lower … at every δ ≤ 31.6"
        expect(Math.abs(nll(debiased128, 'test', di) - nll(full, 'test', di))).toBeLessThanOrEqual(0.015); // "within 0.015"
      }
      if (d <= 0.11) expect(nll(debiased32, 'test', di)).toBeLessThan(nll(single32, 'test', di)); // "better … only for δ ≤ 0.1"
      if (d >= 0.3 && d <= 31.7) expect(nll(debiased32, 'test', di)).toBeGreaterThan(nll(single32, 'test', di)); // "slightly worse from 0.316 to 31.6"
    });
  });

  it('every TypeScript block of the README and the docs is an excerpt of an example, as it stands there (npm run readme)', () => {
    for (const path of DOCUMENTS) {
      const text = readFileSync(path, 'utf8');
      const blocks = text.match(/```ts\n/g)?.length ?? 0;
      const marked = text.match(/<!-- excerpt: examples\/[\w-]+\.ts#[\w-]+ -->\n```ts\n/g)?.length ?? 0;
      expect(marked, path).toBe(blocks);
      expect(regenerateDocument(text) === text, `${path} differs from \`npm run readme\`: run it`).toBe(true);
    }
  });

  it('the prose on the bias study says what the JSON shows', () => {
    const study = (kind: string, size: number) => report.studies.find((s) => s.kind === kind && s.batchSize === size)!;
    for (const kind of ['ggn', 'hessian']) {
      const [small, large] = [study(kind, 32), study(kind, 128)];
      // "a batch's own λ1 overestimates …, and more at |B| = 32 than at 128"
      expect(small.summary.topCurvatureRatio!.median).toBeGreaterThan(large.summary.topCurvatureRatio!.median);
      expect(large.summary.topCurvatureRatio!.median).toBeGreaterThan(1);
      // "at |B| = 32 B1 underestimates … most of its top-8 eigenvectors, at |B| = 128 it overestimates most of them"
      expect(small.summary.eigenCurvature.b1.under).toBeGreaterThan(small.summary.eigenCurvature.b1.count / 2);
      expect(large.summary.eigenCurvature.b1.over).toBeGreaterThan(large.summary.eigenCurvature.b1.count / 2);
      // "on B1 the slope at the iterate is below the full data's"
      for (const s of [small, large]) expect(s.summary.cgSlope.b1.under).toBe(s.summary.cgSlope.b1.count);
      // "the trained model fits the training set (100 % accuracy)"
      expect(report.atTheta.trainAccuracy).toBe(1);
    }
    // "The Hessian gives nearly the same numbers as the GGN": top ratios within 5 %.
    for (const size of [32, 128]) {
      const [g, h] = [study('ggn', size), study('hessian', size)];
      expect(Math.abs(g.summary.topCurvatureRatio!.median / h.summary.topCurvatureRatio!.median - 1)).toBeLessThan(0.05);
    }
  });

  it('replaceRegion and readRegion round-trip and refuse a missing or repeated region', () => {
    const text = 'a\n<!-- results:x -->\nold\n<!-- /results:x -->\nb';
    expect(readRegion(replaceRegion(text, 'x', 'new\nlines'), 'x')).toBe('new\nlines');
    expect(() => replaceRegion(text, 'y', '')).toThrow(/region 'y' must occur exactly once/);
    expect(() => replaceRegion(text + text, 'x', '')).toThrow(/exactly once/);
  });
});

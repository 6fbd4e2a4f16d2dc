/**
 * The numbers and code of the README and of docs/*.md (DOCUMENTS) come from files that are run,
 * never by hand. This rewrites
 * - each region `<!-- results:NAME -->` … `<!-- /results:NAME -->` from the JSON it names, and
 * - each code block after `<!-- excerpt: PATH#NAME -->` (PATH: a program in examples/) from the region
 *   `// #region NAME` … `// #endregion NAME` of that example (which test/examples.test.ts runs);
 * test/readme-results.test.ts fails when a document and these sources disagree.
 * Run: npx tsx tools/readme-results.ts   (npm run readme)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BiasStudy, ErrorSummary } from '../src/curvature/bias.ts';
import type { KfacBiasStudy } from '../src/curvature/kfac-bias.ts';
import { peakOf, type CgPeak, type CgStudy } from '../src/curvature/cg-study.ts';
import { bestPrecisionIndex, laplaceApproaches, type LaplaceRun, type LaplaceStudy } from '../src/curvature/laplace-study.ts';
import type { TrainSettings } from '../src/nn/train.ts';
import { fillNumbers, type Claim } from '../src/report/claims.ts';
import { formatMiB, formatNumber } from '../src/report/report.ts';
import type { Reproduction } from '../src/report/reproduction.ts';

export const BIAS_RESULTS = 'docs/bias/bias-study.json';
export const CG_RESULTS = 'docs/cg/cg-study.json';
export const LAPLACE_RESULTS = 'docs/laplace/laplace-study.json';
export const REPRODUCE_RESULTS = 'docs/reproduce/results.json';
export const REPRODUCE_FASHION_RESULTS = 'docs/reproduce-fashion/results.json';
export const REPRODUCE_FULL_RESULTS = 'docs/reproduce-full/results.json';
/** The command behind docs/reproduce-full (the evidence run). */
export const FULL_COMMAND = 'npm start -- --scale full --data fashion-mnist:/usr/share/datasets/fashion-mnist --out docs/reproduce-full';

/** What results.json of `mbquad reproduce` holds (the fields read here). */
export type ReproduceReport = Reproduction & { claims: Claim[] };

/** A reproduction's verdicts with their measured numbers, and its time per part. */
export function reproduceSection(r: ReproduceReport, command: string): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;
  const memory = r.peakRssBytes ? ` Peak resident memory: ${formatMiB(r.peakRssBytes)}.` : '';
  const cuts = r.settings.cuts ?? [];
  return [
    ...wrap(`\`${command}\` on ${r.data.name.split('/')[0]} (${r.data.trainExamples.toLocaleString('en-US')} training and ${r.data.testExamples.toLocaleString('en-US')} test images${r.settings.subset ? `, a seeded subset (seed ${r.settings.subset.seed})` : ''}) took ${minutes(r.totalSeconds)} here: ${r.timings.map((t) => `${t.part} ${t.seconds.toFixed(0)} s`).join(', ')}.${memory}`, ''),
    ...(cuts.length > 0 ? ['', 'Cut for time, before the first run (`settings.cuts`):', '', ...cuts.flatMap((c) => wrap(c, '- '))] : []),
    '',
    '| paper | verdict | measured |',
    '| --- | --- | --- |',
    ...r.claims.map((c) => `| ${cell(c.figures)} | **${c.verdict}** | ${cell(fillNumbers(c, (_, v) => formatNumber(v)))} |`),
  ].join('\n');
}

/**
 * Each claim's verdict at each data scale, one column per reproduction (in the order given), and
 * which verdicts the scales agree on.
 */
export function verdictsByScale(runs: { label: string; r: ReproduceReport }[]): string {
  const ids = runs[0].r.claims.map((c) => c.id);
  for (const { label, r } of runs) if (r.claims.map((c) => c.id).join() !== ids.join()) throw new Error(`${label}: its claims are not ${ids.join(', ')}`);
  const verdicts = (id: string) => runs.map(({ r }) => r.claims.find((c) => c.id === id)!.verdict);
  const same = ids.filter((id) => new Set(verdicts(id)).size === 1), changed = ids.filter((id) => !same.includes(id));
  const name = (id: string) => `${runs[0].r.claims.find((c) => c.id === id)!.figures} (${id})`;
  const list = (xs: string[]) => (xs.length === 0 ? 'none' : xs.map(name).join(', '));
  return [
    `| paper | claim | ${runs.map(({ label }) => label).join(' | ')} |`,
    `| --- | --- | ${runs.map(() => '---').join(' | ')} |`,
    ...ids.map((id) => `| ${runs[0].r.claims.find((c) => c.id === id)!.figures} | ${id} | ${verdicts(id).map((v) => `**${v}**`).join(' | ')} |`),
    '',
    ...wrap(`The same at every scale: ${list(same)}. Changed with the scale: ${list(changed)}.`, ''),
  ].join('\n');
}

/** The three reproductions, smallest data first: the columns of the verdict table. */
export function reproductionsByScale(): { label: string; r: ReproduceReport }[] {
  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ReproduceReport;
  return [
    { label: 'digits (1,438 images)', r: read(REPRODUCE_RESULTS) },
    { label: 'Fashion-MNIST subset (3,000)', r: read(REPRODUCE_FASHION_RESULTS) },
    { label: 'Fashion-MNIST full (60,000)', r: read(REPRODUCE_FULL_RESULTS) },
  ];
}

/** What `mbquad bias` writes (the fields read here). */
export interface BiasReport {
  settings: { source: string; trainSettings: TrainSettings; checkpoint: string | null; weightDecay: number; k: number; repeats: number; seed: number; backend: string; kinds: string[] };
  atTheta: { objective: number; gradientNorm: number; trainAccuracy: number; testAccuracy: number | null };
  studies: BiasStudy[];
  kfac?: KfacBiasStudy | null;
}

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toPrecision(2)}`;
const counts = (e: ErrorSummary) => `${signed(e.median)} (${e.over} over, ${e.under} under)`;
const kindName = (s: BiasStudy) => (s.kind === 'ggn' ? 'GGN' : 'Hessian');

/** The bias study's summary: settings, a table, and sentences whose every number is the JSON's. */
export function biasSection(report: BiasReport): string {
  const t = report.settings.trainSettings;
  const { k, repeats } = report.settings;
  const first = report.studies[0];
  const training = report.settings.checkpoint
    ? `the checkpoint ${report.settings.checkpoint}`
    : `the digits CNN trained by \`mbquad bias\` itself: ${t.optimizer.toUpperCase()}, learning rate ${t.learningRate}${t.optimizer === 'sgd' ? `, momentum ${t.momentum}` : ''}, weight decay ${t.weightDecay}, batches of ${t.batchSize}, ${t.epochs} epochs${t.milestones.length ? `, ×${t.gamma} at epochs ${t.milestones.join(', ')}` : ''}, seed ${t.seed}`;
  const paragraph = [
    `Measured with \`npx mbquad bias${report.kfac ? ` --curvature ${[...report.settings.kinds, 'kfac'].join(',')}` : ''} --out docs/bias\` (curvature products on ${report.settings.backend}) on ${training}.`,
    `At θ the full-data objective (Eq. 1, λ = ${report.settings.weightDecay}) is ${report.atTheta.objective.toPrecision(4)}, ‖∇L(θ)‖ = ${report.atTheta.gradientNorm.toExponential(2)},`,
    `the training accuracy ${(100 * report.atTheta.trainAccuracy).toFixed(2)} %${report.atTheta.testAccuracy === null ? '' : ` and the test accuracy ${(100 * report.atTheta.testAccuracy).toFixed(2)} %`}.`,
    `Each study uses ${first.numExamples.toLocaleString('en-US')} of the training images (the partition drops the remainder of a seeded shuffle);`,
    `B1 is each of ${first.b1Rule}.`,
  ].join(' ');
  const lines = [
    ...wrap(paragraph, ''),
    '',
    `| curvature | \\|B\\| | batches | λ1(B)/c_full(u1): median [min, max], batches 0–${repeats - 1} as B1 | curvature error on B1, top-${k} eigenvectors | same, other batches (median) | curvature error on B1, CG directions | slope error on B1, CG directions |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.studies.map((s) => {
      const r = s.summary.topCurvatureRatio;
      const ratio = r ? `**${r.median.toFixed(2)}×** [${r.min.toFixed(2)}, ${r.max.toFixed(2)}]` : '–';
      return `| ${kindName(s)} | ${s.batchSize} | ${s.numBatches} | ${ratio} | ${counts(s.summary.eigenCurvature.b1)} | ${signed(s.summary.eigenCurvature.others.median)} | ${counts(s.summary.cgCurvature.b1)} | ${counts(s.summary.cgSlope.b1)} |`;
    }),
    '',
    ...wrap('Errors are signed, (x_B1 − x_full)/|x_full|, pooled over the B1s and their directions: their median, and how many are over- and underestimates. What they show:', ''),
    '',
    ...report.studies.flatMap((s) => {
      const ratios = s.topCurvatureRatios;
      const above = ratios.filter((x) => x > 1).length;
      const e = s.summary.eigenCurvature, slope = s.summary.cgSlope.b1;
      return wrap(`${kindName(s)}, |B| = ${s.batchSize}: λ1 of B1 exceeds the full-data curvature along its u1 for ${above} of ${ratios.length} batches; along all top-${k} eigenvectors B1 overestimates ${e.b1.over} of ${e.b1.count} times (the other batches: ${e.others.over} of ${e.others.count}); CG's slope on B1 is below the full data's at ${slope.under} of ${slope.count} iterates.`, '- ');
    }),
  ];
  return lines.join('\n');
}

/** The K-FAC bias study (B.8): the median ratio per batch size, and what it shows. */
export function kfacSection(report: BiasReport): string {
  const s = report.kfac;
  if (!s) throw new Error(`${BIAS_RESULTS} has no K-FAC study (run mbquad bias with --curvature …,kfac)`);
  const rows = s.sizes.map((z) => `| ${z.batchSize} | ${z.numBatches} | ${z.runs.length} | **${z.medianRatio.toFixed(2)}×** [${z.minRatio.toFixed(2)}, ${z.maxRatio.toFixed(2)}] | ${z.runs.flatMap((r) => r.ratios).filter((x) => x > 1).length} of ${z.runs.length * s.k} |`);
  const medians = s.sizes.map((z) => z.medianRatio);
  const decreasing = medians.every((m, i) => i === 0 || m <= medians[i - 1]);
  return [
    ...wrap(`Measured in the same run, on the same model (${s.type} K-FAC of the data term, no weight decay; B1 is each of ${s.b1Rule}):`, ''),
    '',
    `| \\|B\\| | batches | B1s | λ_i(B1)/c_full(u_i), top-${s.k}: median [min, max] | overestimates |`,
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...wrap(`The median ratio ${decreasing ? 'falls' : 'does not fall monotonically'} as the batch grows (${medians.map((m, i) => `${m.toFixed(2)} at ${s.sizes[i].batchSize}`).join(', ')}).`, ''),
  ].join('\n');
}

/** What `mbquad cg` writes (the fields read here). */
export interface CgReport {
  settings: { trainSettings: TrainSettings | null; checkpoint: string | null; weightDecay: number; batchSizes: number[]; iterations: number; repeats: number; seed: number; backend: string };
  study: CgStudy;
}

/** The CG experiment (Fig. 5, Fig. 13): per method the accuracy and loss at θ0, at the peak and after K iterations. */
export function cgSection(report: CgReport): string {
  const s = report.study, K = s.iterations;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows: { label: string; peaks: CgPeak[] }[] = [
    ...s.sizes.flatMap((z) => z.summaries.map((m) => ({ label: m.method === 'single' ? `single-batch, \\|B\\| = ${z.batchSize}` : `debiased, 2 × ${z.batchSize / 2}`, peaks: m.peak }))),
    ...(s.fullBatch?.trajectories ?? []).map((t) => ({ label: t.method === 'full' ? `full batch (${t.directionExamples})` : `debiased full batch (${t.directionExamples} + ${t.stepExamples})`, peaks: [peakOf(t.metrics)] })),
  ];
  const line = (r: { label: string; peaks: CgPeak[] }) => {
    const p = r.peaks;
    return `| ${r.label} | ${p.length} | ${pct(mean(p.map((x) => x.accuracy)))} (k = ${p.map((x) => x.iteration).join(', ')}) | **${pct(mean(p.map((x) => x.finalAccuracy)))}** [${pct(Math.min(...p.map((x) => x.finalAccuracy)))}, ${pct(Math.max(...p.map((x) => x.finalAccuracy)))}] | ${mean(p.map((x) => x.lossAtPeak)).toFixed(3)} | **${mean(p.map((x) => x.finalLoss)).toFixed(3)}** |`;
  };
  const t = report.settings.trainSettings;
  const model = report.settings.checkpoint ? `the checkpoint ${report.settings.checkpoint}` : `the digits CNN (${s.numParams.toLocaleString('en-US')} parameters) trained by the command itself as \`mbquad bias\` trains it (${t ? `${t.optimizer.toUpperCase()}, ${t.epochs} epochs, weight decay ${t.weightDecay}` : 'weights given'})`;
  const drop = (label: string, rowsOf: { peaks: CgPeak[] }[]) => {
    const peaks = rowsOf.flatMap((r) => r.peaks);
    return `${label}: from ${pct(mean(peaks.map((x) => x.accuracy)))} at the peak to ${pct(mean(peaks.map((x) => x.finalAccuracy)))} after ${K} iterations (mean over its ${peaks.length} runs)`;
  };
  const singles = s.sizes.map((z) => ({ peaks: z.summaries.find((m) => m.method === 'single')!.peak }));
  const debiased = s.sizes.map((z) => ({ peaks: z.summaries.find((m) => m.method === 'debiased')!.peak }));
  return [
    ...wrap(`Measured with \`npx mbquad cg --batch-sizes ${report.settings.batchSizes.join(',')} --out docs/cg\` on ${model}, GGN products on ${report.settings.backend}: the GGN with λ = ${s.weightDecay}, no damping, ${K} CG iterations, ${s.repeats} disjoint batches (single) and batch pairs (debiased) per size, partitions shuffled with seed ${s.seed}. At θ0 the test accuracy is ${pct(s.atStart.testAccuracy!)} and the regularized test loss ${s.atStart.testLoss!.toFixed(3)} (${s.testExamples} test images).`, ''),
    '',
    `| method | runs | peak test accuracy (iterations) | test accuracy at k = ${K} [min, max] | test loss at the peak | test loss at k = ${K} |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(line),
    '',
    ...wrap(`Test accuracy over all batch sizes — ${drop('single-batch CG', singles)}; ${drop('debiased CG', debiased)}.`, ''),
  ].join('\n');
}

/** What `mbquad laplace` writes (the fields read here). */
export interface LaplaceReport {
  settings: { checkpoint: string | null; weightDecay: number; impliedPrecision: number; batchSizes: number[]; repeats: number; samples: number; seed: number };
  study: LaplaceStudy;
}

/** The approaches of a Laplace study: single and debiased per batch size, then full batch. */
export function laplaceGroups(s: LaplaceStudy): { label: string; runs: LaplaceRun[] }[] {
  return laplaceApproaches(s).map((g) => ({
    label: g.method === 'full' ? `full batch (${s.dataSize})` : g.method === 'single' ? `single-batch, \\|B\\| = ${g.batchSize}` : `debiased, 2 × ${g.batchSize! / 2}`,
    runs: g.runs,
  }));
}

/** The Laplace experiment: per approach the test metrics at its best δ and the test NLL across δ. */
export function laplaceSection(report: LaplaceReport): string {
  const s = report.study;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const groups = laplaceGroups(s);
  const nllAt = (runs: LaplaceRun[], di: number) => mean(runs.map((r) => r.byPrecision[di].sets.test.nll));
  const shown = [0.01, 0.1, 1, 10, 100, 10000].map((d) => s.priorPrecisions.findIndex((x) => Math.abs(x - d) <= 1e-9 * d)).filter((i) => i >= 0);
  const v = s.vanilla;
  return [
    ...wrap(`Measured with \`npx mbquad laplace --out docs/laplace\` on the digits CNN (${report.settings.checkpoint ? report.settings.checkpoint : 'trained by the command as `mbquad bias` trains it'}): N = ${s.dataSize}, exact K-FAC, ${s.samples} samples, ${s.repeats} batches / batch pairs per size, seed ${s.seed}; the training weight decay λ = ${report.settings.weightDecay} implies δ = N·λ = ${report.settings.impliedPrecision.toPrecision(3)}. Corrupted: the test images, each with one of eight corruptions, at severities 1–5.`, ''),
    '',
    '| approach | δ with the lowest mean test NLL | test accuracy | test NLL | test ECE | AUROC test vs corrupted (mean over severities) | build time, s |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| vanilla | – | ${(100 * v.sets.test.accuracy).toFixed(1)} % | ${v.sets.test.nll.toFixed(3)} | ${v.sets.test.ece.toFixed(3)} | ${mean(v.auroc).toFixed(3)} | – |`,
    ...groups.map((g) => {
      const b = bestPrecisionIndex(g.runs);
      const at = (f: (m: LaplaceRun['byPrecision'][number]) => number) => mean(g.runs.map((r) => f(r.byPrecision[b])));
      return `| ${g.label} | ${s.priorPrecisions[b].toPrecision(3)} | ${(100 * at((m) => m.sets.test.accuracy)).toFixed(1)} % | **${at((m) => m.sets.test.nll).toFixed(3)}** | ${at((m) => m.sets.test.ece).toFixed(3)} | ${at((m) => mean(m.auroc)).toFixed(3)} | ${mean(g.runs.map((r) => r.buildSeconds)).toFixed(3)} |`;
    }),
    '',
    `Mean test NLL across δ (vanilla: ${v.sets.test.nll.toFixed(3)}):`,
    '',
    `| approach | ${shown.map((di) => `δ = ${s.priorPrecisions[di].toPrecision(2)}`).join(' | ')} |`,
    `| --- | ${shown.map(() => '---').join(' | ')} |`,
    ...groups.map((g) => `| ${g.label} | ${shown.map((di) => nllAt(g.runs, di).toFixed(3)).join(' | ')} |`),
  ].join('\n');
}

/** Words filled into lines of at most 100 columns; the first line starts with `lead`, the rest are indented to match. */
function wrap(text: string, lead: string): string[] {
  const lines: string[] = [];
  let line = lead;
  for (const word of text.split(' ')) {
    if (line.trim() !== lead.trim() && line.length + 1 + word.length > 100) {
      lines.push(line);
      line = ' '.repeat(lead.length) + word;
    } else line = line === lead ? lead + word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** Replaces the body of region NAME; throws unless it occurs exactly once. */
export function replaceRegion(text: string, name: string, body: string): string {
  const open = `<!-- results:${name} -->`, close = `<!-- /results:${name} -->`;
  const start = text.indexOf(open), end = text.indexOf(close);
  if (start < 0 || end < start || text.indexOf(open, start + 1) >= 0) throw new Error(`README: region '${name}' must occur exactly once`);
  return `${text.slice(0, start + open.length)}\n${body}\n${text.slice(end)}`;
}

/** The body of region NAME as it stands. */
export function readRegion(text: string, name: string): string {
  const open = `<!-- results:${name} -->`, close = `<!-- /results:${name} -->`;
  const start = text.indexOf(open), end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`README: no region '${name}'`);
  return text.slice(start + open.length + 1, end - 1);
}

/** The lines between `// #region NAME` and `// #endregion NAME` of a source file. */
export function exampleRegion(path: string, name: string): string {
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(`// #region ${name}\n`), end = text.indexOf(`// #endregion ${name}\n`);
  if (start < 0 || end < start) throw new Error(`${path}: no region '${name}'`);
  return text.slice(start + `// #region ${name}\n`.length, end).replace(/\n$/, '');
}

/** A marker and its code block; the block's body never contains a fence, even when it is empty. */
const EXCERPT = /<!-- excerpt: ([\w./-]+)#([\w-]+) -->\n```ts\n(?:(?!```)[\s\S])*```/g;

/** The README with every excerpt block replaced by its example's region. */
export function refreshExcerpts(text: string): string {
  return text.replace(EXCERPT, (_, path: string, name: string) => `<!-- excerpt: ${path}#${name} -->\n\`\`\`ts\n${exampleRegion(path, name)}\n\`\`\``);
}

/** The README and the docs by topic: where generated regions and example excerpts may stand. */
export const DOCUMENTS = ['README.md', 'docs/results.md', 'docs/guide.md', 'docs/cli.md', 'docs/performance.md', 'docs/web.md', 'docs/testing.md'];

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;
/** Each region's body, from the JSON it names. */
const REGIONS: Record<string, () => string> = {
  bias: () => biasSection(readJson<BiasReport>(BIAS_RESULTS)),
  'kfac-bias': () => kfacSection(readJson<BiasReport>(BIAS_RESULTS)),
  cg: () => cgSection(readJson<CgReport>(CG_RESULTS)),
  laplace: () => laplaceSection(readJson<LaplaceReport>(LAPLACE_RESULTS)),
  reproduce: () => reproduceSection(readJson<ReproduceReport>(REPRODUCE_RESULTS), 'npm start'),
  'reproduce-fashion': () => reproduceSection(readJson<ReproduceReport>(REPRODUCE_FASHION_RESULTS), 'npm start -- --data fashion-mnist:/usr/share/datasets/fashion-mnist'),
  'reproduce-full': () => reproduceSection(readJson<ReproduceReport>(REPRODUCE_FULL_RESULTS), FULL_COMMAND),
  'verdicts-by-scale': () => verdictsByScale(reproductionsByScale()),
};

/** A document as `npm run readme` leaves it: every region it has regenerated, every excerpt refreshed. */
export function regenerateDocument(text: string): string {
  let out = text;
  for (const [, name] of text.matchAll(/<!-- results:([\w-]+) -->/g)) {
    const body = REGIONS[name];
    if (!body) throw new Error(`unknown results region '${name}'; known: ${Object.keys(REGIONS).join(', ')}`);
    out = replaceRegion(out, name, body());
  }
  return refreshExcerpts(out);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const path of DOCUMENTS) writeFileSync(path, regenerateDocument(readFileSync(path, 'utf8')));
  console.log(`${DOCUMENTS.join(', ')}: results regions from ${BIAS_RESULTS}, ${CG_RESULTS}, ${LAPLACE_RESULTS}, ${REPRODUCE_RESULTS}, ${REPRODUCE_FASHION_RESULTS} and ${REPRODUCE_FULL_RESULTS}, code excerpts from examples/ rewritten`);
}

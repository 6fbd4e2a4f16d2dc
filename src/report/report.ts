/**
 * The reproduction's report: one self-contained HTML file (inline SVG and CSS; no script, font or
 * anything else fetched) made from the results alone. For each study: the paper's claims with
 * their figures, our figures (drawn by the same functions as the study commands'), the measured
 * numbers and the verdict; then the settings and seeds, the models, and how long each part took.
 * Every number shown is a results.json number, marked `data-result="<path in results.json>"`
 * so the browser test can check it against the file.
 */
import { figure1, figure2, figure20, figure4 } from './bias-figures.ts';
import { figure13, figure5 } from './cg-figures.ts';
import { fillNumbers, type Claim, type Verdict } from './claims.ts';
import { figure21, figure22 } from './eigen-bias-figures.ts';
import { figure14, figure15, figure6 } from './laplace-figures.ts';
import type { Reproduction } from './reproduction.ts';

/** A figure of the report: its id (also its anchor), the study it belongs to, and the SVG. */
export interface ReportFigure {
  id: string;
  study: string;
  title: string;
  svg: string;
}

/** The report's studies, in order, with the claims (by id) each shows. */
export const REPORT_STUDIES: { id: string; title: string; claims: string[] }[] = [
  { id: 'bias', title: 'The bias of mini-batch quadratics (Figs. 1, 2, 4)', claims: ['eigen-curvature', 'cg-directions', 'overlap', 'cg-steps'] },
  { id: 'kfac', title: 'K-FAC\'s curvature bias vs batch size (B.8, Fig. 20)', claims: ['kfac'] },
  { id: 'over-training', title: 'The bias over the course of training (B.9, Fig. 21)', claims: ['over-training'] },
  { id: 'parameters', title: 'The bias vs the number of parameters (B.10, Fig. 22)', claims: ['parameters'] },
  { id: 'cg', title: 'Debiased CG (Sec. 6.1, Figs. 5, 13)', claims: ['cg'] },
  { id: 'laplace', title: 'The debiased K-FAC Laplace approximation (Sec. 6.2, Figs. 6, 14, 15)', claims: ['laplace'] },
];

/** Every figure of a reproduction, drawn from its results. */
export function reportFigures(r: Reproduction): ReportFigure[] {
  const figures: ReportFigure[] = [];
  for (const s of r.bias.studies) {
    const name = `${s.kind}-b${s.batchSize}`;
    const what = `${s.kind === 'ggn' ? 'GGN' : 'Hessian'}, |B| = ${s.batchSize}`;
    if (s.k >= 2) figures.push({ id: `fig1-${name}`, study: 'bias', title: `Fig. 1 (${what})`, svg: figure1(s) });
    figures.push({ id: `fig2-${name}`, study: 'bias', title: `Fig. 2 (${what})`, svg: figure2(s) });
    figures.push({ id: `fig4-${name}`, study: 'bias', title: `Fig. 4 (${what})`, svg: figure4(s) });
  }
  figures.push({ id: 'fig20-kfac', study: 'kfac', title: 'Fig. 20', svg: figure20(r.kfac) });
  figures.push({ id: 'fig21-over-training', study: 'over-training', title: 'Fig. 21', svg: figure21(r.overTraining) });
  figures.push({ id: 'fig22-parameters', study: 'parameters', title: 'Fig. 22', svg: figure22(r.family) });
  for (const z of r.cg.sizes) figures.push({ id: `fig5-b${z.batchSize}`, study: 'cg', title: `Fig. 5 (|B| = ${z.batchSize})`, svg: figure5(r.cg, z) });
  if (r.cg.fullBatch) figures.push({ id: 'fig13-full-batch', study: 'cg', title: 'Fig. 13', svg: figure13(r.cg) });
  figures.push({ id: 'fig6-test', study: 'laplace', title: 'Fig. 6 (test set)', svg: figure6(r.laplace) });
  figures.push({ id: 'fig14-train', study: 'laplace', title: 'Fig. 14 (training set)', svg: figure14(r.laplace) });
  figures.push({ id: 'fig15-corrupted', study: 'laplace', title: 'Fig. 15 (corrupted test sets)', svg: figure15(r.laplace) });
  return figures;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A number as the report shows it: 3 significant digits (integers whole). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}

/** Bytes as mebibytes, whole: how the report, the README and the command line show memory. */
export const formatMiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** A results number in the page, marked with its path in results.json. */
const shown = (path: string, value: number, suffix = '') => `<span class="num" data-result="${esc(path)}">${formatNumber(value)}</span>${suffix}`;

const VERDICT_TEXT: Record<Verdict, string> = {
  supports: 'supports the claim',
  contradicts: 'contradicts the claim',
  mixed: 'mixed: holds in some settings, not in others',
  untestable: 'cannot test the claim at this scale',
};

function claimHtml(c: Claim, index: number): string {
  const measured = fillNumbers({ measured: esc(c.measured), numbers: c.numbers }, (name, value) => shown(`claims.${index}.numbers.${name}`, value));
  return `<div class="claim" id="claim-${c.id}">
<p class="paper"><b>Paper (${esc(c.figures)}).</b> ${esc(c.claim)}</p>
<p><b>Measured.</b> ${measured}</p>
<p class="verdict ${c.verdict}"><b>Verdict: ${VERDICT_TEXT[c.verdict]}</b> <span class="rule">(rule, fixed before the run: ${esc(c.rule)})</span></p>
</div>`;
}

/** Nested settings as dotted rows: `bias.batchSizes` → `32, 128`. */
function settingRows(value: unknown, prefix: string): [string, string][] {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return [[prefix, value.join(', ')]];
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => settingRows(v, prefix ? `${prefix}.${k}` : k));
  return [[prefix, String(value)]];
}

const CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:1em 0;font-size:.92em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}
.claim{border-left:4px solid #ccc;padding:.1em 1em;margin:1em 0}.paper{color:#444}
.verdict.supports{color:#1a6e1a}.verdict.contradicts{color:#a11}.verdict.mixed{color:#8a5a00}.verdict.untestable{color:#555}
.rule{font-weight:normal;color:#666;font-size:.9em}figure{margin:1em 0;overflow-x:auto}figure svg{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#444}.num{font-variant-numeric:tabular-nums}code{background:#f3f3f3;padding:0 .2em}`;

/** The report (see the file header); `claims` and `figures` are those written to results.json. */
export function reportHtml(r: Reproduction, claimList: Claim[], figures: ReportFigure[]): string {
  const claimIndex = new Map(claimList.map((c, i) => [c.id, i]));
  const summaryRows = claimList.map((c, i) => `<tr><td><a href="#claim-${c.id}">${esc(c.figures)}</a></td><td>${esc(c.claim)}</td><td class="verdict ${c.verdict}" data-verdict="claims.${i}.verdict">${c.verdict}</td></tr>`).join('\n');
  const sections = REPORT_STUDIES.map((study) => {
    const figs = figures.filter((f) => f.study === study.id).map((f) => `<figure id="${f.id}" data-figure="${f.id}">${f.svg.trim()}<figcaption>${esc(f.title)}</figcaption></figure>`).join('\n');
    const claimsHtml = study.claims.filter((id) => claimIndex.has(id)).map((id) => claimHtml(claimList[claimIndex.get(id)!], claimIndex.get(id)!)).join('\n');
    return `<section id="${study.id}"><h2>${esc(study.title)}</h2>\n${claimsHtml}\n${figs}</section>`;
  }).join('\n');
  const models = [r.models.main, ...r.models.family];
  const modelRows = models.map((m) => {
    const i = m === r.models.main ? 'models.main' : `models.family.${r.models.family.indexOf(m)}`;
    return `<tr><td>${esc(m.label)}</td><td>${shown(`${i}.numParams`, m.numParams)}</td><td>${esc(`${m.train.optimizer}, lr ${m.train.learningRate}, λ ${m.train.weightDecay}, ${m.train.epochs} epochs, seed ${m.train.seed}`)}</td><td>${shown(`${i}.final.trainAccuracy`, m.final.trainAccuracy)}</td><td>${m.final.testAccuracy === undefined ? '–' : shown(`${i}.final.testAccuracy`, m.final.testAccuracy)}</td><td>${m.reused ? 'reused' : 'trained'}, ${shown(`${i}.trainSeconds`, m.trainSeconds)} s</td></tr>`;
  }).join('\n');
  const timingRows = r.timings.map((t, i) => `<tr><td>${esc(t.part)}</td><td>${shown(`timings.${i}.seconds`, t.seconds)} s${t.resumed ? ' (an earlier run, resumed)' : ''}</td><td>${t.peakRssBytes === undefined ? '' : formatMiB(t.peakRssBytes)}</td></tr>`).join('\n');
  const { cuts = [], ...listed } = r.settings;
  const cutList = cuts.length > 0 ? `<p>Cut for time against the paper's settings, before the first run:</p>\n<ul>${cuts.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>` : '';
  const command = r.settings.mode === 'quick' ? ' --quick' : r.settings.mode === 'full' ? ' --scale full' : '';
  const settings = settingRows(listed, '').map(([k, v]) => `<tr><td><code>${esc(k)}</code></td><td>${esc(v)}</td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mbquad reproduction: Debiasing Mini-Batch Quadratics</title><style>${CSS}</style></head>
<body>
<h1>Debiasing Mini-Batch Quadratics — reproduction report</h1>
<p>Made by <code>mbquad reproduce${command}${r.data.source === 'digits' ? '' : ` --data ${esc(r.data.source)}`}</code> (mbquad ${esc(r.versions.mbquad)}, Node ${esc(r.versions.node)}), started ${esc(r.startedAt)}.
Data: <b>${esc(r.data.name.split('/')[0])}</b>, ${shown('data.trainExamples', r.data.trainExamples)} training and ${shown('data.testExamples', r.data.testExamples)} test images
${r.settings.subset ? `(a seeded subset: seed ${r.settings.subset.seed}) ` : ''}of shape ${r.data.inputShape.join('×')}. ${r.settings.mode === 'quick' ? '<b>Quick run</b>: small grids and few repeats, a smoke test of the pipeline, not evidence. ' : ''}
The whole run took ${shown('totalSeconds', r.totalSeconds)} s${r.peakRssBytes ? `, its peak resident memory ${formatMiB(r.peakRssBytes)}` : ''}. Every number below comes from <code>results.json</code> beside this file.</p>
<p>The paper: Tatzel et al., <i>Debiasing Mini-Batch Quadratics for Applications in Deep Learning</i> (arXiv:2410.14325). Its models and data sets are far larger (All-CNN-C on CIFAR-10/100, ImageNet); this run asks whether each claim holds at this scale.</p>
<h2>Claims at a glance</h2>
<table><tr><th>figures</th><th>the paper's claim</th><th>verdict</th></tr>
${summaryRows}
</table>
${sections}
<section id="models"><h2>Models</h2>
<table><tr><th>model</th><th>P</th><th>training</th><th>train acc.</th><th>test acc.</th><th>time</th></tr>
${modelRows}
</table></section>
<section id="settings"><h2>Settings and seeds</h2>
${cutList}
<table><tr><th>setting</th><th>value</th></tr>
${settings}
</table></section>
<section id="timings"><h2>Time per part</h2>
<table><tr><th>part</th><th>time</th><th>peak memory</th></tr>
${timingRows}
</table></section>
</body></html>
`;
}

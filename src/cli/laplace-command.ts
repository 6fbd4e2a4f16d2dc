/** `mbquad laplace`: the paper's Laplace experiment (Figs. 6, 14, 15) on a trained model and its data. */
import { join } from 'node:path';
import { bestPrecisionIndex, laplaceApproaches, laplaceStudy, type LaplaceStudy } from '../curvature/laplace-study.ts';
import { problem } from '../curvature/problem.ts';
import { corruptedTestSets } from '../node/datasets.ts';
import { atomicWrite, ensureDirectory } from '../node/files.ts';
import { figure14, figure15, figure6 } from '../report/laplace-figures.ts';
import { usage, type Options } from './options.ts';
import { ProgressBar } from '../node/progress.ts';
import { loadStudyModel, MODEL_HELP, readModelChoice, trainedParams } from './study-model.ts';

export const LAPLACE_HELP = `mbquad laplace [options]

  The vanilla network against K-FAC Laplace approximations from one batch of |B|, debiased from
  two batches of |B|/2 (Eq. 9) and from the whole training set, over a grid of prior
  precisions: accuracy, NLL and ECE on the training, test and corrupted test sets, and the
  AUROC of test vs corrupted (Figs. 6, 14, 15).

${MODEL_HELP}
  --batch-sizes A,B    |B| of the single-batch LA, even (default 32,128)
  --repeats R          batches / batch pairs per size, disjoint (default 5)
  --precisions A,B     prior precisions δ (default 13 log-spaced from 1e-2 to 1e4, and N·λ)
  --samples S          logit samples per input (default 100)
  --seed N             seed of the partition, the corruptions and the samples (default 0)
  --out DIR            where laplace-study.json and the SVG figures go (default runs/laplace)
`;

/** The headline per approach at the δ with the best mean test NLL: test accuracy, NLL, ECE and mean AUROC. */
export function laplaceTable(study: LaplaceStudy): string {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const groups = laplaceApproaches(study).map((g) => ({
    label: g.method === 'full' ? 'full batch' : g.method === 'single' ? `single |B|=${g.batchSize}` : `debiased 2×${g.batchSize! / 2}`,
    runs: g.runs,
  }));
  const rows = [['approach', 'best δ', 'test acc.', 'test NLL', 'test ECE', 'AUROC (mean c1–c5)', 'build s']];
  const v = study.vanilla;
  rows.push(['vanilla', '–', (100 * v.sets.test.accuracy).toFixed(1), v.sets.test.nll.toFixed(3), v.sets.test.ece.toFixed(3), mean(v.auroc).toFixed(3), '–']);
  for (const g of groups) {
    const best = bestPrecisionIndex(g.runs);
    const at = (f: (m: LaplaceStudy['runs'][number]['byPrecision'][number]) => number) => mean(g.runs.map((r) => f(r.byPrecision[best])));
    rows.push([g.label, study.priorPrecisions[best].toPrecision(3), (100 * at((m) => m.sets.test.accuracy)).toFixed(1), at((m) => m.sets.test.nll).toFixed(3), at((m) => m.sets.test.ece).toFixed(3), at((m) => mean(m.auroc)).toFixed(3), mean(g.runs.map((r) => r.buildSeconds)).toFixed(2)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return [...rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')), '(means over the runs at the δ with the lowest mean test NLL; accuracy in %)'].join('\n');
}

export function laplaceCommand(opts: Options): void {
  const batchSizes = opts.integerList('batch-sizes', [32, 128]);
  for (const b of batchSizes) if (b < 2 || b % 2 !== 0) usage('laplace', `--batch-sizes must be even integers ≥ 2 (the debiased LA uses two halves), given ${b}`);
  const repeats = opts.integer('repeats', 5);
  if (repeats < 1) usage('laplace', `--repeats must be ≥ 1, given ${repeats}`);
  const precisions = opts.has('precisions') ? opts.string('precisions').split(',').map(Number) : null;
  if (precisions && precisions.some((d) => !(Number.isFinite(d) && d > 0))) usage('laplace', `--precisions must be numbers > 0, given ${opts.string('precisions')}`);
  const samples = opts.integer('samples', 100);
  if (samples < 1) usage('laplace', `--samples must be ≥ 1, given ${samples}`);
  const seed = opts.integer('seed', 0);
  const outDir = opts.string('out', join('runs', 'laplace'));
  const choice = readModelChoice(opts, 'laplace');
  opts.checkAllUsed();

  const bar = new ProgressBar();
  const loaded = loadStudyModel(choice, 'laplace');
  const { model, data } = loaded;
  const N = data.train.targets.length;
  for (const size of batchSizes) if (repeats * size > N) usage('laplace', `--repeats ${repeats} at |B| = ${size} needs ${repeats * size} training examples (disjoint batches), the data have ${N}`);
  if (!data.rawTest || !data.normalization) usage('laplace', 'the data source keeps no raw test images to corrupt');
  const params = trainedParams(loaded, bar);
  const weightDecay = loaded.settings?.weightDecay ?? 0;
  const p = problem({ model, loss: 'cross_entropy', weightDecay, params });
  const corrupted = corruptedTestSets(data, seed);
  ensureDirectory(outDir, 'output folder');
  const started = performance.now();
  const study = laplaceStudy(p, { train: data.train, test: data.test, corrupted }, {
    batchSizes, repeats, samples, seed, ...(precisions ? { priorPrecisions: precisions } : {}),
    onProgress: (stage, done, total) => bar.update(stage, done, total, ''),
  });
  bar.finish(`Laplace experiment: ${study.runs.length} approximations × ${study.priorPrecisions.length} prior precisions, ${samples} samples (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  atomicWrite(join(outDir, 'fig6-test.svg'), figure6(study), 'figure');
  atomicWrite(join(outDir, 'fig14-train.svg'), figure14(study), 'figure');
  atomicWrite(join(outDir, 'fig15-corrupted.svg'), figure15(study), 'figure');
  const report = {
    settings: { source: loaded.source, spec: loaded.spec, trainSettings: loaded.settings, checkpoint: choice.checkpointPath, weights: choice.weightsPath, weightDecay, impliedPrecision: N * weightDecay, batchSizes, repeats, samples, seed, kfacType: 'exact', corruptions: 'each test image one of 8 corruptions (nn.CORRUPTIONS) chosen with Random(seed), severities 1–5 in turn' },
    study,
  };
  atomicWrite(join(outDir, 'laplace-study.json'), JSON.stringify(report, null, 1), 'study results');
  console.log(laplaceTable(study));
  console.log(`wrote ${join(outDir, 'laplace-study.json')}\nand the figures fig6-test.svg, fig14-train.svg, fig15-corrupted.svg`);
}

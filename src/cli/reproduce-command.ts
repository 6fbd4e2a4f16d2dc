/** `mbquad reproduce` (= `npm start`): every study, one report (report.html) and its numbers (results.json). */
import { join, resolve } from 'node:path';
import { describeThreads } from './backend-choice.ts';
import { claims } from '../report/claims.ts';
import { loadDataSource, subsetSplit } from '../node/datasets.ts';
import { atomicWrite, ensureDirectory } from '../node/files.ts';
import { usage, type Options } from './options.ts';
import { ProgressBar } from '../node/progress.ts';
import { peakRssBytes, runReproduction, runStore } from '../node/reproduce.ts';
import { FULL_SCALE_MINIMUM, REPRODUCE_MODES, REPRODUCE_PARTS, reproduceSettings } from '../report/reproduction.ts';
import { formatMiB, reportFigures, reportHtml } from '../report/report.ts';

export const REPRODUCE_HELP = `mbquad reproduce [--scale quick|default|full] [--out DIR] [--data SOURCE]

  Runs every study of the paper this project reproduces — the bias study (Figs. 1, 2, 4; GGN
  and Hessian), the K-FAC bias vs batch size (B.8, Fig. 20), the bias over training (B.9,
  Fig. 21), the bias vs the number of parameters (B.10, Fig. 22), the CG experiment (Figs. 5, 13)
  and the Laplace experiment (Figs. 6, 14, 15) — and writes DIR/report.html (one self-contained
  page: each claim of the paper, our figure, the measured numbers and a verdict) and
  DIR/results.json (every number, the settings, seeds, versions, timings and peak memory).
  Resumable: trained models are kept in DIR/models and every finished study in DIR/parts, and a
  rerun with the same settings, data and version reads them instead of computing them again
  (its progress lines say "resumed"), so a run killed at any point goes on where it stopped.
  Both files are written only at the end (a temporary file, then a rename): an interrupted run
  leaves no half-written report.

  --scale quick    small grids and few repeats on a subset (≤ 2 minutes; a smoke test, not evidence)
  --scale default  digits whole (about 4 minutes); Fashion-MNIST on a seeded subset of 3,000
                   training and 1,000 test images
  --scale full     every image of a real-sized data set (at least 50,000 training and 10,000 test
                   images: --data fashion-mnist:DIR), smaller grids stated in the results' cuts;
                   about 90 minutes on 2 cores
  --quick          the same as --scale quick
  --out DIR        where the report, the results, the models and the parts go (default out)
  --data SOURCE    digits (default, the shipped data) or fashion-mnist:DIR (the four IDX files,
                   e.g. Debian's dataset-fashion-mnist in /usr/share/datasets/fashion-mnist)
`;

export function reproduceCommand(opts: Options): void {
  const quick = opts.flag('quick');
  const scale = opts.choice('scale', REPRODUCE_MODES, quick ? 'quick' : 'default');
  if (quick && scale !== 'quick') usage('reproduce', `--quick is --scale quick; it cannot go with --scale ${scale}`);
  const outDir = opts.string('out', 'out');
  const source = opts.string('data', 'digits');
  const kind = source === 'digits' ? 'digits' : source.startsWith('fashion-mnist:') ? 'fashion-mnist' : null;
  if (kind === null) usage('reproduce', `--data takes digits or fashion-mnist:DIR, given '${source}'`);
  opts.checkAllUsed();

  const settings = reproduceSettings(scale, kind);
  const whole = loadDataSource(source);
  if (scale === 'full') {
    const [train, test] = [whole.train.targets.length, whole.test.targets.length];
    if (train < FULL_SCALE_MINIMUM.train || test < FULL_SCALE_MINIMUM.test) {
      usage('reproduce', `--scale full needs at least ${FULL_SCALE_MINIMUM.train} training and ${FULL_SCALE_MINIMUM.test} test images (the paper's sizes); ${source} has ${train} and ${test}: use --data fashion-mnist:DIR, or --scale default`);
    }
  }
  const data = settings.subset ? subsetSplit(whole, settings.subset.train, settings.subset.test, settings.subset.seed) : whole;
  ensureDirectory(outDir, 'output folder');
  const bar = new ProgressBar();
  const parts = REPRODUCE_PARTS.length + 1;
  const results = runReproduction(data, source, settings, runStore(outDir), bar, parts);

  bar.setOverall(parts - 1, parts);
  const started = performance.now();
  const claimList = claims(results);
  const figures = reportFigures(results);
  const reportSeconds = (performance.now() - started) / 1000;
  const peak = peakRssBytes();
  const withReport = { ...results, timings: [...results.timings, { part: 'report', seconds: reportSeconds, peakRssBytes: peak }], totalSeconds: results.totalSeconds + reportSeconds, peakRssBytes: peak };
  const json = { ...withReport, claims: claimList, figures: figures.map(({ id, study, title }) => ({ id, study, title })) };
  atomicWrite(join(outDir, 'results.json'), `${JSON.stringify(json, null, 1)}\n`, 'results');
  atomicWrite(join(outDir, 'report.html'), reportHtml(withReport, claimList, figures), 'report');
  bar.setOverall(parts, parts);
  bar.finish(`report: ${figures.length} figures, ${claimList.length} claims (${reportSeconds.toFixed(1)} s)`);
  for (const c of claimList) console.log(`${c.verdict.padEnd(11)} ${c.figures.padEnd(16)} ${c.id}`);
  console.log(`total ${withReport.totalSeconds.toFixed(0)} s (peak memory ${formatMiB(peak)}) on ${describeThreads()} (MBQUAD_THREADS, MBQUAD_KERNELS); wrote ${join(outDir, 'report.html')} and results.json`);
  console.log(`open file://${resolve(outDir, 'report.html')} in a browser`);
}

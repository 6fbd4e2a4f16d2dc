/** `mbquad cg`: the paper's CG experiment (Fig. 5 and Fig. 13) on a trained model and its data. */
import { join } from 'node:path';
import { cgStudy, peakOf, type CgMethodSummary, type CgStudy } from '../curvature/cg-study.ts';
import { problem } from '../curvature/problem.ts';
import { BACKEND_HELP, chooseBackend, describeBackend, describeBackendThreads } from './backend-choice.ts';
import { figure13, figure5 } from '../report/cg-figures.ts';
import { atomicWrite, ensureDirectory } from '../node/files.ts';
import { usage, type Options } from './options.ts';
import { ProgressBar } from '../node/progress.ts';
import { loadStudyModel, MODEL_HELP, readModelChoice, readWeightDecayOption, trainedParams } from './study-model.ts';

export const CG_HELP = `mbquad cg [options]

  Single-batch CG on the GGN quadratic of one batch of |B| against debiased CG (directions
  from one half of that batch, step sizes from the other), each repeated on disjoint batches,
  plus the two full-batch variants; every iterate evaluated at θ0 + x_k (Figs. 5 and 13).

${MODEL_HELP}
  --batch-sizes A,B    mini-batch sizes |B|, even (default 128); one Fig. 5 each
  --iterations K       CG iterations (default 50)
  --repeats R          batches / batch pairs per size, disjoint (default 5)
  --no-full-batch      skip the full-batch variants (Fig. 13)
  --weight-decay X     λ of the quadratic (default: the training's; 0 with --weights)
  --seed N             seed of the partitions into batches (default 0)
  --out DIR            where cg-study.json and the SVG figures go (default runs/cg)
${BACKEND_HELP}`;

const percent = (x: number) => `${(100 * x).toFixed(1)}`;
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** One row per method: accuracy at θ0, the peak over the iterations (mean over runs, and the iterations), the final one, and the losses. */
export function cgTable(study: CgStudy): string {
  const testOrTrain = study.atStart.testAccuracy === null ? 'training' : 'test';
  const start = study.atStart.testAccuracy ?? study.atStart.trainAccuracy;
  const startLoss = study.atStart.testLoss ?? study.atStart.trainLoss;
  const row = (label: string, s: Pick<CgMethodSummary, 'peak'>) => {
    const p = s.peak;
    return [label, String(p.length), percent(start), `${percent(meanOf(p.map((x) => x.accuracy)))} @ ${p.map((x) => x.iteration).join(',')}`,
      percent(meanOf(p.map((x) => x.finalAccuracy))), startLoss.toFixed(3), meanOf(p.map((x) => x.lossAtPeak)).toFixed(3), meanOf(p.map((x) => x.finalLoss)).toFixed(3)];
  };
  const rows = [
    ['method', 'runs', 'acc. θ0', 'peak acc. @ k', `acc. k=${study.iterations}`, 'loss θ0', 'loss at peak', `loss k=${study.iterations}`],
    ...study.sizes.flatMap((z) => z.summaries.map((s) => row(s.method === 'single' ? `single |B|=${z.batchSize}` : `debiased 2×${z.batchSize / 2}`, s))),
    ...(study.fullBatch?.trajectories ?? []).map((t) => row(t.method === 'full' ? 'full batch' : 'debiased full', { peak: [peakOf(t.metrics)] })),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return [
    ...rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')),
    `(${testOrTrain} accuracy in %, mean over runs; the peak's iteration per run; ${testOrTrain} loss regularized as Eq. 1)`,
  ].join('\n');
}

export function cgCommand(opts: Options): void {
  // Every option is read and checked before any work starts.
  const batchSizes = opts.integerList('batch-sizes', [128]);
  for (const b of batchSizes) if (b < 2 || b % 2 !== 0) usage('cg', `--batch-sizes must be even integers ≥ 2 (debiased CG uses two halves), given ${b}`);
  const iterations = opts.integer('iterations', 50);
  if (iterations < 1) usage('cg', `--iterations must be ≥ 1, given ${iterations}`);
  const repeats = opts.integer('repeats', 5);
  if (repeats < 1) usage('cg', `--repeats must be ≥ 1, given ${repeats}`);
  const fullBatch = !opts.flag('no-full-batch');
  const seed = opts.integer('seed', 0);
  const outDir = opts.string('out', join('runs', 'cg'));
  const choice = readModelChoice(opts, 'cg');
  const weightDecayOption = readWeightDecayOption(opts, 'cg');
  const backend = chooseBackend(opts, process.env);
  opts.checkAllUsed();

  const bar = new ProgressBar();
  const loaded = loadStudyModel(choice, 'cg');
  const { model, data } = loaded;
  const examples = data.train.targets.length;
  for (const size of batchSizes) {
    if (repeats * size > examples) usage('cg', `--repeats ${repeats} at |B| = ${size} needs ${repeats * size} training examples (disjoint batches), the data have ${examples}`);
  }
  const params = trainedParams(loaded, bar);
  const weightDecay = weightDecayOption ?? loaded.settings?.weightDecay ?? 0;
  const p = problem({ model, loss: 'cross_entropy', weightDecay, params, backend });
  console.log(`GGN products on ${describeBackendThreads(backend)}`);
  ensureDirectory(outDir, 'output folder');
  const started = performance.now();
  const study = cgStudy(p, data.train, data.test, {
    batchSizes, iterations, repeats, seed, fullBatch,
    onProgress: (stage, done, total) => bar.update(stage, done, total, ''),
  });
  bar.finish(`CG experiment: ${study.sizes.length} batch size${study.sizes.length > 1 ? 's' : ''} × ${repeats} repeats${fullBatch ? ' + full batch' : ''}, ${iterations} iterations (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  for (const size of study.sizes) atomicWrite(join(outDir, `fig5-b${size.batchSize}.svg`), figure5(study, size), 'figure');
  if (study.fullBatch) atomicWrite(join(outDir, 'fig13-full-batch.svg'), figure13(study), 'figure');
  const report = {
    settings: { source: loaded.source, spec: loaded.spec, trainSettings: loaded.settings, checkpoint: choice.checkpointPath, weights: choice.weightsPath, weightDecay, batchSizes, iterations, repeats, seed, fullBatch, backend: describeBackend(backend) },
    study,
  };
  atomicWrite(join(outDir, 'cg-study.json'), JSON.stringify(report, null, 1), 'study results');
  console.log(cgTable(study));
  console.log(`wrote ${join(outDir, 'cg-study.json')}, ${study.sizes.map((z) => `fig5-b${z.batchSize}.svg`).join(', ')}${study.fullBatch ? ' and fig13-full-batch.svg' : ''}`);
}

/** `mbquad bias`: the bias study (Figs. 1, 2, 4) on a trained small CNN and the digits data. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { biasStudy, type BiasStudy } from '../curvature/bias.ts';
import type { CurvatureKind } from '../curvature/operators.ts';
import { problem } from '../curvature/problem.ts';
import { fromSpec } from '../nn/model.ts';
import { convNet } from '../nn/presets.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { defaultTrainSettings, initialTrainState, train, type TrainSettings } from '../nn/train.ts';
import { fail } from '../tensor/index.ts';
import { figure1, figure2, figure4 } from './bias-figures.ts';
import { readCheckpoint } from './checkpoint.ts';
import { loadDataSource } from './datasets.ts';
import { BACKEND_HELP, chooseBackend, describeBackend } from './backend-choice.ts';
import type { Options } from './options.ts';
import { ProgressBar } from './progress.ts';

export const BIAS_HELP = `mbquad bias [options]

  --checkpoint FILE    a checkpoint of 'mbquad train' (default: train the digits CNN of
                       'mbquad train' for 20 epochs first, ~10 s)
  --kinds A,B          curvatures: ggn, hessian (default both)
  --batch-sizes A,B    mini-batch sizes (default 32,128)
  --k N                eigen- and CG directions (default 8)
  --repeats N          choices of B1 for the top-curvature ratio (default 8)
  --weight-decay X     λ of the objective (default: the checkpoint's, else 0)
  --seed N             seed of the partition into batches (default 0)
  --out DIR            where bias-study.json and the SVG figures go (default runs/bias)
${BACKEND_HELP}`;

/** The headline numbers of one study. */
export function summarize(s: BiasStudy): Record<string, number | string> {
  const ratios = s.eigen.topCurvatureRatios.slice().sort((a, b) => a - b);
  const median = ratios.length ? ratios[Math.floor(ratios.length / 2)] : NaN;
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    kind: s.kind,
    batchSize: s.batchSize,
    batches: s.numBatches,
    'λ1 on B1': s.eigen.values[0],
    'full-data curvature along u1': s.eigen.curvatures[0].full,
    'median λ1(B)/c_full(u1) over choices of B1': median,
    'mean rel. curvature error, eigenvectors': meanOf(s.eigen.relativeCurvatureError),
    'mean rel. curvature error, CG directions': meanOf(s.cg.relativeCurvatureError),
    'CG stop': s.cg.reason,
  };
}

export function biasCommand(opts: Options): void {
  const kinds = (opts.has('kinds') ? opts.string('kinds').split(',') : ['ggn', 'hessian']) as CurvatureKind[];
  for (const k of kinds) if (k !== 'ggn' && k !== 'hessian') fail('bias', `--kinds takes ggn and hessian, given '${k}'`);
  const batchSizes = opts.integerList('batch-sizes', [32, 128]);
  const k = opts.integer('k', 8);
  const repeats = opts.integer('repeats', 8);
  const seed = opts.integer('seed', 0);
  const outDir = opts.string('out', join('runs', 'bias'));
  const checkpointPath = opts.has('checkpoint') ? opts.string('checkpoint') : null;
  const weightDecayOption = opts.has('weight-decay') ? opts.number('weight-decay', 0) : null;
  const backend = chooseBackend(opts, process.env);
  opts.checkAllUsed();

  const bar = new ProgressBar();
  let spec: ModelSpec, params: Float64Array, source: string, settings: TrainSettings;
  if (checkpointPath) {
    const c = readCheckpoint(checkpointPath);
    ({ spec, settings } = c);
    params = c.state.params;
    source = c.data;
  } else {
    source = 'digits';
    spec = convNet([1, 8, 8], 10, 1, 16);
    settings = defaultTrainSettings();
  }
  const data = loadDataSource(source);
  const model = fromSpec(spec);
  if (!checkpointPath) {
    const state = train(model, data, settings, initialTrainState(model, settings), {
      onBatch: (e, b, n) => bar.update(`training epoch ${e + 1}/${settings.epochs}`, b + 1, n, ''),
    });
    params = state.params;
    const last = state.history[state.history.length - 1];
    bar.finish(`trained the digits CNN (${model.numParams} parameters): test accuracy ${(100 * last.testAccuracy!).toFixed(2)}%`);
  }
  const weightDecay = weightDecayOption ?? settings.weightDecay;
  const p = problem({ model, loss: 'cross_entropy', weightDecay, params: params!, backend });
  console.log(`curvature products on ${describeBackend(backend)}`);
  const trainData = { inputs: data.train.inputs, targets: data.train.targets };
  mkdirSync(outDir, { recursive: true });

  const studies: BiasStudy[] = [];
  for (const kind of kinds) {
    for (const batchSize of batchSizes) {
      const started = performance.now();
      const study = biasStudy(p, trainData, {
        kind, batchSize, k, seed, repeats,
        onProgress: (stage, done, total) => bar.update(`${kind} |B|=${batchSize}: ${stage}`, done, total, ''),
      });
      studies.push(study);
      const name = `${kind}-b${batchSize}`;
      writeFileSync(join(outDir, `fig1-${name}.svg`), figure1(study));
      writeFileSync(join(outDir, `fig2-${name}.svg`), figure2(study));
      writeFileSync(join(outDir, `fig4-${name}.svg`), figure4(study));
      const s = summarize(study);
      bar.finish(`${kind} |B|=${batchSize} (${((performance.now() - started) / 1000).toFixed(1)} s): λ1(B1) = ${study.eigen.values[0].toPrecision(4)}, full-data curvature along u1 = ${study.eigen.curvatures[0].full.toPrecision(4)}; median over ${repeats} choices of B1 of λ1(B1)/c_full(u1) = ${Number(s['median λ1(B)/c_full(u1) over choices of B1']).toFixed(2)}`);
    }
  }
  const report = {
    settings: { source, spec, trainSettings: settings, checkpoint: checkpointPath, weightDecay, kinds, batchSizes, k, repeats, seed, backend: describeBackend(backend) },
    summary: studies.map(summarize),
    studies,
  };
  writeFileSync(join(outDir, 'bias-study.json'), JSON.stringify(report, null, 1));
  console.table(report.summary);
  console.log(`wrote ${join(outDir, 'bias-study.json')} and fig1/fig2/fig4-<kind>-b<size>.svg`);
}

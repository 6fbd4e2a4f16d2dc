/** `mbquad bias`: the bias study (Figs. 1, 2, 4) on a trained small CNN and the digits data. */
import { join } from 'node:path';
import { biasStudy, type BiasStudy, type ErrorSummary } from '../curvature/bias.ts';
import type { CurvatureKind } from '../curvature/operators.ts';
import { problem } from '../curvature/problem.ts';
import { evaluate } from '../nn/train.ts';
import { norm } from '../linalg/vector.ts';
import { gradient, loss } from '../curvature/products.ts';
import { figure1, figure2, figure20, figure4 } from '../report/bias-figures.ts';
import { kfacBiasStudy, type KfacBiasStudy } from '../curvature/kfac-bias.ts';
import { atomicWrite, ensureDirectory } from '../node/files.ts';
import { toNpy } from '../nn/npy.ts';
import { BACKEND_HELP, chooseBackend, describeBackend, describeBackendThreads } from './backend-choice.ts';
import { usage, type Options } from './options.ts';
import { ProgressBar } from '../node/progress.ts';
import { loadStudyModel, MODEL_HELP, readModelChoice, readWeightDecayOption, trainedParams } from './study-model.ts';

export const BIAS_HELP = `mbquad bias [options]

${MODEL_HELP}
  --curvature A,B      ggn, hessian, kfac (default ggn,hessian; --kinds is the same): kfac runs
                       the K-FAC bias study vs batch size (B.8, Fig. 20)
  --batch-sizes A,B    mini-batch sizes (default 32,128; for kfac 8,32,128,512)
  --k N                eigen- and CG directions (default 8)
  --b1-batches A,B,..  the batches of the seeded partition that play B1 (default 0,1,2)
  --repeats N          the first N batches give the top-curvature ratio (default 8; 0 skips)
  --weight-decay X     λ of the objective (default: the training's; 0 with --weights)
  --seed N             seed of the partition into batches (default 0)
  --out DIR            where bias-study.json and the SVG figures go (default runs/bias)
  --save-vectors       also write the directions as .npy: eigenvectors-<kind>-b<size>.npy
                       [B1s, k, P], cg-directions-…-B<r>.npy and cg-iterates-…-B<r>.npy [K, P]
${BACKEND_HELP}`;

const signedMedian = (e: ErrorSummary) => `${e.median >= 0 ? '+' : ''}${e.median.toPrecision(2)}`;
/** "+1.2 20↑ 4↓": a signed median with its counts of over- and underestimates. */
const withCounts = (e: ErrorSummary) => `${signedMedian(e)} ${e.over}↑ ${e.under}↓`;

/** Rows of cells as text columns (the first `right` columns right-aligned). */
function textTable(rows: string[][], right: number): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c < right ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** The K-FAC study's headline: the median λ_i(B1)/c_full(u_i) per batch size. */
export function kfacTable(s: KfacBiasStudy): string {
  return [
    ...textTable([
      ['kfac |B|', 'batches', 'B1s', `λ_i(B1)/c_full(u_i), top-${s.k}: median [min, max]`],
      ...s.sizes.map((z) => [String(z.batchSize), String(z.numBatches), String(z.runs.length), `${z.medianRatio.toFixed(2)} [${z.minRatio.toFixed(2)}, ${z.maxRatio.toFixed(2)}]`]),
    ], 3),
    `(${s.type} K-FAC of the data term; > 1: B1 overestimates the full-data K-FAC's curvature)`,
  ].join('\n');
}

/** The headline numbers of the studies as text tables under 100 columns. */
export function summaryTable(studies: BiasStudy[]): string {
  const ratio = (s: BiasStudy) => {
    const t = s.summary.topCurvatureRatio;
    return t ? `${t.median.toFixed(2)} [${t.min.toFixed(2)}, ${t.max.toFixed(2)}]` : '–';
  };
  const curvatures = textTable([
    ['kind', '|B|', 'B1s', 'λ1(B)/c_full(u1)', 'curvature: eig. B1', 'others', 'CG B1', 'others'],
    ...studies.map((s) => [s.kind, String(s.batchSize), String(s.runs.length), ratio(s),
      withCounts(s.summary.eigenCurvature.b1), signedMedian(s.summary.eigenCurvature.others),
      withCounts(s.summary.cgCurvature.b1), signedMedian(s.summary.cgCurvature.others)]),
  ], 3);
  const slopes = textTable([
    ['kind', '|B|', 'slope: eig. B1', 'others', 'CG B1', 'others'],
    ...studies.map((s) => [s.kind, String(s.batchSize),
      withCounts(s.summary.eigenSlope.b1), signedMedian(s.summary.eigenSlope.others),
      withCounts(s.summary.cgSlope.b1), signedMedian(s.summary.cgSlope.others)]),
  ], 2);
  return [
    ...curvatures, '', ...slopes, '',
    'λ1(B)/c_full(u1): median [min, max] over the first batches as B1. Errors: signed relative',
    '(x_B − x_full)/|x_full| along B1\'s directions, median over every B1 and direction, on B1',
    'itself and on the other batches; ↑/↓ count over- and underestimates on B1.',
  ].join('\n');
}

export function biasCommand(opts: Options): void {
  // Every option is read and checked before any work starts.
  const curvatureList = opts.has('curvature') ? opts.string('curvature').split(',') : opts.has('kinds') ? opts.string('kinds').split(',') : ['ggn', 'hessian'];
  for (const c of curvatureList) if (c !== 'ggn' && c !== 'hessian' && c !== 'kfac') usage('bias', `--curvature takes ggn, hessian and kfac, given '${c}'`);
  const kinds = curvatureList.filter((c): c is CurvatureKind => c !== 'kfac');
  const withKfac = curvatureList.includes('kfac');
  const sizesGiven = opts.has('batch-sizes');
  const batchSizes = opts.integerList('batch-sizes', [32, 128]);
  const kfacBatchSizes = sizesGiven ? batchSizes : [8, 32, 128, 512];
  for (const b of batchSizes) if (b < 1) usage('bias', `--batch-sizes must be positive, given ${b}`);
  const k = opts.integer('k', 8);
  if (k < 1) usage('bias', `--k must be ≥ 1, given ${k}`);
  const b1Given = opts.has('b1-batches');
  const b1Batches = opts.integerList('b1-batches', [0, 1, 2]);
  if (b1Batches.some((b) => b < 0) || new Set(b1Batches).size !== b1Batches.length) usage('bias', `--b1-batches must be distinct integers ≥ 0, given ${b1Batches}`);
  const repeats = opts.integer('repeats', 8);
  if (repeats < 0) usage('bias', `--repeats must be ≥ 0, given ${repeats}`);
  const seed = opts.integer('seed', 0);
  const outDir = opts.string('out', join('runs', 'bias'));
  const choice = readModelChoice(opts, 'bias');
  const saveVectors = opts.flag('save-vectors');
  const weightDecayOption = readWeightDecayOption(opts, 'bias');
  const backend = chooseBackend(opts, process.env);
  opts.checkAllUsed();

  const bar = new ProgressBar();
  const loaded = loadStudyModel(choice, 'bias');
  const { model, data, source, spec, settings } = loaded;
  // The options that depend on the model and the data, checked before any training.
  const examples = data.train.targets.length;
  if (k > model.numParams) usage('bias', `--k must be at most the ${model.numParams} parameters, given ${k}`);
  for (const size of [...(kinds.length ? batchSizes : []), ...(withKfac ? kfacBatchSizes : [])]) {
    const batches = Math.floor(examples / size);
    if (batches < 2) usage('bias', `--batch-sizes: ${size} leaves ${batches} batch${batches === 1 ? '' : 'es'} of the ${examples} training examples; the study needs at least 2`);
    if (b1Given && b1Batches.some((b) => b >= batches)) usage('bias', `--b1-batches must be below ${batches}, the number of batches of ${size}; given ${b1Batches}`);
    if (kinds.length && batchSizes.includes(size) && repeats > batches) usage('bias', `--repeats must be at most ${batches}, the number of batches of ${size}; given ${repeats}`);
  }
  const params = trainedParams(loaded, bar);
  const weightDecay = weightDecayOption ?? settings?.weightDecay ?? 0;
  const p = problem({ model, loss: 'cross_entropy', weightDecay, params, backend });
  console.log(`curvature products on ${describeBackendThreads(backend)}`);
  const trainData = { inputs: data.train.inputs, targets: data.train.targets };
  // How far θ is from a stationary point of the objective the quadratics model (Eq. 1, full data).
  const atTheta = {
    objective: loss(p, trainData),
    gradientNorm: norm(gradient(p, trainData)),
    trainAccuracy: evaluate(model, params, data.train).accuracy,
    testAccuracy: data.test ? evaluate(model, params, data.test).accuracy : null,
  };
  console.log(`at θ: full-data objective ${atTheta.objective.toPrecision(4)}, ‖∇L(θ)‖ = ${atTheta.gradientNorm.toExponential(2)}, train accuracy ${(100 * atTheta.trainAccuracy).toFixed(2)}%`);
  ensureDirectory(outDir, 'output folder');

  const studies: BiasStudy[] = [];
  for (const kind of kinds) {
    for (const batchSize of batchSizes) {
      const started = performance.now();
      const study = biasStudy(p, trainData, {
        kind, batchSize, k, seed, repeats, keepVectors: saveVectors,
        ...(b1Given ? { b1Batches } : {}), // else the study's own rule (batches 0, 1, 2), stated in its JSON
        onProgress: (stage, done, total) => bar.update(`${kind} |B|=${batchSize}: ${stage}`, done, total, ''),
      });
      const name = `${kind}-b${batchSize}`;
      if (saveVectors) {
        // The directions as .npy (numpy.load reads them): eigenvectors [B1s, k, P]; per B1, CG's d_k and x_k [K, P].
        const P = model.numParams;
        const stack = (vs: Float64Array[]) => Float64Array.from(vs.flatMap((v) => Array.from(v)));
        atomicWrite(join(outDir, `eigenvectors-${name}.npy`), toNpy(stack(study.runs.flatMap((r) => r.vectors!.eigenvectors)), [study.runs.length, k, P]), 'eigenvectors');
        for (const run of study.runs) {
          const v = run.vectors!;
          atomicWrite(join(outDir, `cg-directions-${name}-B${run.b1Batch}.npy`), toNpy(stack(v.cgDirections), [v.cgDirections.length, P]), 'CG directions');
          atomicWrite(join(outDir, `cg-iterates-${name}-B${run.b1Batch}.npy`), toNpy(stack(v.cgIterates), [v.cgIterates.length, P]), 'CG iterates');
          delete run.vectors; // the numbers stay in the JSON, the vectors in the .npy files
        }
      }
      studies.push(study);
      atomicWrite(join(outDir, `fig1-${name}.svg`), figure1(study), 'figure');
      atomicWrite(join(outDir, `fig2-${name}.svg`), figure2(study), 'figure');
      atomicWrite(join(outDir, `fig4-${name}.svg`), figure4(study), 'figure');
      bar.finish(`${kind} |B|=${batchSize}: ${study.runs.length} B1s, ${study.numBatches} batches (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  let kfacStudy: KfacBiasStudy | null = null;
  if (withKfac) {
    const started = performance.now();
    kfacStudy = kfacBiasStudy(p, trainData, {
      batchSizes: kfacBatchSizes, k, seed, ...(b1Given ? { b1Batches } : {}),
      onProgress: (stage, done, total) => bar.update(`kfac ${stage}`, done, total, ''),
    });
    atomicWrite(join(outDir, 'fig20-kfac.svg'), figure20(kfacStudy), 'figure');
    bar.finish(`kfac |B| = ${kfacBatchSizes.join(', ')} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const report = {
    settings: { source, spec, trainSettings: settings, checkpoint: choice.checkpointPath, weights: choice.weightsPath, weightDecay, kinds, batchSizes, k, b1Batches, repeats, seed, backend: describeBackend(backend) },
    atTheta,
    studies,
    kfac: kfacStudy,
  };
  atomicWrite(join(outDir, 'bias-study.json'), JSON.stringify(report, null, 1), 'study results');
  if (studies.length) console.log(summaryTable(studies));
  if (kfacStudy) console.log(kfacTable(kfacStudy));
  console.log(`wrote ${join(outDir, 'bias-study.json')}${studies.length ? ' and fig1/fig2/fig4-<kind>-b<size>.svg' : ''}${kfacStudy ? ' and fig20-kfac.svg' : ''}`);
}

/**
 * The trained model a study command runs on: a checkpoint of `mbquad train`, a model trained
 * elsewhere (JSON spec + weights), or — by default — the digits CNN trained here as the paper
 * trains its models. Options are read and checked first (`readModelChoice`), the model and data
 * loaded next (`loadStudyModel`, so a command can check its own options against them), and the
 * default model trained last (`trainedParams`), so no bad option costs a training run.
 */
import { fromSpec, type Model } from '../nn/model.ts';
import { convNet } from '../nn/presets.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { defaultTrainSettings, initialTrainState, paperStyleTrainSettings, train, type TrainSettings } from '../nn/train.ts';
import { readCheckpoint } from '../node/checkpoint.ts';
import { loadDataSource, type Split } from '../node/datasets.ts';
import { checkModelFitsData, readSpecFile, readWeightsFile } from '../node/model-files.ts';
import { usage, type Options } from './options.ts';
import type { ProgressBar } from '../node/progress.ts';

/** The help lines of the model options, shared by the study commands. */
export const MODEL_HELP = `  --checkpoint FILE    a checkpoint of 'mbquad train' (default: train the digits CNN as the
                       paper trains, SGD with momentum and weight decay to convergence)
  --spec S --weights W a model trained elsewhere: its JSON spec and its parameters as .npy
                       (parameters_to_vector) or .safetensors (tools/export-torch.py writes both)
  --data SOURCE        with --spec: digits (default), mnist:DIR, fashion-mnist:DIR, cifar10:DIR, …
  --optimizer NAME     without --checkpoint: sgd (default, the paper's) or adam (Adam at 0.003,
                       no weight decay: 'mbquad train's default)`;

/** Which model the command runs on, from its options. */
export interface ModelChoice {
  checkpointPath: string | null;
  specPath: string | null;
  weightsPath: string | null;
  dataOption: string | null;
  optimizer: 'sgd' | 'adam';
  /** A checkpoint or weights were given (else the default model is trained). */
  trained: boolean;
}

/** Reads and checks the model options of MODEL_HELP. */
export function readModelChoice(opts: Options, command: string): ModelChoice {
  const checkpointPath = opts.has('checkpoint') ? opts.string('checkpoint') : null;
  const specPath = opts.has('spec') ? opts.string('spec') : null;
  const weightsPath = opts.has('weights') ? opts.string('weights') : null;
  if ((specPath === null) !== (weightsPath === null)) usage(command, '--spec and --weights go together (a model and its parameters, e.g. from tools/export-torch.py)');
  if (specPath && checkpointPath) usage(command, '--checkpoint and --spec/--weights are two ways to give the model; give one');
  const dataOption = opts.has('data') ? opts.string('data') : null;
  if (dataOption && checkpointPath) usage(command, '--data goes with --spec/--weights; a --checkpoint names its data');
  const trained = checkpointPath !== null || specPath !== null;
  const optimizer = opts.choice('optimizer', ['sgd', 'adam'], 'sgd');
  if (trained && opts.has('optimizer')) usage(command, '--optimizer chooses how to train the default model; a --checkpoint or --weights is already trained');
  return { checkpointPath, specPath, weightsPath, dataOption, optimizer: optimizer as 'sgd' | 'adam', trained };
}

/** The --weight-decay option (λ of the objective, ≥ 0), or null when not given (then the training's λ applies). */
export function readWeightDecayOption(opts: Options, command: string): number | null {
  const weightDecay = opts.has('weight-decay') ? opts.number('weight-decay', 0) : null;
  if (weightDecay !== null && !(weightDecay >= 0)) usage(command, `--weight-decay must be ≥ 0, given ${weightDecay}`);
  return weightDecay;
}

/** The model, its data and (unless the default model is still to be trained) its parameters. */
export interface StudyModel {
  spec: ModelSpec;
  model: Model;
  /** The data source, e.g. 'digits'. */
  source: string;
  data: Split;
  /** The training settings (of the checkpoint, or those the default model will be trained with); null for weights trained elsewhere. */
  settings: TrainSettings | null;
  /** θ, or null until trainedParams trains the default model. */
  params: Float64Array | null;
}

/** Loads the chosen model and its data, checking that they fit each other. */
export function loadStudyModel(choice: ModelChoice, command: string): StudyModel {
  let spec: ModelSpec, params: Float64Array | null = null, source: string, settings: TrainSettings | null;
  if (choice.checkpointPath) {
    const c = readCheckpoint(choice.checkpointPath);
    ({ spec, settings } = c);
    params = c.state.params;
    source = c.data;
  } else if (choice.specPath && choice.weightsPath) {
    const read = readSpecFile(choice.specPath, command);
    spec = read.spec;
    params = readWeightsFile(choice.weightsPath, read.model);
    source = choice.dataOption ?? 'digits';
    settings = null; // trained elsewhere
  } else {
    source = 'digits';
    spec = convNet([1, 8, 8], 10, 1, 16);
    settings = choice.optimizer === 'sgd' ? paperStyleTrainSettings() : defaultTrainSettings();
  }
  const data = loadDataSource(source);
  const model = fromSpec(spec);
  checkModelFitsData(command, model, data, source);
  return { spec, model, source, data, settings, params };
}

/** θ: the loaded parameters, or the default model trained now (with a progress bar). */
export function trainedParams(m: StudyModel, bar: ProgressBar): Float64Array {
  if (m.params) return m.params;
  const s = m.settings!;
  const state = train(m.model, m.data, s, initialTrainState(m.model, s), {
    onBatch: (e, b, n) => bar.update(`training epoch ${e + 1}/${s.epochs}`, b + 1, n, ''),
  });
  const last = state.history[state.history.length - 1];
  bar.finish(`trained the digits CNN (${m.model.numParams} parameters, ${s.optimizer}): train accuracy ${(100 * last.trainAccuracy).toFixed(2)}%, test ${(100 * last.testAccuracy!).toFixed(2)}%`);
  m.params = state.params;
  return state.params;
}

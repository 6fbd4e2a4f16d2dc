/** `mbquad train`: trains a preset or spec on a data set, with progress, checkpoints and resume. */
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fromSpec } from '../nn/model.ts';
import { allCnnC, convNet, mlp } from '../nn/presets.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { defaultTrainSettings, initialTrainState, logSpacedEpochs, train, type TrainSettings } from '../nn/train.ts';
import { fail } from '../tensor/index.ts';
import { readCheckpoint, writeCheckpoint, CHECKPOINT_FORMAT } from './checkpoint.ts';
import { loadDataSource } from './datasets.ts';
import { ProgressBar } from './progress.ts';
import type { Options } from './options.ts';

export const TRAIN_HELP = `mbquad train [options]

  --preset NAME        convnet (default), mlp or allcnnc
  --spec FILE          a JSON model spec (DESIGN.md) instead of a preset
  --depth N --width N  convnet preset: blocks after the first conv (default 1), channels (default 16)
  --hidden A,B         mlp preset: hidden widths (default 64)
  --data SOURCE        digits (default), mnist:DIR, fashion-mnist:DIR, cifar10:DIR, cifar100:DIR
  --optimizer NAME     adam (default) or sgd
  --lr X               learning rate (default 0.003)
  --momentum X         SGD momentum (default 0.9)
  --weight-decay X     λ of (λ/2)‖θ_w‖² on weights only (default 0)
  --batch-size N       (default 32; the last n mod N shuffled examples of an epoch are dropped)
  --epochs N           (default 20)
  --milestones A,B     epochs at which the learning rate is multiplied by --gamma (default none)
  --gamma X            (default 0.1)
  --seed N             initialization and shuffling seed (default 0)
  --checkpoints N      checkpoints at N log-spaced epochs from 1 to the last, plus epoch 0 (default 8)
  --out DIR            where checkpoints go (default runs/<model>-<data>-seed<seed>)
  --resume FILE        continue from a checkpoint: its model, data and settings are used;
                       --epochs may be raised
`;

/** A JSON spec file, with errors that name the file. */
function readSpecFile(path: string): ModelSpec {
  if (!existsSync(path)) fail('train', `--spec ${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return fail('train', `--spec ${path}: not valid JSON (${(e as Error).message})`);
  }
}

function buildSpec(opts: Options, inputShape: number[], classes: number): { spec: ModelSpec; label: string } {
  if (opts.has('spec')) return { spec: readSpecFile(opts.string('spec')), label: 'spec' };
  const preset = opts.string('preset', 'convnet');
  const image = (): [number, number, number] => {
    if (inputShape.length !== 3) fail('train', `preset ${preset} needs image inputs, the data have shape [${inputShape}]`);
    return inputShape as [number, number, number];
  };
  if (preset === 'convnet') return { spec: convNet(image(), classes, opts.integer('depth', 1), opts.integer('width', 16)), label: 'convnet' };
  if (preset === 'mlp') return { spec: mlp(inputShape, opts.integerList('hidden', [64]), classes), label: 'mlp' };
  if (preset === 'allcnnc') return { spec: allCnnC(image(), classes), label: 'allcnnc' };
  return fail('train', `unknown preset '${preset}'; known: convnet, mlp, allcnnc`);
}

export function trainCommand(opts: Options): void {
  const resumed = opts.has('resume') ? readCheckpoint(opts.string('resume')) : null;
  const source = resumed ? resumed.data : opts.string('data', 'digits');
  const data = loadDataSource(source);
  let spec: ModelSpec, label: string, settings: TrainSettings;
  if (resumed) {
    spec = resumed.spec;
    label = 'resumed';
    settings = { ...resumed.settings, epochs: opts.integer('epochs', resumed.settings.epochs) };
  } else {
    const defaults = defaultTrainSettings();
    ({ spec, label } = buildSpec(opts, data.train.inputShape, data.train.numClasses));
    settings = {
      optimizer: opts.choice('optimizer', ['adam', 'sgd'], defaults.optimizer),
      learningRate: opts.number('lr', defaults.learningRate),
      momentum: opts.number('momentum', defaults.momentum),
      weightDecay: opts.number('weight-decay', defaults.weightDecay),
      batchSize: opts.integer('batch-size', defaults.batchSize),
      epochs: opts.integer('epochs', defaults.epochs),
      milestones: opts.integerList('milestones', defaults.milestones),
      gamma: opts.number('gamma', defaults.gamma),
      seed: opts.integer('seed', defaults.seed),
    };
  }
  const outDir = opts.has('out') ? opts.string('out') : join('runs', `${label}-${source.split(':')[0]}-seed${settings.seed}`);
  const checkpointCount = opts.integer('checkpoints', 8);
  opts.checkAllUsed();
  const model = fromSpec(spec);
  console.log(`model (${label}):\n${model.summary()}`);
  console.log(`data: ${source}: ${data.train.targets.length} training, ${data.test.targets.length} test examples`);
  console.log(`settings: ${JSON.stringify(settings)}`);

  let state = resumed ? resumed.state : initialTrainState(model, settings);
  if (state.epoch > settings.epochs) fail('train', `the checkpoint is at epoch ${state.epoch}, beyond --epochs ${settings.epochs}`);
  const checkpointEpochs = new Set(logSpacedEpochs(settings.epochs, checkpointCount));
  const save = (s: typeof state) => {
    const path = join(outDir, `epoch-${String(s.epoch).padStart(4, '0')}.json`);
    writeCheckpoint(path, { format: CHECKPOINT_FORMAT, spec, settings, data: source, state: s });
    return path;
  };
  if (state.epoch === 0 && checkpointEpochs.has(0)) save(state);
  const bar = new ProgressBar();
  const started = performance.now();
  state = train(model, data, settings, state, {
    onBatch: (epoch, b, batches, objective, accuracy) =>
      bar.update(`epoch ${epoch + 1}/${settings.epochs}`, b + 1, batches, `loss ${objective.toFixed(4)} acc ${(100 * accuracy).toFixed(1)}%`),
    onEpoch: (s, m) => {
      const saved = checkpointEpochs.has(s.epoch) ? `  → ${save(s)}` : '';
      bar.finish(`epoch ${m.epoch}/${settings.epochs}  lr ${m.learningRate.toPrecision(3)}  train loss ${m.trainLoss.toFixed(4)} acc ${(100 * m.trainAccuracy).toFixed(2)}%  test loss ${m.testLoss?.toFixed(4)} acc ${(100 * (m.testAccuracy ?? 0)).toFixed(2)}%  (${m.seconds.toFixed(1)} s)${saved}`);
    },
  });
  const last = state.history[state.history.length - 1];
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s: test accuracy ${last ? (100 * (last.testAccuracy ?? 0)).toFixed(2) : '–'}%, checkpoints in ${outDir}`);
}

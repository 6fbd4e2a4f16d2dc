/** `mbquad train`: trains a preset or spec on a data set, with progress, checkpoints and resume. */
import { basename, dirname, join } from 'node:path';
import { fromSpec } from '../nn/model.ts';
import { allCnnC, convNet, mlp } from '../nn/presets.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { checkTrainSettings, defaultTrainSettings, initialTrainState, logSpacedEpochs, train, type TrainSettings, type TrainState } from '../nn/train.ts';
import { fail, MbquadError } from '../tensor/index.ts';
import { readCheckpoint, writeCheckpoint, CHECKPOINT_FORMAT } from '../node/checkpoint.ts';
import { loadDataSource } from '../node/datasets.ts';
import { ensureDirectory, nodeFileSystem, type FileSystem } from '../node/files.ts';
import { checkModelFitsData, readSpecFile } from '../node/model-files.ts';
import { acquireRunLock, checkpointsIn, manifestDifferences, moveRunAside, readManifest, runManifest, RUN_MANIFEST, writeManifest } from '../node/run-folder.ts';
import { ProgressBar } from '../node/progress.ts';
import { usage, type Options } from './options.ts';

export const TRAIN_HELP = `mbquad train [options]

  --preset NAME        convnet (default), mlp or allcnnc
  --spec FILE          a JSON model spec (docs/DESIGN.md) instead of a preset
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
  --out DIR            the run folder (default runs/<model>-<data>-seed<seed>): one run per
                       folder, with its manifest run.json and a lock while it trains
  --resume FILE        continue from a checkpoint: its model, data and settings are used;
                       --epochs may be raised; continues in the checkpoint's own folder
                       unless --out names another (a branch)
  --force              start over in an --out that holds another run: its files are moved
                       aside into replaced-<time>/ inside it, never deleted
`;

function buildSpec(opts: Options, inputShape: number[], classes: number): { spec: ModelSpec; label: string } {
  if (opts.has('spec')) return { spec: readSpecFile(opts.string('spec'), 'train').spec, label: 'spec' };
  const preset = opts.string('preset', 'convnet');
  const image = (): [number, number, number] => {
    if (inputShape.length !== 3) usage('train', `preset ${preset} needs image inputs, the data have shape [${inputShape}]`);
    return inputShape as [number, number, number];
  };
  if (preset === 'convnet') return { spec: convNet(image(), classes, opts.integer('depth', 1), opts.integer('width', 16)), label: 'convnet' };
  if (preset === 'mlp') return { spec: mlp(inputShape, opts.integerList('hidden', [64]), classes), label: 'mlp' };
  if (preset === 'allcnnc') return { spec: allCnnC(image(), classes), label: 'allcnnc' };
  return usage('train', `unknown preset '${preset}'; known: convnet, mlp, allcnnc`);
}

/** The settings in one short line (the JSON is in every checkpoint). */
function describeSettings(s: TrainSettings): string {
  const optimizer = s.optimizer === 'sgd' ? `sgd (momentum ${s.momentum})` : 'adam';
  const schedule = s.milestones.length ? `, ×${s.gamma} at ${s.milestones.join(',')}` : '';
  return `${optimizer}, lr ${s.learningRate}${schedule}, weight decay ${s.weightDecay}, batch ${s.batchSize}, ${s.epochs} epochs, seed ${s.seed}`;
}

/** The command's I/O seam: tests pass a file system that fails on purpose. */
export interface TrainIo {
  fileSystem?: FileSystem;
}

export function trainCommand(opts: Options, io: TrainIo = {}): void {
  const fileSystem = io.fileSystem ?? nodeFileSystem;
  // 1. Read and check everything — options, checkpoint, spec against data — before any write.
  const resumePath = opts.has('resume') ? opts.string('resume') : null;
  const resumed = resumePath ? readCheckpoint(resumePath) : null;
  const source = resumed ? resumed.data : opts.string('data', 'digits');
  const force = opts.flag('force');
  if (force && resumePath) usage('train', '--force starts a new run over an old one; it does not combine with --resume');
  const checkpointCount = opts.integer('checkpoints', 8);
  if (checkpointCount < 1) usage('train', `--checkpoints must be an integer ≥ 1, given ${checkpointCount}`);
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
  const ownFolder = resumePath ? dirname(resumePath) : null;
  const outDir = opts.has('out') ? opts.string('out') : ownFolder ?? join('runs', `${label}-${source.split(':')[0]}-seed${settings.seed}`);
  opts.checkAllUsed();
  if (resumed) checkTrainSettings(settings);
  else {
    try {
      checkTrainSettings(settings); // the settings came from the options
    } catch (e) {
      usage('train', (e as Error).message.replace(/^train: /, ''));
    }
  }
  const model = fromSpec(spec);
  checkModelFitsData('train', model, data, source);
  let state = resumed ? resumed.state : initialTrainState(model, settings);
  if (state.epoch > settings.epochs) fail('train', `the checkpoint is at epoch ${state.epoch}, beyond --epochs ${settings.epochs}`);

  // 2. The folder must hold this run or nothing (read-only checks first, again under the lock).
  const manifest = runManifest(spec, source, settings);
  const elsewhere = `choose another --out${resumed ? '' : ', or --force to start over (the old run is moved aside)'}`;
  const checkFolder = () => {
    const existing = readManifest(outDir);
    const checkpoints = checkpointsIn(outDir);
    if (force && !resumed) return;
    if (existing) {
      const diffs = manifestDifferences(existing, manifest);
      if (diffs.length > 0) fail('train', `the run folder ${outDir} holds another run (${diffs.join('; ')}); ${elsewhere}`);
    }
    if (!resumed && (existing || checkpoints.length > 0)) {
      const last = checkpoints[checkpoints.length - 1];
      fail('train', `the run folder ${outDir} already holds a run${last ? ` (up to epoch ${last.epoch})` : ''}; continue it with --resume ${last?.path ?? join(outDir, 'epoch-NNNN.json')}, or ${elsewhere}`);
    }
    if (resumed && !existing && checkpoints.length > 0 && outDir !== ownFolder) {
      fail('train', `the run folder ${outDir} holds checkpoints of an unknown run (no ${RUN_MANIFEST}); choose another --out`);
    }
    const later = checkpoints.filter((c) => c.epoch > state.epoch);
    if (resumed && later.length > 0) {
      fail('train', `resuming from epoch ${state.epoch} in ${outDir} would overwrite its later checkpoints (epochs ${later.map((c) => c.epoch).join(', ')}) with a different history; resume from ${later[later.length - 1].path}, or branch with --out OTHER_FOLDER`);
    }
  };
  checkFolder();

  // 3. Take the folder: create it, lock it, check again (another run may have come first), write the manifest.
  ensureDirectory(outDir, 'run folder');
  const release = acquireRunLock(outDir, elsewhere);
  try {
    checkFolder();
    if (force && !resumed && (readManifest(outDir) || checkpointsIn(outDir).length > 0)) console.error(`mbquad: --force: moved the old run to ${moveRunAside(outDir)}`);
    if (!readManifest(outDir)) writeManifest(outDir, manifest, fileSystem);
    console.log(`model (${label}):\n${model.summary()}`);
    console.log(`data: ${source}: ${data.train.targets.length} training, ${data.test.targets.length} test examples`);
    console.log(`settings: ${describeSettings(settings)}`);
    console.log(`run folder: ${outDir}`);

    const checkpointEpochs = new Set(logSpacedEpochs(settings.epochs, checkpointCount));
    let lastSaved: string | null = resumePath && ownFolder === outDir ? resumePath : null;
    const save = (s: TrainState) => {
      const path = join(outDir, `epoch-${String(s.epoch).padStart(4, '0')}.json`);
      try {
        writeCheckpoint(path, { format: CHECKPOINT_FORMAT, spec, settings, data: source, state: s }, fileSystem);
      } catch (e) {
        if (!(e instanceof MbquadError)) throw e;
        const resume = lastSaved ? `; the last complete checkpoint is ${lastSaved} (continue with --resume ${lastSaved})` : '; no checkpoint of this run was completed';
        return fail(e.op, `${e.message.slice(e.op.length + 2)}${resume}`);
      }
      lastSaved = path;
      return path;
    };
    if (state.epoch === 0 && checkpointEpochs.has(0)) save(state);
    console.log('each epoch: learning rate, training and test loss/accuracy, time, checkpoint written');
    const bar = new ProgressBar();
    const started = performance.now();
    state = train(model, data, settings, state, {
      onBatch: (epoch, b, batches, objective, accuracy) =>
        bar.update(`epoch ${epoch + 1}/${settings.epochs}`, b + 1, batches, `loss ${objective.toFixed(4)} acc ${(100 * accuracy).toFixed(1)}%`),
      onEpoch: (s, m) => {
        const saved = checkpointEpochs.has(s.epoch) ? ` → ${basename(save(s))}` : '';
        const test = m.testLoss === undefined ? '' : `  test ${m.testLoss.toFixed(4)}/${(100 * m.testAccuracy!).toFixed(2)}%`;
        bar.finish(`epoch ${m.epoch}/${settings.epochs}  lr ${Number(m.learningRate.toPrecision(3))}  train ${m.trainLoss.toFixed(4)}/${(100 * m.trainAccuracy).toFixed(2)}%${test}  ${m.seconds.toFixed(1)} s${saved}`);
      },
    });
    const last = state.history[state.history.length - 1];
    console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s: test accuracy ${last ? (100 * (last.testAccuracy ?? 0)).toFixed(2) : '–'}%, checkpoints in ${outDir}`);
  } finally {
    release();
  }
}

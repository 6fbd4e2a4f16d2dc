/**
 * Mini-batch training of a model on a data set: the objective is Eq. 1 on each batch
 * (mean loss + (λ/2)‖θ_w‖²), the optimizer SGD with momentum or Adam, the learning rate a
 * step schedule. Deterministic: θ0 comes from Random(seed), epoch e's shuffle from
 * Random(epochSeed(seed, e)), so a run resumed from the state after any epoch continues
 * bit-identically to the uninterrupted run.
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { argmax, fail, Random, Tensor, withScratchMemory } from '../tensor/index.ts';
import { batchOf, datasetSize, partitionBatches, type Dataset } from './data/dataset.ts';
import { crossEntropy, weightRegularizer } from './losses.ts';
import type { Model } from './model.ts';
import { initialOptimizerState, optimizerStep, scheduledLearningRate, type OptimizerKind, type OptimizerState } from './optimizers.ts';

/** Everything that defines a training run besides the model and data; stored in checkpoints and run manifests. */
export interface TrainSettings {
  optimizer: OptimizerKind;
  learningRate: number;
  /** SGD momentum (ignored by Adam). */
  momentum: number;
  /** λ of r(θ) = (λ/2)‖θ_w‖², weights only (Eq. 1). */
  weightDecay: number;
  batchSize: number;
  epochs: number;
  /** Epochs (from 0) at which the learning rate is multiplied by `gamma`. */
  milestones: number[];
  gamma: number;
  seed: number;
}

/** The defaults of `mbquad train` (a fresh object): Adam at 0.003, batches of 32, 20 epochs, seed 0. */
export function defaultTrainSettings(): TrainSettings {
  return { optimizer: 'adam', learningRate: 0.003, momentum: 0.9, weightDecay: 0, batchSize: 32, epochs: 20, milestones: [], gamma: 0.1, seed: 0 };
}

/**
 * Training as the paper trains its models (B.1: SGD with momentum 0.9, weight decay on the
 * weights only, a step schedule, to convergence), at the scale of the digits CNN: learning rate
 * 0.05 (0.1 diverges there), λ = 5e-4, batches of 32, 60 epochs, ×0.1 at epochs 30 and 45. On
 * digits the training accuracy is 100 % from epoch 15 and the objective changes by 0.04 % over
 * the last 10 epochs. A fresh object.
 */
export function paperStyleTrainSettings(): TrainSettings {
  return { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, batchSize: 32, epochs: 60, milestones: [30, 45], gamma: 0.1, seed: 0 };
}

/** What one epoch measured: its learning rate, objective, training and test loss and accuracy, and time. */
export interface EpochMetrics {
  epoch: number;
  learningRate: number;
  /** Mean of the batch objectives during the epoch. */
  trainObjective: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss?: number;
  testAccuracy?: number;
  seconds: number;
}

/** Everything needed to continue a run: completed epochs, θ, optimizer state, history. */
export interface TrainState {
  epoch: number;
  params: Float64Array;
  optimizer: OptimizerState;
  history: EpochMetrics[];
}

/** Progress callbacks of train: after every batch and after every epoch. */
export interface TrainCallbacks {
  onBatch?: (epoch: number, batch: number, batches: number, objective: number, accuracy: number) => void;
  /** Called after every epoch with the state (a copy-safe snapshot: θ and buffers are not mutated afterwards). */
  onEpoch?: (state: TrainState, metrics: EpochMetrics) => void;
}

/** Seed of epoch e's shuffle: distinct for every (seed, epoch) pair with seed < 2^31 and e < 2^21. */
export function epochSeed(seed: number, epoch: number): number {
  return seed + epoch * 2 ** 31 + 1;
}

/** Throws an MbquadError naming the first setting that is out of range. */
export function checkTrainSettings(s: TrainSettings): void {
  const op = 'train';
  const positive = (name: string, v: number) => {
    if (!(v > 0) || !Number.isFinite(v)) fail(op, `${name} must be a positive number, given ${v}`);
  };
  positive('learning rate', s.learningRate);
  positive('gamma', s.gamma);
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1) fail(op, `batch size must be a positive integer, given ${s.batchSize}`);
  if (!Number.isInteger(s.epochs) || s.epochs < 0) fail(op, `epochs must be an integer ≥ 0, given ${s.epochs}`);
  if (!(s.momentum >= 0 && s.momentum < 1)) fail(op, `momentum must be in [0, 1), given ${s.momentum}`);
  if (!(s.weightDecay >= 0) || !Number.isFinite(s.weightDecay)) fail(op, `weight decay must be finite and ≥ 0, given ${s.weightDecay}`);
  if (!Number.isInteger(s.seed) || s.seed < 0 || s.seed >= 2 ** 31) fail(op, `seed must be an integer in [0, 2^31), given ${s.seed}`);
}

/** The state before the first epoch: PyTorch-default initialization from Random(seed). */
export function initialTrainState(model: Model, settings: TrainSettings): TrainState {
  return { epoch: 0, params: model.init(new Random(settings.seed)), optimizer: initialOptimizerState(settings.optimizer, model.numParams), history: [] };
}

/** Mean cross-entropy and accuracy of θ on a data set, evaluated in chunks (no derivatives). */
export function evaluate(model: Model, params: Float64Array, data: Dataset, chunk = 512): { loss: number; accuracy: number } {
  const n = datasetSize(data);
  if (n === 0) fail('evaluate', `data set '${data.name}' is empty`);
  let lossSum = 0, correct = 0;
  const per = data.inputs.length / n;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const inputs = new Tensor([end - start, ...data.inputShape], data.inputs.subarray(start * per, end * per));
    const targets = data.targets.subarray(start, end);
    withScratchMemory(() => {
      const logits = ad.concrete(model.forward(params, inputs));
      lossSum += ad.concrete(crossEntropy(logits, targets)).item() * (end - start);
      const predicted = argmax(logits, 1);
      for (let i = 0; i < predicted.length; i++) if (predicted[i] === targets[i]) correct++;
    });
  }
  return { loss: lossSum / n, accuracy: correct / n };
}

/**
 * Trains from `state` (see initialTrainState) up to settings.epochs and returns the final state.
 * Cross-entropy classification; the per-batch objective is Eq. 1.
 */
export function train(model: Model, data: { train: Dataset; test?: Dataset }, settings: TrainSettings, state: TrainState, callbacks: TrainCallbacks = {}): TrainState {
  checkTrainSettings(settings);
  model.checkParams(state.params, 'train');
  const trainSet = data.train;
  const weightIndices = model.parameters.flatMap((p, i) => (p.kind === 'weight' ? [i] : []));
  let current = { ...state, params: state.params.slice(), optimizer: copyOptimizer(state.optimizer), history: state.history.slice() };

  for (let epoch = current.epoch; epoch < settings.epochs; epoch++) {
    const started = performance.now();
    const lr = scheduledLearningRate(settings.learningRate, epoch, settings.milestones, settings.gamma);
    const batches = partitionBatches(datasetSize(trainSet), settings.batchSize, new Random(epochSeed(settings.seed, epoch)), 'drop');
    let objectiveSum = 0;
    batches.forEach((indices, b) => {
      const batch = batchOf(trainSet, indices);
      const inputs = new Tensor([indices.length, ...trainSet.inputShape], batch.inputs);
      // The step's intermediates live in scratch memory; only numbers and the joined
      // gradient (a fresh copy) leave the scope.
      const { objectiveValue, gradient, correct } = withScratchMemory(() => {
        let logits: Value | null = null;
        const objective = (params: readonly Value[]): Value => {
          logits = model.forward(params, inputs);
          const data = crossEntropy(logits, batch.targets as Int32Array);
          return settings.weightDecay > 0 ? ad.add(data, weightRegularizer(weightIndices.map((i) => params[i]), settings.weightDecay)) : data;
        };
        const [value, grads] = ad.valueAndGrad(objective)(model.split(current.params));
        const predicted = argmax(ad.concrete(logits!), 1);
        return {
          objectiveValue: ad.concrete(value).item(),
          gradient: model.join(grads),
          correct: predicted.reduce((s, p, i) => s + (p === batch.targets[i] ? 1 : 0), 0),
        };
      });
      if (!Number.isFinite(objectiveValue)) {
        fail('train', `the objective became ${objectiveValue} in epoch ${epoch + 1}, batch ${b + 1} (diverged: try a smaller learning rate)`);
      }
      optimizerStep({ kind: settings.optimizer, momentum: settings.momentum }, current.optimizer, current.params, gradient, lr);
      objectiveSum += objectiveValue;
      callbacks.onBatch?.(epoch, b, batches.length, objectiveValue, correct / indices.length);
    });
    const trainEval = evaluate(model, current.params, trainSet);
    const testEval = data.test ? evaluate(model, current.params, data.test) : undefined;
    const metrics: EpochMetrics = {
      epoch: epoch + 1,
      learningRate: lr,
      trainObjective: objectiveSum / batches.length,
      trainLoss: trainEval.loss,
      trainAccuracy: trainEval.accuracy,
      ...(testEval ? { testLoss: testEval.loss, testAccuracy: testEval.accuracy } : {}),
      seconds: (performance.now() - started) / 1000,
    };
    current = { epoch: epoch + 1, params: current.params.slice(), optimizer: copyOptimizer(current.optimizer), history: [...current.history, metrics] };
    callbacks.onEpoch?.(current, metrics);
  }
  return current;
}

function copyOptimizer(s: OptimizerState): OptimizerState {
  return { kind: s.kind, step: s.step, buffers: s.buffers.map((b) => b.slice()) };
}

/** Checkpoint epochs: 0, then count log-spaced epochs round(epochs^(i/(count−1))) from 1 to the last, deduplicated. */
export function logSpacedEpochs(epochs: number, count = 10): number[] {
  const set = new Set<number>([0, epochs]);
  for (let i = 0; i < count; i++) set.add(Math.round(epochs ** (i / Math.max(count - 1, 1))));
  return [...set].filter((e) => e >= 0 && e <= epochs).sort((a, b) => a - b);
}

/**
 * In-memory classification data sets, stratified splits, normalization and mini-batching.
 * Inputs are row-major float64 (N × input shape); targets are class ids.
 */
import { fail, fmt, type Random, sizeOf } from '../../tensor/index.ts';

/** A labelled data set: N inputs of one shape (row-major float64) and N class ids. */
export interface Dataset {
  name: string;
  /** Per-example input shape, e.g. [1, 8, 8]. */
  inputShape: number[];
  numClasses: number;
  /** N × input shape, row-major. */
  inputs: Float64Array;
  /** N class ids in [0, numClasses). */
  targets: Int32Array;
}

/** A mini-batch as the curvature code takes it (docs/DESIGN.md). */
export interface Batch {
  inputs: Float64Array;
  targets: Int32Array | Float64Array;
}

/** The number of examples N of a data set (checking that inputs and labels agree). */
export function datasetSize(d: Dataset): number {
  return d.targets.length;
}

/** Checks sizes, labels and values (no NaN or ±∞): bad data is refused, never passed on. */
export function checkDataset(d: Dataset): Dataset {
  const op = `dataset '${d.name}'`;
  const per = sizeOf(d.inputShape);
  if (d.inputs.length !== d.targets.length * per) {
    fail(op, `${d.targets.length} labels need ${d.targets.length * per} input values (${fmt(d.inputShape)} each), given ${d.inputs.length}`);
  }
  for (let i = 0; i < d.inputs.length; i++) {
    if (!Number.isFinite(d.inputs[i])) fail(op, `input value ${i} (example ${Math.floor(i / per)}) is ${d.inputs[i]}`);
  }
  for (let i = 0; i < d.targets.length; i++) {
    if (d.targets[i] < 0 || d.targets[i] >= d.numClasses) fail(op, `label of example ${i} is ${d.targets[i]}, outside 0..${d.numClasses - 1}`);
  }
  return d;
}

/**
 * The examples at `indices` of a batch of `count` examples, in that order (copied). Each
 * example's inputs and targets are the batch's arrays divided evenly by `count`, so this serves
 * class ids and MSE target rows alike.
 */
export function selectExamples(batch: Batch, count: number, indices: ArrayLike<number>): Batch {
  const per = batch.inputs.length / count, perTarget = batch.targets.length / count;
  const inputs = new Float64Array(indices.length * per);
  const targets = batch.targets instanceof Int32Array ? new Int32Array(indices.length * perTarget) : new Float64Array(indices.length * perTarget);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= count) fail('selectExamples', `index ${i} is outside 0..${count - 1}`);
    inputs.set(batch.inputs.subarray(i * per, (i + 1) * per), k * per);
    targets.set(batch.targets.subarray(i * perTarget, (i + 1) * perTarget), k * perTarget);
  }
  return { inputs, targets };
}

/** The examples at `indices`, in that order. */
export function subset(d: Dataset, indices: ArrayLike<number>, name = d.name): Dataset {
  const { inputs, targets } = selectExamples(d, d.targets.length, indices);
  return { ...d, name, inputs, targets: targets as Int32Array };
}

/**
 * Stratified split: within each class, the examples are shuffled with `rng` and the first
 * round(testFraction · count) go to the test set; both sets keep the original order.
 */
export function stratifiedSplit(d: Dataset, testFraction: number, rng: Random): { train: Dataset; test: Dataset } {
  if (!(testFraction > 0 && testFraction < 1)) fail('stratifiedSplit', `testFraction must be in (0, 1), given ${testFraction}`);
  const isTest = new Uint8Array(d.targets.length);
  for (let c = 0; c < d.numClasses; c++) {
    const members: number[] = [];
    d.targets.forEach((y, i) => y === c && members.push(i));
    const perm = rng.permutation(members.length);
    const take = Math.round(testFraction * members.length);
    for (let k = 0; k < take; k++) isTest[members[perm[k]]] = 1;
  }
  const train: number[] = [], test: number[] = [];
  isTest.forEach((t, i) => (t ? test : train).push(i));
  return { train: subset(d, train, `${d.name}/train`), test: subset(d, test, `${d.name}/test`) };
}

/** Per-channel mean and standard deviation (the channel is the first axis of the input shape). */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** Per-channel statistics of a data set (compute them on the training split only). */
export function channelStatistics(d: Dataset): Normalization {
  const channels = d.inputShape.length === 3 ? d.inputShape[0] : 1;
  const per = sizeOf(d.inputShape), plane = per / channels;
  const sum = new Array<number>(channels).fill(0), sq = new Array<number>(channels).fill(0);
  for (let i = 0; i < d.inputs.length; i++) {
    const c = Math.floor((i % per) / plane);
    sum[c] += d.inputs[i];
    sq[c] += d.inputs[i] * d.inputs[i];
  }
  const count = d.targets.length * plane;
  const mean = sum.map((s) => s / count);
  const std = sq.map((s, c) => Math.sqrt(Math.max(s / count - mean[c] ** 2, 0)));
  return { mean, std: std.map((s) => (s > 0 ? s : 1)) };
}

/** (x − mean_c) / std_c per channel. */
export function normalize(d: Dataset, n: Normalization): Dataset {
  const channels = n.mean.length;
  const per = sizeOf(d.inputShape), plane = per / channels;
  const inputs = d.inputs.map((v, i) => {
    const c = Math.floor((i % per) / plane);
    return (v - n.mean[c]) / n.std[c];
  });
  return { ...d, inputs };
}

/**
 * Shuffles 0..n−1 with `rng` and cuts it into ⌊n / batchSize⌋ disjoint batches of equal size.
 * With remainder 'error' (the default) n must be a multiple of batchSize, so that the batches'
 * union is the whole set, as Eq. 5 requires. With 'drop' the n mod batchSize examples left at
 * the end of the shuffled order are left out (training reshuffles every epoch, so each example
 * is still seen).
 */
export function partitionBatches(n: number, batchSize: number, rng: Random, remainder: 'error' | 'drop' = 'error'): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) fail('partitionBatches', `batch size must be a positive integer, given ${batchSize}`);
  if (batchSize > n) fail('partitionBatches', `batch size ${batchSize} exceeds the ${n} examples`);
  if (remainder === 'error' && n % batchSize !== 0) {
    fail('partitionBatches', `${n} examples do not split into equal batches of ${batchSize} (remainder ${n % batchSize}); pass remainder 'drop' to leave them out`);
  }
  const perm = rng.permutation(n);
  const count = Math.floor(n / batchSize);
  return Array.from({ length: count }, (_, b) => perm.slice(b * batchSize, (b + 1) * batchSize));
}

/** The batch of examples at `indices`. */
export function batchOf(d: Dataset, indices: ArrayLike<number>): Batch {
  return selectExamples(d, d.targets.length, indices);
}

/** A training and a test set (standardized), with the raw test images and the statistics used. */
export interface Split {
  train: Dataset;
  test: Dataset;
  /** The test set before standardization (pixels in [0, 1]): what corruptions apply to. */
  rawTest?: Dataset;
  /** The training split's per-channel statistics that standardized both sets. */
  normalization?: Normalization;
}

/** Train and test inputs standardized per channel with the training split's statistics. */
export function standardize(split: Split): Split {
  const stats = channelStatistics(split.train);
  return { train: normalize(split.train, stats), test: normalize(split.test, stats), rawTest: split.test, normalization: stats };
}

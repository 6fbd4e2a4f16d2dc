/**
 * Loading data sets from files (Node only): the shipped digits, MNIST/Fashion-MNIST IDX files
 * and CIFAR-10/100 binary batches, plain or gzip-compressed (detected by the gzip magic bytes);
 * and the sets the studies derive from a split (a seeded subset, the corrupted test sets).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { normalize, partitionBatches, standardize, subset, type Dataset, type Split } from '../nn/data/dataset.ts';
import { corruptDataset } from '../nn/data/corruptions.ts';
import { digitsSplit } from '../nn/data/digits.ts';
import { parseCifar, type CifarVariant } from '../nn/data/cifar.ts';
import { idxDataset, parseIdx } from '../nn/data/idx.ts';
import { fail, Random } from '../tensor/index.ts';
import { readInputFile } from './files.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shipped digits data (data/digits.csv.gz) inside the package. */
export const DIGITS_PATH = join(repoRoot, 'data', 'digits.csv.gz');

/** A file's bytes, gunzipped when it starts with the gzip magic 1f 8b; errors name the file. */
export function readMaybeGzip(path: string): Uint8Array {
  const raw = readInputFile(path, 'data file');
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(raw));
    } catch (e) {
      fail('readFile', `${path}: corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

export type { Split } from '../nn/data/dataset.ts';

/** The shipped digits: /16, stratified 80/20 split with Random(0), standardized (data/README.md). */
export function loadDigitsSplit(path = DIGITS_PATH): Split {
  return digitsSplit(new TextDecoder().decode(readMaybeGzip(path)), path);
}

/** The first of the candidate file names that exists in `dir` (with or without .gz). */
function findFile(dir: string, names: string[]): string {
  for (const n of names) for (const candidate of [n, `${n}.gz`]) if (existsSync(join(dir, candidate))) return join(dir, candidate);
  return fail('loadDataset', `${dir}: none of ${names.map((n) => `${n}[.gz]`).join(', ')} found`);
}

/** MNIST or Fashion-MNIST from a folder with the four standard IDX files (plain or .gz). */
export function loadMnistSplit(dir: string, name = 'mnist'): Split {
  const load = (images: string, labels: string, part: string) => {
    const fi = findFile(dir, [images, images.replace('-idx', '.idx')]);
    const fl = findFile(dir, [labels, labels.replace('-idx', '.idx')]);
    return idxDataset(`${name}/${part}`, parseIdx(readMaybeGzip(fi), fi), parseIdx(readMaybeGzip(fl), fl), [fi, fl]);
  };
  return standardize({
    train: load('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 'train'),
    test: load('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'test'),
  });
}

/** CIFAR-10 (data_batch_1..5.bin, test_batch.bin) or CIFAR-100 (train.bin, test.bin) from a folder. */
export function loadCifarSplit(dir: string, variant: CifarVariant): Split {
  const read = (names: string[]) => names.map((n) => {
    const path = findFile(dir, [n]);
    return { name: path, bytes: readMaybeGzip(path) };
  });
  const trainFiles = variant === 'cifar10' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['train.bin'];
  const testFiles = variant === 'cifar10' ? ['test_batch.bin'] : ['test.bin'];
  const train = { ...parseCifar(read(trainFiles), variant), name: `${variant}/train` };
  const test = { ...parseCifar(read(testFiles), variant), name: `${variant}/test` };
  return standardize({ train, test });
}

/** `digits`, `mnist:<dir>`, `fashion-mnist:<dir>`, `cifar10:<dir>` or `cifar100:<dir>`. */
export function loadDataSource(source: string): Split {
  const [kind, ...rest] = source.split(':');
  const dir = rest.join(':');
  if (kind === 'digits' && dir === '') return loadDigitsSplit();
  if (dir === '') fail('loadDataSource', `'${source}' needs a folder: ${kind}:<dir>`);
  if (kind === 'mnist' || kind === 'fashion-mnist') return loadMnistSplit(dir, kind);
  if (kind === 'cifar10' || kind === 'cifar100') return loadCifarSplit(dir, kind);
  return fail('loadDataSource', `unknown data source '${source}'; use digits, mnist:<dir>, fashion-mnist:<dir>, cifar10:<dir> or cifar100:<dir>`);
}

/**
 * A seeded random subset of a split: `train` training and `test` test examples (the same test
 * indices for the raw test images); the standardization stays the full training set's.
 */
export function subsetSplit(split: Split, train: number, test: number, seed: number): Split {
  const pick = (d: Dataset, count: number, rng: Random) => {
    const n = d.targets.length;
    if (!Number.isInteger(count) || count < 1 || count > n) fail('subsetSplit', `${d.name}: cannot take ${count} of its ${n} examples`);
    return partitionBatches(n, count, rng, 'drop')[0];
  };
  const rng = new Random(seed);
  const trainIndices = pick(split.train, train, rng), testIndices = pick(split.test, test, rng);
  return {
    train: subset(split.train, trainIndices),
    test: subset(split.test, testIndices),
    ...(split.rawTest ? { rawTest: subset(split.rawTest, testIndices) } : {}),
    ...(split.normalization ? { normalization: split.normalization } : {}),
  };
}

/** The corrupted test sets, severities 1–5, one Random(seed) in turn, standardized as the test set. */
export function corruptedTestSets(data: Split, seed: number): Dataset[] {
  if (!data.rawTest || !data.normalization) fail('corruptedTestSets', 'the data source keeps no raw test images to corrupt');
  const corruptionRng = new Random(seed);
  return [1, 2, 3, 4, 5].map((s) => normalize(corruptDataset(data.rawTest!, s, corruptionRng).dataset, data.normalization!));
}

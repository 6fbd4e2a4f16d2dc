/** Data: the shipped digits, IDX and CIFAR round trips and their errors, mini-batch partitions. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCifarSplit, loadDigitsSplit, loadMnistSplit, readMaybeGzip } from '../../src/node/datasets.ts';
import { nn } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { idxBytes } from '../helpers/idx.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'mbquad-data-'));

describe('digits (shipped)', () => {
  it('has 1,797 images with the documented class counts, split 80/20 per class, standardized on the training split', () => {
    const { train, test } = loadDigitsSplit();
    expect(train.targets.length + test.targets.length).toBe(1797);
    const counts = (t: Int32Array) => Array.from({ length: 10 }, (_, c) => t.filter((y) => y === c).length);
    const total = counts(train.targets).map((c, k) => c + counts(test.targets)[k]);
    expect(total).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    expect(counts(test.targets)).toEqual(total.map((c) => Math.round(0.2 * c)));
    expect(train.inputShape).toEqual([1, 8, 8]);
    const mean = train.inputs.reduce((s, v) => s + v, 0) / train.inputs.length;
    const variance = train.inputs.reduce((s, v) => s + (v - mean) ** 2, 0) / train.inputs.length;
    expect(Math.abs(mean)).toBeLessThan(1e-12);
    expect(Math.abs(variance - 1)).toBeLessThan(1e-12);
    expect(loadDigitsSplit().train.inputs).toEqual(train.inputs); // deterministic
  });
});

describe('MNIST IDX files', () => {
  const rng = new Random(1);
  const images = Uint8Array.from({ length: 5 * 3 * 4 }, () => rng.integer(256));
  const labels = Uint8Array.of(3, 0, 9, 1, 3);

  it('round-trip plain and gzip files: pixels / 255, labels as written', () => {
    for (const compress of [false, true]) {
      const dir = tmp();
      const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, compress ? `${name}.gz` : name), compress ? gzipSync(bytes) : bytes);
      write('train-images-idx3-ubyte', idxBytes([5, 3, 4], images));
      write('train-labels-idx1-ubyte', idxBytes([5], labels));
      write('t10k-images-idx3-ubyte', idxBytes([2, 3, 4], images.subarray(0, 24)));
      write('t10k-labels-idx1-ubyte', idxBytes([2], labels.subarray(0, 2)));
      const split = loadMnistSplit(dir);
      expect(split.train.inputShape).toEqual([1, 3, 4]);
      expect(Array.from(split.train.targets)).toEqual([3, 0, 9, 1, 3]);
      const parsed = nn.idxDataset('x', nn.parseIdx(readMaybeGzip(join(dir, compress ? 'train-images-idx3-ubyte.gz' : 'train-images-idx3-ubyte')), 'img'), nn.parseIdx(idxBytes([5], labels), 'lab'), ['img', 'lab']);
      expect(parsed.inputs).toEqual(Float64Array.from(images, (v) => v / 255));
    }
  });

  it('truncated or corrupt files give errors naming the file and the offset', () => {
    const good = idxBytes([5, 3, 4], images);
    expect(() => nn.parseIdx(good.subarray(0, good.length - 7), 'imgs.idx')).toThrow(/parseIdx: imgs.idx: truncated at offset 69: shape \[5,3,4\] needs 76 bytes/);
    expect(() => nn.parseIdx(good.subarray(0, 10), 'imgs.idx')).toThrow(/imgs.idx: truncated header at offset 10: 3 dimension sizes need 16 bytes/);
    const badMagic = good.slice();
    badMagic[0] = 0x1f;
    expect(() => nn.parseIdx(badMagic, 'imgs.idx')).toThrow(/imgs.idx: bad magic at offset 0: expected 0x00 0x00, given 0x1f 0x00/);
    const wrongType = good.slice();
    wrongType[2] = 0x0d;
    expect(() => nn.parseIdx(wrongType, 'imgs.idx')).toThrow(/element type 0x0d at offset 2 is not supported/);
    const extra = new Uint8Array(good.length + 3);
    extra.set(good);
    expect(() => nn.parseIdx(extra, 'imgs.idx')).toThrow(/imgs.idx: 3 unexpected bytes after the data, starting at offset 76/);
    expect(() => nn.idxDataset('x', nn.parseIdx(good, 'i'), nn.parseIdx(idxBytes([5], Uint8Array.of(1, 2, 12, 0, 0)), 'l'), ['i', 'l'])).toThrow(/l: label 12 at offset 10 is outside 0..9/);
    const dir = tmp();
    writeFileSync(join(dir, 'cut.gz'), gzipSync(good).subarray(0, 20));
    expect(() => readMaybeGzip(join(dir, 'cut.gz'))).toThrow(/cut.gz: corrupt or truncated gzip data/);
    expect(() => loadMnistSplit(dir)).toThrow(/none of train-images-idx3-ubyte\[.gz\]/);
  });
});

describe('CIFAR binary batches', () => {
  const record = (label: number[], fill: (p: number) => number) => Uint8Array.from([...label, ...Array.from({ length: 3072 }, (_, p) => fill(p))]);
  it('round-trip CIFAR-10 and CIFAR-100 (fine labels), NCHW pixels / 255', () => {
    const dir = tmp();
    const r10 = [record([7], (p) => p % 256), record([2], (p) => (3 * p) % 256)];
    for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), Buffer.concat(r10));
    writeFileSync(join(dir, 'test_batch.bin'), gzipSync(r10[1]));
    const c10 = loadCifarSplit(dir, 'cifar10');
    expect(c10.train.targets.length).toBe(10);
    expect(Array.from(c10.test.targets)).toEqual([2]);
    const raw = nn.parseCifar([{ name: 'a', bytes: Buffer.concat(r10) }], 'cifar10');
    expect(raw.inputShape).toEqual([3, 32, 32]);
    expect(raw.inputs[1024 + 5]).toBe(((1024 + 5) % 256) / 255); // green plane, pixel 5 of image 0
    const r100 = record([19, 99], () => 255);
    const c100 = nn.parseCifar([{ name: 'b', bytes: r100 }], 'cifar100');
    expect(Array.from(c100.targets)).toEqual([99]);
    expect(c100.numClasses).toBe(100);
  });
  it('truncated or corrupt files name the file and offset', () => {
    const rec = record([1], () => 0);
    expect(() => nn.parseCifar([{ name: 'data_batch_1.bin', bytes: Uint8Array.from([...rec, ...rec.subarray(0, 100)]) }], 'cifar10'))
      .toThrow(/parseCifar: data_batch_1.bin: truncated record 1 at offset 3073: cifar10 records are 3073 bytes, the file has 3173/);
    expect(() => nn.parseCifar([{ name: 't.bin', bytes: Uint8Array.from([...rec, ...record([12], () => 0)]) }], 'cifar10')).toThrow(/t.bin: label 12 at offset 3073 is outside 0..9/);
    expect(() => nn.parseCifar([{ name: 'c.bin', bytes: record([25, 3], () => 0) }], 'cifar100')).toThrow(/c.bin: coarse label 25 at offset 0 is outside 0..19/);
  });
});

describe('mini-batches', () => {
  it('partitionBatches gives disjoint equal-size batches whose union is the whole set (Eq. 5 needs this)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 10 }), seed, (batchSize, count, s) => {
        const n = batchSize * count;
        const batches = nn.partitionBatches(n, batchSize, new Random(s));
        expect(batches.length).toBe(count);
        expect(batches.every((b) => b.length === batchSize)).toBe(true);
        expect(batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });
  it('a remainder is an error unless dropped explicitly', () => {
    expect(() => nn.partitionBatches(10, 3, new Random(0))).toThrow(/10 examples do not split into equal batches of 3 \(remainder 1\); pass remainder 'drop'/);
    const dropped = nn.partitionBatches(10, 3, new Random(0), 'drop');
    expect(dropped.map((b) => b.length)).toEqual([3, 3, 3]);
    expect(new Set(dropped.flatMap((b) => Array.from(b))).size).toBe(9);
  });
  it('data with NaN or out-of-range labels are refused', () => {
    const base = { name: 'toy', inputShape: [2], numClasses: 2 };
    expect(() => nn.checkDataset({ ...base, inputs: Float64Array.of(0, NaN), targets: Int32Array.of(1) })).toThrow(/dataset 'toy': input value 1 \(example 0\) is NaN/);
    expect(() => nn.checkDataset({ ...base, inputs: Float64Array.of(0, 1), targets: Int32Array.of(2) })).toThrow(/label of example 0 is 2, outside 0..1/);
  });
});

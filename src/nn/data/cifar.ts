/**
 * CIFAR-10 and CIFAR-100 binary batches: records of label byte(s) then 3,072 pixel bytes
 * (the 1,024 red, then green, then blue values of a 32×32 image, row-major) — exactly
 * [3, 32, 32] NCHW. CIFAR-10 records have one label byte (0..9); CIFAR-100 records have
 * the coarse label (0..19) then the fine label (0..99), and the fine label is used.
 */
import { fail } from '../../tensor/index.ts';
import { checkDataset, type Dataset } from './dataset.ts';

/** Which CIFAR binary format: CIFAR-10 (1 label byte) or CIFAR-100 (coarse and fine label bytes). */
export type CifarVariant = 'cifar10' | 'cifar100';

const PIXELS = 3 * 32 * 32;

/** Parses one or more binary batch files (already decompressed); pixels / 255. */
export function parseCifar(files: readonly { name: string; bytes: Uint8Array }[], variant: CifarVariant): Dataset {
  const op = 'parseCifar';
  const labelBytes = variant === 'cifar10' ? 1 : 2;
  const record = labelBytes + PIXELS;
  const numClasses = variant === 'cifar10' ? 10 : 100;
  let total = 0;
  for (const f of files) {
    if (f.bytes.length === 0) fail(op, `${f.name}: empty file`);
    if (f.bytes.length % record !== 0) {
      const complete = Math.floor(f.bytes.length / record);
      fail(op, `${f.name}: truncated record ${complete} at offset ${complete * record}: ${variant} records are ${record} bytes, the file has ${f.bytes.length}`);
    }
    total += f.bytes.length / record;
  }
  const inputs = new Float64Array(total * PIXELS);
  const targets = new Int32Array(total);
  let n = 0;
  for (const f of files) {
    for (let off = 0; off < f.bytes.length; off += record, n++) {
      if (variant === 'cifar100' && f.bytes[off] >= 20) fail(op, `${f.name}: coarse label ${f.bytes[off]} at offset ${off} is outside 0..19 (corrupt file, or a CIFAR-10 file read as CIFAR-100?)`);
      const label = f.bytes[off + labelBytes - 1];
      if (label >= numClasses) fail(op, `${f.name}: label ${label} at offset ${off + labelBytes - 1} is outside 0..${numClasses - 1} (corrupt file, or the wrong variant?)`);
      targets[n] = label;
      for (let p = 0; p < PIXELS; p++) inputs[n * PIXELS + p] = f.bytes[off + labelBytes + p] / 255;
    }
  }
  return checkDataset({ name: variant, inputShape: [3, 32, 32], numClasses, inputs, targets });
}

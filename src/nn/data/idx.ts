/**
 * The IDX format of MNIST and Fashion-MNIST (big-endian): bytes 0–1 zero, byte 2 the element
 * type (0x08 = unsigned byte, the only type these data sets use), byte 3 the number of
 * dimensions d, then d big-endian uint32 sizes, then the elements row-major.
 */
import { fail } from '../../tensor/index.ts';
import { checkDataset, type Dataset } from './dataset.ts';

/** An IDX array (MNIST format): its shape and its elements as numbers. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Parses an IDX file's bytes (already decompressed); `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const op = 'parseIdx';
  if (bytes.length < 4) fail(op, `${file}: truncated header: ${bytes.length} bytes, need at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(op, `${file}: bad magic at offset 0: expected 0x00 0x00, given 0x${hex(bytes[0])} 0x${hex(bytes[1])} (not an IDX file?)`);
  if (bytes[2] !== 0x08) fail(op, `${file}: element type 0x${hex(bytes[2])} at offset 2 is not supported (only 0x08, unsigned byte)`);
  const dims = bytes[3];
  if (dims < 1) fail(op, `${file}: offset 3: the number of dimensions must be ≥ 1, given ${dims}`);
  const headerEnd = 4 + 4 * dims;
  if (bytes.length < headerEnd) fail(op, `${file}: truncated header at offset ${bytes.length}: ${dims} dimension sizes need ${headerEnd} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length < headerEnd + count) {
    fail(op, `${file}: truncated at offset ${bytes.length}: shape [${shape.join(',')}] needs ${headerEnd + count} bytes`);
  }
  if (bytes.length > headerEnd + count) fail(op, `${file}: ${bytes.length - headerEnd - count} unexpected bytes after the data, starting at offset ${headerEnd + count}`);
  return { shape, data: bytes.subarray(headerEnd, headerEnd + count) };
}

/** An MNIST-style data set from its images [N, h, w] and labels [N] IDX files; pixels / 255. */
export function idxDataset(name: string, images: IdxArray, labels: IdxArray, files: [string, string], numClasses = 10): Dataset {
  const op = 'idxDataset';
  if (images.shape.length !== 3) fail(op, `${files[0]}: images must be 3-D [N, h, w], given [${images.shape.join(',')}]`);
  if (labels.shape.length !== 1) fail(op, `${files[1]}: labels must be 1-D [N], given [${labels.shape.join(',')}]`);
  if (images.shape[0] !== labels.shape[0]) fail(op, `${files[0]} has ${images.shape[0]} images but ${files[1]} has ${labels.shape[0]} labels`);
  const [n, h, w] = images.shape;
  const headerBytes = 4 + 4 * 1;
  const targets = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (labels.data[i] >= numClasses) fail(op, `${files[1]}: label ${labels.data[i]} at offset ${headerBytes + i} is outside 0..${numClasses - 1}`);
    targets[i] = labels.data[i];
  }
  const inputs = Float64Array.from(images.data, (v) => v / 255);
  return checkDataset({ name, inputShape: [1, h, w], numClasses, inputs, targets });
}

function hex(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0');
}

/**
 * NumPy's `.npy` format, both ways, on bytes (no file access, so it also works in a browser):
 * the magic `\x93NUMPY`, a version (1.0: a 2-byte header length; 2.0 and 3.0: 4 bytes), a
 * header that is a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (P,), }`
 * padded with spaces to a multiple of 64 bytes, then the raw data. Read: little- or big-endian
 * float32/float64 in C order. Written: version 1.0, little-endian float64, C order — what
 * `numpy.load` reads back exactly.
 */
import { fail } from '../tensor/index.ts';

export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59); // \x93NUMPY

/** A shape as NumPy prints it: (119,), (2, 3), (). */
export function pythonShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Whether the bytes start with the .npy magic \x93NUMPY. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

/** A parsed .npy array: float64 values, shape and the stored dtype. */
export interface NpyArray {
  /** The values as float64 (float32 files are widened exactly). */
  data: Float64Array;
  shape: number[];
  /** The stored type: 'float32' or 'float64'. */
  dtype: 'float32' | 'float64';
}

/** Parses a .npy file's bytes; `name` (a file name) and `op` label every error. */
export function parseNpy(bytes: Uint8Array, name = '.npy data', op = 'parseNpy'): NpyArray {
  const bad = (message: string): never => fail(op, `${name}: ${message}`);
  if (!isNpy(bytes)) bad('not a .npy file (it does not start with \\x93NUMPY)');
  if (bytes.length < 10) bad(`truncated: ${bytes.length} bytes, not even a header`);
  const major = bytes[6];
  if (major < 1 || major > 3) bad(`.npy version ${major}.${bytes[7]} is not one of 1.0, 2.0, 3.0`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) bad(`truncated: the header needs ${dataStart} bytes, the file has ${bytes.length}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) bad(`unreadable header ${JSON.stringify(header.trim())}`);
  const types: Record<string, { dtype: 'float32' | 'float64'; size: number; little: boolean }> = {
    '<f4': { dtype: 'float32', size: 4, little: true }, '>f4': { dtype: 'float32', size: 4, little: false },
    '<f8': { dtype: 'float64', size: 8, little: true }, '>f8': { dtype: 'float64', size: 8, little: false },
  };
  const type = types[descr!];
  if (!type) bad(`dtype '${descr}' is not float32 or float64 ('<f4', '<f8', or big-endian '>f4', '>f8')`);
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) bad(`unreadable shape (${shapeText})`);
  if (fortran === 'True' && shape.filter((d) => d > 1).length > 1) bad('Fortran-ordered arrays are not supported (save with np.ascontiguousarray)');
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataStart + count * type.size;
  if (bytes.length !== expected) bad(`${bytes.length < expected ? 'truncated' : 'has trailing bytes'}: shape ${pythonShape(shape)} of ${descr} needs ${expected} bytes, the file has ${bytes.length}`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = dataStart + i * type.size;
    data[i] = type.size === 8 ? view.getFloat64(at, type.little) : view.getFloat32(at, type.little);
  }
  return { data, shape, dtype: type.dtype };
}

/** A .npy file (version 1.0, little-endian float64, C order) holding `data` with `shape`. */
export function toNpy(data: Float64Array, shape: readonly number[] = [data.length]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || count !== data.length) {
    fail('toNpy', `shape [${shape}] holds ${count} values, the data have ${data.length}`);
  }
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${pythonShape(shape)}, }`;
  // Pad with spaces so that magic + version + length + header + '\n' is a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header = header + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + 8 * count);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  for (let i = 0; i < count; i++) view.setFloat64(10 + header.length + 8 * i, data[i], true);
  return out;
}

/**
 * Parameters trained elsewhere (PyTorch) as θ in mbquad's layout, from the bytes of a file — no
 * file access, so it also works in a browser. Two formats, told apart by their first bytes:
 * - NumPy `.npy` (magic `\x93NUMPY`): the flat vector
 *   `torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy()`, float32 or
 *   float64, of shape (P,) — PyTorch's order is mbquad's (docs/DESIGN.md);
 * - `.safetensors` (an 8-byte little-endian header length, then a JSON header starting with
 *   `{`): a state dict whose names and shapes must be exactly the model's parameters
 *   (`0.weight`, `0.bias`, … of the equivalent `nn.Sequential`), dtype F32 or F64.
 * Anything else, a wrong dtype, a truncated file, a missing, extra or misshapen tensor, a
 * non-finite value: an MbquadError naming the file, the tensor, what was expected and what was given.
 */
import { fail } from '../tensor/index.ts';
import type { Model } from './model.ts';
import { isNpy, parseNpy, pythonShape } from './npy.ts';

const OP = 'parseParameters';

/** θ (length model.numParams) from the bytes of a .npy or .safetensors file; `name` labels errors. */
export function parseParameters(bytes: Uint8Array, model: Model, name = 'parameter data'): Float64Array {
  if (!(bytes instanceof Uint8Array)) fail(OP, `${name}: expected the file's bytes as a Uint8Array, given ${Object.prototype.toString.call(bytes)}`);
  const theta = isNpy(bytes) ? fromNpy(bytes, model, name) : isSafetensors(bytes) ? fromSafetensors(bytes, model, name) : unknownFormat(bytes, name);
  const bad = theta.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const p = model.parameters.find((q) => bad >= q.offset && bad < q.offset + q.size)!;
    fail(OP, `${name}: tensor ${p.name} has a non-finite value ${theta[bad]} at its index ${bad - p.offset}`);
  }
  return theta;
}

function unknownFormat(bytes: Uint8Array, name: string): never {
  const start = new TextDecoder('latin1').decode(bytes.subarray(0, 16));
  const what = /^\s*[[{]/.test(start) ? 'a JSON file' : bytes.length < 8 ? `${bytes.length} bytes` : `data starting with ${JSON.stringify(start)}`;
  return fail(OP, `${name}: expected a NumPy .npy file (parameters_to_vector) or a .safetensors state dict, given ${what}`);
}

function fromNpy(bytes: Uint8Array, model: Model, name: string): Float64Array {
  const array = parseNpy(bytes, name, OP);
  const P = model.numParams;
  if (array.shape.length !== 1 || array.shape[0] !== P) {
    fail(OP, `${name}: expected the flat parameter vector of shape (${P},) (parameters_to_vector of the model), given shape ${pythonShape(array.shape)}`);
  }
  return array.data;
}

/** 8-byte header length, then a JSON object: the safetensors layout. */
function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return length > 1n && length <= BigInt(bytes.length - 8) && bytes[8] === 0x7b; // '{'
}

function fromSafetensors(bytes: Uint8Array, model: Model, name: string): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  let header: Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    return fail(OP, `${name}: the safetensors header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors = Object.keys(header).filter((k) => k !== '__metadata__');
  const expected = model.parameters.map((p) => p.name);
  const missing = expected.filter((n) => !tensors.includes(n)), extra = tensors.filter((n) => !expected.includes(n));
  if (missing.length || extra.length) {
    fail(OP, `${name}: the state dict must hold exactly the model's tensors ${expected.join(', ')}; ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `not in the model: ${extra.join(', ')}` : ''}`);
  }
  const theta = new Float64Array(model.numParams);
  for (const p of model.parameters) {
    const entry = header[p.name];
    const sizes: Record<string, number> = { F32: 4, F64: 8 };
    if (typeof entry.dtype !== 'string' || !(entry.dtype in sizes)) fail(OP, `${name}: tensor ${p.name} has dtype ${JSON.stringify(entry.dtype)}, expected F32 or F64`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || shape.length !== p.shape.length || shape.some((d, i) => d !== p.shape[i])) {
      fail(OP, `${name}: tensor ${p.name} has shape [${Array.isArray(shape) ? shape.join(',') : String(shape)}], the model's is [${p.shape.join(',')}]`);
    }
    const size = sizes[entry.dtype as string];
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(Number.isInteger)) fail(OP, `${name}: tensor ${p.name} has no valid data_offsets`);
    const [begin, end] = offsets as [number, number];
    if (end - begin !== p.size * size) fail(OP, `${name}: tensor ${p.name} spans ${end - begin} bytes, its shape [${p.shape.join(',')}] of ${entry.dtype} needs ${p.size * size}`);
    if (begin < 0 || dataStart + end > bytes.length) fail(OP, `${name}: truncated: tensor ${p.name} ends at byte ${dataStart + end}, the file has ${bytes.length}`);
    for (let i = 0; i < p.size; i++) {
      const at = dataStart + begin + i * size;
      theta[p.offset + i] = size === 8 ? view.getFloat64(at, true) : view.getFloat32(at, true);
    }
  }
  return theta;
}

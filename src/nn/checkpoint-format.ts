/**
 * The checkpoint format, with no file access (so the browser page reads the same files): one
 * JSON object holding the model spec, the settings and seed, the data source, the completed
 * epoch, θ, the optimizer state and the metrics so far. Float arrays are stored as base64 of
 * their little-endian float64 bytes, so every bit (−0, subnormals) survives the round trip;
 * parsing refuses a non-finite value (a diverged or damaged run). checkpoint.ts reads and
 * writes the files.
 */
import { fromSpec } from './model.ts';
import type { ModelSpec } from './spec.ts';
import { checkTrainSettings, type TrainSettings, type TrainState } from './train.ts';
import { fail } from '../tensor/index.ts';

/** The format tag of checkpoint files. */
export const CHECKPOINT_FORMAT = 'mbquad-checkpoint-1';

/** A training checkpoint: spec, settings, data source and the state after `state.epoch` epochs. */
export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  spec: ModelSpec;
  settings: TrainSettings;
  data: string;
  state: TrainState;
}

/** Base64 of the little-endian float64 bytes (btoa and atob: in browsers and in Node ≥ 16). */
export function encodeFloat64(a: Float64Array): string {
  const bytes = new Uint8Array(a.length * 8);
  const view = new DataView(bytes.buffer);
  a.forEach((v, i) => view.setFloat64(i * 8, v, true));
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function decodeFloat64(s: string, what: string): Float64Array {
  let binary: string;
  try {
    binary = atob(s);
  } catch {
    return fail('readCheckpoint', `${what}: not base64 data`);
  }
  if (binary.length % 8 !== 0) fail('readCheckpoint', `${what}: ${binary.length} bytes is not a whole number of float64 values`);
  const view = new DataView(Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer);
  return Float64Array.from({ length: binary.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
}

/** The checkpoint as JSON text (what writeCheckpoint writes). */
export function serializeCheckpoint(c: Checkpoint): string {
  return JSON.stringify({
    ...c,
    state: {
      ...c.state,
      params: encodeFloat64(c.state.params),
      optimizer: { ...c.state.optimizer, buffers: c.state.optimizer.buffers.map(encodeFloat64) },
    },
  });
}

/**
 * Parses checkpoint text and checks its whole content before anything uses it: every field
 * present with its type, the settings valid, an integer epoch ≥ 0, θ and the optimizer's buffers
 * of the model's length and finite. Each failure is one line naming the source (a path or URL)
 * and the field.
 */
export function parseCheckpoint(text: string, path: string): Checkpoint {
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail('readCheckpoint', `${path}: not a JSON checkpoint (${(e as Error).message})`);
  }
  const bad = (field: string, expected: string, given: unknown): never =>
    fail('readCheckpoint', `${path}: ${field} must be ${expected}, given ${given === undefined ? 'nothing (missing)' : JSON.stringify(given)?.slice(0, 60)}`);
  const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(raw)) bad('the file', 'a JSON object', raw);
  if (raw.format !== CHECKPOINT_FORMAT) bad('format', `"${CHECKPOINT_FORMAT}"`, raw.format);
  if (!isObject(raw.spec)) bad('spec', 'a model spec object', raw.spec);
  let numParams: number;
  try {
    numParams = fromSpec(raw.spec).numParams;
  } catch (e) {
    return fail('readCheckpoint', `${path}: spec: ${(e as Error).message}`);
  }
  if (typeof raw.data !== 'string') bad('data', 'a data source string', raw.data);
  const settings = raw.settings;
  if (!isObject(settings)) bad('settings', 'an object', settings);
  for (const key of ['learningRate', 'momentum', 'weightDecay', 'batchSize', 'epochs', 'gamma', 'seed']) {
    if (typeof settings[key] !== 'number') bad(`settings.${key}`, 'a number', settings[key]);
  }
  if (settings.optimizer !== 'sgd' && settings.optimizer !== 'adam') bad('settings.optimizer', '"sgd" or "adam"', settings.optimizer);
  if (!Array.isArray(settings.milestones) || settings.milestones.some((m: unknown) => !Number.isInteger(m))) bad('settings.milestones', 'a list of integers', settings.milestones);
  try {
    checkTrainSettings(settings as TrainSettings);
  } catch (e) {
    return fail('readCheckpoint', `${path}: settings: ${(e as Error).message}`);
  }
  const s = raw.state;
  if (!isObject(s)) bad('state', 'an object', s);
  if (!Number.isInteger(s.epoch) || s.epoch < 0) bad('state.epoch', 'an integer ≥ 0', s.epoch);
  if (!Array.isArray(s.history)) bad('state.history', 'a list of epoch metrics', s.history);
  const vector = (v: unknown, field: string): Float64Array => {
    if (typeof v !== 'string') bad(field, 'base64 float64 data', v);
    const x = decodeFloat64(v as string, `${path}: ${field}`);
    if (x.length !== numParams) fail('readCheckpoint', `${path}: ${field} has ${x.length} values, the model has ${numParams} parameters`);
    const i = x.findIndex((e) => !Number.isFinite(e));
    if (i >= 0) fail('readCheckpoint', `${path}: ${field} has a non-finite value ${x[i]} at index ${i}`);
    return x;
  };
  const params = vector(s.params, 'state.params');
  const o = s.optimizer;
  if (!isObject(o)) bad('state.optimizer', 'an object', o);
  if (o.kind !== settings.optimizer) bad('state.optimizer.kind', `"${settings.optimizer}" (settings.optimizer)`, o.kind);
  if (!Number.isInteger(o.step) || o.step < 0) bad('state.optimizer.step', 'an integer ≥ 0', o.step);
  const bufferCount = o.kind === 'sgd' ? 1 : 2;
  if (!Array.isArray(o.buffers) || o.buffers.length !== bufferCount) bad('state.optimizer.buffers', `a list of ${bufferCount} (${o.kind})`, Array.isArray(o.buffers) ? `${o.buffers.length} buffers` : o.buffers);
  return {
    format: CHECKPOINT_FORMAT,
    spec: raw.spec,
    settings: settings as TrainSettings,
    data: raw.data,
    state: {
      epoch: s.epoch,
      params,
      optimizer: { kind: o.kind, step: o.step, buffers: o.buffers.map((b: unknown, i: number) => vector(b, `state.optimizer.buffers[${i}]`)) },
      history: s.history,
    },
  };
}

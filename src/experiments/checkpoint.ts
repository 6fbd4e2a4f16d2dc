/**
 * Training checkpoints: one JSON file holding the model spec, the settings and seed, the data
 * source, the completed epoch, θ, the optimizer state and the metrics so far. Float arrays are
 * stored as base64 of their little-endian float64 bytes, so every bit (−0, NaN payloads)
 * survives the round trip. Files are written to a temporary name and renamed into place: an
 * interrupted run never leaves a broken checkpoint behind.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ModelSpec } from '../nn/spec.ts';
import type { TrainSettings, TrainState } from '../nn/train.ts';
import { fail } from '../tensor/index.ts';

export const CHECKPOINT_FORMAT = 'mbquad-checkpoint-1';

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  spec: ModelSpec;
  settings: TrainSettings;
  data: string;
  state: TrainState;
}

export function encodeFloat64(a: Float64Array): string {
  const bytes = new Uint8Array(a.length * 8);
  const view = new DataView(bytes.buffer);
  a.forEach((v, i) => view.setFloat64(i * 8, v, true));
  return Buffer.from(bytes).toString('base64');
}

export function decodeFloat64(s: string, what: string): Float64Array {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % 8 !== 0) fail('readCheckpoint', `${what}: ${bytes.length} bytes is not a whole number of float64 values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float64Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
}

/** Writes the checkpoint atomically (temporary file, then rename). */
export function writeCheckpoint(path: string, c: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const json = JSON.stringify({
    ...c,
    state: {
      ...c.state,
      params: encodeFloat64(c.state.params),
      optimizer: { ...c.state.optimizer, buffers: c.state.optimizer.buffers.map(encodeFloat64) },
    },
  });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, json);
  renameSync(tmp, path);
}

export function readCheckpoint(path: string): Checkpoint {
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return fail('readCheckpoint', `${path}: not a readable JSON checkpoint (${(e as Error).message})`);
  }
  if (raw.format !== CHECKPOINT_FORMAT) fail('readCheckpoint', `${path}: format is ${JSON.stringify(raw.format)}, expected ${CHECKPOINT_FORMAT}`);
  const s = raw.state;
  return {
    format: CHECKPOINT_FORMAT,
    spec: raw.spec,
    settings: raw.settings,
    data: raw.data,
    state: {
      epoch: s.epoch,
      params: decodeFloat64(s.params, `${path}: params`),
      optimizer: { kind: s.optimizer.kind, step: s.optimizer.step, buffers: s.optimizer.buffers.map((b: string, i: number) => decodeFloat64(b, `${path}: optimizer buffer ${i}`)) },
      history: s.history,
    },
  };
}

/**
 * Trained models kept between runs (Node only): `mbquad reproduce` trains each model it needs
 * once and stores θ at the requested epochs in one JSON file per model, named by its label and a
 * hash of everything that defines the run (spec, data source, settings with their seed, the
 * checkpoint epochs). A rerun with the same settings reads the file instead of training; a file
 * that is damaged or does not match is trained anew (with a notice), never trusted.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fromSpec } from '../nn/model.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { initialTrainState, train, type EpochMetrics, type TrainSettings } from '../nn/train.ts';
import { fail } from '../tensor/index.ts';
import { decodeFloat64, encodeFloat64 } from './checkpoint.ts';
import type { Split } from './datasets.ts';
import { atomicWrite, ensureDirectory, readInputFile } from './files.ts';
import type { ProgressBar } from './progress.ts';
import { canonical } from './run-folder.ts';

const STORE_FORMAT = 'mbquad-trained-1';

/** A model to train: its spec, the data and their source, the settings, and the epochs whose θ to keep. */
export interface ModelRequest {
  label: string;
  spec: ModelSpec;
  source: string;
  data: Split;
  settings: TrainSettings;
  /** Epochs (0 = θ0, up to settings.epochs) whose θ is kept; the last epoch always is. */
  checkpointEpochs?: number[];
}

/** A trained model: θ at each kept epoch (the last is the final θ), its history, and whether it came from the store. */
export interface TrainedModel {
  params: Float64Array;
  checkpoints: { epoch: number; params: Float64Array }[];
  history: EpochMetrics[];
  /** Read from the store (true) or trained in this run. */
  reused: boolean;
  /** Seconds the training took when it ran (also when reused: the stored run's). */
  trainSeconds: number;
  file: string;
}

/** The store file of a request: label and a hash of spec, source, settings and checkpoint epochs. */
export function storeFile(dir: string, r: ModelRequest): string {
  const epochs = checkpointEpochs(r);
  const key = createHash('sha256').update(canonical({ format: STORE_FORMAT, spec: r.spec, source: r.source, settings: r.settings, epochs })).digest('hex').slice(0, 16);
  return join(dir, `${r.label}-${key}.json`);
}

function checkpointEpochs(r: ModelRequest): number[] {
  const set = new Set([...(r.checkpointEpochs ?? []), r.settings.epochs]);
  for (const e of set) if (!Number.isInteger(e) || e < 0 || e > r.settings.epochs) fail('trainOrReuse', `checkpoint epoch ${e} of ${r.label} is outside 0…${r.settings.epochs}`);
  return [...set].sort((a, b) => a - b);
}

/** The stored run, or a reason why it cannot be used. */
function readStored(file: string, r: ModelRequest, numParams: number): TrainedModel | string {
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(readInputFile(file, 'trained model').toString('utf8'));
  } catch (e) {
    return (e as Error).message;
  }
  if (raw?.format !== STORE_FORMAT) return `format ${JSON.stringify(raw?.format)}, expected ${STORE_FORMAT}`;
  if (canonical(raw.spec) !== canonical(r.spec) || raw.source !== r.source || canonical(raw.settings) !== canonical(r.settings)) return 'it was trained with other settings';
  const epochs = checkpointEpochs(r);
  if (!Array.isArray(raw.checkpoints) || canonical(raw.checkpoints.map((c: { epoch: number }) => c.epoch)) !== canonical(epochs)) return 'its checkpoint epochs differ';
  const checkpoints: TrainedModel['checkpoints'] = [];
  for (const c of raw.checkpoints) {
    const params = typeof c.params === 'string' ? decodeFloat64(c.params, file) : new Float64Array(0);
    if (params.length !== numParams || params.some((x) => !Number.isFinite(x))) return `θ of epoch ${c.epoch} is not ${numParams} finite numbers`;
    checkpoints.push({ epoch: c.epoch, params });
  }
  if (!Array.isArray(raw.history) || raw.history.length !== r.settings.epochs) return 'its training history is incomplete';
  return { params: checkpoints[checkpoints.length - 1].params, checkpoints, history: raw.history, reused: true, trainSeconds: Number(raw.trainSeconds), file };
}

/** The trained model of a request: read from `dir` when stored there, else trained now (with progress) and stored. */
export function trainOrReuse(dir: string, r: ModelRequest, bar: ProgressBar): TrainedModel {
  const model = fromSpec(r.spec);
  const file = storeFile(dir, r);
  if (existsSync(file)) {
    const stored = readStored(file, r, model.numParams);
    if (typeof stored !== 'string') return stored;
    console.error(`mbquad: notice: retraining ${r.label}: the stored ${file} cannot be used (${stored})`);
  }
  const epochs = checkpointEpochs(r);
  const s = r.settings;
  const state0 = initialTrainState(model, s);
  const checkpoints = epochs.includes(0) ? [{ epoch: 0, params: state0.params.slice() }] : [];
  const started = performance.now();
  const state = train(model, r.data, s, state0, {
    onBatch: (e, b, n) => bar.update(`${r.label}: epoch ${e + 1}/${s.epochs}`, b + 1, n, ''),
    onEpoch: (st) => {
      if (epochs.includes(st.epoch)) checkpoints.push({ epoch: st.epoch, params: st.params.slice() });
    },
  });
  const trainSeconds = (performance.now() - started) / 1000;
  ensureDirectory(dir, 'model store');
  atomicWrite(file, JSON.stringify({
    format: STORE_FORMAT, spec: r.spec, source: r.source, settings: s, trainSeconds, history: state.history,
    checkpoints: checkpoints.map((c) => ({ epoch: c.epoch, params: encodeFloat64(c.params) })),
  }), 'trained model');
  return { params: state.params, checkpoints, history: state.history, reused: false, trainSeconds, file };
}

/** The model store of `mbquad reproduce`: a model is trained once, reused by the same request, retrained when its file is damaged or its settings differ. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { storeFile, trainOrReuse, type ModelRequest } from '../../src/node/model-store.ts';
import { ProgressBar } from '../../src/node/progress.ts';
import { defaultTrainSettings } from '../../src/nn/train.ts';
import { Random } from '../../src/tensor/index.ts';

const rng = new Random(3);
const n = 40;
const dataset = (name: string) => ({ name, inputShape: [1, 2, 2], numClasses: 3, inputs: Float64Array.from({ length: n * 4 }, () => rng.normal()), targets: Int32Array.from({ length: n }, () => rng.integer(3)) });
const data = { train: dataset('train'), test: dataset('test') };
const request = (epochs: number): ModelRequest => ({
  label: 'tiny', spec: { input: [1, 2, 2], layers: [{ type: 'flatten' }, { type: 'linear', out: 3 }] }, source: 'test',
  data, settings: { ...defaultTrainSettings(), epochs, batchSize: 8 }, checkpointEpochs: [0, 1],
});

describe('trainOrReuse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mbquad-store-'));
  const bar = new ProgressBar();
  it('trains once, keeps θ at the requested epochs, and reuses it bit for bit', () => {
    const first = trainOrReuse(dir, request(3), bar);
    expect(first.reused).toBe(false);
    expect(first.checkpoints.map((c) => c.epoch)).toEqual([0, 1, 3]);
    expect(first.history.length).toBe(3);
    const again = trainOrReuse(dir, request(3), bar);
    expect(again.reused).toBe(true);
    expect(again.checkpoints).toEqual(first.checkpoints);
    expect(again.params).toEqual(first.params);
    expect(again.history).toEqual(first.history);
  });
  it('other settings make another file; a damaged file is trained anew with a notice', () => {
    expect(storeFile(dir, request(2))).not.toBe(storeFile(dir, request(3)));
    const file = storeFile(dir, request(3));
    const trained = trainOrReuse(dir, request(3), bar);
    writeFileSync(file, '{"format": "mbquad-trained-1", "checkpoints": [');
    const notice = vi.spyOn(console, 'error').mockImplementation(() => {});
    const retrained = trainOrReuse(dir, request(3), bar);
    expect(notice.mock.calls[0][0]).toMatch(/retraining tiny: the stored .* cannot be used/);
    notice.mockRestore();
    expect(retrained.reused).toBe(false);
    expect(retrained.params).toEqual(trained.params); // seeded: the same θ
    expect(trainOrReuse(dir, request(3), bar).reused).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

/** Optimizers against their update rules; training is deterministic and resumes bit-identically. */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint, CHECKPOINT_FORMAT } from '../../src/node/checkpoint.ts';
import { loadDigitsSplit } from '../../src/node/datasets.ts';
import { nn } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';

describe('optimizers', () => {
  it('SGD with momentum: b ← μ b + g (b = g first), θ ← θ − lr b', () => {
    const s = nn.initialOptimizerState('sgd', 2);
    const theta = Float64Array.of(1, 2);
    nn.optimizerStep({ kind: 'sgd', momentum: 0.9 }, s, theta, Float64Array.of(1, -1), 0.1);
    expect(Array.from(theta)).toEqual([1 - 0.1, 2 + 0.1]);
    nn.optimizerStep({ kind: 'sgd', momentum: 0.9 }, s, theta, Float64Array.of(2, 0), 0.1);
    expect(Array.from(theta)).toEqual([1 - 0.1 - 0.1 * (0.9 * 1 + 2), 2 + 0.1 - 0.1 * (0.9 * -1 + 0)]);
  });
  it('Adam: bias-corrected moments as in PyTorch', () => {
    const s = nn.initialOptimizerState('adam', 1);
    const theta = Float64Array.of(0.5);
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    let m = 0, v = 0, t = 0.5;
    for (const [step, g] of [[1, 0.3], [2, -0.2], [3, 0.1]]) {
      nn.optimizerStep({ kind: 'adam' }, s, theta, Float64Array.of(g), lr);
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      t -= (lr / (1 - b1 ** step)) * m / (Math.sqrt(v) / Math.sqrt(1 - b2 ** step) + eps);
      expect(theta[0]).toBe(t);
    }
  });
  it('the step schedule multiplies by γ at each milestone', () => {
    expect([0, 1, 2, 3, 4].map((e) => nn.scheduledLearningRate(1, e, [2, 4], 0.1))).toEqual([1, 1, 0.1, 0.1, 0.1 ** 2]);
  });
  it('checkpoint epochs are log-spaced and include 0 and the last epoch', () => {
    expect(nn.logSpacedEpochs(100, 5)).toEqual([0, 1, 3, 10, 32, 100]);
    expect(nn.logSpacedEpochs(1, 8)).toEqual([0, 1]);
  });
});

describe('training', () => {
  const data = loadDigitsSplit();
  const small = { train: nn.subset(data.train, Array.from({ length: 256 }, (_, i) => i)), test: nn.subset(data.test, Array.from({ length: 64 }, (_, i) => i)) };
  const model = nn.fromSpec(nn.convNet([1, 8, 8], 10, 0, 4));
  const settings: nn.TrainSettings = { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3, batchSize: 32, epochs: 3, milestones: [2], gamma: 0.5, seed: 7 };

  it('the same seed gives bit-identical parameters; another seed does not', () => {
    const a = nn.train(model, small, settings, nn.initialTrainState(model, settings));
    const b = nn.train(model, small, settings, nn.initialTrainState(model, settings));
    expect(b.params).toEqual(a.params);
    expect(a.history.map((h) => h.testLoss)).toEqual(b.history.map((h) => h.testLoss));
    const other = { ...settings, seed: 8 };
    expect(nn.train(model, small, other, nn.initialTrainState(model, other)).params).not.toEqual(a.params);
    expect(a.history[2].trainLoss).toBeLessThan(a.history[0].trainLoss);
  });

  it('resuming from a checkpoint file equals the uninterrupted run (SGD and Adam)', () => {
    for (const optimizer of ['sgd', 'adam'] as const) {
      const s = { ...settings, optimizer, learningRate: optimizer === 'adam' ? 0.003 : 0.05 };
      const straight = nn.train(model, small, s, nn.initialTrainState(model, s));
      const dir = mkdtempSync(join(tmpdir(), 'mbquad-ckpt-'));
      const path = join(dir, 'epoch-0001.json');
      const first = nn.train(model, small, { ...s, epochs: 1 }, nn.initialTrainState(model, s));
      writeCheckpoint(path, { format: CHECKPOINT_FORMAT, spec: model.spec, settings: s, data: 'digits', state: first });
      expect(readdirSync(dir)).toEqual(['epoch-0001.json']); // the temporary file was renamed away
      const loaded = readCheckpoint(path);
      const resumed = nn.train(nn.fromSpec(loaded.spec), small, loaded.settings, loaded.state);
      expect(resumed.params).toEqual(straight.params);
      expect(resumed.optimizer.buffers).toEqual(straight.optimizer.buffers);
      expect(resumed.history.map((h) => h.trainLoss)).toEqual(straight.history.map((h) => h.trainLoss));
    }
  });

  it('checkpoints keep every bit of θ (−0, subnormals, extremes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbquad-ckpt-'));
    const params = Float64Array.from({ length: model.numParams }, (_, i) => [-0, 5e-324, 1 / 3, -1e308, 2.5e-310][i % 5]);
    const state = { epoch: 1, params, optimizer: nn.initialOptimizerState(settings.optimizer, model.numParams), history: [] };
    writeCheckpoint(join(dir, 'c.json'), { format: CHECKPOINT_FORMAT, spec: model.spec, settings, data: 'digits', state });
    const back = readCheckpoint(join(dir, 'c.json')).state.params;
    expect(Object.is(back[0], -0)).toBe(true);
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(params.buffer));
    expect(readdirSync(dir)).toEqual(['c.json']); // no temporary file left
  });

  it('refuses bad settings and stops on divergence', () => {
    expect(() => nn.train(model, small, { ...settings, learningRate: -1 }, nn.initialTrainState(model, settings))).toThrow(/train: learning rate must be a positive number, given -1/);
    const wild = { ...settings, learningRate: 1e200, epochs: 1 };
    expect(() => nn.train(model, small, wild, nn.initialTrainState(model, wild))).toThrow(/train: the objective became (NaN|Infinity) in epoch 1, batch \d+ \(diverged/);
  });

  it('initialization comes from Random(seed)', () => {
    expect(nn.initialTrainState(model, settings).params).toEqual(model.init(new Random(7)));
  });
});

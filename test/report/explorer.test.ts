/**
 * The page's studies (src/report/explorer.ts) in Node. eigenPanel is biasStudy with one B1
 * and eigenOnly, so its numbers must be the full study's eigen part bit for bit (that study is
 * recomputed densely in test/curvature/bias.test.ts); λ1 is also checked against eigh of the
 * dense GGN of B1 (partition written here). The page's model: the committed checkpoint, read by
 * explorerModel from text as the worker does, gives the problem the study commands build.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { curvature, linalg, nn, Random } from '../../src/index.ts';
import { eigenPanel, explorerModel, explorerProblem } from '../../src/report/explorer.ts';
import { readCheckpoint } from '../../src/node/checkpoint.ts';
import { DIGITS_PATH, loadDigitsSplit } from '../../src/node/datasets.ts';

const model = nn.fromSpec({ input: [1, 6, 6], layers: [{ type: 'conv2d', out: 3, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 4 }] });
const rng = new Random(11);
const n = 30;
const train: nn.Dataset = { name: 'random', inputShape: [1, 6, 6], numClasses: 4, inputs: Float64Array.from({ length: n * 36 }, () => rng.normal()), targets: Int32Array.from({ length: n }, () => rng.integer(4)) };
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params: model.init(rng) });

describe('eigenPanel', () => {
  const options = { kind: 'ggn' as const, batchSize: 6, batch: 2, k: 3, seed: 5 };
  const panel = eigenPanel(p, train, options);
  const full = curvature.biasStudy(p, train, { ...options, b1Batches: [2], repeats: 0 });

  it('is the bias study\'s eigen part for that B1, bit for bit, without CG or B2\'s eigenvectors', () => {
    const [run] = panel.study.runs, [reference] = full.runs;
    expect(run.eigen.values).toEqual(reference.eigen.values);
    expect(run.eigen.slopes).toEqual(reference.eigen.slopes);
    expect(run.eigen.curvatures).toEqual(reference.eigen.curvatures);
    expect(run.projected).toEqual(reference.projected);
    expect([run.b1Batch, run.b2Batch, panel.study.numBatches]).toEqual([2, 3, 5]);
    expect([run.cg.reason, run.cg.slopes.length, run.eigen.overlaps.length, run.eigen.b2Values.length]).toEqual(['not run', 0, 0, 0]);
    expect(panel.lambda1).toBe(run.eigen.values[0]);
    expect(panel.productMilliseconds).toBeGreaterThan(0);
  });

  it('λ1 is the top eigenvalue of B1\'s dense GGN', () => {
    const indices = nn.partitionBatches(n, 6, new Random(5), 'drop')[2];
    const dense = linalg.eigh(curvature.ggnMatrix(p, nn.batchOf(train, indices)), model.numParams);
    const top = Math.max(...dense.values);
    // Lanczos stops at residual 1e-8·‖B‖; a Ritz value's error is of the residual's square over the gap.
    expect(Math.abs(panel.lambda1 - top) / top).toBeLessThanOrEqual(1e-12);
  });

  it('draws Fig. 1 with B1, B2 and the full data, and Fig. 2\'s two eigenvector panels', () => {
    expect(panel.figure1).toMatch(/q on B2 = batch 3/);
    expect(panel.figure1).toMatch(/q on B1/);
    expect(panel.figure1).not.toMatch(/more batches/);
    expect(panel.figure2.match(/<text[^>]*font-weight="bold"[^>]*>B1 = batch 2: /g)).toHaveLength(2);
  });

  it('refuses k < 2 (Fig. 1 needs two eigenvectors) and a batch outside the partition', () => {
    expect(() => eigenPanel(p, train, { ...options, k: 1 })).toThrow(/eigenPanel: k must be an integer ≥ 2/);
    expect(() => eigenPanel(p, train, { ...options, batch: 5 })).toThrow(/biasStudy: b1Batches must be distinct integers in \[0, 4\]/);
  });
});

describe('explorerModel', () => {
  const text = readFileSync('web/digits-convnet.checkpoint.json', 'utf8');
  const csv = gunzipSync(readFileSync(DIGITS_PATH)).toString('utf8');

  it('reads the committed checkpoint and the digits as the study commands do', () => {
    const m = explorerModel(text, 'web/digits-convnet.checkpoint.json', csv);
    const c = readCheckpoint('web/digits-convnet.checkpoint.json'), split = loadDigitsSplit();
    expect(m.checkpoint.state.params).toEqual(c.state.params);
    expect(m.data.train.inputs).toEqual(split.train.inputs);
    expect(m.data.test.targets).toEqual(split.test.targets);
    const problem = explorerProblem(m);
    expect([problem.loss, problem.weightDecay, problem.backend.name]).toEqual(['cross_entropy', c.settings.weightDecay, 'cpu']);
  });

  it('refuses a checkpoint trained on other data, and a damaged one, naming it', () => {
    expect(() => explorerModel(text.replace('"data":"digits"', '"data":"mnist:/x"'), 'model.json', csv)).toThrow(/explorerModel: model.json: the page runs on the shipped digits; the checkpoint was trained on 'mnist:\/x'/);
    expect(() => explorerModel(text.slice(0, 100), 'model.json', csv)).toThrow(/readCheckpoint: model.json: not a JSON checkpoint/);
  });
});

/**
 * Training and resuming: SGD with momentum and weight decay on the shipped digits, a checkpoint
 * after 3 epochs written to a file, read back and continued to 6 epochs — bit-identical to the
 * uninterrupted 6-epoch run (every epoch's shuffle comes from the seed and the epoch).
 * Run: npx tsx --conditions=source examples/train-and-resume.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// #region train
import { nn } from 'mbquad';
import { loadDigitsSplit, readCheckpoint, writeCheckpoint, CHECKPOINT_FORMAT } from 'mbquad/node';
const data = loadDigitsSplit();
const model = nn.fromSpec(nn.convNet([1, 8, 8], 10, 1, 8)); // the ConvNet family: depth 1, width 8
const settings: nn.TrainSettings = {
  optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4,
  batchSize: 32, epochs: 6, milestones: [4], gamma: 0.1, seed: 0,
};
const first = nn.train(model, data, { ...settings, epochs: 3 }, nn.initialTrainState(model, settings), {
  onEpoch: (_state, m) => console.log(`epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}, test accuracy ${(100 * m.testAccuracy!).toFixed(2)}%`),
});
const path = join(mkdtempSync(join(tmpdir(), 'mbquad-example-')), 'epoch-0003.json');
writeCheckpoint(path, { format: CHECKPOINT_FORMAT, spec: model.spec, settings, data: 'digits', state: first });
// #endregion train

// #region resume
const checkpoint = readCheckpoint(path);            // checked: fields, lengths, finiteness
const resumed = nn.train(nn.fromSpec(checkpoint.spec), data, checkpoint.settings, checkpoint.state);
const straight = nn.train(model, data, settings, nn.initialTrainState(model, settings));
const identical = resumed.params.every((x, i) => Object.is(x, straight.params[i]));
console.log(`resumed from epoch ${checkpoint.state.epoch} to ${resumed.epoch}: bit-identical to the uninterrupted run: ${identical}`);
// #endregion resume
if (!identical) throw new Error('the resumed run differs');

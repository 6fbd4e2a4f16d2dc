/** The 1,210-parameter digits MLP (64→16→10) of the Lanczos benchmark, trained, with its full-data GGN. */
import { loadDigitsSplit } from '../src/node/datasets.ts';
import { curvature, nn } from '../src/index.ts';

export function mlpGgnProblem(): { problem: curvature.Problem; batch: curvature.Batch } {
  const data = loadDigitsSplit();
  const model = nn.fromSpec(nn.mlp([1, 8, 8], [16], 10));
  const settings: nn.TrainSettings = nn.defaultTrainSettings();
  const trained = nn.train(model, data, settings, nn.initialTrainState(model, settings));
  return {
    problem: curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0, params: trained.params }),
    batch: { inputs: data.train.inputs, targets: data.train.targets },
  };
}

/**
 * The bias study on a model of your own: an MLP from a JSON spec, trained on the shipped digits,
 * then `curvature.biasStudy` — top eigenvectors and CG directions of three batches' GGNs, their
 * slopes and curvatures on every batch and on the full data — and its signed summaries.
 * Run: npx tsx --conditions=source examples/bias-custom-model.ts
 */
// #region study
import { curvature, nn } from 'mbquad';
import { loadDigitsSplit } from 'mbquad/node';
const data = loadDigitsSplit();
const model = nn.fromSpec({ input: [1, 8, 8], layers: [
  { type: 'flatten' }, { type: 'linear', out: 32 }, { type: 'tanh' }, { type: 'linear', out: 10 },
] });
const settings: nn.TrainSettings = { ...nn.paperStyleTrainSettings(), epochs: 20, milestones: [10, 15] };
const { params } = nn.train(model, data, settings, nn.initialTrainState(model, settings));
const problem = curvature.problem({ model, loss: 'cross_entropy', weightDecay: settings.weightDecay, params });
const study = curvature.biasStudy(problem, data.train, { kind: 'ggn', batchSize: 64, k: 4, repeats: 8 });
// study.runs[r]: everything measured along B1 = batch r's directions; study.summary: pooled over the B1s
const { eigenCurvature, cgSlope, topCurvatureRatio } = study.summary;
console.log(`${study.b1Rule}; ${study.numBatches} batches of ${study.batchSize}`);
console.log(`λ1(B1)/c_full(u1): median ${topCurvatureRatio!.median.toFixed(2)} over ${topCurvatureRatio!.count} batches`);
console.log(`curvature error on B1, top-4 eigenvectors: median ${eigenCurvature.b1.median.toFixed(2)} `
  + `(${eigenCurvature.b1.over} over, ${eigenCurvature.b1.under} under); on the other batches ${eigenCurvature.others.median.toFixed(2)}`);
console.log(`CG slope on B1 below the full data's at ${cgSlope.b1.under} of ${cgSlope.b1.count} iterates`);
// #endregion study
if (curvature.ritzConsistency(study) > 1e-6) throw new Error('B1 curvatures differ from the Ritz values');

/** src/nn: models from JSON specs, losses, presets, data sets, optimizers and training. */
export { fromSpec, Model, type ParameterInfo, type ForwardOptions } from './model.ts';
export { checkSpec, LAYER_TYPES, type LayerSpec, type ModelSpec, type LayerType } from './spec.ts';
export { crossEntropy, meanSquaredError, dataLoss, weightRegularizer, LOSS_KINDS, type LossKind, type Targets } from './losses.ts';
export { mlp, convNet, allCnnC } from './presets.ts';
export * from './data/dataset.ts';
export { parseDigitsCsv, digitsSplit } from './data/digits.ts';
export { parseIdx, idxDataset, type IdxArray } from './data/idx.ts';
export { parseCifar, type CifarVariant } from './data/cifar.ts';
export * from './optimizers.ts';
export * from './train.ts';
export { parseParameters } from './weights.ts';
export { parseNpy, toNpy, isNpy, type NpyArray } from './npy.ts';
export * as metrics from './metrics.ts';
export { corrupt, corruptDataset, CORRUPTIONS, type Corruption } from './data/corruptions.ts';

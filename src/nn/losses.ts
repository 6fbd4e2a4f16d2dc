/** Losses (mean over the batch, as PyTorch) and the weight regularizer of Eq. 1. */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { fail, fmt, sizeOf } from '../tensor/index.ts';

/** The losses: 'cross_entropy' (softmax cross-entropy, mean over the batch) and 'mse' (mean over all N·C elements). */
export type LossKind = 'cross_entropy' | 'mse';
/** The loss kinds, for validation and help texts. */
export const LOSS_KINDS: readonly LossKind[] = ['cross_entropy', 'mse'];

/** Targets: class ids for cross-entropy, N × outputs values for MSE. */
export type Targets = Int32Array | Float64Array;

/**
 * Softmax cross-entropy, mean over the batch (torch.nn.functional.cross_entropy):
 * (1/N) Σ_n [logsumexp(z_n) − z_{n, y_n}]  (Eq. 13), stable by construction of logsumexp.
 */
export function crossEntropy(logits: Value, targets: Int32Array): Value {
  if (logits.rank !== 2) fail('crossEntropy', `logits must be [N, C], given ${fmt(logits.shape)}`);
  const [n, c] = logits.shape;
  if (!(targets instanceof Int32Array)) fail('crossEntropy', 'targets must be an Int32Array of class ids');
  if (targets.length !== n) fail('crossEntropy', `expected ${n} targets (one per example), given ${targets.length}`);
  const picked = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = targets[i];
    if (!Number.isInteger(y) || y < 0 || y >= c) fail('crossEntropy', `target ${i} is ${y}, outside the classes 0..${c - 1}`);
    picked[i] = i * c + y;
  }
  return ad.mean(ad.sub(ad.logsumexp(logits, 1), ad.gather(logits, picked, [n])));
}

/** Mean squared error over all N·C elements (torch.nn.MSELoss()). */
export function meanSquaredError(outputs: Value, targets: Float64Array): Value {
  if (!(targets instanceof Float64Array)) fail('meanSquaredError', 'targets must be a Float64Array of N × output values');
  if (targets.length !== sizeOf(outputs.shape)) {
    fail('meanSquaredError', `expected ${sizeOf(outputs.shape)} target values for outputs ${fmt(outputs.shape)}, given ${targets.length}`);
  }
  return ad.mean(ad.square(ad.sub(outputs, outputs.backend.fromFloat64(targets, outputs.shape))));
}

/** The loss of the given kind, mean over the batch. */
export function dataLoss(kind: LossKind, outputs: Value, targets: Targets): Value {
  if (kind === 'cross_entropy') return crossEntropy(outputs, targets as Int32Array);
  if (kind === 'mse') return meanSquaredError(outputs, targets as Float64Array);
  return fail('dataLoss', `unknown loss ${JSON.stringify(kind)}; known: ${LOSS_KINDS.join(', ')}`);
}

/** r(θ) = (λ/2) Σ_weights θ² over the weight tensors only (biases are not regularized, Eq. 1). */
export function weightRegularizer(weights: readonly Value[], weightDecay: number): Value {
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) fail('weightRegularizer', `weight decay must be finite and ≥ 0, given ${weightDecay}`);
  // Starts from the number 0, which joins the weights' backend (a scalar constant).
  const total = weights.reduce<Value | number>((acc, w) => ad.add(acc, ad.sum(ad.square(w))), 0);
  return ad.mul(total, weightDecay / 2);
}

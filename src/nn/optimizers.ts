/**
 * Optimizers on flat parameter vectors, with PyTorch's update rules, and a step schedule.
 * Weight decay is not an optimizer option here: it is the regularizer r(θ) = (λ/2)‖θ_w‖² of
 * the objective (Eq. 1), so its gradient λθ_w (weights only) is already in the gradient —
 * the same as PyTorch's coupled `weight_decay` on a parameter group holding the weights.
 */
import { fail } from '../tensor/index.ts';

/** The optimizers: 'sgd' (with momentum) and 'adam', with PyTorch's update rules. */
export type OptimizerKind = 'sgd' | 'adam';

/** Everything an optimizer needs to continue exactly where it stopped (for checkpoints). */
export interface OptimizerState {
  kind: OptimizerKind;
  /** Number of steps taken. */
  step: number;
  /** SGD: [momentum buffer]; Adam: [first moment m, second moment v]. */
  buffers: Float64Array[];
}

/** An optimizer's hyperparameters other than the learning rate. */
export interface OptimizerSettings {
  kind: OptimizerKind;
  /** SGD momentum μ (0: plain SGD). */
  momentum?: number;
  /** Adam (β1, β2) and ε. */
  betas?: [number, number];
  eps?: number;
}

/** The optimizer state before the first step: zero buffers (SGD: momentum; Adam: both moments). */
export function initialOptimizerState(kind: OptimizerKind, size: number): OptimizerState {
  if (kind !== 'sgd' && kind !== 'adam') fail('optimizer', `unknown optimizer ${JSON.stringify(kind)}; known: sgd, adam`);
  return { kind, step: 0, buffers: kind === 'sgd' ? [new Float64Array(size)] : [new Float64Array(size), new Float64Array(size)] };
}

/** One update of θ in place with gradient g and learning rate lr; advances the state. */
export function optimizerStep(settings: OptimizerSettings, state: OptimizerState, theta: Float64Array, g: Float64Array, lr: number): void {
  if (state.kind !== settings.kind) fail('optimizer', `state is for ${state.kind}, settings for ${settings.kind}`);
  state.step++;
  if (settings.kind === 'sgd') {
    // PyTorch SGD (dampening 0): b ← μ b + g (b = g on the first step), θ ← θ − lr b.
    const mu = settings.momentum ?? 0;
    const b = state.buffers[0];
    for (let i = 0; i < theta.length; i++) {
      b[i] = mu === 0 || state.step === 1 ? g[i] : mu * b[i] + g[i];
      theta[i] -= lr * b[i];
    }
    return;
  }
  // PyTorch Adam: m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g²,
  // θ ← θ − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε).
  const [beta1, beta2] = settings.betas ?? [0.9, 0.999];
  const eps = settings.eps ?? 1e-8;
  const [m, v] = state.buffers;
  const correction1 = 1 - beta1 ** state.step;
  const sqrtCorrection2 = Math.sqrt(1 - beta2 ** state.step);
  const stepSize = lr / correction1;
  for (let i = 0; i < theta.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    theta[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtCorrection2 + eps);
  }
}

/** Step schedule (PyTorch MultiStepLR, stepped once per epoch): lr · γ^{#milestones ≤ epoch}, epochs counted from 0. */
export function scheduledLearningRate(baseLr: number, epoch: number, milestones: readonly number[], gamma: number): number {
  return baseLr * gamma ** milestones.filter((m) => m <= epoch).length;
}

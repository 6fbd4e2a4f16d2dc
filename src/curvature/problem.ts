/**
 * A problem is (model, loss, weight decay λ on weights only, θ) (docs/DESIGN.md). Its objective on a
 * batch B is Eq. 1 with batch means: L_B(θ) = (1/|B|) Σ_{n∈B} ℓ(f(θ, x_n), y_n) + (λ/2)‖θ_w‖².
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { dataLoss, LOSS_KINDS, type LossKind, weightRegularizer } from '../nn/losses.ts';
import type { Batch } from '../nn/data/dataset.ts';
import type { Model } from '../nn/model.ts';
import { cpuBackend, fail, fmt, sizeOf, type Backend, type Tensor } from '../tensor/index.ts';

/** A model, a loss, a weight decay on the weights, and θ: what the curvature functions evaluate (with the backend they run on). */
export interface Problem {
  readonly model: Model;
  readonly loss: LossKind;
  readonly weightDecay: number;
  readonly params: Float64Array;
  /** D: 1 on weight entries, 0 on biases. */
  readonly weightMask: Float64Array;
  /**
   * Where the network is evaluated: the float64 CPU backend (default, the reference) or e.g.
   * `gpuBackend()` (float32). Parameter vectors and results stay Float64Array either way.
   */
  readonly backend: Backend;
}

/** A batch: inputs N × input shape (row-major); targets class ids (cross-entropy) or N × outputs (MSE). */
export type { Batch };

/** A Problem from a model, a loss, a weight decay λ ≥ 0 (weights only, Eq. 1) and θ; checks them. */
export function problem(spec: { model: Model; loss: LossKind; weightDecay?: number; params: Float64Array; backend?: Backend }): Problem {
  const { model, loss } = spec;
  const weightDecay = spec.weightDecay ?? 0;
  if (!LOSS_KINDS.includes(loss)) fail('curvature.problem', `unknown loss ${JSON.stringify(loss)}; known: ${LOSS_KINDS.join(', ')}`);
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) fail('curvature.problem', `weightDecay must be finite and ≥ 0, given ${weightDecay}`);
  if (!(spec.params instanceof Float64Array)) fail('curvature.problem', 'params must be a Float64Array');
  model.checkParams(spec.params, 'curvature.problem');
  for (let i = 0; i < spec.params.length; i++) if (!Number.isFinite(spec.params[i])) fail('curvature.problem', `params[${i}] is ${spec.params[i]}`);
  const backend = spec.backend ?? cpuBackend;
  if (typeof backend?.fromFloat64 !== 'function') fail('curvature.problem', 'backend must be a tensor Backend (cpuBackend or gpuBackend())');
  return { model, loss, weightDecay, params: spec.params, weightMask: model.weightMask(), backend };
}

/** Number of examples in a batch, after checking its sizes and values. */
export function batchSize(p: Problem, batch: Batch, op: string): number {
  const per = sizeOf(p.model.inputShape);
  if (!(batch.inputs instanceof Float64Array)) fail(op, 'batch.inputs must be a Float64Array');
  if (batch.inputs.length === 0 || batch.inputs.length % per !== 0) {
    fail(op, `batch.inputs length ${batch.inputs.length} is not a positive multiple of the example size ${per} (input ${fmt(p.model.inputShape)})`);
  }
  const n = batch.inputs.length / per;
  const outputs = sizeOf(p.model.outputShape);
  if (p.loss === 'cross_entropy') {
    if (!(batch.targets instanceof Int32Array)) fail(op, 'cross-entropy targets must be an Int32Array of class ids');
    if (batch.targets.length !== n) fail(op, `expected ${n} targets for ${n} examples, given ${batch.targets.length}`);
  } else {
    if (!(batch.targets instanceof Float64Array)) fail(op, 'MSE targets must be a Float64Array of N × outputs values');
    if (batch.targets.length !== n * outputs) fail(op, `expected ${n}·${outputs} = ${n * outputs} MSE targets, given ${batch.targets.length}`);
  }
  for (let i = 0; i < batch.inputs.length; i++) if (!Number.isFinite(batch.inputs[i])) fail(op, `batch.inputs[${i}] is ${batch.inputs[i]}`);
  for (let i = 0; i < batch.targets.length; i++) if (!Number.isFinite(batch.targets[i])) fail(op, `batch.targets[${i}] is ${batch.targets[i]}`);
  return n;
}

export function inputTensor(p: Problem, batch: Batch, n: number): Tensor {
  return p.backend.fromFloat64(batch.inputs, [n, ...p.model.inputShape]);
}

/** θ ↦ L_B(θ) on per-parameter tensors (Eq. 1 on the batch). */
export function objective(p: Problem, batch: Batch, n: number): (params: readonly Value[]) => Value {
  const inputs = inputTensor(p, batch, n);
  const weights = p.model.parameters.flatMap((info, i) => (info.kind === 'weight' ? [i] : []));
  return (params) => {
    const data = dataLoss(p.loss, p.model.forward(params, inputs), batch.targets);
    return p.weightDecay > 0 ? ad.add(data, weightRegularizer(weights.map((i) => params[i]), p.weightDecay)) : data;
  };
}

/** A flat P-vector, checked. */
export function checkParamVector(p: Problem, v: Float64Array, what: string, op: string): void {
  if (!(v instanceof Float64Array)) fail(op, `${what} must be a Float64Array`);
  if (v.length !== p.model.numParams) fail(op, `${what} must have length numParams = ${p.model.numParams}, given ${v.length}`);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) fail(op, `${what}[${i}] is ${v[i]}`);
}

/**
 * Consecutive chunks of at most `chunkSize` examples with weights |chunk|/N: a batch mean is
 * Σ_chunks (|chunk|/N) · (chunk mean), so a whole data set is evaluated in bounded memory.
 */
export function chunks(p: Problem, batch: Batch, chunkSize: number, op: string): { batch: Batch; n: number; weight: number }[] {
  const n = batchSize(p, batch, op);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) fail(op, `chunkSize must be a positive integer, given ${chunkSize}`);
  const per = batch.inputs.length / n;
  const perTarget = batch.targets.length / n;
  const out: { batch: Batch; n: number; weight: number }[] = [];
  for (let start = 0; start < n; start += chunkSize) {
    const end = Math.min(n, start + chunkSize);
    out.push({
      batch: { inputs: batch.inputs.subarray(start * per, end * per), targets: batch.targets.subarray(start * perTarget, end * perTarget) },
      n: end - start,
      weight: (end - start) / n,
    });
  }
  return out;
}

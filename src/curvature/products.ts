/**
 * Loss, gradient and the exact curvature-vector products of a problem on a batch (a batch may
 * be a whole data set: it is evaluated in chunks, weighted by their sizes, so the result is the
 * full-batch quantity).
 *  - Hessian: H v = ∇²L_B(θ) v, forward-over-reverse (the JVP of the gradient), exact.
 *  - GGN: G v = (1/|B|) Σ_n J_nᵀ Λ_n J_n v + λ D v (MATH.md §1): a JVP of the network output
 *    ż = J v, the loss Hessian with respect to the outputs in closed form, then a VJP.
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import * as T from '../tensor/index.ts';
import { withScratchMemory, type Tensor } from '../tensor/index.ts';
import { withoutScratchMemory } from '../tensor/memory.ts';
import { batchSize, chunks, checkParamVector, inputTensor, objective, type Batch, type Problem } from './problem.ts';
import type { LinearOperator } from '../linalg/operator.ts';

/** Evaluate a large batch in chunks of `chunkSize` examples (default 256); the result equals the one-shot value. */
export interface ChunkOptions {
  /** Examples per chunk (default 256): bounds memory; does not change the result beyond rounding. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 256;

/**
 * Σ_chunks weight · f(chunk), for per-example-mean quantities. Each chunk runs in scratch
 * memory (src/tensor/memory.ts): every f returns a fresh copy (Model.join, Float64Array.of),
 * so the recycled intermediates never escape.
 */
function accumulate(p: Problem, batch: Batch, options: ChunkOptions, op: string, f: (chunk: Batch, n: number) => Float64Array): Float64Array {
  let total: Float64Array | null = null;
  for (const c of chunks(p, batch, options.chunkSize ?? DEFAULT_CHUNK, op)) {
    const part = withScratchMemory(() => f(c.batch, c.n));
    if (total === null) total = part.map((x) => c.weight * x);
    else for (let i = 0; i < total.length; i++) total[i] += c.weight * part[i];
  }
  return total!;
}

/** L_B(θ): mean loss over the batch + (λ/2)‖θ_w‖² (Eq. 1). */
export function loss(p: Problem, batch: Batch, options: ChunkOptions = {}): number {
  return accumulate(p, batch, options, 'curvature.loss', (chunk, n) =>
    Float64Array.of(ad.concrete(objective(p, chunk, n)(p.model.split(p.params, p.backend))).item()))[0];
}

/** g_B = ∇L_B(θ) (flat, PyTorch order). */
export function gradient(p: Problem, batch: Batch, options: ChunkOptions = {}): Float64Array {
  return accumulate(p, batch, options, 'curvature.gradient', (chunk, n) => p.model.join(ad.grad(objective(p, chunk, n))(p.model.split(p.params, p.backend))));
}

/** H_B v, exact (forward-over-reverse). */
export function hessianVectorProduct(p: Problem, batch: Batch, v: Float64Array, options: ChunkOptions = {}): Float64Array {
  checkParamVector(p, v, 'v', 'curvature.hessianVectorProduct');
  return accumulate(p, batch, options, 'curvature.hessianVectorProduct', (chunk, n) =>
    p.model.join(ad.hvp(objective(p, chunk, n), p.model.split(p.params, p.backend), p.model.split(v, p.backend))));
}

/**
 * Λ ż for the batch-mean loss, per example, in closed form, with tensor ops on the problem's
 * backend (no read-back on a device):
 *  - softmax cross-entropy: Λ_n = (diag(p_n) − p_n p_nᵀ)/N, so Λ_n ż_n = p ⊙ (ż − pᵀż) / N;
 *  - MSE over all N·C elements: Λ = (2/(N·C)) I.
 */
function lossHessianTimes(p: Problem, outputs: Tensor, tangent: Tensor, n: number): Tensor {
  if (p.loss === 'mse') return T.mul(tangent, 2 / outputs.size);
  const probabilities = T.softmax(outputs, 1); // p_n = softmax(z_n)
  const centred = T.sub(tangent, T.sum(T.mul(probabilities, tangent), 1, true)); // ż − pᵀż
  return T.div(T.mul(probabilities, centred), n);
}

/** The network on one chunk, linearized at θ: its outputs z and v ↦ J_z v, u ↦ J_zᵀ u, replaying one recorded forward pass. */
interface LinearizedNetwork {
  outputs: Tensor;
  pushforward: (tangent: Tensor[]) => Value;
  pullback: (cotangent: Value) => Tensor[];
  n: number;
}

function linearizeNetwork(p: Problem, chunk: Batch, n: number): LinearizedNetwork {
  const inputs = inputTensor(p, chunk, n);
  const network = (params: readonly Value[]) => p.model.forward(params, inputs);
  const [outputs, pushforward, pullback] = ad.linearize(network, p.model.split(p.params, p.backend));
  return { outputs: ad.concrete(outputs), pushforward, pullback, n };
}

/** J_zᵀ Λ J_z v on one chunk (the data part of Eq. 2's GGN), a fresh array. */
function ggnDataPart(p: Problem, network: LinearizedNetwork, v: Float64Array): Float64Array {
  const outputTangent = network.pushforward(p.model.split(v, p.backend)); // ż = J v
  const u = lossHessianTimes(p, network.outputs, ad.concrete(outputTangent), network.n); // Λ ż
  return p.model.join(network.pullback(u)); // Jᵀ Λ J v
}

/** dataPart + λ D v in place (D: 1 on weights, 0 on biases). */
function addWeightDecay(p: Problem, dataPart: Float64Array, v: Float64Array): Float64Array {
  for (let i = 0; i < dataPart.length; i++) dataPart[i] += p.weightDecay * p.weightMask[i] * v[i]; // + λ D v
  return dataPart;
}

/** G_B v = J_zᵀ Λ J_z v + λ D v (the GGN of Eq. 2 on the batch). */
export function ggnVectorProduct(p: Problem, batch: Batch, v: Float64Array, options: ChunkOptions = {}): Float64Array {
  checkParamVector(p, v, 'v', 'curvature.ggnVectorProduct');
  const dataPart = accumulate(p, batch, options, 'curvature.ggnVectorProduct', (chunk, n) => ggnDataPart(p, linearizeNetwork(p, chunk, n), v));
  return addWeightDecay(p, dataPart, v);
}

/**
 * vᵀ G_B v = Σ_chunks (|chunk|/N) ż_chunkᵀ Λ ż_chunk + λ vᵀ D v with ż = J v: the GGN's quadratic
 * form from one JVP per chunk and no VJP, half a GGN-vector product (for directional curvatures,
 * MATH.md §2). `network` replays a recorded forward pass for a one-chunk batch; else each chunk's
 * JVP evaluates the network with its tangent (forward mode).
 */
function ggnQuadraticForm(p: Problem, batch: Batch, v: Float64Array, options: ChunkOptions, network: LinearizedNetwork | null): number {
  checkParamVector(p, v, 'v', 'curvature.ggnQuadraticForm');
  const tangents = p.model.split(v, p.backend);
  const quadratic = (outputs: Tensor, outputTangent: Tensor, n: number): Float64Array =>
    Float64Array.of(T.sum(T.mul(outputTangent, lossHessianTimes(p, outputs, outputTangent, n))).item()); // żᵀ Λ ż
  const dataPart = network
    ? withScratchMemory(() => quadratic(network.outputs, ad.concrete(network.pushforward(tangents)), network.n)).map((x) => 1 * x)
    : accumulate(p, batch, options, 'curvature.ggnQuadraticForm', (chunk, n) => {
      const inputs = inputTensor(p, chunk, n);
      const [outputs, outputTangent] = ad.jvp((params: readonly Value[]) => p.model.forward(params, inputs), p.model.split(p.params, p.backend), tangents);
      return quadratic(ad.concrete(outputs), ad.concrete(outputTangent), n);
    });
  let decay = 0;
  for (let i = 0; i < v.length; i++) decay += p.weightMask[i] * v[i] * v[i];
  return dataPart[0] + p.weightDecay * decay; // + λ vᵀ D v
}

/** One operator's recorded forward pass, kept while it holds the slot below. */
interface GgnState {
  network: LinearizedNetwork | null;
}
/** The operator whose forward pass is kept (at most one, so memory stays one chunk's activations), and the last one applied. */
let slotHolder: WeakRef<GgnState> | null = null;
let lastApplied: WeakRef<GgnState> | null = null;

/**
 * v ↦ G_B v for a fixed batch, equal bit for bit to ggnVectorProduct, for the many products of
 * Lanczos or CG on one operator. The forward pass depends on θ and the batch, not on v, so an
 * operator applied twice in a row records it once (outside scratch memory) and then only replays
 * it: J v and Jᵀ(Λ J v) per product, no forward evaluation. One operator at a time holds such a
 * record (the next one to be applied twice in a row takes it over), so a study that cycles through
 * many batches keeps one batch's activations at most, and computes each product as
 * ggnVectorProduct does. A batch of several chunks is never recorded.
 */
export function ggnProducts(p: Problem, batch: Batch, options: ChunkOptions = {}): Pick<LinearOperator, 'apply' | 'quadraticForm'> {
  const n = batchSize(p, batch, 'curvature.ggnOperator');
  const oneChunk = n <= (options.chunkSize ?? DEFAULT_CHUNK);
  const state: GgnState = { network: null };
  const quadraticForm = (v: Float64Array): number => ggnQuadraticForm(p, batch, v, options, oneChunk ? state.network : null);
  const apply = (v: Float64Array): Float64Array => {
    checkParamVector(p, v, 'v', 'curvature.ggnVectorProduct');
    if (!oneChunk) return ggnVectorProduct(p, batch, v, options);
    if (state.network === null && lastApplied?.deref() === state) {
      const previous = slotHolder?.deref();
      if (previous) previous.network = null;
      state.network = withoutScratchMemory(() => linearizeNetwork(p, batch, n));
      slotHolder = new WeakRef(state);
    }
    lastApplied = new WeakRef(state);
    if (state.network === null) return ggnVectorProduct(p, batch, v, options);
    const network = state.network;
    // As accumulate does for one chunk (weight 1): the product in scratch memory, copied out.
    return addWeightDecay(p, withScratchMemory(() => ggnDataPart(p, network, v)).map((x) => 1 * x), v);
  };
  return { apply, quadraticForm };
}

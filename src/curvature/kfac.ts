/**
 * K-FAC of the data term (MATH.md §5): for the weight W [out, in] of every linear and conv2d layer
 * (biases are left out), the block G ⊗ A with
 *   A = (1/N) Σ_n a_n a_nᵀ                        (linear: a_n the layer's input),
 *   A = (1/(N·T)) Σ_{n,t} a_{n,t} a_{n,t}ᵀ         (conv, K-FAC-expand: the T im2col patches of
 *                                                 image n, PyTorch's unfold order (c, kh, kw)),
 *   G = (1/N) Σ_n Σ_c g_{n,c} g_{n,c}ᵀ             (linear),  G = (1/N) Σ_{n,c,t} g_{n,c,t} g_{n,c,t}ᵀ (conv),
 * where g is the gradient of a per-example loss with respect to the layer's output s = W a + b,
 * and the Kronecker order matches W's row-major vec (vec(∇W) = g ⊗ a). The types of g:
 *  - 'exact' (type-2): back-propagate each column c of S_n, S_n S_nᵀ = Λ_n, so that Σ_c g gᵀ is
 *    the GGN's (softmax CE: S = diag(√p) − p √pᵀ, column c = √p_c (e_c − p); MSE over all
 *    elements: Λ_n = (2/C) I, S = √(2/C) I): C backward passes;
 *  - 'mc': one target sampled from the model's predictive per example (CE: y ~ Cat(p); MSE:
 *    y = f + √(C/2) ε), whose loss gradient g has E[g gᵀ] = the exact G: one backward pass;
 *  - 'empirical': the true target (the empirical Fisher's factor, biased for the GGN's).
 * The gradients with respect to every layer output come from one vjp per cotangent: the forward
 * pass adds a zero probe to each output (Model.forward's onLayer) and the probes' cotangents are
 * ∂ℓ/∂s. A batch may be a whole data set: sums accumulate over chunks, so the factors equal the
 * one-shot ones up to rounding, and (being averages) the factors of the full data are the
 * averages of the factors of disjoint equal-size batches — but the K-FAC matrix G ⊗ A is not
 * (a product of averages is not an average of products: Eq. 5 fails for K-FAC).
 * Everything is float64 on the CPU.
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { eigh } from '../linalg/eigh.ts';
import { kronMatVec, matmulDense, transposeDense } from '../linalg/kron.ts';
import type { LinearOperator } from '../linalg/operator.ts';
import { checkVector } from '../linalg/vector.ts';
import type { LayerSpec } from '../nn/spec.ts';
import * as T from '../tensor/index.ts';
import { cpuBackend, fail, Random, withScratchMemory, type Tensor } from '../tensor/index.ts';
import { addLowerGram, symmetrizeScaled } from '../linalg/gram.ts';
import { chunks, type Batch, type Problem } from './problem.ts';
import type { ChunkOptions } from './products.ts';

/** The K-FAC block of one weight: G ⊗ A. */
export interface KfacBlock {
  /** PyTorch name of the weight, e.g. '0.weight'. */
  param: string;
  /** Start of that weight in the flat parameter vector. */
  offset: number;
  /** in (linear) or in·kh·kw (conv). */
  aSize: number;
  /** out. */
  gSize: number;
  /** aSize×aSize row-major: the input factor A. */
  a: Float64Array;
  /** gSize×gSize row-major: the output-gradient factor G. */
  g: Float64Array;
  /**
   * The factors' eigendecompositions where they are known (debiasKfac: B1's eigenbases with the
   * re-measured eigenvalues, so that a = U_A diag(values) U_Aᵀ); laplace and kfacEigen then use
   * them instead of eigendecomposing a and g again. Values in the vectors' order, not sorted.
   */
  eigen?: { a: FactorEigen; g: FactorEigen };
}

/** Eigenpairs of a Kronecker factor: column i of the row-major `vectors` belongs to values[i]. */
export interface FactorEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/** K-FAC of a problem's data term: one block per weight of every linear and conv2d layer, in parameter order. */
export interface Kfac {
  blocks: KfacBlock[];
  /** P, the model's parameter count (set by kfac; eigenvectors are P-vectors). */
  numParams?: number;
}

/** The type of the output gradients g: exact (type-2), Monte Carlo, or empirical. */
export type KfacType = 'exact' | 'mc' | 'empirical';

/** Options of kfac. */
export interface KfacOptions extends ChunkOptions {
  /** Default 'exact'. */
  type?: KfacType;
  /** Seed of the MC targets (default 0; only 'mc' draws). */
  seed?: number;
  /** Only these weights' blocks (PyTorch names, e.g. ['0.weight']); default every linear and conv2d weight. */
  blocks?: readonly string[];
}

const OP = 'kfac';

/** The weights K-FAC covers: every linear and conv2d layer's. */
function weightLayers(p: Problem, op: string) {
  const layers = p.model.parameters.flatMap((info) => {
    const layer = p.model.spec.layers[info.layer] as LayerSpec;
    return info.kind === 'weight' && (layer.type === 'linear' || layer.type === 'conv2d') ? [{ info, layer }] : [];
  });
  if (layers.length === 0) fail(op, 'the model has no linear or conv2d layer, so K-FAC has no block');
  return layers;
}

/** The cotangents at the outputs [n, C] whose backward passes give g (see the header). */
function outputCotangents(p: Problem, type: KfacType, outputs: Tensor, targets: Batch['targets'], rng: Random): Float64Array[] {
  const [n, C] = outputs.shape;
  const z = outputs.data;
  if (p.loss === 'cross_entropy') {
    const probs = T.softmax(outputs, 1).data;
    const labels = targets as Int32Array;
    if (type === 'exact') {
      // Column c of S_n: √p_c (e_c − p).
      return Array.from({ length: C }, (_, c) => {
        const u = new Float64Array(n * C);
        for (let i = 0; i < n; i++) {
          const root = Math.sqrt(probs[i * C + c]);
          for (let j = 0; j < C; j++) u[i * C + j] = root * ((j === c ? 1 : 0) - probs[i * C + j]);
        }
        return u;
      });
    }
    // ∇_z ℓ(z, y) = p − e_y, with y sampled (mc) or the true label (empirical).
    const u = Float64Array.from(probs);
    for (let i = 0; i < n; i++) {
      const y = type === 'mc' ? rng.categorical(probs.subarray(i * C, (i + 1) * C)) : labels[i];
      u[i * C + y] -= 1;
    }
    return [u];
  }
  // MSE over all elements, per example ℓ_n = (1/C)‖f − y‖²: Λ_n = (2/C) I.
  if (type === 'exact') {
    return Array.from({ length: C }, (_, c) => {
      const u = new Float64Array(n * C);
      for (let i = 0; i < n; i++) u[i * C + c] = Math.sqrt(2 / C);
      return u;
    });
  }
  const y = targets as Float64Array;
  // ∇ℓ_n = (2/C)(f − y); mc: y = f + √(C/2) ε gives −√(2/C) ε.
  return [Float64Array.from({ length: n * C }, (_, k) => (type === 'mc' ? -Math.sqrt(2 / C) * rng.normal() : (2 / C) * (z[k] - y[k])))];
}

/** K-FAC of the data term of `p` on `batch` (MATH.md §5); see the file header for the conventions. */
export function kfac(p: Problem, batch: Batch, options: KfacOptions = {}): Kfac {
  const type = options.type ?? 'exact';
  if (type !== 'exact' && type !== 'mc' && type !== 'empirical') fail(OP, `type must be 'exact', 'mc' or 'empirical', given ${JSON.stringify(type)}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) fail(OP, `seed must be an integer ≥ 0, given ${seed}`);
  const all = weightLayers(p, OP);
  if (options.blocks !== undefined) {
    const known = all.map(({ info }) => info.name);
    if (!Array.isArray(options.blocks) || options.blocks.length === 0) fail(OP, `blocks must be a non-empty list of weight names (${known.join(', ')})`);
    for (const name of options.blocks) if (!known.includes(name)) fail(OP, `blocks: '${name}' is not a linear or conv2d weight of the model (${known.join(', ')})`);
  }
  const layers = options.blocks ? all.filter(({ info }) => options.blocks!.includes(info.name)) : all;
  const rng = new Random(seed);
  const sums = layers.map(({ info, layer }) => {
    const gSize = info.shape[0], aSize = info.size / gSize;
    return { info, layer, aSize, gSize, a: new Float64Array(aSize * aSize), g: new Float64Array(gSize * gSize), locations: 1 };
  });
  const byLayer = new Map(layers.map(({ info }, k) => [info.layer, k]));
  let total = 0;
  for (const c of chunks(p, batch, options.chunkSize ?? 256, OP)) {
    total += c.n;
    withScratchMemory(() => {
      const inputs = cpuBackend.fromFloat64(c.batch.inputs, [c.n, ...p.model.inputShape]);
      const params = p.model.split(p.params);
      const layerInputs: Tensor[] = [];
      const probes = layers.map(({ info }) => T.zeros([c.n, ...p.model.layerShapes[info.layer].output]));
      const network = (ps: readonly Value[]) => p.model.forward(params, inputs, {
        onLayer: (i, x, y) => {
          const k = byLayer.get(i);
          if (k === undefined) return;
          layerInputs[k] = ad.concrete(x);
          return ad.add(y, ps[k]); // s + 0: the probe's cotangent is ∂ℓ/∂s
        },
      });
      const [outputs, pullback] = ad.vjp(network, probes);
      // A: Σ a aᵀ over the chunk's examples (and patches).
      sums.forEach((s, k) => {
        const x = layerInputs[k];
        if (s.layer.type === 'conv2d') {
          const patches = T.unfold(x, [s.info.shape[2], s.info.shape[3]], { stride: s.layer.stride, padding: s.layer.padding }); // [n, aSize, T]
          s.locations = patches.shape[2];
          const columns = T.permute(patches, [1, 0, 2]); // [aSize, n, T]: one column per (example, patch)
          addGram(s.a, columns.data, s.aSize, c.n * s.locations, c.n * s.locations, 1);
        } else {
          addGram(s.a, x.data, s.aSize, c.n, 1, s.aSize); // the columns of x [n, aSize]
        }
      });
      // G: Σ g gᵀ over the examples, the cotangents (columns of S_n, or one sample) and locations.
      for (const u of outputCotangents(p, type, ad.concrete(outputs), c.batch.targets, rng)) {
        const grads = pullback(T.tensor(u, ad.concrete(outputs).shape)) as Value[];
        sums.forEach((s, k) => {
          const g = ad.concrete(grads[k]); // [n, out] or [n, out, ho, wo]
          if (g.rank === 4) {
            const rows = T.permute(g, [1, 0, 2, 3]); // [out, n, ho, wo]
            addGram(s.g, rows.data, s.gSize, g.size / s.gSize, g.size / s.gSize, 1);
          } else {
            addGram(s.g, g.data, s.gSize, c.n, 1, s.gSize);
          }
        });
      }
    });
  }
  return {
    numParams: p.model.numParams,
    blocks: sums.map((s) => ({
      param: s.info.name,
      offset: s.info.offset,
      aSize: s.aSize,
      gSize: s.gSize,
      a: symmetrizeScaled(s.a, s.aSize, 1 / (total * s.locations)), // A = (1/(N·T)) Σ a aᵀ (T = 1 for linear)
      g: symmetrizeScaled(s.g, s.gSize, 1 / total), //                   G = (1/N) Σ g gᵀ
    })),
  };
}


/**
 * lower(sum) += lower(M Mᵀ) (src/linalg/gram.ts) in the row blocks measured fastest for K-FAC's
 * widest factors: A of a 4096-input linear layer from 64 examples, of a 288-row conv from 16,384
 * patches (with 8 or more row blocks, 56 % or less of the full product's work).
 */
function addGram(sum: Float64Array, data: Float64Array, d: number, k: number, rowStride: number, colStride: number): void {
  addLowerGram(sum, data, d, k, rowStride, colStride, d <= 512 ? Math.max(32, Math.ceil(d / 8)) : 128);
}

/** Eigenpairs of a PSD factor, descending (column i of `vectors` ↔ values[i]), eigenvalues clamped at 0 (negative ones are rounding). */
export function factorEigen(m: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const e = eigh(m, n, { symmetryTolerance: 1e-8 });
  const values = Float64Array.from({ length: n }, (_, i) => Math.max(0, e.values[n - 1 - i]));
  const vectors = new Float64Array(n * n); // column i ↔ values[i]
  for (let r = 0; r < n; r++) for (let i = 0; i < n; i++) vectors[r * n + i] = e.vectors[r * n + n - 1 - i];
  return { values, vectors };
}

function checkSameBlocks(op: string, k1: Kfac, k2: Kfac): void {
  const describe = (k: Kfac) => k.blocks.map((b) => `${b.param}@${b.offset} ${b.gSize}×${b.aSize}`).join(', ');
  if (!k1?.blocks || !k2?.blocks) fail(op, 'expected two Kfac values ({ blocks })');
  if (describe(k1) !== describe(k2)) fail(op, `the two K-FACs are of different models: blocks [${describe(k1)}] and [${describe(k2)}]`);
}

/**
 * Debiased K-FAC (Eq. 9, MATH.md §6): B1's eigenbases, eigenvalues re-measured on B2,
 *   ã = diag(U_Aᵀ A2 U_A),  g̃ = diag(U_Gᵀ G2 U_G),
 * returned as the factors U_A diag(ã) U_Aᵀ and U_G diag(g̃) U_Gᵀ, so the block stays Kronecker-
 * factored and its curvature along (U_G ⊗ U_A) e_ij is that of G2 ⊗ A2; each block carries
 * these eigendecompositions in `eigen`, so laplace and kfacEigen need not redo them. The caller
 * holds both K-FACs; debiasedKfac builds the same block by block with less memory.
 */
export function debiasKfac(k1: Kfac, k2: Kfac): Kfac {
  checkSameBlocks('debiasKfac', k1, k2);
  return {
    ...(k1.numParams === undefined ? {} : { numParams: k1.numParams }),
    blocks: k1.blocks.map((b1, i) => debiasBlock(b1, k2.blocks[i])),
  };
}

/** One block of Eq. 9: B1's eigenbases (b1.eigen if known), the eigenvalues re-measured on b2's factors. */
function debiasBlock(b1: KfacBlock, b2: KfacBlock): KfacBlock {
  const remeasure = (basis: FactorEigen, m2: Float64Array, n: number) => {
    const u = basis.vectors;
    // d_j = u_jᵀ M2 u_j (column j of Uᵀ M2 U's diagonal, from W = M2 U), clamped at 0.
    const w = matmulDense(m2, u, n, n, n);
    const d = new Float64Array(n);
    for (let r = 0; r < n; r++) for (let j = 0; j < n; j++) d[j] += u[r * n + j] * w[r * n + j];
    for (let j = 0; j < n; j++) d[j] = Math.max(0, d[j]);
    // U diag(d) Uᵀ, its upper triangle copied from the lower so it is exactly symmetric.
    const out = matmulDense(u.map((x, q) => x * d[q % n]), transposeDense(u, n, n), n, n, n);
    for (let r = 0; r < n; r++) for (let q = 0; q < r; q++) out[q * n + r] = out[r * n + q];
    return { factor: out, eigen: { values: d, vectors: u } };
  };
  const basis = blockEigen(b1);
  const a = remeasure(basis.a, b2.a, b1.aSize), g = remeasure(basis.g, b2.g, b1.gSize);
  return { param: b1.param, offset: b1.offset, aSize: b1.aSize, gSize: b1.gSize, a: a.factor, g: g.factor, eigen: { a: a.eigen, g: g.eigen } };
}

/** A block's factor eigenpairs: its `eigen` where known, else eigh of a and g (clamped at 0). */
export function blockEigen(b: KfacBlock): { a: FactorEigen; g: FactorEigen } {
  return b.eigen ?? { a: factorEigen(b.a, b.aSize), g: factorEigen(b.g, b.gSize) };
}

/**
 * Debiased K-FAC built block by block (A.3.3's memory path): for each weight, its factors on B1
 * (eigendecomposed), then on B2 (re-measured), so only one block's factors of the two batches are
 * held at a time beyond the result. Equals debiasKfac(kfac(p, batch1), kfac(p, batch2)); costs one
 * forward and backward pass per block and batch instead of one per batch.
 */
export function debiasedKfac(p: Problem, batch1: Batch, batch2: Batch, options: Omit<KfacOptions, 'blocks'> = {}): Kfac {
  return {
    numParams: p.model.numParams,
    blocks: weightLayers(p, 'debiasedKfac').map(({ info }) => {
      const one = { ...options, blocks: [info.name] };
      const first = kfac(p, batch1, one).blocks[0];
      const basis = { ...first, eigen: blockEigen(first) };
      return debiasBlock(basis, kfac(p, batch2, one).blocks[0]);
    }),
  };
}

/**
 * The top `count` eigenpairs of the block-diagonal K-FAC matrix from its factors' eigenpairs
 * (no Lanczos): the eigenvalues of G ⊗ A are λ_G,i λ_A,j with eigenvectors u_G,i ⊗ u_A,j, placed
 * in the flat P-vector at the block's offset (zero elsewhere; P is k.numParams, else the end of the
 * last block).
 */
export function kfacEigen(k: Kfac, count: number): { values: Float64Array; vectors: Float64Array[] } {
  if (!Array.isArray(k?.blocks) || k.blocks.length === 0) fail('kfacEigen', 'expected a Kfac with at least one block');
  const P = k.numParams ?? Math.max(...k.blocks.map((b) => b.offset + b.aSize * b.gSize));
  const available = k.blocks.reduce((s, b) => s + b.aSize * b.gSize, 0);
  if (!Number.isInteger(count) || count < 1 || count > available) fail('kfacEigen', `count must be an integer in [1, ${available}] (the K-FAC blocks' size), given ${count}`);
  const eigen = k.blocks.map((b) => ({ b, ...blockEigen(b) }));
  const candidates: { value: number; block: number; i: number; j: number }[] = [];
  eigen.forEach(({ b, a, g }, block) => {
    for (let i = 0; i < b.gSize; i++) for (let j = 0; j < b.aSize; j++) candidates.push({ value: g.values[i] * a.values[j], block, i, j });
  });
  candidates.sort((x, y) => y.value - x.value || x.block - y.block || x.i - y.i || x.j - y.j);
  const top = candidates.slice(0, count);
  return {
    values: Float64Array.from(top, (t) => t.value),
    vectors: top.map(({ block, i, j }) => {
      const { b, a, g } = eigen[block];
      const v = new Float64Array(P);
      for (let o = 0; o < b.gSize; o++) for (let q = 0; q < b.aSize; q++) v[b.offset + o * b.aSize + q] = g.vectors[o * b.gSize + i] * a.vectors[q * b.aSize + j];
      return v;
    }),
  };
}

/** Refuses a K-FAC whose blocks are not this model's weights (names, offsets and factor sizes). */
export function checkKfacOfModel(op: string, p: Problem, k: Kfac): void {
  if (!Array.isArray(k?.blocks)) fail(op, 'expected a Kfac ({ blocks })');
  const expected = weightLayers(p, op).map(({ info }) => `${info.name}@${info.offset} ${info.shape[0]}×${info.size / info.shape[0]}`).join(', ');
  const given = k.blocks.map((b) => `${b.param}@${b.offset} ${b.gSize}×${b.aSize}`).join(', ');
  if (given !== expected) fail(op, `the K-FAC's blocks are not this model's weights: given [${given}], the model has [${expected}]`);
  for (const b of k.blocks) {
    if (!(b.a instanceof Float64Array) || b.a.length !== b.aSize * b.aSize || !(b.g instanceof Float64Array) || b.g.length !== b.gSize * b.gSize) fail(op, `block ${b.param}: factors must be Float64Arrays of ${b.aSize}² and ${b.gSize}² entries`);
    for (const m of [b.a, b.g]) for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i])) fail(op, `block ${b.param}: a factor has a non-finite entry ${m[i]}`);
    if (b.eigen !== undefined) {
      for (const [name, e, n] of [['a', b.eigen.a, b.aSize], ['g', b.eigen.g, b.gSize]] as const) {
        if (!(e?.values instanceof Float64Array) || e.values.length !== n || !(e.vectors instanceof Float64Array) || e.vectors.length !== n * n) fail(op, `block ${b.param}: eigen.${name} must hold ${n} values and ${n}² vector entries`);
        for (const m of [e.values, e.vectors]) for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i])) fail(op, `block ${b.param}: eigen.${name} has a non-finite entry ${m[i]}`);
      }
    }
  }
}

/**
 * The K-FAC quadratic's curvature as an operator (Eq. 2): v ↦ K v + λ D v, block by block
 * (G ⊗ A) vec(V) = vec(G V A) without forming a Kronecker product; K is zero on the biases, which
 * get only λ D v = 0.
 */
export function kfacOperator(p: Problem, k: Kfac): LinearOperator {
  const P = p.model.numParams;
  checkKfacOfModel('kfacOperator', p, k);
  return {
    size: P,
    apply(v) {
      checkVector('kfacOperator', 'v', v, P);
      const out = new Float64Array(P);
      for (let i = 0; i < P; i++) out[i] = p.weightDecay * p.weightMask[i] * v[i]; // λ D v
      for (const b of k.blocks) {
        const size = b.aSize * b.gSize;
        const kv = kronMatVec({ data: b.g, rows: b.gSize, cols: b.gSize }, { data: b.a, rows: b.aSize, cols: b.aSize }, v.subarray(b.offset, b.offset + size));
        for (let i = 0; i < size; i++) out[b.offset + i] += kv[i];
      }
      return out;
    },
  };
}

/**
 * Curvature matrices as LinearOperators (docs/DESIGN.md) — what Lanczos, CG and the bias study see —
 * and as dense matrices for small models. An operator on a batch that is a whole data set is
 * evaluated in chunks and equals the full-batch matrix (the average over disjoint equal-size
 * batches, Eq. 5).
 */
import { fail } from '../tensor/index.ts';
import type { LinearOperator } from '../linalg/operator.ts';
import { batchSize, type Batch, type Problem } from './problem.ts';
import { ggnProducts, hessianVectorProduct, type ChunkOptions } from './products.ts';

/** The curvature matrices as operators: 'hessian' or 'ggn'. */
export type CurvatureKind = 'hessian' | 'ggn';

/**
 * The Hessian or GGN of a problem on a batch as a LinearOperator (chunked for large batches). The
 * GGN operator records the network's forward pass once when it is applied repeatedly (ggnProducts;
 * every product equals ggnVectorProduct's bit for bit) and has a quadraticForm vᵀ G v from one JVP,
 * which directional curvatures use (equal to vᵀ(G v) up to rounding).
 */
export function curvatureOperator(p: Problem, batch: Batch, kind: CurvatureKind, options: ChunkOptions = {}): LinearOperator {
  if (kind !== 'hessian' && kind !== 'ggn') fail('curvatureOperator', `kind must be 'hessian' or 'ggn', given ${JSON.stringify(kind)}`);
  batchSize(p, batch, 'curvatureOperator'); // fail early on a bad batch
  if (kind === 'hessian') return { size: p.model.numParams, apply: (v) => hessianVectorProduct(p, batch, v, options) };
  return { size: p.model.numParams, ...ggnProducts(p, batch, options) };
}

/** v ↦ H_B v. */
export function hessianOperator(p: Problem, batch: Batch, options: ChunkOptions = {}): LinearOperator {
  return curvatureOperator(p, batch, 'hessian', options);
}

/** v ↦ G_B v. */
export function ggnOperator(p: Problem, batch: Batch, options: ChunkOptions = {}): LinearOperator {
  return curvatureOperator(p, batch, 'ggn', options);
}

/** The dense P×P matrix of an operator (P products with unit vectors; row-major, column j = A e_j). */
export function denseMatrix(op: LinearOperator): Float64Array {
  const n = op.size;
  const out = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e[j] = 1;
    const col = op.apply(e);
    e[j] = 0;
    for (let i = 0; i < n; i++) out[i * n + j] = col[i];
  }
  return out;
}

/** H_B as a dense matrix (small models only: P products). */
export function hessianMatrix(p: Problem, batch: Batch, options: ChunkOptions = {}): Float64Array {
  return denseMatrix(hessianOperator(p, batch, options));
}

/** G_B as a dense matrix (small models only). */
export function ggnMatrix(p: Problem, batch: Batch, options: ChunkOptions = {}): Float64Array {
  return denseMatrix(ggnOperator(p, batch, options));
}

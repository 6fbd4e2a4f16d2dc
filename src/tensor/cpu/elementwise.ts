/**
 * Elementwise kernels. Each op has its own loop (a switch outside the loop, never a function
 * call inside it) so V8 compiles every loop monomorphic and inlines the arithmetic.
 */
import type { Shape } from '../shape.ts';
import { sizeOf } from '../shape.ts';
import { coalesce, contiguousStrides, forEachRow } from './strided.ts';
import { allocateUnfilled } from '../memory.ts';

/** The unary elementwise kernels a backend provides. */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'relu' | 'sqrt' | 'square' | 'abs' | 'sign' | 'step' | 'finiteOrZero';
/** The binary elementwise kernels a backend provides (maximumWeight: the gradient split of maximum at ties). */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'maximumWeight';

export function unary(op: UnaryOp, x: Float64Array): Float64Array {
  const n = x.length;
  const y = allocateUnfilled(n);
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) y[i] = -x[i]; break;
    case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]); break;
    case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(x[i]); break;
    case 'tanh': for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]); break;
    case 'sigmoid':
      // σ(x) = 1/(1+e^{−x}) for x ≥ 0 and e^{x}/(1+e^{x}) for x < 0: no overflow either way.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) y[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); y[i] = e / (1 + e); }
      }
      break;
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v > 0 ? v : v !== v ? v : 0; } break;
    case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]); break;
    case 'square': for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v * v; } break;
    case 'abs': for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]); break;
    case 'sign': for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v > 0 ? 1 : v < 0 ? -1 : 0; } break;
    // step(x) = 1 if x > 0 else 0: the derivative of relu, with relu'(0) = 0 as in PyTorch.
    case 'step': for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? 1 : 0; break;
    // v where finite, else 0 (the shift of a stable logsumexp over an all −∞ fibre).
    case 'finiteOrZero': for (let i = 0; i < n; i++) y[i] = Number.isFinite(x[i]) ? x[i] : 0; break;
  }
  return y;
}

/**
 * out = a ∘ b with broadcasting: `aStrides`/`bStrides` index each operand by the output's
 * multi-index (stride 0 along broadcast dimensions).
 */
export function binary(
  op: BinaryOp,
  a: Float64Array, aStrides: readonly number[],
  b: Float64Array, bStrides: readonly number[],
  outShape: Shape,
): Float64Array {
  const n = sizeOf(outShape);
  const out = allocateUnfilled(n);
  const c = coalesce(outShape, [contiguousStrides(outShape), aStrides, bStrides]);
  if (c.shape.length === 1 && c.strides[1][0] === 1 && c.strides[2][0] === 1) {
    binaryDirect(op, a, b, out);
    return out;
  }
  const last = c.shape.length - 1, length = c.shape[last];
  const [, as, bs] = c.strides;
  const sa = as[last], sb = bs[last];
  // Ranks 2 and 3 (e.g. a per-channel bias over [N, C, H·W]) as plain loops; a callback per row
  // costs more than a short row's work.
  if (c.shape.length === 2) {
    for (let r = 0; r < c.shape[0]; r++) binaryRow(op, a, r * as[0], sa, b, r * bs[0], sb, out, r * length, length);
  } else if (c.shape.length === 3) {
    for (let r = 0, o = 0; r < c.shape[0]; r++) {
      for (let q = 0; q < c.shape[1]; q++, o += length) binaryRow(op, a, r * as[0] + q * as[1], sa, b, r * bs[0] + q * bs[1], sb, out, o, length);
    }
  } else {
    forEachRow(c, ([o, oa, ob]) => binaryRow(op, a, oa, sa, b, ob, sb, out, o, length));
  }
  return out;
}

/** Same-shape operands: one plain loop per op. */
function binaryDirect(op: BinaryOp, a: Float64Array, b: Float64Array, out: Float64Array): void {
  const n = out.length;
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; return;
    case 'sub': for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; return;
    case 'mul': for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; return;
    case 'div': for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; return;
    case 'maximum': for (let i = 0; i < n; i++) out[i] = maximum(a[i], b[i]); return;
    case 'maximumWeight': for (let i = 0; i < n; i++) out[i] = maximumWeight(a[i], b[i]); return;
  }
}

/** One row of a broadcast operation: out[o + j] = a[oa + j·sa] ∘ b[ob + j·sb]. */
function binaryRow(op: BinaryOp, a: Float64Array, oa: number, sa: number, b: Float64Array, ob: number, sb: number, out: Float64Array, o: number, n: number): void {
  switch (op) {
    case 'add': for (let j = 0; j < n; j++) out[o + j] = a[oa + j * sa] + b[ob + j * sb]; return;
    case 'sub': for (let j = 0; j < n; j++) out[o + j] = a[oa + j * sa] - b[ob + j * sb]; return;
    case 'mul': for (let j = 0; j < n; j++) out[o + j] = a[oa + j * sa] * b[ob + j * sb]; return;
    case 'div': for (let j = 0; j < n; j++) out[o + j] = a[oa + j * sa] / b[ob + j * sb]; return;
    case 'maximum': for (let j = 0; j < n; j++) out[o + j] = maximum(a[oa + j * sa], b[ob + j * sb]); return;
    case 'maximumWeight': for (let j = 0; j < n; j++) out[o + j] = maximumWeight(a[oa + j * sa], b[ob + j * sb]); return;
  }
}

/** max(a, b), propagating NaN like torch.maximum. */
function maximum(a: number, b: number): number {
  return a > b ? a : b > a ? b : a !== a ? a : b;
}

/**
 * ∂max(a,b)/∂a: 1 where a > b, ½ at ties, 0 where a < b (PyTorch splits the gradient
 * evenly at ties); ∂/∂b is 1 minus this.
 */
function maximumWeight(a: number, b: number): number {
  return a > b ? 1 : a === b ? 0.5 : 0;
}

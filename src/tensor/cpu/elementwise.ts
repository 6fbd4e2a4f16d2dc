/**
 * Elementwise kernels. Each op has its own loop (a switch outside the loop, never a function
 * call inside it) so V8 compiles every loop monomorphic and inlines the arithmetic.
 */
import type { Shape } from '../shape.ts';
import { sizeOf } from '../shape.ts';

export type UnaryOp = 'neg' | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'relu' | 'sqrt' | 'square' | 'abs' | 'sign' | 'step';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'maximumWeight';

export function unary(op: UnaryOp, x: Float64Array): Float64Array {
  const n = x.length;
  const y = new Float64Array(n);
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
  const out = new Float64Array(n);
  if (a.length === n && b.length === n && isContiguous(aStrides, outShape) && isContiguous(bStrides, outShape)) {
    binaryDirect(op, a, b, out);
  } else {
    binaryIndexed(op, a, offsetsOf(aStrides, outShape), b, offsetsOf(bStrides, outShape), out);
  }
  return out;
}

function isContiguous(strides: readonly number[], shape: Shape): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

/** Flat operand offset for every output element (row-major over `shape`). */
export function offsetsOf(strides: readonly number[], shape: Shape): Int32Array {
  const n = sizeOf(shape);
  const offsets = new Int32Array(n);
  const rank = shape.length;
  if (rank === 0) return offsets;
  const index = new Array<number>(rank).fill(0);
  const last = rank - 1, inner = shape[last], innerStride = strides[last];
  let base = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0, off = base; j < inner; j++, off += innerStride) offsets[o + j] = off;
    // Advance the odometer over the outer dimensions.
    for (let d = last - 1; d >= 0; d--) {
      index[d]++;
      base += strides[d];
      if (index[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return offsets;
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

/** Broadcast operands, read through precomputed offsets. */
function binaryIndexed(op: BinaryOp, a: Float64Array, ai: Int32Array, b: Float64Array, bi: Int32Array, out: Float64Array): void {
  const n = out.length;
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = a[ai[i]] + b[bi[i]]; return;
    case 'sub': for (let i = 0; i < n; i++) out[i] = a[ai[i]] - b[bi[i]]; return;
    case 'mul': for (let i = 0; i < n; i++) out[i] = a[ai[i]] * b[bi[i]]; return;
    case 'div': for (let i = 0; i < n; i++) out[i] = a[ai[i]] / b[bi[i]]; return;
    case 'maximum': for (let i = 0; i < n; i++) out[i] = maximum(a[ai[i]], b[bi[i]]); return;
    case 'maximumWeight': for (let i = 0; i < n; i++) out[i] = maximumWeight(a[ai[i]], b[bi[i]]); return;
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

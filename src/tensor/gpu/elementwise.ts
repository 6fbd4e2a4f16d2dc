/**
 * Elementwise kernels on gpu.js. Each op is its formula in gpu.js's kernel language, the
 * same formula as the CPU loop in ../cpu/elementwise.ts (the same case split for sigmoid,
 * NaN passing through relu and maximum, ties of maximumWeight at ½).
 *
 * Broadcasting: the output is coalesced (../cpu/strided.ts); the kernel's grid is its last two
 * dimensions by the product of the others ("planes"), with each operand's offset per plane
 * given as an array, so every thread finds its operands with 2 strides and one offset per
 * operand and no integer division.
 */
import { allocateFloat32 } from '../memory.ts';
import type { BinaryOp, UnaryOp } from '../backend.ts';
import { sizeOf, stridesOf, type Shape } from '../shape.ts';
import { coalesce, type Coalesced } from '../cpu/strided.ts';
import type { GpuRuntime } from './runtime.ts';
import type { GpuArray } from './storage.ts';

/** y = φ(v) with v = x[i]. */
const UNARY: Record<UnaryOp, string> = {
  neg: '-v',
  exp: 'Math.exp(v)',
  log: 'Math.log(v)',
  tanh: 'Math.tanh(v)',
  // σ(v) = 1/(1+e^{−v}) for v ≥ 0 and e^{v}/(1+e^{v}) for v < 0: no overflow either way.
  sigmoid: '(v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))',
  relu: '(v > 0 ? v : (v !== v ? v : 0))',
  sqrt: 'Math.sqrt(v)',
  square: 'v * v',
  abs: 'Math.abs(v)',
  sign: '(v > 0 ? 1 : (v < 0 ? -1 : 0))',
  step: '(v > 0 ? 1 : 0)',
  // 3.4028234e38 rounds to float32's largest finite value: ±∞ and NaN (every comparison false) give 0.
  finiteOrZero: '(Math.abs(v) <= 3.4028234e38 ? v : 0)',
};

/** out = a ∘ b. */
const BINARY: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  maximum: '(a > b ? a : (b > a ? b : (a !== a ? a : b)))',
  // ∂max(a,b)/∂a: 1 where a > b, ½ at ties, 0 where a < b.
  maximumWeight: '(a > b ? 1 : (a === b ? 0.5 : 0))',
};

export function unary(rt: GpuRuntime, op: UnaryOp, x: GpuArray): GpuArray {
  const source = `function (x) { const v = x[this.thread.x]; return ${UNARY[op]}; }`;
  return rt.run(`unary:${op}`, source, { output: [x.length] }, [x]);
}

// The plane offsets are read into locals first: gpu.js 2.24.1 miscompiles (in GL) two array
// reads nested inside other reads' indices in one kernel.
const BINARY_SOURCE = (op: BinaryOp): string => `function (x, y, xPlanes, yPlanes) {
  const xPlane = xPlanes[this.thread.z];
  const yPlane = yPlanes[this.thread.z];
  const a = x[xPlane + this.thread.y * this.constants.a1 + this.thread.x * this.constants.a0];
  const b = y[yPlane + this.thread.y * this.constants.b1 + this.thread.x * this.constants.b0];
  return ${BINARY[op]};
}`;

/** out = a ∘ b broadcast to outShape; aStrides/bStrides index each operand by the output's multi-index. */
export function binary(
  rt: GpuRuntime, op: BinaryOp,
  a: GpuArray, aStrides: readonly number[],
  b: GpuArray, bStrides: readonly number[],
  outShape: Shape,
): GpuArray {
  const c = coalesce(outShape, [stridesOf(outShape), aStrides, bStrides]);
  // The last two coalesced dimensions are the grid's x and y; all the others are its z, with
  // each operand's offset per z computed here (no division in the kernel).
  const rank = c.shape.length;
  const [width, height] = [c.shape[rank - 1], rank > 1 ? c.shape[rank - 2] : 1];
  const inner = (k: number) => [c.strides[k][rank - 1], rank > 1 ? c.strides[k][rank - 2] : 0];
  const planes = sizeOf(c.shape.slice(0, Math.max(0, rank - 2)));
  const [a0, a1] = inner(1), [b0, b1] = inner(2);
  return rt.run(`binary:${op}`, BINARY_SOURCE(op), {
    output: [width, height, planes],
    constants: { a0, a1, b0, b1 },
  }, [a, b, planeOffsets(c, 1), planeOffsets(c, 2)]);
}

/** Operand k's offset of every plane (multi-index over all but the last two coalesced dimensions), row-major. */
function planeOffsets(c: Coalesced, k: number): Float32Array {
  const outer = c.shape.slice(0, Math.max(0, c.shape.length - 2));
  const offsets = allocateFloat32(Math.max(1, sizeOf(outer)));
  for (let p = 0; p < offsets.length; p++) {
    let rem = p, offset = 0;
    for (let d = outer.length - 1; d >= 0; d--) {
      const i = rem % outer[d];
      rem = (rem - i) / outer[d];
      offset += i * c.strides[k][d];
    }
    offsets[p] = offset;
  }
  return offsets;
}

/**
 * Elementwise kernels on gpu.js. Each op is its formula in gpu.js's kernel language, the
 * same formula as the CPU loop in ../cpu/elementwise.ts (the same case split for sigmoid,
 * NaN passing through relu and maximum, ties of maximumWeight at ½).
 *
 * Broadcasting: the output is coalesced to at most 3 dimensions (../cpu/strided.ts) and the
 * kernel's grid is that shape, so every thread finds its operands with 3 strides per operand
 * and no integer division. Shapes that do not coalesce to 3 dimensions are handled slice by
 * slice over the leading dimensions.
 */
import { allocateFloat32 } from '../memory.ts';
import type { BinaryOp, UnaryOp } from '../backend.ts';
import { sizeOf, stridesOf, type Shape } from '../shape.ts';
import { coalesce } from '../cpu/strided.ts';
import type { GpuRuntime } from './runtime.ts';

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

export function unary(rt: GpuRuntime, op: UnaryOp, x: Float32Array): Float32Array {
  const source = `function (x) { const v = x[this.thread.x]; return ${UNARY[op]}; }`;
  return rt.run(`unary:${op}`, source, { output: [x.length] }, [x]);
}

const BINARY_SOURCE = (op: BinaryOp): string => `function (x, y, xOffset, yOffset) {
  const a = x[xOffset + this.thread.z * this.constants.a2 + this.thread.y * this.constants.a1 + this.thread.x * this.constants.a0];
  const b = y[yOffset + this.thread.z * this.constants.b2 + this.thread.y * this.constants.b1 + this.thread.x * this.constants.b0];
  return ${BINARY[op]};
}`;

/** out = a ∘ b broadcast to outShape; aStrides/bStrides index each operand by the output's multi-index. */
export function binary(
  rt: GpuRuntime, op: BinaryOp,
  a: Float32Array, aStrides: readonly number[],
  b: Float32Array, bStrides: readonly number[],
  outShape: Shape,
): Float32Array {
  const out = allocateFloat32(sizeOf(outShape));
  const c = coalesce(outShape, [stridesOf(outShape), aStrides, bStrides]);
  // Leading dimensions beyond 3 are looped here; the kernel takes the last 3.
  const lead = Math.max(0, c.shape.length - 3);
  const grid = c.shape.slice(lead);
  while (grid.length < 3) grid.unshift(1);
  // Operand k's strides over the grid (0 for the padding dimensions).
  const gridStrides = (k: number) => {
    const s = c.strides[k].slice(lead);
    while (s.length < 3) s.unshift(0);
    return s;
  };
  const sa = gridStrides(1), sb = gridStrides(2);
  const leadShape = c.shape.slice(0, lead);
  const count = sizeOf(leadShape), cells = sizeOf(grid);
  for (let l = 0; l < count; l++) {
    let rem = l, aOff = 0, bOff = 0;
    for (let d = lead - 1; d >= 0; d--) {
      const i = rem % leadShape[d];
      rem = (rem - i) / leadShape[d];
      aOff += i * c.strides[1][d];
      bOff += i * c.strides[2][d];
    }
    const result = rt.run(`binary:${op}`, BINARY_SOURCE(op), {
      output: [grid[2], grid[1], grid[0]],
      constants: { a0: sa[2], a1: sa[1], a2: sa[0], b0: sb[2], b1: sb[1], b2: sb[0] },
    }, [a, b, aOff, bOff]);
    out.set(result, l * cells);
  }
  return out;
}

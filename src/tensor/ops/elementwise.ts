/** Elementwise ops on tensors: unary maps and broadcasting binary maps. */
import type { BinaryOp, UnaryOp } from '../backend.ts';
import { broadcastShapes } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { asTensor, onOneBackend } from './common.ts';

function unaryOp(op: UnaryOp) {
  return (x: Tensor): Tensor => {
    const t = asTensor(op, x);
    return t.backend.unary(op, t);
  };
}

/** −x, elementwise. */
export const neg = unaryOp('neg');
/** eˣ, elementwise. */
export const exp = unaryOp('exp');
/** ln x, elementwise. */
export const log = unaryOp('log');
/** tanh x, elementwise. */
export const tanh = unaryOp('tanh');
/** 1 / (1 + e⁻ˣ), elementwise. */
export const sigmoid = unaryOp('sigmoid');
/** max(x, 0), elementwise. */
export const relu = unaryOp('relu');
/** √x, elementwise. */
export const sqrt = unaryOp('sqrt');
/** x², elementwise. */
export const square = unaryOp('square');
/** |x|, elementwise. */
export const abs = unaryOp('abs');
/** sign(x) ∈ {−1, 0, 1}. */
export const sign = unaryOp('sign');
/** step(x) = 1 where x > 0, else 0 (relu's derivative, relu'(0) = 0). */
export const step = unaryOp('step');
/** x where finite, else 0 (±∞ and NaN become 0). */
export const finiteOrZero = unaryOp('finiteOrZero');

function binaryOp(op: BinaryOp) {
  return (a: Tensor | number, b: Tensor | number): Tensor => {
    const { backend, operands: [x, y] } = onOneBackend(op, [asTensor(op, a), asTensor(op, b)]);
    const outShape = broadcastShapes(op, x.shape, y.shape);
    return backend.binary(op, x, y, outShape);
  };
}

/** a + b with NumPy broadcasting (numbers act as scalars). */
export const add = binaryOp('add');
/** a − b with NumPy broadcasting. */
export const sub = binaryOp('sub');
/** a · b (elementwise) with NumPy broadcasting. */
export const mul = binaryOp('mul');
/** a / b (elementwise) with NumPy broadcasting. */
export const div = binaryOp('div');
/** Elementwise maximum; NaN propagates. */
export const maximum = binaryOp('maximum');
/** ∂max(a,b)/∂a elementwise: 1 where a > b, ½ at ties, 0 where a < b. */
export const maximumWeight = binaryOp('maximumWeight');

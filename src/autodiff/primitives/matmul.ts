/**
 * matmul: C = op(A)·op(B), op ∈ {identity, transpose of the last two axes}; bilinear, so
 *   jvp  Ċ = op(Ȧ)·op(B) + op(A)·op(Ḃ)
 *   vjp  op(A)‾ = C̄·op(B)ᵀ,  op(B)‾ = op(A)ᵀ·C̄, each mapped back through op and summed over
 *        broadcast batch axes.
 */
import * as T from '../../tensor/index.ts';
import type { MatmulOptions } from '../../tensor/index.ts';
import { bind, type Primitive, type Value } from '../trace.ts';
import { add } from './elementwise.ts';
import { reshape, sumTo } from './movement.ts';

interface MatmulParams {
  transA: boolean;
  transB: boolean;
}

const matmulPrim: Primitive<MatmulParams> = {
  name: 'matmul',
  impl: ([a, b], p) => T.matmul(a, b, p),
  jvp: ([a, b], [ta, tb], p) => {
    const left = ta && matmul(ta, b, p);
    const right = tb && matmul(a, tb, p);
    return left && right ? add(left, right) : (left ?? right);
  },
  vjp: (g, [a, b], { transA, transB }, _out, needed) => [
    needed[0]
      ? sumTo(transA
        ? matmul(b, g, { transA: transB, transB: true }) // A = op(A)ᵀ: Ā = op(B)·C̄ᵀ
        : matmul(g, b, { transA: false, transB: !transB }), // Ā = C̄·op(B)ᵀ
      a.shape)
      : null,
    needed[1]
      ? sumTo(transB
        ? matmul(g, a, { transA: true, transB: transA }) // B = op(B)ᵀ: B̄ = C̄ᵀ·op(A)
        : matmul(a, g, { transA: !transA, transB: false }), // B̄ = op(A)ᵀ·C̄
      b.shape)
      : null,
  ],
};

/**
 * op(a)·op(b) with op = transpose of the last two axes when asked; batch axes broadcast. A 1-D
 * operand follows NumPy: it is reshaped to a row [1, k] (left) or a column [k, 1] (right) and that
 * axis is reshaped away from the result, so its JVP and VJP are the matmul rules above composed
 * with reshape's (a reshape's adjoint is the reshape back).
 */
export function matmul(a: Value, b: Value, options: MatmulOptions = {}): Value {
  const params = { transA: options.transA ?? false, transB: options.transB ?? false };
  const vectors = T.matmulVectorShapes(a.shape, b.shape, params);
  if (vectors) return reshape(matmul(reshape(a, vectors.a), reshape(b, vectors.b), params), vectors.out);
  T.matmulGeometry(a.shape, b.shape, params); // shape errors name matmul before tracing
  return bind(matmulPrim, [a, b], params);
}

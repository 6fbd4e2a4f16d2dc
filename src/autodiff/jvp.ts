/**
 * Forward mode: jvp(f, x, v) = (f(x), J_f(x) v). Each tracer carries (primal, tangent); every
 * primitive's jvp rule maps input tangents to the output tangent.
 */
import { zeros } from '../tensor/index.ts';
import { bind, checkTangents, Trace, Tracer, withTrace, type Primitive, type Value } from './trace.ts';

class JvpTracer extends Tracer {
  constructor(
    readonly trace: JvpTrace,
    readonly primal: Value,
    readonly tangent: Value,
  ) {
    super();
  }
}

class JvpTrace extends Trace {
  process<P>(prim: Primitive<P>, inputs: readonly Value[], params: P): Value {
    const primals = inputs.map((v) => (v instanceof JvpTracer && v.trace === this ? v.primal : v));
    const tangents = inputs.map((v) => (v instanceof JvpTracer && v.trace === this ? v.tangent : null));
    const out = bind(prim, primals, params);
    const tangent = prim.jvp(primals, tangents, params, out);
    return tangent === null ? out : new JvpTracer(this, out, tangent);
  }
}

/**
 * Evaluates f at x and its directional derivative along v: returns [f(x), J v]. x and v are
 * a tensor or arrays of tensors of matching shapes; f takes x's structure and returns a
 * tensor or an array of tensors (the tangent has the same structure).
 */
export function jvp<X extends Value | readonly Value[], Y extends Value | readonly Value[]>(f: (x: X) => Y, x: X, v: X): [Y, Y] {
  const xs = (Array.isArray(x) ? x : [x]) as readonly Value[];
  const vs = checkTangents('jvp', xs, v);
  const trace = new JvpTrace();
  return withTrace(trace, () => {
    const wrapped = xs.map((xi, i) => new JvpTracer(trace, xi, vs[i]));
    const y = f((Array.isArray(x) ? wrapped : wrapped[0]) as unknown as X);
    const ys = (Array.isArray(y) ? y : [y]) as readonly Value[];
    const primals = ys.map((yi) => (yi instanceof JvpTracer && yi.trace === trace ? yi.primal : yi));
    // An output that does not depend on x has a zero tangent.
    const tangents = ys.map((yi) => (yi instanceof JvpTracer && yi.trace === trace ? yi.tangent : zeros(yi.shape, yi.backend)));
    return (Array.isArray(y) ? [primals, tangents] : [primals[0], tangents[0]]) as [Y, Y];
  });
}

/** The derived transformations: grad, valueAndGrad and the exact Hessian-vector product. */
import { fail, fmt, ones } from '../tensor/index.ts';
import { jvp } from './jvp.ts';
import type { Value } from './trace.ts';
import { vjp } from './vjp.ts';

/** [f(x), ∇f(x)] for a scalar-valued f (one element); the gradient has x's structure. */
export function valueAndGrad<X extends Value | readonly Value[]>(f: (x: X) => Value): (x: X) => [Value, X] {
  return (x) => {
    const [y, pullback] = vjp(f, x);
    if (y.size !== 1) fail('grad', `f must return a single number (one-element tensor), returned shape ${fmt(y.shape)}`);
    return [y, pullback(ones(y.shape, y.backend))];
  };
}

/** ∇f as a function: x ↦ J_f(x)ᵀ·1 for a scalar-valued f. */
export function grad<X extends Value | readonly Value[]>(f: (x: X) => Value): (x: X) => X {
  const vg = valueAndGrad(f);
  return (x) => vg(x)[1];
}

/**
 * Hessian-vector product ∇²f(x)·v, exact: the JVP of x ↦ ∇f(x) along v (forward-over-reverse,
 * Pearlmutter 1994). Costs about one gradient evaluation with tangents carried along.
 */
export function hvp<X extends Value | readonly Value[]>(f: (x: X) => Value, x: X, v: X): X {
  return jvp(grad(f), x, v)[1];
}

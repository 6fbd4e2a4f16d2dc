/**
 * conv2d and its two adjoints form a closed family of bilinear primitives. Writing
 *   y = conv(x, w),   x̃ = convInputGrad(g, w) = (∂y/∂x)ᵀ g,   w̃ = convWeightGrad(x, g) = (∂y/∂w)ᵀ g,
 * the identity ⟨c, conv(x, w)⟩ = ⟨convInputGrad(c, w), x⟩ = ⟨convWeightGrad(x, c), w⟩ gives
 * every rule below: each primitive's jvp is the sum of the primitive applied with one
 * argument replaced by its tangent, and its vjp uses the other two. Second derivatives
 * (the Hessian-vector products) therefore stay within these three kernels.
 */
import * as T from '../../tensor/index.ts';
import type { Conv2dOptions, Shape } from '../../tensor/index.ts';
import { bind, type Primitive, type Value } from '../trace.ts';
import { add } from './elementwise.ts';

interface ConvParams {
  options: Conv2dOptions;
  /** Input and weight shapes (needed by the adjoints, which cannot infer them). */
  xShape: Shape;
  wShape: Shape;
}

/** The sum of the non-null terms (null if all are null). */
function sumTerms(...terms: (Value | null)[]): Value | null {
  const present = terms.filter((t): t is Value => t !== null);
  return present.length === 0 ? null : present.reduce((a, b) => add(a, b));
}

const when = (flag: boolean, f: () => Value): Value | null => (flag ? f() : null);

// y = conv(x, w):  ẏ = conv(ẋ, w) + conv(x, ẇ);  x̄ = convInputGrad(ȳ, w),  w̄ = convWeightGrad(x, ȳ)
const convPrim: Primitive<ConvParams> = {
  name: 'conv2d',
  impl: ([x, w], p) => T.conv2d(x, w, p.options),
  jvp: ([x, w], [tx, tw], p) => sumTerms(tx && convPrimApply(tx, w, p), tw && convPrimApply(x, tw, p)),
  vjp: (g, [x, w], p, _y, n) => [when(n[0], () => inputGradApply(g, w, p)), when(n[1], () => weightGradApply(x, g, p))],
};

// x̃ = convInputGrad(g, w):  jvp from bilinearity;  ḡ‾ = conv(c, w),  w̄ = convWeightGrad(c, g)
const inputGradPrim: Primitive<ConvParams> = {
  name: 'conv2dInputGrad',
  impl: ([g, w], p) => T.conv2dInputGrad(g, w, p.xShape, p.options),
  jvp: ([g, w], [tg, tw], p) => sumTerms(tg && inputGradApply(tg, w, p), tw && inputGradApply(g, tw, p)),
  vjp: (c, [g, w], p, _y, n) => [when(n[0], () => convPrimApply(c, w, p)), when(n[1], () => weightGradApply(c, g, p))],
};

// w̃ = convWeightGrad(x, g):  jvp from bilinearity;  x̄ = convInputGrad(g, c),  ḡ‾ = conv(x, c)
const weightGradPrim: Primitive<ConvParams> = {
  name: 'conv2dWeightGrad',
  impl: ([x, g], p) => T.conv2dWeightGrad(x, g, p.wShape, p.options),
  jvp: ([x, g], [tx, tg], p) => sumTerms(tx && weightGradApply(tx, g, p), tg && weightGradApply(x, tg, p)),
  vjp: (c, [x, g], p, _y, n) => [when(n[0], () => inputGradApply(g, c, p)), when(n[1], () => convPrimApply(x, c, p))],
};

const convPrimApply = (x: Value, w: Value, p: ConvParams): Value => bind(convPrim, [x, w], p);
const inputGradApply = (g: Value, w: Value, p: ConvParams): Value => bind(inputGradPrim, [g, w], p);
const weightGradApply = (x: Value, g: Value, p: ConvParams): Value => bind(weightGradPrim, [x, g], p);

/** 2-D cross-correlation as PyTorch's conv2d (no bias): x [n,c,h,w], w [o,c,kh,kw] → [n,o,ho,wo]. */
export function conv2d(x: Value, w: Value, options: Conv2dOptions = {}): Value {
  T.convGeometry(x.shape, w.shape, options); // shape errors before tracing
  return convPrimApply(x, w, { options, xShape: x.shape, wShape: w.shape });
}

/** (∂conv(x, w)/∂x)ᵀ g for an input of shape xShape: the transposed convolution. */
export function conv2dInputGrad(g: Value, w: Value, xShape: readonly number[], options: Conv2dOptions = {}): Value {
  T.convGeometry(xShape, w.shape, options);
  return inputGradApply(g, w, { options, xShape: T.checkShape('conv2dInputGrad', xShape), wShape: w.shape });
}

/** (∂conv(x, w)/∂w)ᵀ g for a weight of shape wShape. */
export function conv2dWeightGrad(x: Value, g: Value, wShape: readonly number[], options: Conv2dOptions = {}): Value {
  T.convGeometry(x.shape, wShape, options);
  return weightGradApply(x, g, { options, xShape: x.shape, wShape: T.checkShape('conv2dWeightGrad', wShape) });
}

/**
 * Elementwise primitives. A unary map y = φ(x) has a diagonal Jacobian, so both rules multiply
 * by the same derivative φ'(x): jvp ẏ = φ'(x)·ẋ, vjp x̄ = φ'(x)·ȳ. Each unary primitive is
 * therefore given by its derivative, written with differentiable ops (so it can be
 * differentiated again). Binary maps broadcast (NumPy rules); their vjp sums the cotangent
 * back down to each operand's shape (sumTo), the adjoint of broadcasting.
 */
import * as T from '../../tensor/index.ts';
import { scalar, shapesEqual, type Tensor } from '../../tensor/index.ts';
import { bind, concrete, type Primitive, type Value } from '../trace.ts';
import { broadcastTo, sumTo } from './movement.ts';

type Operand = Value | number;
const lift = (x: Operand): Value => (typeof x === 'number' ? scalar(x) : x);

function unaryPrimitive(name: string, kernel: (x: Tensor) => Tensor, derivative: (x: Value, y: Value) => Value): (x: Value) => Value {
  const prim: Primitive = {
    name,
    impl: ([x]) => kernel(x),
    jvp: ([x], [t], _p, y) => mul(t!, derivative(x, y)),
    vjp: (g, [x], _p, y) => [mul(g, derivative(x, y))],
  };
  return (x) => bind(prim, [x], undefined);
}

/** A mask computed from concrete values: a constant, so it has zero derivative. */
const constantOf = (op: (t: Tensor) => Tensor, x: Value): Tensor => op(concrete(x));

// Each line: the primitive, then φ'(x) in terms of x and y = φ(x).
/** −x, differentiable. */
export const neg = unaryPrimitive('neg', T.neg, () => scalar(-1)); //            φ' = −1
/** eˣ, differentiable. */
export const exp = unaryPrimitive('exp', T.exp, (_x, y) => y); //                φ' = eˣ = y
/** ln x, differentiable. */
export const log = unaryPrimitive('log', T.log, (x) => div(1, x)); //            φ' = 1/x
/** tanh x, differentiable. */
export const tanh = unaryPrimitive('tanh', T.tanh, (_x, y) => sub(1, square(y))); // φ' = 1 − y²
/** 1 / (1 + e⁻ˣ), differentiable. */
export const sigmoid = unaryPrimitive('sigmoid', T.sigmoid, (_x, y) => mul(y, sub(1, y))); // φ' = y(1 − y)
/** max(x, 0), differentiable (relu'(0) = 0, as PyTorch). */
export const relu = unaryPrimitive('relu', T.relu, (x) => constantOf(T.step, x)); // φ' = [x > 0] (relu'(0) = 0)
/** √x, differentiable. */
export const sqrt = unaryPrimitive('sqrt', T.sqrt, (_x, y) => div(0.5, y)); //     φ' = 1/(2√x)
/** x², differentiable. */
export const square = unaryPrimitive('square', T.square, (x) => mul(2, x)); //        φ' = 2x
/** |x|, differentiable (abs'(0) = 0). */
export const abs = unaryPrimitive('abs', T.abs, (x) => constantOf(T.sign, x)); //  φ' = sign(x) (0 at 0)

/** The output tangent from per-operand terms (null = zero), broadcast to the output's shape. */
function tangentSum(out: Value, ...terms: (Value | null)[]): Value | null {
  const present = terms.filter((t): t is Value => t !== null);
  if (present.length === 0) return null;
  const total = present.reduce((acc, t) => add(acc, t));
  return shapesEqual(total.shape, out.shape) ? total : broadcastTo(total, out.shape);
}

function binaryPrimitive(
  name: string,
  kernel: (a: Tensor, b: Tensor) => Tensor,
  jvp: (a: Value, b: Value, ta: Value | null, tb: Value | null, y: Value) => (Value | null)[],
  vjp: (a: Value, b: Value, g: Value, y: Value, needed: readonly boolean[]) => [Value | null, Value | null],
): (a: Operand, b: Operand) => Value {
  const prim: Primitive = {
    name,
    impl: ([a, b]) => kernel(a, b),
    jvp: ([a, b], [ta, tb], _p, y) => tangentSum(y, ...jvp(a, b, ta, tb, y)),
    vjp: (g, [a, b], _p, y, needed) => {
      const [ga, gb] = vjp(a, b, g, y, needed);
      return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
    },
  };
  return (a, b) => bind(prim, [lift(a), lift(b)], undefined);
}

const when = <V>(flag: boolean, f: () => V): V | null => (flag ? f() : null);

// d(a + b) = da + db
/** a + b with broadcasting, differentiable. */
export const add = binaryPrimitive('add', T.add, (_a, _b, ta, tb) => [ta, tb], (_a, _b, g) => [g, g]);
// d(a − b) = da − db
/** a − b with broadcasting, differentiable. */
export const sub = binaryPrimitive('sub', T.sub, (_a, _b, ta, tb) => [ta, tb && neg(tb)], (_a, _b, g, _y, n) => [g, when(n[1], () => neg(g))]);
// d(a·b) = da·b + a·db
/** a · b (elementwise) with broadcasting, differentiable. */
export const mul = binaryPrimitive(
  'mul',
  T.mul,
  (a, b, ta, tb) => [ta && mul(ta, b), tb && mul(a, tb)],
  (a, b, g, _y, n) => [when(n[0], () => mul(g, b)), when(n[1], () => mul(g, a))],
);
// d(a/b) = da/b − (a/b)·db/b = (da − y·db)/b
/** a / b (elementwise) with broadcasting, differentiable. */
export const div = binaryPrimitive(
  'div',
  T.div,
  (_a, b, ta, tb, y) => [ta && div(ta, b), tb && neg(div(mul(y, tb), b))],
  (_a, b, g, y, n) => [when(n[0], () => div(g, b)), when(n[1], () => neg(div(mul(g, y), b)))],
);
// d max(a,b) = w·da + (1 − w)·db, w = [a > b] + ½[a = b] (PyTorch splits ties evenly)
/** max(a, b) elementwise with broadcasting, differentiable (the gradient splits evenly at ties). */
export const maximum = binaryPrimitive(
  'maximum',
  T.maximum,
  (a, b, ta, tb) => {
    const w = T.maximumWeight(concrete(a), concrete(b));
    return [ta && mul(ta, w), tb && mul(tb, T.sub(1, w))];
  },
  (a, b, g, _y, n) => {
    const w = T.maximumWeight(concrete(a), concrete(b));
    return [when(n[0], () => mul(g, w)), when(n[1], () => mul(g, T.sub(1, w)))];
  },
);

/**
 * The core of the autodiff: values, traces and `bind`.
 *
 * A value is a concrete Tensor or a Tracer. A tracer belongs to one active transformation
 * (a Trace: forward-mode JVP or reverse-mode tape) and wraps the value one level down, which
 * may itself be a tracer of an outer transformation. Every differentiable op calls
 * `bind(primitive, inputs, params)`: bind hands the call to the innermost trace among the
 * inputs (the highest level), which computes the op one level down and attaches its
 * derivative information; with no tracer among the inputs the primitive's kernel runs.
 *
 * Nesting is what makes `hvp = jvp ∘ grad` exact: the reverse pass's VJP rules are written
 * with the same ops, so when they run on JVP tracers the JVP trace differentiates them too
 * (Pearlmutter 1994). Levels keep nested transformations apart (no perturbation confusion).
 */
import { fail, fmt, shapesEqual, type Backend, type Shape, type Tensor } from '../tensor/index.ts';

/** What differentiable ops take and return: a concrete Tensor, or a Tracer inside a transformation. */
export type Value = Tensor | Tracer;

/**
 * A primitive: its kernel and its two derivative rules. The rules are written with
 * differentiable ops, so they can be differentiated again.
 *  - jvp: the output tangent given input tangents (null = zero tangent); null if all are null.
 *  - vjp: the input cotangents given the output cotangent; `needed[i]` says whether input i
 *    wants one (the others may be returned as null to save work).
 */
export interface Primitive<P = undefined> {
  readonly name: string;
  impl(inputs: readonly Tensor[], params: P): Tensor;
  jvp(primals: readonly Value[], tangents: readonly (Value | null)[], params: P, out: Value): Value | null;
  vjp(cotangent: Value, primals: readonly Value[], params: P, out: Value, needed: readonly boolean[]): (Value | null)[];
}

export abstract class Trace {
  readonly level: number;
  active = true;
  constructor() {
    this.level = traceStack.length + 1;
  }
  abstract process<P>(prim: Primitive<P>, inputs: readonly Value[], params: P): Value;
}

/** A value inside a transformation (JVP or reverse tape): it wraps the value one level down and carries derivative information. */
export abstract class Tracer {
  abstract readonly trace: Trace;
  /** The value one level down. */
  abstract readonly primal: Value;
  get shape(): Shape {
    return this.primal.shape;
  }
  /** The backend the traced values live on. */
  get backend(): Backend {
    return this.primal.backend;
  }
  get size(): number {
    return this.primal.size;
  }
  get rank(): number {
    return this.primal.shape.length;
  }
}

const traceStack: Trace[] = [];

/** Runs `body` with `trace` as the innermost transformation; the trace is closed afterwards. */
export function withTrace<T>(trace: Trace, body: () => T): T {
  traceStack.push(trace);
  try {
    return body();
  } finally {
    traceStack.pop();
    trace.active = false;
  }
}

/** Applies a primitive: to the innermost trace among the inputs, or to concrete tensors. */
export function bind<P>(prim: Primitive<P>, inputs: readonly Value[], params: P): Value {
  let top: Trace | null = null;
  for (const v of inputs) {
    if (v instanceof Tracer) {
      if (!v.trace.active) fail(prim.name, 'a traced value was used after its transformation (vjp/jvp/grad) returned');
      if (top === null || v.trace.level > top.level) top = v.trace;
    }
  }
  if (top === null) return prim.impl(inputs as readonly Tensor[], params);
  return top.process(prim, inputs, params);
}

/** The concrete tensor under any number of tracers (for non-differentiable decisions: masks, argmax). */
export function concrete(v: Value): Tensor {
  while (v instanceof Tracer) v = v.primal;
  return v;
}

/** Tangents as a list, checked against the primals: one per primal, of the primal's shape. */
export function checkTangents(op: string, primals: readonly Value[], tangents: Value | readonly Value[]): readonly Value[] {
  const ts = (Array.isArray(tangents) ? tangents : [tangents]) as readonly Value[];
  if (ts.length !== primals.length) fail(op, `expected ${primals.length} tangents, given ${ts.length}`);
  primals.forEach((x, i) => {
    if (!shapesEqual(x.shape, ts[i].shape)) fail(op, `tangent ${i} must have the primal's shape ${fmt(x.shape)}, given ${fmt(ts[i].shape)}`);
  });
  return ts;
}

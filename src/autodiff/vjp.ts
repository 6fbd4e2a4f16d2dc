/**
 * Reverse mode: vjp(f, x) = (f(x), u ↦ J_f(x)ᵀ u). The forward pass records one tape node
 * per primitive applied to a traced value; the pullback walks the tape backwards, calling each
 * primitive's vjp rule and summing cotangents where a value was used more than once.
 */
import { fail, fmt, shapesEqual, zeros } from '../tensor/index.ts';
import { add } from './primitives/elementwise.ts';
import { bind, checkTangents, Trace, Tracer, withTrace, type Primitive, type Value } from './trace.ts';

interface TapeNode {
  readonly id: number;
  /** null for an input (leaf) of the differentiated function. */
  readonly prim: Primitive<unknown> | null;
  readonly primals: readonly Value[];
  readonly params: unknown;
  readonly out: Value;
  readonly parents: readonly (TapeNode | null)[];
}

class ReverseTracer extends Tracer {
  constructor(
    readonly trace: ReverseTrace,
    readonly primal: Value,
    readonly node: TapeNode,
  ) {
    super();
  }
}

class ReverseTrace extends Trace {
  readonly tape: TapeNode[] = [];

  leaf(x: Value): ReverseTracer {
    const node: TapeNode = { id: this.tape.length, prim: null, primals: [], params: undefined, out: x, parents: [] };
    this.tape.push(node);
    return new ReverseTracer(this, x, node);
  }

  process<P>(prim: Primitive<P>, inputs: readonly Value[], params: P): Value {
    const own = (v: Value): v is ReverseTracer => v instanceof ReverseTracer && v.trace === this;
    const primals = inputs.map((v) => (own(v) ? v.primal : v));
    const out = bind(prim, primals, params);
    const node: TapeNode = {
      id: this.tape.length,
      prim: prim as Primitive<unknown>,
      primals,
      params,
      out,
      parents: inputs.map((v) => (own(v) ? v.node : null)),
    };
    this.tape.push(node);
    return new ReverseTracer(this, out, node);
  }

  /** Cotangents of the leaves given the output node's cotangent: one backward sweep of the tape. */
  backward(output: TapeNode, seed: Value, leaves: readonly TapeNode[]): Value[] {
    const cotangents: (Value | undefined)[] = new Array(output.id + 1);
    cotangents[output.id] = seed;
    const isLeaf = new Set(leaves.map((l) => l.id));
    for (let id = output.id; id >= 0; id--) {
      const node = this.tape[id];
      const g = cotangents[id];
      if (g === undefined || node.prim === null) continue;
      if (!isLeaf.has(id)) cotangents[id] = undefined; // free as we go
      const needed = node.parents.map((p) => p !== null);
      const grads = node.prim.vjp(g, node.primals, node.params, node.out, needed);
      node.parents.forEach((p, i) => {
        const gi = grads[i];
        if (p === null || gi === null || gi === undefined) return;
        const prev = cotangents[p.id];
        cotangents[p.id] = prev === undefined ? gi : add(prev, gi);
      });
    }
    return leaves.map((l) => cotangents[l.id] ?? zeros(l.out.shape, l.out.backend));
  }

  /**
   * Tangent of the output node given tangents of the leaves: one forward sweep of the tape with
   * each primitive's jvp rule on the recorded primals, so no primal is computed again.
   */
  forward(output: TapeNode, leaves: readonly TapeNode[], tangents: readonly Value[]): Value | null {
    const tangentOf: (Value | null | undefined)[] = new Array(output.id + 1);
    leaves.forEach((l, i) => (tangentOf[l.id] = tangents[i]));
    for (let id = 0; id <= output.id; id++) {
      const node = this.tape[id];
      if (node.prim === null) continue;
      const inputs = node.parents.map((p) => (p === null ? null : (tangentOf[p.id] ?? null)));
      tangentOf[id] = inputs.some((t) => t !== null) ? node.prim.jvp(node.primals, inputs, node.params, node.out) : null;
    }
    return tangentOf[output.id] ?? null;
  }
}

/**
 * Evaluates f at x and returns [f(x), pullback] with pullback(u) = J_f(x)ᵀ u, shaped like x.
 * x is a tensor or an array of tensors; f takes x's structure and returns one tensor.
 */
export function vjp<X extends Value | readonly Value[]>(f: (x: X) => Value, x: X): [Value, (cotangent: Value) => X] {
  const [y, , pullback] = linearize(f, x);
  return [y, pullback];
}

/**
 * Evaluates f at x once and returns [f(x), pushforward, pullback]: pushforward(v) = J v and
 * pullback(u) = Jᵀ u, both replaying the one recorded forward pass (J v = jvp(f, x, v)[1]
 * without evaluating f again). The GGN-vector product J_zᵀ Λ J_z v uses both.
 */
export function linearize<X extends Value | readonly Value[]>(f: (x: X) => Value, x: X): [Value, (tangent: X) => Value, (cotangent: Value) => X] {
  const xs = (Array.isArray(x) ? x : [x]) as readonly Value[];
  const trace = new ReverseTrace();
  const { y, leaves } = withTrace(trace, () => {
    const wrapped = xs.map((xi) => trace.leaf(xi));
    const out = f((Array.isArray(x) ? wrapped : wrapped[0]) as unknown as X);
    return { y: out, leaves: wrapped.map((w) => w.node) };
  });
  const tracedOutput = y instanceof ReverseTracer && y.trace === trace ? y : null;
  const primalOut = tracedOutput ? tracedOutput.primal : y;
  const pullback = (cotangent: Value): X => {
    if (!shapesEqual(cotangent.shape, primalOut.shape)) {
      fail('vjp', `cotangent must have the output's shape ${fmt(primalOut.shape)}, given ${fmt(cotangent.shape)}`);
    }
    const grads = tracedOutput ? trace.backward(tracedOutput.node, cotangent, leaves) : leaves.map((l) => zeros(l.out.shape, l.out.backend));
    return (Array.isArray(x) ? grads : grads[0]) as X;
  };
  const pushforward = (tangent: X): Value => {
    const ts = checkTangents('linearize', xs, tangent);
    const out = tracedOutput ? trace.forward(tracedOutput.node, leaves, ts) : null;
    return out ?? zeros(primalOut.shape, primalOut.backend);
  };
  return [primalOut, pushforward, pullback];
}

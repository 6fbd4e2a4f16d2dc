/**
 * Tensor: a shape plus contiguous row-major float64 data, owned by a backend (the CPU by
 * default). Tensors are immutable by convention: ops never write into their inputs, and
 * callers must not write into `data` of a tensor they passed on.
 */
import type { Backend } from './backend.ts';
import { defaultBackend } from './default-backend.ts';
import { fail, fmt } from './errors.ts';
import { formatTensor } from './format.ts';
import type { Random } from './random.ts';
import { checkShape, sizeOf, type Shape } from './shape.ts';

/** A shape plus contiguous row-major float64 elements, owned by a backend (the CPU by default); immutable by convention. */
export class Tensor {
  readonly shape: Shape;
  readonly size: number;

  /** Use the creation functions (`tensor`, `zeros`, …) or a backend's `fromFloat64`. */
  constructor(
    shape: readonly number[],
    readonly storage: unknown,
    readonly backend: Backend = defaultBackend(),
  ) {
    this.shape = checkShape('Tensor', shape);
    this.size = sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Row-major float64 elements. On the CPU this is the storage itself: do not write into it. */
  get data(): Float64Array {
    return this.backend.read(this);
  }

  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) fail('Tensor.item', `expected a tensor with one element, given shape ${fmt(this.shape)}`);
    return this.data[0];
  }

  /** Nested JavaScript arrays (a number for a scalar). */
  toArray(): unknown {
    const data = this.data;
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return data[offset];
      const inner = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * inner));
    };
    return build(0, 0);
  }

  /** NumPy-style text: values (summarized above 1000 elements), shape, dtype and backend. */
  toString(): string {
    return formatTensor(this);
  }

  /** What `console.log` and `util.inspect` show in Node (the symbol needs no Node import). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return formatTensor(this);
  }
}

type Nested = number | readonly Nested[];

/**
 * A tensor from numbers: a nested array (shape inferred, must be rectangular), or flat data
 * with an explicit shape whose size must match the data length exactly.
 */
export function tensor(values: Nested | Float64Array | readonly number[], shape?: readonly number[]): Tensor {
  if (shape !== undefined) {
    const s = checkShape('tensor', shape);
    const flat = values instanceof Float64Array ? values : typeof values === 'number' ? [values] : flatten(values as readonly Nested[]);
    if (flat.length !== sizeOf(s)) {
      fail('tensor', `data length ${flat.length} does not match shape ${fmt(s)} (size ${sizeOf(s)})`);
    }
    return new Tensor(s, flat instanceof Float64Array ? flat : Float64Array.from(flat));
  }
  if (values instanceof Float64Array) return new Tensor([values.length], values);
  const inferred = inferShape(values);
  return new Tensor(inferred, Float64Array.from(typeof values === 'number' ? [values] : flatten(values as readonly Nested[])));
}

function inferShape(values: Nested): number[] {
  if (typeof values === 'number') return [];
  if (!Array.isArray(values)) fail('tensor', `expected numbers or nested arrays of numbers, given ${typeof values}`);
  if (values.length === 0) return [0];
  const inner = inferShape(values[0]);
  for (const v of values) {
    const s = inferShape(v);
    if (s.length !== inner.length || s.some((d, i) => d !== inner[i])) {
      fail('tensor', `nested arrays are not rectangular: found sub-shapes ${fmt(inner)} and ${fmt(s)}`);
    }
  }
  return [values.length, ...inner];
}

function flatten(values: readonly Nested[]): number[] {
  const out: number[] = [];
  const walk = (v: Nested): void => {
    if (typeof v === 'number') {
      out.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else {
      fail('tensor', `expected numbers, given ${typeof v}`);
    }
  };
  for (const v of values) walk(v);
  return out;
}

// The creation functions below make CPU tensors unless given another backend.

/** A rank-0 tensor holding `value`. */
export function scalar(value: number, backend: Backend = defaultBackend()): Tensor {
  return backend.fromFloat64(Float64Array.of(value), []);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, backend: Backend = defaultBackend()): Tensor {
  const s = checkShape('full', shape);
  return backend.fromFloat64(new Float64Array(sizeOf(s)).fill(value), s);
}

/** A tensor of `shape` filled with 0. */
export function zeros(shape: readonly number[], backend: Backend = defaultBackend()): Tensor {
  const s = checkShape('zeros', shape);
  return backend.fromFloat64(new Float64Array(sizeOf(s)), s);
}

/** A tensor of `shape` filled with 1. */
export function ones(shape: readonly number[], backend: Backend = defaultBackend()): Tensor {
  return full(shape, 1, backend);
}

/** The same elements on another backend (a copy; float64 → float32 rounds on the gpu.js backend). */
export function toBackend(x: Tensor, backend: Backend): Tensor {
  return x.backend === backend ? x : backend.fromFloat64(x.data, x.shape);
}

/** Standard normal entries from the given generator. */
export function randn(shape: readonly number[], rng: Random): Tensor {
  const s = checkShape('randn', shape);
  const data = new Float64Array(sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return new Tensor(s, data);
}

/** Uniform entries in [low, high) from the given generator. */
export function rand(shape: readonly number[], rng: Random, low = 0, high = 1): Tensor {
  const s = checkShape('rand', shape);
  const data = new Float64Array(sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.uniform();
  return new Tensor(s, data);
}

/**
 * A model built from a JSON spec: a sequence of layers with PyTorch semantics, seen as a pure
 * function forward(θ, x) of a flat parameter vector θ in PyTorch order (docs/DESIGN.md): layer by
 * layer, weight then bias; conv weight [out, in, kh, kw], linear weight [out, in]. Parameter
 * names are those of the equivalent `nn.Sequential` ("0.weight", "0.bias", "4.weight", …),
 * so `parameters_to_vector(model.parameters())` loads as is.
 */
import * as ad from '../autodiff/index.ts';
import type { Value } from '../autodiff/index.ts';
import { cpuBackend, fail, fmt, type Backend, type Random, shapesEqual, sizeOf, type Tensor, type Shape } from '../tensor/index.ts';
import { checkSpec, pairOf, type LayerSpec, type ModelSpec } from './spec.ts';

/** One parameter tensor of a model: its PyTorch name, layer, kind, shape and place in θ. */
export interface ParameterInfo {
  /** PyTorch name in the equivalent nn.Sequential, e.g. "3.weight". */
  name: string;
  /** Index of the layer in the spec (= the Sequential index). */
  layer: number;
  /** Weights are regularized (Eq. 1); biases are not. */
  kind: 'weight' | 'bias';
  shape: Shape;
  /** Offset of the first entry in the flat parameter vector. */
  offset: number;
  size: number;
  /** Fan-in of the layer (in·kh·kw or in), which sets PyTorch's default initialization. */
  fanIn: number;
}

/** Options of Model.forward. */
export interface ForwardOptions {
  /**
   * Called after every layer with its index, input and output (batched). A returned value
   * replaces the output: K-FAC adds a zero "probe" there, whose cotangent under vjp is the
   * gradient with respect to the layer's output (src/curvature/kfac.ts).
   */
  onLayer?: (index: number, input: Value, output: Value) => Value | void;
}

/** A model built from a JSON spec: a pure function forward(θ, x) of the flat parameter vector θ in PyTorch order, with its parameter layout and PyTorch-default initialization. */
export class Model {
  readonly spec: ModelSpec;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Per-example input and output shape of every layer. */
  readonly layerShapes: readonly { input: Shape; output: Shape }[];
  readonly parameters: readonly ParameterInfo[];
  readonly numParams: number;

  constructor(spec: unknown) {
    const checked = checkSpec(spec);
    this.spec = checked.spec;
    this.layerShapes = checked.shapes;
    this.inputShape = this.spec.input;
    this.outputShape = checked.shapes[checked.shapes.length - 1].output;
    const params: ParameterInfo[] = [];
    let offset = 0;
    const add = (layer: number, kind: 'weight' | 'bias', shape: number[], fanIn: number) => {
      params.push({ name: `${layer}.${kind}`, layer, kind, shape, offset, size: sizeOf(shape), fanIn });
      offset += sizeOf(shape);
    };
    this.spec.layers.forEach((layer, i) => {
      const inShape = checked.shapes[i].input;
      if (layer.type === 'linear') {
        add(i, 'weight', [layer.out, inShape[0]], inShape[0]);
        if (layer.bias !== false) add(i, 'bias', [layer.out], inShape[0]);
      } else if (layer.type === 'conv2d') {
        const [kh, kw] = pairOf(layer.kernel);
        add(i, 'weight', [layer.out, inShape[0], kh, kw], inShape[0] * kh * kw);
        if (layer.bias !== false) add(i, 'bias', [layer.out], inShape[0] * kh * kw);
      }
    });
    this.parameters = params;
    this.numParams = offset;
  }

  /**
   * PyTorch's default initialization of Conv2d and Linear: weight by kaiming_uniform_(a = √5)
   * and bias uniform, both U(−1/√fan_in, 1/√fan_in); drawn in parameter order from `rng`.
   */
  init(rng: Random): Float64Array {
    const theta = new Float64Array(this.numParams);
    for (const p of this.parameters) {
      const bound = 1 / Math.sqrt(p.fanIn);
      for (let i = 0; i < p.size; i++) theta[p.offset + i] = (2 * rng.uniform() - 1) * bound;
    }
    return theta;
  }

  /** 1 on weight entries, 0 on bias entries: the D of the GGN's λD and of r(θ) = (λ/2)‖θ_w‖² (Eq. 1). */
  weightMask(): Float64Array {
    const mask = new Float64Array(this.numParams);
    for (const p of this.parameters) if (p.kind === 'weight') mask.fill(1, p.offset, p.offset + p.size);
    return mask;
  }

  /** Checks a flat parameter vector's length. */
  checkParams(theta: ArrayLike<number>, op = 'Model'): void {
    if (theta.length !== this.numParams) fail(op, `parameter vector must have length ${this.numParams} (numParams), given ${theta.length}`);
  }

  /** Per-parameter tensors from a flat vector: views on the CPU (no copy), copies on another backend. */
  split(theta: Float64Array, backend: Backend = cpuBackend): Tensor[] {
    this.checkParams(theta, 'Model.split');
    return this.parameters.map((p) => backend.fromFloat64(theta.subarray(p.offset, p.offset + p.size), p.shape));
  }

  /** The flat vector of per-parameter values, in parameter order. */
  join(parts: readonly Value[]): Float64Array {
    if (parts.length !== this.parameters.length) fail('Model.join', `expected ${this.parameters.length} parameter tensors, given ${parts.length}`);
    const theta = new Float64Array(this.numParams);
    this.parameters.forEach((p, i) => {
      if (!shapesEqual(parts[i].shape, p.shape)) fail('Model.join', `parameter ${p.name} must have shape ${fmt(p.shape)}, given ${fmt(parts[i].shape)}`);
      theta.set(ad.concrete(parts[i]).data, p.offset);
    });
    return theta;
  }

  /** Per-parameter values from θ: a flat Float64Array, a flat [P] value (sliced, differentiable) or a list. */
  private unpack(params: Float64Array | Value | readonly Value[]): readonly Value[] {
    if (params instanceof Float64Array) return this.split(params);
    if (Array.isArray(params)) {
      const list = params as readonly Value[];
      if (list.length !== this.parameters.length) fail('Model.forward', `expected ${this.parameters.length} parameter tensors, given ${list.length}`);
      list.forEach((v, i) => {
        if (!shapesEqual(v.shape, this.parameters[i].shape)) fail('Model.forward', `parameter ${this.parameters[i].name} must have shape ${fmt(this.parameters[i].shape)}, given ${fmt(v.shape)}`);
      });
      return list;
    }
    const flat = params as Value;
    if (flat.rank !== 1) fail('Model.forward', `a flat parameter vector must be 1-D [${this.numParams}], given ${fmt(flat.shape)}`);
    this.checkParams({ length: flat.size }, 'Model.forward');
    return this.parameters.map((p) => ad.reshape(ad.slice(flat, [p.offset], [p.offset + p.size]), p.shape));
  }

  /** A batch of inputs [N, ...inputShape] from row-major data (N inferred; the length must fit exactly). */
  inputTensor(data: Float64Array, backend: Backend = cpuBackend): Tensor {
    const per = sizeOf(this.inputShape);
    if (data.length % per !== 0) fail('Model.inputTensor', `input data length ${data.length} is not a multiple of the example size ${per} (input ${fmt(this.inputShape)})`);
    return backend.fromFloat64(data, [data.length / per, ...this.inputShape]);
  }

  /** Outputs [N, ...outputShape] for inputs [N, ...inputShape]. */
  forward(params: Float64Array | Value | readonly Value[], inputs: Value, options: ForwardOptions = {}): Value {
    const expected = this.inputShape;
    if (inputs.rank !== expected.length + 1 || !shapesEqual(inputs.shape.slice(1), expected)) {
      fail('Model.forward', `inputs must have shape [N, ${expected.join(', ')}], given ${fmt(inputs.shape)}`);
    }
    const values = this.unpack(params);
    let next = 0;
    const take = () => values[next++];
    let x = inputs;
    this.spec.layers.forEach((layer, i) => {
      const y = applyLayer(layer, x, take);
      x = options.onLayer?.(i, x, y) ?? y;
    });
    return x;
  }

  /** One line per layer with its output shape and parameter count, then the total. */
  summary(): string {
    const lines = this.spec.layers.map((layer, i) => {
      const count = this.parameters.filter((p) => p.layer === i).reduce((s, p) => s + p.size, 0);
      return `  ${String(i).padStart(2)}  ${layer.type.padEnd(13)} → ${fmt(this.layerShapes[i].output).padEnd(14)} ${count > 0 ? `${count} parameters` : ''}`;
    });
    return [`input ${fmt(this.inputShape)}`, ...lines, `total: ${this.numParams} parameters`].join('\n');
  }
}

/** One layer's batched forward computation with PyTorch semantics. */
function applyLayer(layer: LayerSpec, x: Value, take: () => Value): Value {
  switch (layer.type) {
    case 'linear': {
      const w = take();
      const y = ad.matmul(x, w, { transB: true }); // x Wᵀ, W [out, in]
      return layer.bias === false ? y : ad.add(y, take());
    }
    case 'conv2d': {
      const w = take();
      const y = ad.conv2d(x, w, { stride: layer.stride, padding: layer.padding });
      return layer.bias === false ? y : ad.add(y, ad.reshape(take(), [1, layer.out, 1, 1]));
    }
    case 'relu':
      return ad.relu(x);
    case 'tanh':
      return ad.tanh(x);
    case 'sigmoid':
      return ad.sigmoid(x);
    case 'maxpool2d':
      return ad.maxPool2d(x, { kernel: layer.kernel, stride: layer.stride, padding: layer.padding });
    case 'avgpool2d':
      return ad.avgPool2d(x, { kernel: layer.kernel, stride: layer.stride, padding: layer.padding });
    case 'globalavgpool':
      return ad.mean(x, [2, 3], true); // AdaptiveAvgPool2d(1): [N, c, 1, 1]
    case 'flatten':
      return ad.reshape(x, [x.shape[0], -1]); // nn.Flatten(): keeps the batch axis
  }
}

/** Builds a model from a JSON spec (object or JSON text). */
export function fromSpec(spec: unknown): Model {
  if (typeof spec === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(spec);
    } catch (e) {
      fail('fromSpec', `the spec is not valid JSON: ${(e as Error).message}`);
    }
    return new Model(parsed);
  }
  return new Model(spec);
}

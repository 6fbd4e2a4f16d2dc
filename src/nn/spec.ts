/**
 * The JSON model spec (docs/DESIGN.md): `{"input": [c, h, w] | [features], "layers": [...]}` with
 * PyTorch semantics per layer. `checkSpec` validates a parsed spec and infers every layer's
 * per-example output shape, with errors that name the layer, the field and the shapes.
 */
import { convGeometry, fail, fmt, MbquadError, poolGeometry, type Shape } from '../tensor/index.ts';

export type Pair = number | [number, number];

/** One layer of a JSON model spec (docs/DESIGN.md): its type and fields, with PyTorch semantics. */
export type LayerSpec =
  | { type: 'linear'; out: number; bias?: boolean }
  | { type: 'conv2d'; out: number; kernel: Pair; stride?: Pair; padding?: Pair; bias?: boolean }
  | { type: 'relu' | 'tanh' | 'sigmoid' | 'flatten' | 'globalavgpool' }
  | { type: 'maxpool2d' | 'avgpool2d'; kernel: Pair; stride?: Pair; padding?: Pair };

/** A JSON model spec: the input shape (without the batch axis) and the layers in order, like an nn.Sequential. */
export interface ModelSpec {
  /** Per-example input shape: [c, h, w] for images, [features] for vectors. */
  input: number[];
  layers: LayerSpec[];
}

/** The name of a layer type of the JSON spec. */
export type LayerType = LayerSpec['type'];

/** Required and optional fields of every layer type (anything else is refused: typos never pass silently). */
const FIELDS: Record<LayerType, { required: string[]; optional: string[] }> = {
  linear: { required: ['out'], optional: ['bias'] },
  conv2d: { required: ['out', 'kernel'], optional: ['stride', 'padding', 'bias'] },
  relu: { required: [], optional: [] },
  tanh: { required: [], optional: [] },
  sigmoid: { required: [], optional: [] },
  flatten: { required: [], optional: [] },
  globalavgpool: { required: [], optional: [] },
  maxpool2d: { required: ['kernel'], optional: ['stride', 'padding'] },
  avgpool2d: { required: ['kernel'], optional: ['stride', 'padding'] },
};

/** The layer types of the JSON spec. */
export const LAYER_TYPES = Object.keys(FIELDS) as LayerType[];

const OP = 'fromSpec';

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function checkPair(where: string, name: string, v: unknown, min: number): void {
  const ok = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= min;
  if (!(ok(v) || (Array.isArray(v) && v.length === 2 && v.every(ok)))) {
    fail(OP, `${where}: '${name}' must be an integer ≥ ${min} or a pair of them, given ${JSON.stringify(v)}`);
  }
}

/** Validates one layer's fields (not its shapes). */
function checkLayerFields(layer: unknown, index: number): LayerSpec {
  if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) fail(OP, `layer ${index}: expected an object, given ${JSON.stringify(layer)}`);
  const obj = layer as Record<string, unknown>;
  const type = obj.type;
  if (typeof type !== 'string' || !(type in FIELDS)) {
    fail(OP, `layer ${index}: unknown layer type ${JSON.stringify(type)}; known types: ${LAYER_TYPES.join(', ')}`);
  }
  const where = `layer ${index} (${type})`;
  const { required, optional } = FIELDS[type as LayerType];
  for (const f of required) if (!(f in obj)) fail(OP, `${where}: missing field '${f}'`);
  for (const f of Object.keys(obj)) {
    if (f !== 'type' && !required.includes(f) && !optional.includes(f)) {
      fail(OP, `${where}: unknown field '${f}'; allowed: ${[...required, ...optional].join(', ') || 'none'}`);
    }
  }
  if ('out' in obj && !isPositiveInt(obj.out)) fail(OP, `${where}: 'out' must be a positive integer, given ${JSON.stringify(obj.out)}`);
  if ('kernel' in obj) checkPair(where, 'kernel', obj.kernel, 1);
  if ('stride' in obj) checkPair(where, 'stride', obj.stride, 1);
  if ('padding' in obj) checkPair(where, 'padding', obj.padding, 0);
  if ('bias' in obj && typeof obj.bias !== 'boolean') fail(OP, `${where}: 'bias' must be true or false, given ${JSON.stringify(obj.bias)}`);
  return obj as unknown as LayerSpec;
}

/** Per-example output shape of a layer for a per-example input shape (throws naming the layer). */
function layerOutputShape(layer: LayerSpec, input: Shape, index: number): Shape {
  const where = `layer ${index} (${layer.type})`;
  const needImage = () => {
    if (input.length !== 3) fail(OP, `${where}: needs an image input [c, h, w], given ${fmt(input)}`);
  };
  try {
    switch (layer.type) {
      case 'linear':
        if (input.length !== 1) fail(OP, `${where}: needs a flat input [features] (add a flatten layer before it), given ${fmt(input)}`);
        return [layer.out];
      case 'conv2d': {
        needImage();
        const g = convGeometry([1, ...input], [layer.out, input[0], ...pairOf(layer.kernel)], { stride: layer.stride, padding: layer.padding });
        return [layer.out, g.ho, g.wo];
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        needImage();
        const g = poolGeometry(layer.type, [1, ...input], { kernel: layer.kernel, stride: layer.stride, padding: layer.padding });
        return [input[0], g.ho, g.wo];
      }
      case 'globalavgpool':
        needImage();
        return [input[0], 1, 1];
      case 'flatten':
        return [input.reduce((a, b) => a * b, 1)];
      default:
        return input;
    }
  } catch (e) {
    if (e instanceof MbquadError && e.op !== OP) fail(OP, `${where} on input ${fmt(input)}: ${e.message}`);
    throw e;
  }
}

export function pairOf(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Checks a parsed spec; returns it with every layer's per-example input and output shape. */
export function checkSpec(spec: unknown): { spec: ModelSpec; shapes: { input: Shape; output: Shape }[] } {
  if (typeof spec !== 'object' || spec === null) fail(OP, `expected a spec object {input, layers}, given ${JSON.stringify(spec)}`);
  const obj = spec as Record<string, unknown>;
  if (!('input' in obj)) fail(OP, "missing field 'input'");
  if (!('layers' in obj)) fail(OP, "missing field 'layers'");
  for (const f of Object.keys(obj)) if (f !== 'input' && f !== 'layers') fail(OP, `unknown field '${f}'; allowed: input, layers`);
  const input = obj.input;
  if (!Array.isArray(input) || (input.length !== 1 && input.length !== 3) || !input.every(isPositiveInt)) {
    fail(OP, `'input' must be [features] or [c, h, w] of positive integers, given ${JSON.stringify(input)}`);
  }
  if (!Array.isArray(obj.layers) || obj.layers.length === 0) fail(OP, `'layers' must be a non-empty array, given ${JSON.stringify(obj.layers)}`);
  const layers = obj.layers.map(checkLayerFields);
  const shapes: { input: Shape; output: Shape }[] = [];
  let current: Shape = input.slice();
  layers.forEach((layer, i) => {
    const out = layerOutputShape(layer, current, i);
    shapes.push({ input: current, output: out });
    current = out;
  });
  return { spec: { input: input.slice(), layers }, shapes };
}

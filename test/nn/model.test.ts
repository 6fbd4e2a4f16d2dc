/** Models from specs: PyTorch parameter layout, layer forward values, gradients, initialization. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.ts';
import type { Value } from '../../src/autodiff/index.ts';
import { nn } from '../../src/index.ts';
import { Random, randn, Tensor, tensor } from '../../src/tensor/index.ts';
import { seed } from '../helpers/arbitrary.ts';
import { checkDerivatives } from '../helpers/derivatives.ts';

const { fromSpec } = nn;

describe('parameter layout', () => {
  it('names, shapes and offsets are those PyTorch lists for the equivalent nn.Sequential', () => {
    const model = fromSpec({
      input: [1, 8, 8],
      layers: [
        { type: 'conv2d', out: 4, kernel: 3, stride: 1, padding: 1 },
        { type: 'relu' },
        { type: 'maxpool2d', kernel: 2 },
        { type: 'conv2d', out: 2, kernel: [3, 1], bias: false },
        { type: 'flatten' },
        { type: 'linear', out: 10 },
      ],
    });
    // nn.Sequential(Conv2d(1,4,3,padding=1), ReLU(), MaxPool2d(2), Conv2d(4,2,(3,1),bias=False), Flatten(), Linear(16,10))
    expect(model.parameters.map((p) => [p.name, p.shape, p.offset])).toEqual([
      ['0.weight', [4, 1, 3, 3], 0],
      ['0.bias', [4], 36],
      ['3.weight', [2, 4, 3, 1], 40],
      ['5.weight', [10, 16], 64],
      ['5.bias', [10], 224],
    ]);
    expect(model.numParams).toBe(234);
    expect(model.outputShape).toEqual([10]);
    const mask = model.weightMask();
    expect(Array.from(mask.subarray(30, 42))).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1]);
    expect(mask.reduce((s, v) => s + v, 0)).toBe(36 + 24 + 160);
  });
  it('presets have the published parameter counts', () => {
    expect(fromSpec(nn.allCnnC([3, 32, 32], 100)).numParams).toBe(1_387_108); // DeepOBS cifar100_allcnnc
    expect(fromSpec(nn.allCnnC([1, 8, 8], 10, [8, 16])).outputShape).toEqual([10]);
    // test problem (D): conv 3→w, maxpool, depth × conv w→w, maxpool, linear
    const w = 8, depth = 2;
    expect(fromSpec(nn.convNet([3, 32, 32], 10, depth, w)).numParams).toBe(3 * w * 9 + w + depth * (w * w * 9 + w) + (w * 8 * 8) * 10 + 10);
    expect(fromSpec(nn.mlp([1, 8, 8], [32, 16], 10)).numParams).toBe(64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10);
  });
});

describe('layer forward values on hand-computed cases', () => {
  const run = (spec: nn.ModelSpec, theta: number[], x: number[]) => {
    const model = fromSpec(spec);
    return Array.from(ad.concrete(model.forward(Float64Array.from(theta), model.inputTensor(Float64Array.from(x)))).data);
  };
  it('linear: x Wᵀ + b with W [out, in]', () => {
    // W = [[1, 2], [3, 4], [5, 6]], b = [0.5, -1, 2]; x = [1, -1]
    expect(run({ input: [2], layers: [{ type: 'linear', out: 3 }] }, [1, 2, 3, 4, 5, 6, 0.5, -1, 2], [1, -1])).toEqual([-0.5, -2, 1]);
  });
  it('conv2d: cross-correlation with padding and stride, bias per channel', () => {
    // 3×3 input 1..9, kernel [[1,0],[0,-1]], bias 10, stride 1, no padding: x[i,j] − x[i+1,j+1] + 10 = 6
    expect(run({ input: [1, 3, 3], layers: [{ type: 'conv2d', out: 1, kernel: 2 }] }, [1, 0, 0, -1, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([6, 6, 6, 6]);
    // kernel of ones, padding 1, stride 2 on the same input: window sums at (0,0),(0,2),(2,0),(2,2)
    expect(run({ input: [1, 3, 3], layers: [{ type: 'conv2d', out: 1, kernel: 3, stride: 2, padding: 1, bias: false }] }, [1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]))
      .toEqual([1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9]);
  });
  it('activations', () => {
    const id = (type: 'relu' | 'tanh' | 'sigmoid') => run({ input: [3], layers: [{ type }] }, [], [-1, 0, 2]);
    expect(id('relu')).toEqual([0, 0, 2]);
    expect(id('tanh')).toEqual([Math.tanh(-1), 0, Math.tanh(2)]);
    expect(id('sigmoid')).toEqual([1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2))]);
  });
  it('pooling, global average pooling and flatten', () => {
    const x = [1, 5, 2, 0, 3, 4, 9, 1, 6, 7, 8, 2, 0, 1, 3, 4];
    expect(run({ input: [1, 4, 4], layers: [{ type: 'maxpool2d', kernel: 2 }] }, [], x)).toEqual([5, 9, 7, 8]);
    expect(run({ input: [1, 4, 4], layers: [{ type: 'avgpool2d', kernel: 2 }] }, [], x)).toEqual([13 / 4, 12 / 4, 14 / 4, 17 / 4]);
    // padding 1, kernel 2, stride 2: windows hold 1, 2, 2, … real elements; average divides by 4
    expect(run({ input: [1, 4, 4], layers: [{ type: 'avgpool2d', kernel: 2, padding: 1 }] }, [], x)).toEqual([1 / 4, 7 / 4, 0 / 4, 9 / 4, 28 / 4, 3 / 4, 0 / 4, 4 / 4, 4 / 4]);
    expect(run({ input: [1, 4, 4], layers: [{ type: 'globalavgpool' }] }, [], x)).toEqual([56 / 16]);
    const model = fromSpec({ input: [2, 2, 2], layers: [{ type: 'globalavgpool' }, { type: 'flatten' }] });
    expect(model.outputShape).toEqual([2]);
  });
});

describe('forward', () => {
  const everyLayer: nn.ModelSpec = {
    input: [2, 6, 6],
    layers: [
      { type: 'conv2d', out: 3, kernel: 3, padding: 1 },
      { type: 'tanh' },
      { type: 'avgpool2d', kernel: 2, padding: 1 },
      { type: 'conv2d', out: 3, kernel: 2, stride: 2, bias: false },
      { type: 'sigmoid' },
      { type: 'globalavgpool' },
      { type: 'flatten' },
      { type: 'linear', out: 4 },
      { type: 'relu' },
      { type: 'linear', out: 3 },
    ],
  };
  it('takes θ as a flat Float64Array, a flat tensor or a list, with equal results', () => {
    const model = fromSpec(everyLayer);
    const rng = new Random(1);
    const theta = model.init(rng);
    const x = randn([2, 2, 6, 6], rng);
    const a = ad.concrete(model.forward(theta, x)).data;
    expect(ad.concrete(model.forward(new Tensor([model.numParams], theta), x)).data).toEqual(a);
    expect(ad.concrete(model.forward(model.split(theta), x)).data).toEqual(a);
    expect(model.join(model.split(theta))).toEqual(theta);
  });
  it('the gradient of the loss with respect to the flat θ matches finite differences (every layer type)', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const rng = new Random(s);
        const model = fromSpec({ ...everyLayer, layers: everyLayer.layers.map((l) => (l.type === 'relu' ? { type: 'tanh' as const } : l)) });
        const theta = new Tensor([model.numParams], model.init(rng));
        const x = randn([3, 2, 6, 6], rng);
        const labels = Int32Array.from({ length: 3 }, () => rng.integer(3));
        const f = ([t]: readonly Value[]) => nn.crossEntropy(model.forward(t, x), labels);
        checkDerivatives(f, [theta], rng, { what: 'model loss' });
      }),
      { numRuns: 5 },
    );
  });
  it('reports every layer input and output to onLayer (for per-layer curvature later)', () => {
    const model = fromSpec(everyLayer);
    const seen: [number, number[], number[]][] = [];
    model.forward(model.init(new Random(0)), randn([2, 2, 6, 6], new Random(1)), { onLayer: (i, inp, out) => void seen.push([i, [...inp.shape], [...out.shape]]) });
    expect(seen.map((s) => s[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen[3]).toEqual([3, [2, 3, 4, 4], [2, 3, 2, 2]]);
  });
  it('refuses inputs of the wrong shape', () => {
    const model = fromSpec(everyLayer);
    expect(() => model.forward(model.init(new Random(0)), randn([2, 6, 6], new Random(0)))).toThrow(/Model.forward: inputs must have shape \[N, 2, 6, 6\], given \[2,6,6\]/);
  });
});

describe('initialization', () => {
  it('is PyTorch\'s default U(−1/√fan_in, 1/√fan_in) for weights and biases, and seeded', () => {
    const model = fromSpec({ input: [3, 5, 5], layers: [{ type: 'conv2d', out: 64, kernel: 3 }, { type: 'flatten' }, { type: 'linear', out: 100 }] });
    const theta = model.init(new Random(3));
    expect(theta).toEqual(model.init(new Random(3)));
    for (const p of model.parameters) {
      const values = theta.subarray(p.offset, p.offset + p.size);
      const bound = 1 / Math.sqrt(p.fanIn);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      // Uniform on [−b, b] has variance b²/3; with ≥ 64 samples the estimate is within 50 %.
      const variance = values.reduce((s, v) => s + v * v, 0) / values.length;
      expect(variance / (bound * bound / 3)).toBeGreaterThan(0.5);
      expect(variance / (bound * bound / 3)).toBeLessThan(1.5);
    }
    expect(model.parameters.map((p) => p.fanIn)).toEqual([27, 27, 576, 576]);
  });
});

describe('losses', () => {
  it('cross-entropy is the batch mean of logsumexp(z) − z_y (Eq. 13)', () => {
    const z = tensor([[1, 2, 3], [0, 0, 1000]]);
    const expected = ((Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 1) + 0) / 2; // second row: logsumexp ≈ 1000 = z_y
    expect(ad.concrete(nn.crossEntropy(z, Int32Array.of(0, 2))).item()).toBeCloseTo(expected, 14);
    expect(() => nn.crossEntropy(z, Int32Array.of(0, 3))).toThrow(/crossEntropy: target 1 is 3, outside the classes 0..2/);
  });
  it('MSE is the mean over all N·C elements; the regularizer covers weights only', () => {
    expect(ad.concrete(nn.meanSquaredError(tensor([[1, 2], [3, 4]]), Float64Array.of(0, 0, 0, 0))).item()).toBe(30 / 4);
    expect(ad.concrete(nn.weightRegularizer([tensor([1, 2]), tensor([[3]])], 0.5)).item()).toBe(0.25 * 14);
  });
});

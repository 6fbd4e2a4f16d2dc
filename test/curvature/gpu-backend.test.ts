/**
 * Whole models on the gpu.js backend: loss, gradient, Hessian- and GGN-vector products within
 * 1e-4 relative (‖gpu − cpu‖ / ‖cpu‖) of the float64 CPU backend, for every layer type, both
 * losses, with and without weight decay, and over a batch split into chunks.
 *
 * Why 1e-4 holds with margin: every kernel is within its float32 rounding bound
 * (test/tensor/gpu-kernels.test.ts); through a few layers and a reverse (and, for the HVP, a
 * forward-over-reverse) sweep those grow by the depth and the sums' lengths, to ~1e-6 relative
 * on these models (measured 2e-8 to 1.7e-7), so 1e-4 — the issue's requirement — is not close. A
 * wrong rule or a mis-indexed kernel gives O(1) errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { curvature, nn } from '../../src/index.ts';
import { gpuBackend, Random, type GpuMode } from '../../src/tensor/index.ts';

const gpu = gpuBackend({ mode: (process.env.MBQUAD_GPU_MODE ?? 'auto') as GpuMode });
afterAll(() => {
  expect(gpu.fallbacks).toEqual([]);
  gpu.destroy();
});

const SPECS: [string, nn.ModelSpec][] = [
  ['CNN: conv (padding, stride 2, no bias), relu, max/avg/global pooling, tanh, sigmoid, linear', {
    input: [2, 8, 8], layers: [
      { type: 'conv2d', out: 5, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 },
      { type: 'conv2d', out: 6, kernel: 3, stride: 2, padding: 1, bias: false }, { type: 'tanh' },
      { type: 'avgpool2d', kernel: 2, padding: 1 }, { type: 'sigmoid' }, { type: 'globalavgpool' }, { type: 'flatten' },
      { type: 'linear', out: 7 },
    ],
  }],
  ['MLP', nn.mlp([12], [16, 9], 5, 'tanh')],
];

const relativeError = (got: Float64Array, want: Float64Array) => {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) { num += (got[i] - want[i]) ** 2; den += want[i] ** 2; }
  return Math.sqrt(num / den);
};

describe(`a whole model on the gpu.js backend (${gpu.mode}) agrees with the float64 CPU backend`, () => {
  for (const [name, spec] of SPECS) {
    for (const loss of ['cross_entropy', 'mse'] as const) {
      it(`${name}, ${loss}: loss, gradient, HVP and GGNVP within 1e-4 relative`, () => {
        const rng = new Random(11);
        const model = nn.fromSpec(spec);
        const params = model.init(rng);
        const n = 10, per = model.inputShape.reduce((a, b) => a * b, 1), outputs = model.outputShape.reduce((a, b) => a * b, 1);
        const inputs = Float64Array.from({ length: n * per }, () => rng.normal());
        const targets = loss === 'cross_entropy' ? Int32Array.from({ length: n }, () => rng.integer(outputs)) : Float64Array.from({ length: n * outputs }, () => rng.normal());
        const batch = { inputs, targets } as curvature.Batch;
        const v = Float64Array.from({ length: model.numParams }, () => rng.normal());
        for (const weightDecay of [0, 0.01]) {
          const onCpu = curvature.problem({ model, loss, weightDecay, params });
          const onGpu = curvature.problem({ model, loss, weightDecay, params, backend: gpu });
          const chunked = { chunkSize: 4 }; // 4 + 4 + 2 examples: chunk weighting on the GPU too
          const l = curvature.loss(onCpu, batch);
          expect(Math.abs(curvature.loss(onGpu, batch, chunked) - l) / Math.abs(l)).toBeLessThan(1e-4);
          expect(relativeError(curvature.gradient(onGpu, batch, chunked), curvature.gradient(onCpu, batch))).toBeLessThan(1e-4);
          expect(relativeError(curvature.hessianVectorProduct(onGpu, batch, v), curvature.hessianVectorProduct(onCpu, batch, v))).toBeLessThan(1e-4);
          expect(relativeError(curvature.ggnVectorProduct(onGpu, batch, v, chunked), curvature.ggnVectorProduct(onCpu, batch, v))).toBeLessThan(1e-4);
        }
      });
    }
  }

  it('the products are float32 computations, not CPU ones in disguise (they differ from float64 by rounding)', () => {
    const rng = new Random(12);
    const model = nn.fromSpec(nn.mlp([6], [8], 3));
    const params = model.init(rng);
    const batch = { inputs: Float64Array.from({ length: 24 }, () => rng.normal()), targets: Int32Array.of(0, 1, 2, 0) };
    const g64 = curvature.gradient(curvature.problem({ model, loss: 'cross_entropy', params }), batch);
    const g32 = curvature.gradient(curvature.problem({ model, loss: 'cross_entropy', params, backend: gpu }), batch);
    const error = relativeError(g32, g64);
    expect(error).toBeGreaterThan(1e-12);
    expect(error).toBeLessThan(1e-4);
  });

  it('refuses a backend that is not one', () => {
    const model = nn.fromSpec(nn.mlp([2], [], 2));
    expect(() => curvature.problem({ model, loss: 'mse', params: model.init(new Random(1)), backend: {} as never })).toThrow(/backend must be a tensor Backend/);
  });
});

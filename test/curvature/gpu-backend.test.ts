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

const mode = (process.env.MBQUAD_GPU_MODE ?? 'auto') as GpuMode;
const gpu = gpuBackend({ mode });
/** The same mode with the other matmul/conv kernels (direct ↔ blocked), so both run whole models in every mode. */
const other = gpuBackend({ mode, kernels: gpu.kernels === 'direct' ? 'blocked' : 'direct' });
afterAll(() => {
  for (const backend of [gpu, other]) {
    expect(backend.fallbacks).toEqual([]);
    backend.destroy();
  }
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
    for (const [loss, backend] of [['cross_entropy', gpu], ['mse', gpu], ['cross_entropy', other]] as const) {
      it(`${name}, ${loss}, ${backend.kernels} kernels: loss, gradient, HVP and GGNVP within 1e-4 relative`, () => {
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
          const onGpu = curvature.problem({ model, loss, weightDecay, params, backend });
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

  // In the GL modes kernel results are textures: a product must read back only its answer (one
  // read per parameter tensor, joined into the flat vector; one number for the loss), never the
  // intermediates. The other modes have no device memory (nothing to read back): skipped there.
  it.runIf(gpu.kernels === 'direct' && ['headlessgl', 'webgl', 'webgl2'].includes(gpu.mode))(
    'keeps data on the device between kernels: a product reads back its result only', () => {
      const rng = new Random(13);
      const model = nn.fromSpec(SPECS[0][1]);
      const params = model.init(rng);
      const tensors = model.split(params).length;
      const batch = { inputs: Float64Array.from({ length: 6 * 2 * 8 * 8 }, () => rng.normal()), targets: Int32Array.of(0, 1, 2, 3, 4, 5) };
      const v = Float64Array.from({ length: model.numParams }, () => rng.normal());
      const onGpu = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params, backend: gpu });
      const readbacks = (f: () => unknown) => {
        const before = gpu.transfers.readbacks;
        f();
        return gpu.transfers.readbacks - before;
      };
      expect(readbacks(() => curvature.loss(onGpu, batch))).toBe(1);
      expect(readbacks(() => curvature.gradient(onGpu, batch))).toBe(tensors);
      expect(readbacks(() => curvature.hessianVectorProduct(onGpu, batch, v))).toBe(tensors);
      expect(readbacks(() => curvature.ggnVectorProduct(onGpu, batch, v))).toBe(tensors);
    });

  it('refuses a backend that is not one', () => {
    const model = nn.fromSpec(nn.mlp([2], [], 2));
    expect(() => curvature.problem({ model, loss: 'mse', params: model.init(new Random(1)), backend: {} as never })).toThrow(/backend must be a tensor Backend/);
  });
});

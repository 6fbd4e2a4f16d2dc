/**
 * Full-data products in chunks (what the full-scale reproduction runs on 60,000 images): the
 * gradient, the Hessian- and GGN-vector products, the GGN operator's quadratic form and the
 * K-FAC factors of a data set evaluated in chunks of any size equal the one-shot values.
 * Each is Σ_chunks (|chunk|/N) · (chunk mean) against the mean over all N at once: the same
 * terms summed in another order, so they agree to rounding — a few ulps of the largest entry for
 * these ≤ 13 examples; 1e-12 relative leaves room for cancellation and nothing for a wrong weight
 * (a chunk counted twice or weighted 1/chunks moves an entry by ~1e-1).
 */
import { describe, expect, it } from 'vitest';
import { curvature, nn } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';

const SPECS: nn.ModelSpec[] = [
  // The reproduction's CNN shape in small: conv → ReLU → max pool, conv → ReLU, max pool, linear.
  { input: [1, 6, 6], layers: [{ type: 'conv2d', out: 3, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 }, { type: 'conv2d', out: 3, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 4 }] },
  { input: [5], layers: [{ type: 'linear', out: 6 }, { type: 'tanh' }, { type: 'linear', out: 3 }] },
];

function setup(spec: nn.ModelSpec, n: number, seed: number) {
  const rng = new Random(seed);
  const model = nn.fromSpec(spec);
  const params = model.init(rng);
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  const classes = model.outputShape.reduce((a, b) => a * b, 1);
  const data: curvature.Batch = {
    inputs: Float64Array.from({ length: n * per }, () => rng.normal()),
    targets: Int32Array.from({ length: n }, () => rng.integer(classes)),
  };
  const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params });
  return { p, data, v: Float64Array.from({ length: model.numParams }, () => rng.normal()) };
}

/** max |got − want| ≤ 1e-12 · max |want| (see the file header). */
function expectRelative(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0, diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
  }
  expect(scale, what).toBeGreaterThan(0);
  expect(diff / scale, what).toBeLessThanOrEqual(1e-12);
}

describe('full-data products in chunks', () => {
  const N = 13; // prime: every chunk size below leaves a short last chunk
  for (const [s, spec] of SPECS.entries()) {
    it(`equal the one-shot products for chunk sizes 1, 2, 5, 12, 13, 256 (${s === 0 ? 'CNN' : 'MLP'})`, () => {
      const { p, data, v } = setup(spec, N, 40 + s);
      const whole = { chunkSize: N };
      const want = {
        gradient: curvature.gradient(p, data, whole),
        hvp: curvature.hessianVectorProduct(p, data, v, whole),
        ggnvp: curvature.ggnVectorProduct(p, data, v, whole),
        quadratic: curvature.ggnOperator(p, data, whole).quadraticForm!(v),
        exact: curvature.kfac(p, data, { type: 'exact', ...whole }),
        empirical: curvature.kfac(p, data, { type: 'empirical', ...whole }),
      };
      for (const chunkSize of [1, 2, 5, 12, 13, 256]) {
        const chunk = { chunkSize };
        expectRelative(curvature.gradient(p, data, chunk), want.gradient, `gradient, chunks of ${chunkSize}`);
        expectRelative(curvature.hessianVectorProduct(p, data, v, chunk), want.hvp, `HVP, chunks of ${chunkSize}`);
        expectRelative(curvature.ggnVectorProduct(p, data, v, chunk), want.ggnvp, `GGNVP, chunks of ${chunkSize}`);
        expectRelative(curvature.ggnOperator(p, data, chunk).apply(v), want.ggnvp, `GGN operator, chunks of ${chunkSize}`);
        expectRelative([curvature.ggnOperator(p, data, chunk).quadraticForm!(v)], [want.quadratic], `vᵀGv, chunks of ${chunkSize}`);
        for (const type of ['exact', 'empirical'] as const) {
          const k = curvature.kfac(p, data, { type, ...chunk });
          want[type].blocks.forEach((b, i) => {
            expectRelative(k.blocks[i].a, b.a, `K-FAC (${type}) A of ${b.param}, chunks of ${chunkSize}`);
            expectRelative(k.blocks[i].g, b.g, `K-FAC (${type}) G of ${b.param}, chunks of ${chunkSize}`);
          });
        }
      }
    });
  }
});

/** Scratch memory recycles kernel outputs between scopes without changing any result. */
import { describe, expect, it } from 'vitest';
import { curvature, nn } from '../../src/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Random } from '../../src/tensor/index.ts';

describe('scratch memory', () => {
  it('reuses a released buffer, zero-filled, for the next allocation of the same size', () => {
    const x = T.randn([100, 100], new Random(1));
    let first: Float64Array | null = null;
    T.withScratchMemory(() => {
      first = T.exp(x).data;
    });
    const sum = T.withScratchMemory(() => {
      const y = T.sum(T.maximum(T.neg(x), 0)); // neg reuses exp's buffer
      return y.item();
    });
    expect(first).not.toBeNull();
    // The released buffer was handed out again (so it no longer holds exp(x)).
    expect(Array.from(first!.subarray(0, 3))).not.toEqual(Array.from(T.exp(x).data.subarray(0, 3)));
    expect(sum).toBe(T.sum(T.maximum(T.neg(x), 0)).item());
    T.releaseScratchMemory();
  });
  it('curvature products are bit-identical across repeated calls and do not disturb earlier results', () => {
    const rng = new Random(2);
    const model = nn.fromSpec({ input: [1, 12, 12], layers: [{ type: 'conv2d', out: 4, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 5 }] });
    const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params: model.init(rng) });
    const batch = { inputs: Float64Array.from({ length: 20 * 144 }, () => rng.normal()), targets: Int32Array.from({ length: 20 }, () => rng.integer(5)) };
    const v = Float64Array.from({ length: model.numParams }, () => rng.normal());
    const w = Float64Array.from({ length: model.numParams }, () => rng.normal());
    const hv = curvature.hessianVectorProduct(p, batch, v, { chunkSize: 8 });
    const copy = hv.slice();
    const gw = curvature.ggnVectorProduct(p, batch, w, { chunkSize: 8 });
    curvature.gradient(p, batch, { chunkSize: 8 });
    expect(hv).toEqual(copy);
    expect(curvature.hessianVectorProduct(p, batch, v, { chunkSize: 8 })).toEqual(hv);
    expect(curvature.ggnVectorProduct(p, batch, w, { chunkSize: 8 })).toEqual(gw);
  });
});

/** Spec errors name the layer, the field and the shapes. */
import { describe, expect, it } from 'vitest';
import { fromSpec, MbquadError } from '../../src/index.ts';

const expectSpecError = (spec: unknown, pattern: RegExp) => {
  expect(() => fromSpec(spec)).toThrow(MbquadError);
  expect(() => fromSpec(spec)).toThrow(pattern);
};

describe('fromSpec refuses bad specs clearly', () => {
  it('unknown layer types and fields, missing fields', () => {
    expectSpecError({ input: [4], layers: [{ type: 'dense', out: 3 }] }, /fromSpec: layer 0: unknown layer type "dense"; known types: linear, conv2d/);
    expectSpecError({ input: [4], layers: [{ type: 'linear' }] }, /fromSpec: layer 0 \(linear\): missing field 'out'/);
    expectSpecError({ input: [1, 4, 4], layers: [{ type: 'conv2d', out: 2, kernel: 3, paddding: 1 }] }, /layer 0 \(conv2d\): unknown field 'paddding'; allowed: out, kernel, stride, padding, bias/);
    expectSpecError({ layers: [] }, /fromSpec: missing field 'input'/);
    expectSpecError({ input: [4], layers: [] }, /'layers' must be a non-empty array/);
    expectSpecError({ input: [4, 4], layers: [{ type: 'relu' }] }, /'input' must be \[features\] or \[c, h, w\]/);
    expectSpecError({ input: [4], layers: [{ type: 'linear', out: 0 }] }, /layer 0 \(linear\): 'out' must be a positive integer, given 0/);
    expectSpecError({ input: [1, 4, 4], layers: [{ type: 'conv2d', out: 1, kernel: 3, stride: 0 }] }, /'stride' must be an integer ≥ 1/);
    expectSpecError('{"input": [4], ', /fromSpec: the spec is not valid JSON/);
  });
  it('shapes that do not fit name the layer and the shapes', () => {
    expectSpecError({ input: [1, 2, 2], layers: [{ type: 'maxpool2d', kernel: 3 }] }, /fromSpec: layer 0 \(maxpool2d\) on input \[1,2,2\]: maxpool2d: kernel height 3 is larger than the padded input height 2/);
    expectSpecError({ input: [1, 4, 4], layers: [{ type: 'linear', out: 3 }] }, /layer 0 \(linear\): needs a flat input \[features\] \(add a flatten layer before it\), given \[1,4,4\]/);
    expectSpecError({ input: [8], layers: [{ type: 'conv2d', out: 3, kernel: 1 }] }, /layer 0 \(conv2d\): needs an image input \[c, h, w\], given \[8\]/);
    expectSpecError({ input: [1, 3, 3], layers: [{ type: 'conv2d', out: 2, kernel: 3 }, { type: 'conv2d', out: 2, kernel: 3 }] }, /layer 1 \(conv2d\) on input \[2,1,1\]: conv2d: kernel height 3 is larger/);
  });
  it('a parameter vector of the wrong length', () => {
    const model = fromSpec({ input: [3], layers: [{ type: 'linear', out: 2 }] });
    expect(() => model.forward(new Float64Array(7), model.inputTensor(new Float64Array(3)))).toThrow(/Model.split: parameter vector must have length 8 \(numParams\), given 7/);
    expect(() => model.inputTensor(new Float64Array(4))).toThrow(/input data length 4 is not a multiple of the example size 3/);
  });
});

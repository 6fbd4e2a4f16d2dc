/**
 * Parameters from PyTorch: the fixture of tools/export-torch.py (a small CNN exported by PyTorch
 * 1.13 / NumPy 1.24 as .npy and .safetensors, float64 and float32, with PyTorch's loss and
 * gradient on fixed inputs) read by parseParameters gives θ at which mbquad's loss and gradient
 * are PyTorch's; .npy written by toNpy is byte for byte what numpy.save writes; bad files are
 * refused naming the file, the tensor, what was expected and what was given.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { curvature, nn } from '../../src/index.ts';

const dir = 'test/fixtures/torch-export';
const read = (file: string) => new Uint8Array(readFileSync(`${dir}/${file}`));
const model = nn.fromSpec(JSON.parse(readFileSync(`${dir}/model.spec.json`, 'utf8')));
const reference = JSON.parse(readFileSync(`${dir}/reference.json`, 'utf8')) as { inputs: number[]; targets: number[]; loss: number; gradient: number[] };
const batch = { inputs: Float64Array.from(reference.inputs), targets: Int32Array.from(reference.targets) };

describe('parseParameters: PyTorch weights in', () => {
  it('.npy and .safetensors (float64) give θ at which loss and gradient are PyTorch\'s', () => {
    const fromNpy = nn.parseParameters(read('model.npy'), model, 'model.npy');
    const fromSafetensors = nn.parseParameters(read('model.safetensors'), model, 'model.safetensors');
    expect(fromSafetensors).toEqual(fromNpy);
    const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0, params: fromNpy });
    // float64 on both sides: the same sums in other orders, so agreement to ~1e-15 relative.
    expect(Math.abs(curvature.loss(p, batch) - reference.loss)).toBeLessThan(1e-13 * Math.abs(reference.loss));
    const g = curvature.gradient(p, batch);
    const scale = Math.max(...reference.gradient.map(Math.abs));
    g.forEach((v, i) => expect(Math.abs(v - reference.gradient[i])).toBeLessThan(1e-12 * scale));
  });
  it('float32 files give the float32-rounded θ exactly', () => {
    const theta64 = nn.parseParameters(read('model.npy'), model);
    const rounded = Float64Array.from(Float32Array.from(theta64));
    expect(nn.parseParameters(read('model-f32.npy'), model)).toEqual(rounded);
    expect(nn.parseParameters(read('model-f32.safetensors'), model)).toEqual(rounded);
  });
  it('toNpy writes what numpy.save writes, and parseNpy reads it back', () => {
    const theta = nn.parseParameters(read('model.npy'), model);
    expect(nn.toNpy(theta)).toEqual(read('model.npy'));
    const matrix = Float64Array.from({ length: 6 }, (_, i) => i / 7);
    const back = nn.parseNpy(nn.toNpy(matrix, [2, 3]));
    expect(back.shape).toEqual([2, 3]);
    expect(back.data).toEqual(matrix);
    expect(() => nn.toNpy(matrix, [4, 2])).toThrow(/toNpy: shape \[4,2\] holds 8 values, the data have 6/);
  });
  it('refuses other files naming the file, the tensor, the expectation and what was given', () => {
    const npy = read('model.npy'), st = read('model.safetensors');
    const P = model.numParams;
    const refuse = (bytes: Uint8Array, message: RegExp) => expect(() => nn.parseParameters(bytes, model, 'w.bin')).toThrow(message);
    refuse(new TextEncoder().encode('{"0.weight": [1, 2]}'), /^parseParameters: w.bin: expected a NumPy .npy file \(parameters_to_vector\) or a .safetensors state dict, given a JSON file$/);
    refuse(npy.subarray(0, npy.length - 8), new RegExp(`w.bin: truncated: shape \\(${P},\\) of <f8 needs ${npy.length} bytes, the file has ${npy.length - 8}`));
    refuse(nn.toNpy(new Float64Array(P + 1)), new RegExp(`w.bin: expected the flat parameter vector of shape \\(${P},\\) \\(parameters_to_vector of the model\\), given shape \\(${P + 1},\\)`));
    refuse(nn.toNpy(new Float64Array(P), [1, P]), new RegExp(`given shape \\(1, ${P}\\)`));
    const int64 = npy.slice();
    int64.set(new TextEncoder().encode("'<i8'"), new TextDecoder('latin1').decode(npy).indexOf("'<f8'"));
    refuse(int64, /w.bin: dtype '<i8' is not float32 or float64/);
    const nan = nn.toNpy(Float64Array.from({ length: P }, (_, i) => (i === 25 ? NaN : 0)));
    refuse(nan, /w.bin: tensor 4.weight has a non-finite value NaN at its index 5$/); // θ[25]: 18 + 2 before 4.weight
    // safetensors: edit the header JSON in place (same length keeps the offsets valid).
    const headerLength = Number(new DataView(st.buffer, st.byteOffset).getBigUint64(0, true));
    const edit = (from: string, to: string) => {
      const text = new TextDecoder().decode(st.subarray(8, 8 + headerLength));
      expect(to.length).toBe(from.length);
      const out = st.slice();
      out.set(new TextEncoder().encode(text.replace(from, to)), 8);
      return out;
    };
    refuse(edit('"4.weight"', '"4.wEight"'), /w.bin: the state dict must hold exactly the model's tensors 0.weight, 0.bias, 4.weight, 4.bias; missing 4.weight; not in the model: 4.wEight/);
    refuse(edit('"F64"', '"F16"'), /w.bin: tensor 0.weight has dtype "F16", expected F32 or F64/);
    refuse(edit('[2, 1, 3, 3]', '[1, 2, 3, 3]'), /w.bin: tensor 0.weight has shape \[1,2,3,3\], the model's is \[2,1,3,3\]/);
    refuse(st.subarray(0, st.length - 16), /w.bin: truncated: tensor 4.bias ends at byte \d+, the file has \d+/);
  });
});

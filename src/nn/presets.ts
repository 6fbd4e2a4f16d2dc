/** Model presets used by the paper's experiments, as JSON specs (MATH.md §8). */
import { fail } from '../tensor/index.ts';
import type { LayerSpec, ModelSpec } from './spec.ts';

const positive = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) fail('presets', `${name} must be a positive integer, given ${v}`);
};

/** Multi-layer perceptron: flatten → (linear → act) per hidden width → linear. */
export function mlp(input: number[], hidden: number[], classes: number, activation: 'relu' | 'tanh' | 'sigmoid' = 'relu'): ModelSpec {
  hidden.forEach((h) => positive('hidden width', h));
  positive('classes', classes);
  const layers: LayerSpec[] = [{ type: 'flatten' }];
  for (const h of hidden) layers.push({ type: 'linear', out: h }, { type: activation });
  layers.push({ type: 'linear', out: classes });
  return { input, layers };
}

/**
 * The ConvNet family of test problem (D): conv(3×3, pad 1) → ReLU → maxpool 2, then `depth`
 * blocks conv(3×3, pad 1) → ReLU, all with `width` channels, then maxpool 2 → flatten → linear.
 */
export function convNet(input: [number, number, number], classes: number, depth: number, width: number): ModelSpec {
  positive('width', width);
  positive('classes', classes);
  if (!Number.isInteger(depth) || depth < 0) fail('presets', `depth must be an integer ≥ 0, given ${depth}`);
  const conv = (): LayerSpec => ({ type: 'conv2d', out: width, kernel: 3, padding: 1 });
  const layers: LayerSpec[] = [conv(), { type: 'relu' }, { type: 'maxpool2d', kernel: 2 }];
  for (let d = 0; d < depth; d++) layers.push(conv(), { type: 'relu' });
  layers.push({ type: 'maxpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: classes });
  return { input, layers };
}

/**
 * All-CNN-C (Springenberg et al. 2015) without dropout, as DeepOBS's cifar100_allcnnc:
 * 3×conv3×3(w1) with the third at stride 2, 3×conv3×3(w2) with the third at stride 2,
 * conv3×3(w2) unpadded, conv1×1(w2), conv1×1(classes), each followed by ReLU, then global
 * average pooling and flatten (w1 = 96, w2 = 192 by default; 1,387,108 parameters on
 * CIFAR-100). "Sized for the input": where the unpadded 3×3 convolution would not fit (inputs
 * under 9×9, e.g. 8×8 digits: 8 → 4 → 2), it is padded by 1 instead.
 */
export function allCnnC(input: [number, number, number], classes: number, widths: [number, number] = [96, 192]): ModelSpec {
  const [w1, w2] = widths;
  positive('width', w1);
  positive('width', w2);
  positive('classes', classes);
  const afterStrides = (s: number) => Math.floor((Math.floor((s - 1) / 2) + 1 - 1) / 2) + 1; // two stride-2, pad-1, 3×3 convs
  const fits = afterStrides(input[1]) >= 3 && afterStrides(input[2]) >= 3;
  const conv = (out: number, kernel: number, stride = 1, padding = kernel === 3 ? 1 : 0): LayerSpec[] => [
    { type: 'conv2d', out, kernel, stride, padding },
    { type: 'relu' },
  ];
  const layers: LayerSpec[] = [
    ...conv(w1, 3), ...conv(w1, 3), ...conv(w1, 3, 2),
    ...conv(w2, 3), ...conv(w2, 3), ...conv(w2, 3, 2),
    ...conv(w2, 3, 1, fits ? 0 : 1), ...conv(w2, 1), ...conv(classes, 1),
    { type: 'globalavgpool' }, { type: 'flatten' },
  ];
  return { input, layers };
}

/**
 * Corrupted test sets for out-of-distribution evaluation, built as CIFAR-10-C is (Hendrycks &
 * Dietterich 2019; the paper's B.1): every image gets one corruption chosen uniformly at random
 * (seeded) at a given severity 1–5, applied to raw pixels in [0, 1] (before standardization),
 * and the result is clipped to [0, 1]. Images are [channels, height, width]. Parameters per
 * severity 1…5 are theirs for CIFAR (32 × 32) where they do not depend on the image size, and
 * scaled by side/32 where they are lengths in pixels:
 *   gaussian_noise  x + N(0, σ²),               σ = 0.04, 0.06, 0.08, 0.09, 0.10
 *   shot_noise      Poisson(λ x)/λ,             λ = 500, 250, 100, 75, 50
 *   impulse_noise   a fraction s of the values set to 0 or 1 (equally likely), s = 0.01, 0.02, 0.03, 0.05, 0.07
 *   gaussian_blur   Gaussian filter, σ = (0.4, 0.6, 0.7, 0.8, 1.0)·side/32 pixels (edges replicated)
 *   contrast        (x − m)·c + m, m the image mean, c = 0.75, 0.5, 0.4, 0.3, 0.15
 *   brightness      the HSV value V + b, hue and saturation kept, b = 0.05, 0.1, 0.15, 0.2, 0.3
 *   pixelate        box-downsample to ⌊f·side⌋ (their int()), nearest-upsample back, f = 0.95, 0.9, 0.85, 0.75, 0.65
 *   translate       shift by (0.5, 1, 1.5, 2, 2.5)·side/8 pixels in a random direction (bilinear,
 *                   edges replicated): our stand-in for their elastic transform, whose smooth
 *                   displacement field needs larger images than 8 × 8
 * On 8 × 8 images the size-scaled blur is mild (σ 0.1–0.25 pixels) and pixelate moves in steps of
 * whole pixels (7, 7, 6, 6, 5), so those two change little at low severities; pixelate's 8 → 7
 * (boxes of 8/7 pixels) even moves smooth images further than 8 → 6 (test/nn/corruptions.test.ts).
 * Severity 0 returns the image unchanged.
 */
import { fail, Random } from '../../tensor/index.ts';
import type { Dataset } from './dataset.ts';

/** The corruptions, in the order a seeded choice indexes them. */
export const CORRUPTIONS = ['gaussian_noise', 'shot_noise', 'impulse_noise', 'gaussian_blur', 'contrast', 'brightness', 'pixelate', 'translate'] as const;
/** The name of one corruption. */
export type Corruption = (typeof CORRUPTIONS)[number];

const PARAMETERS: Record<Corruption, readonly number[]> = {
  gaussian_noise: [0.04, 0.06, 0.08, 0.09, 0.1],
  shot_noise: [500, 250, 100, 75, 50],
  impulse_noise: [0.01, 0.02, 0.03, 0.05, 0.07],
  gaussian_blur: [0.4, 0.6, 0.7, 0.8, 1.0],
  contrast: [0.75, 0.5, 0.4, 0.3, 0.15],
  brightness: [0.05, 0.1, 0.15, 0.2, 0.3],
  pixelate: [0.95, 0.9, 0.85, 0.75, 0.65],
  translate: [0.5, 1, 1.5, 2, 2.5],
};

const clip = (v: number) => Math.min(1, Math.max(0, v));

/** One Poisson draw with mean μ ≤ 700 (Knuth's product of uniforms; e^{−μ} stays a normal float). */
function poisson(mu: number, rng: Random): number {
  const limit = Math.exp(-mu);
  let k = 0, product = rng.uniform();
  while (product > limit) {
    k++;
    product *= rng.uniform();
  }
  return k;
}

/** Bilinear sample of a plane at (y, x), edges replicated. */
function bilinear(plane: Float64Array, h: number, w: number, y: number, x: number): number {
  const yc = Math.min(h - 1, Math.max(0, y)), xc = Math.min(w - 1, Math.max(0, x));
  const y0 = Math.floor(yc), x0 = Math.floor(xc), y1 = Math.min(h - 1, y0 + 1), x1 = Math.min(w - 1, x0 + 1);
  const fy = yc - y0, fx = xc - x0;
  return (1 - fy) * ((1 - fx) * plane[y0 * w + x0] + fx * plane[y0 * w + x1]) + fy * ((1 - fx) * plane[y1 * w + x0] + fx * plane[y1 * w + x1]);
}

/** Separable Gaussian filter of one plane, edges replicated. */
function blurPlane(plane: Float64Array, h: number, w: number, sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const weights = kernel.map((k) => k / total);
  const rows = new Float64Array(h * w), out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -radius; i <= radius; i++) s += weights[i + radius] * plane[y * w + Math.min(w - 1, Math.max(0, x + i))];
    rows[y * w + x] = s;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -radius; i <= radius; i++) s += weights[i + radius] * rows[Math.min(h - 1, Math.max(0, y + i)) * w + x];
    out[y * w + x] = s;
  }
  return out;
}

/** Box (area-average) resize of one plane from h × w to th × tw. */
function boxResize(plane: Float64Array, h: number, w: number, th: number, tw: number): Float64Array {
  const out = new Float64Array(th * tw);
  const sy = h / th, sx = w / tw;
  for (let ty = 0; ty < th; ty++) for (let tx = 0; tx < tw; tx++) {
    let sum = 0, area = 0;
    for (let y = Math.floor(ty * sy); y < Math.min(h, Math.ceil((ty + 1) * sy)); y++) {
      const wy = Math.min(y + 1, (ty + 1) * sy) - Math.max(y, ty * sy);
      for (let x = Math.floor(tx * sx); x < Math.min(w, Math.ceil((tx + 1) * sx)); x++) {
        const wx = Math.min(x + 1, (tx + 1) * sx) - Math.max(x, tx * sx);
        sum += wy * wx * plane[y * w + x];
        area += wy * wx;
      }
    }
    out[ty * tw + tx] = sum / area;
  }
  return out;
}

/** One image [channels, h, w] with values in [0, 1], corrupted by `kind` at `severity` 0–5. */
export function corrupt(image: Float64Array, shape: readonly [number, number, number], kind: Corruption, severity: number, rng: Random): Float64Array {
  const [channels, h, w] = shape;
  if (!CORRUPTIONS.includes(kind)) fail('corrupt', `unknown corruption '${kind}'; known: ${CORRUPTIONS.join(', ')}`);
  if (!Number.isInteger(severity) || severity < 0 || severity > 5) fail('corrupt', `severity must be an integer in 0..5, given ${severity}`);
  if (image.length !== channels * h * w) fail('corrupt', `an image of shape [${shape}] has ${channels * h * w} values, given ${image.length}`);
  for (let i = 0; i < image.length; i++) if (!(image[i] >= 0 && image[i] <= 1)) fail('corrupt', `pixel ${i} is ${image[i]}; corruptions apply to raw pixels in [0, 1]`);
  if (severity === 0) return image.slice();
  const c = PARAMETERS[kind][severity - 1];
  const side = Math.max(h, w), plane = h * w;
  const planes = Array.from({ length: channels }, (_, ch) => image.subarray(ch * plane, (ch + 1) * plane));
  const out = new Float64Array(image.length);
  switch (kind) {
    case 'gaussian_noise':
      for (let i = 0; i < image.length; i++) out[i] = clip(image[i] + c * rng.normal());
      break;
    case 'shot_noise':
      for (let i = 0; i < image.length; i++) out[i] = clip(poisson(c * image[i], rng) / c);
      break;
    case 'impulse_noise':
      for (let i = 0; i < image.length; i++) out[i] = rng.uniform() < c ? (rng.uniform() < 0.5 ? 0 : 1) : image[i];
      break;
    case 'gaussian_blur':
      planes.forEach((p, ch) => out.set(blurPlane(p, h, w, (c * side) / 32), ch * plane));
      for (let i = 0; i < out.length; i++) out[i] = clip(out[i]);
      break;
    case 'contrast': {
      let mean = 0;
      for (let i = 0; i < image.length; i++) mean += image[i] / image.length;
      for (let i = 0; i < image.length; i++) out[i] = clip((image[i] - mean) * c + mean);
      break;
    }
    case 'brightness':
      // HSV: V = max over channels; V + b at fixed hue and saturation scales every channel by (V + b)/V.
      for (let q = 0; q < plane; q++) {
        let v = 0;
        for (let ch = 0; ch < channels; ch++) v = Math.max(v, image[ch * plane + q]);
        const target = Math.min(1, v + c);
        for (let ch = 0; ch < channels; ch++) out[ch * plane + q] = v === 0 ? target : clip(image[ch * plane + q] * (target / v));
      }
      break;
    case 'pixelate': {
      const th = Math.max(1, Math.floor(c * h)), tw = Math.max(1, Math.floor(c * w));
      planes.forEach((p, ch) => {
        const small = boxResize(p, h, w, th, tw);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[ch * plane + y * w + x] = small[Math.min(th - 1, Math.floor((y * th) / h)) * tw + Math.min(tw - 1, Math.floor((x * tw) / w))];
      });
      break;
    }
    case 'translate': {
      const distance = (c * side) / 8, angle = 2 * Math.PI * rng.uniform();
      const dy = distance * Math.sin(angle), dx = distance * Math.cos(angle);
      planes.forEach((p, ch) => {
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[ch * plane + y * w + x] = clip(bilinear(p, h, w, y - dy, x - dx));
      });
      break;
    }
  }
  return out;
}

/**
 * A corrupted copy of a data set of raw images (values in [0, 1], input shape [channels, h, w]):
 * each image one corruption chosen uniformly at random at `severity`, all draws from `rng`
 * (so a seed gives the same set bit for bit). Also returns which corruption each image got.
 */
export function corruptDataset(d: Dataset, severity: number, rng: Random): { dataset: Dataset; kinds: Corruption[] } {
  const shape = d.inputShape.length === 3 ? (d.inputShape as [number, number, number]) : d.inputShape.length === 2 ? ([1, d.inputShape[0], d.inputShape[1]] as [number, number, number]) : null;
  if (!shape) fail('corruptDataset', `images must have shape [channels, h, w] or [h, w], given [${d.inputShape}]`);
  const per = shape[0] * shape[1] * shape[2], n = d.targets.length;
  const inputs = new Float64Array(d.inputs.length);
  const kinds: Corruption[] = [];
  for (let i = 0; i < n; i++) {
    const kind = CORRUPTIONS[rng.integer(CORRUPTIONS.length)];
    kinds.push(kind);
    inputs.set(corrupt(d.inputs.subarray(i * per, (i + 1) * per), shape, kind, severity, rng), i * per);
  }
  return { dataset: { ...d, name: `${d.name}-c${severity}`, inputs }, kinds };
}

/** Corrupted test sets (nn.corrupt, nn.corruptDataset): identity at severity 0, values in [0, 1], seeded, monotone in severity. */
import { describe, expect, it } from 'vitest';
import { nn } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';

const images = (n: number, shape: [number, number, number], rng: Random) =>
  Array.from({ length: n }, () => Float64Array.from({ length: shape[0] * shape[1] * shape[2] }, () => rng.uniform()));
/** Smooth images (low-frequency waves in [0, 1]), closer to photographs and digits than white noise. */
const smooth = (n: number, rng: Random) => Array.from({ length: n }, () => {
  const [a, b, c, d] = [rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform()].map((u) => 0.2 + 0.8 * u);
  return Float64Array.from({ length: 64 }, (_, q) => 0.5 + 0.5 * Math.sin(a * (q % 8) + 6 * b) * Math.cos(c * Math.floor(q / 8) + 6 * d));
});
const distance = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

describe('corruptions', () => {
  const gray: [number, number, number] = [1, 8, 8], colour: [number, number, number] = [3, 8, 8];
  it('severity 0 is the identity; every output stays in [0, 1]', () => {
    const rng = new Random(1);
    for (const shape of [gray, colour]) {
      for (const image of images(5, shape, rng)) {
        for (const kind of nn.CORRUPTIONS) {
          expect(nn.corrupt(image, shape, kind, 0, rng)).toEqual(image);
          for (let severity = 1; severity <= 5; severity++) {
            for (const v of nn.corrupt(image, shape, kind, severity, rng)) expect(v >= 0 && v <= 1).toBe(true);
          }
        }
      }
    }
  });
  it('the mean distance from the clean image grows with the severity, per corruption and for the mixed set', () => {
    const rng = new Random(2);
    const clean = smooth(200, rng);
    const mean = (kind: nn.Corruption, severity: number) => {
      const r = new Random(7);
      return clean.reduce((s, image) => s + distance(nn.corrupt(image, gray, kind, severity, r), image), 0) / clean.length;
    };
    for (const kind of nn.CORRUPTIONS) {
      const d = [1, 2, 3, 4, 5].map((s) => mean(kind, s));
      // Pixelate on 8 × 8 resizes to 7, 7, 6, 6, 5 pixels, and 8 → 7 (boxes of 8/7 pixels, shifted)
      // moves a smooth image further than 8 → 6: measured 0.89 against 0.81, so it is not monotone.
      if (kind !== 'pixelate') for (let s = 1; s < 5; s++) expect(d[s], `${kind} at severity ${s + 1}`).toBeGreaterThanOrEqual(d[s - 1] - 1e-12);
      expect(d[4], kind).toBeGreaterThan(d[0]);
    }
    const data: nn.Dataset = { name: 'x', inputShape: gray, numClasses: 2, inputs: Float64Array.from(clean.flatMap((c) => Array.from(c))), targets: new Int32Array(200) };
    const mixed = [1, 2, 3, 4, 5].map((s) => {
      const { dataset } = nn.corruptDataset(data, s, new Random(3));
      return clean.reduce((sum, image, i) => sum + distance(dataset.inputs.subarray(64 * i, 64 * (i + 1)), image), 0) / 200;
    });
    for (let s = 1; s < 5; s++) expect(mixed[s]).toBeGreaterThan(mixed[s - 1]);
  });
  it('a seed gives the same set bit for bit, each image one corruption chosen uniformly', () => {
    const rng = new Random(4);
    const data: nn.Dataset = { name: 'x', inputShape: colour, numClasses: 2, inputs: Float64Array.from({ length: 400 * 192 }, () => rng.uniform()), targets: new Int32Array(400) };
    const a = nn.corruptDataset(data, 3, new Random(9)), b = nn.corruptDataset(data, 3, new Random(9));
    expect(a.dataset.inputs).toEqual(b.dataset.inputs);
    expect(a.kinds).toEqual(b.kinds);
    expect(a.dataset.name).toBe('x-c3');
    // 400 draws over 8 kinds: each count is Binomial(400, 1/8), mean 50, sd 6.6; 25..75 is ±3.8 sd.
    for (const kind of nn.CORRUPTIONS) {
      const count = a.kinds.filter((k) => k === kind).length;
      expect(count).toBeGreaterThanOrEqual(25);
      expect(count).toBeLessThanOrEqual(75);
    }
  });
  it('refuses bad input', () => {
    const image = new Float64Array(64).fill(0.5);
    expect(() => nn.corrupt(image, gray, 'fog' as nn.Corruption, 1, new Random(0))).toThrow(/corrupt: unknown corruption 'fog'/);
    expect(() => nn.corrupt(image, gray, 'contrast', 6, new Random(0))).toThrow(/corrupt: severity must be an integer in 0..5, given 6/);
    expect(() => nn.corrupt(Float64Array.of(2, ...new Array(63).fill(0)), gray, 'contrast', 1, new Random(0))).toThrow(/corrupt: pixel 0 is 2; corruptions apply to raw pixels in \[0, 1\]/);
    expect(() => nn.corrupt(new Float64Array(10), gray, 'contrast', 1, new Random(0))).toThrow(/corrupt: an image of shape \[1,8,8\] has 64 values, given 10/);
  });
});

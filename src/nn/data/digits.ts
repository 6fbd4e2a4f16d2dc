/**
 * The UCI optical digits (Alpaydin & Kaynak 1998, as in scikit-learn's load_digits): 1,797
 * 8×8 images with integer pixels 0..16 and 10 classes, shipped in data/digits.csv.gz
 * (header `p0,…,p63,label`, one image per row). Pixels are scaled to [0, 1] by /16 here.
 */
import { fail, Random } from '../../tensor/index.ts';
import { checkDataset, standardize, stratifiedSplit, type Dataset, type Split } from './dataset.ts';

/** Parses the digits CSV text; every row must have 64 pixels in 0..16 and a label in 0..9. */
export function parseDigitsCsv(text: string, file = 'digits.csv'): Dataset {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]?.split(',') ?? [];
  if (header.length !== 65 || header[64] !== 'label') fail('parseDigitsCsv', `${file}: expected a header p0,…,p63,label, given '${lines[0]?.slice(0, 40) ?? ''}'`);
  const n = lines.length - 1;
  const inputs = new Float64Array(n * 64);
  const targets = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== 65) fail('parseDigitsCsv', `${file}: line ${r + 2} has ${cells.length} fields, expected 65`);
    for (let j = 0; j < 65; j++) {
      const v = Number(cells[j]);
      const max = j < 64 ? 16 : 9;
      if (!Number.isInteger(v) || v < 0 || v > max) fail('parseDigitsCsv', `${file}: line ${r + 2}, field ${j + 1} is '${cells[j]}', expected an integer in 0..${max}`);
      if (j < 64) inputs[r * 64 + j] = v / 16;
      else targets[r] = v;
    }
  }
  return checkDataset({ name: 'digits', inputShape: [1, 8, 8], numClasses: 10, inputs, targets });
}

/** The digits as every study uses them: /16, a stratified 80/20 split with Random(0), standardized (data/README.md). */
export function digitsSplit(text: string, file = 'digits.csv'): Split {
  return standardize(stratifiedSplit(parseDigitsCsv(text, file), 0.2, new Random(0)));
}

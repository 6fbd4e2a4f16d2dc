/** The known spectra of the Lanczos matvec benchmark (the same as tools/eigsh-matvecs.py). */
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export const SPECTRA: { name: string; values: Float64Array; eigshMedian: number }[] = [
  // eigshMedian: scipy 1.10.1 eigsh(k=8, which='LA', tol=1e-10), median over 5 random starts (tools/eigsh-matvecs.py).
  { name: 'power law i^-1.5 (n=1000)', values: Float64Array.from(range(1000), (i) => 1 / (i + 1) ** 1.5), eigshMedian: 33 },
  {
    name: 'GGN-like: 20 outliers + bulk (n=1210)',
    values: Float64Array.from([...range(20).map((i) => 100 / (i + 1) ** 2), ...range(1190).map((i) => 0.5 * (1 - i / 1189) ** 3)]),
    eigshMedian: 27,
  },
  { name: 'clustered top 4 within 1e-6 (n=500)', values: Float64Array.from([...range(4).map((i) => 10 - 1e-6 * i), ...range(496).map((i) => 5 * Math.exp(-i / 20))]), eigshMedian: 56 },
  { name: 'repeated top, multiplicity 3 (n=500)', values: Float64Array.from([5, 5, 5, ...range(497).map((i) => 4 * Math.exp(-i / 50))]), eigshMedian: 95 },
  { name: 'linear, small gaps (n=1000)', values: Float64Array.from(range(1000), (i) => 1 - i / 1000), eigshMedian: 375 },
];

/**
 * eigsh on the dense GGN of bench/mlp-ggn.ts (written by tools/mlp-ggn-matrix.ts), same settings:
 * runs 26 27 28 28 28.
 */
export const MLP_GGN_EIGSH_MEDIAN = 28;

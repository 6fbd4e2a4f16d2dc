/**
 * The kernels cannot change a result: the bias study (GGN and Hessian, Lanczos, CG, overlaps), the
 * CG experiment, the Laplace experiment (K-FAC, eigh, the J Σ Jᵀ workspace) and eigh itself give the same JSON — and the same numbers bit for bit, signed zeros included —
 * on the TypeScript reference kernels and on their WebAssembly twins, on a small ConvNet whose
 * products run every kernel (GEMM, im2col/col2im, ReLU and its step, max pooling's winners).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { curvature, nn } from '../../src/index.ts';
import { convNet } from '../../src/nn/presets.ts';
import { Random, useKernels, wasmAvailable } from '../../src/tensor/index.ts';
import { kernelChoice } from '../../src/tensor/cpu/kernels.ts';
import { loadDigitsSplit } from '../../src/node/datasets.ts';
import { eigh } from '../../src/linalg/eigh.ts';

const suiteChoice = kernelChoice();
afterAll(() => { useKernels(suiteChoice); });

const digits = loadDigitsSplit();
const take = (d: nn.Dataset, n: number): nn.Dataset => ({ ...d, inputs: d.inputs.subarray(0, n * 64), targets: d.targets.subarray(0, n) });
const train = take(digits.train, 192), test = take(digits.test, 64);
const model = nn.fromSpec(convNet([1, 8, 8], 10, 1, 4));
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 5e-4, params: model.init(new Random(5)) });

/** Numbers equal by Object.is (−0 ≠ +0, NaN = NaN), arrays and objects recursively, typed arrays as arrays. */
function identical(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return identical(Array.from(a as Float64Array), Array.from(b as Float64Array), path);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = identical(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a as object);
    if (keys.join() !== Object.keys(b as object).join()) return `${path}: keys differ`;
    for (const key of keys) {
      const d = identical((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${String(a)} vs ${String(b)}`;
}

/** A study on each kernel set. */
function onBoth<T>(study: () => T): { typescript: T; wasm: T } {
  useKernels('typescript');
  const typescript = study();
  useKernels('wasm');
  const wasm = study();
  useKernels(suiteChoice);
  return { typescript, wasm };
}

describe.runIf(wasmAvailable())('TypeScript and WebAssembly kernels give the same studies', () => {
  for (const kind of ['ggn', 'hessian'] as const) {
    it(`biasStudy (${kind}): the same JSON and the same bits`, () => {
      const { typescript, wasm } = onBoth(() => curvature.biasStudy(p, train, { kind, batchSize: 32, k: 3, seed: 1, b1Batches: [0, 2], repeats: 2, keepVectors: true }));
      expect(JSON.stringify(wasm)).toBe(JSON.stringify(typescript));
      expect(identical(wasm, typescript)).toBe(null);
    }, 60_000);
  }

  it('laplaceStudy: the same JSON and the same bits, apart from its build times', () => {
    const corrupted = [{ ...test, name: 'c1', inputs: test.inputs.map((x) => -x) }];
    const { typescript, wasm } = onBoth(() => curvature.laplaceStudy(p, { train, test, corrupted }, { batchSizes: [32], repeats: 2, priorPrecisions: [0.1, 10], samples: 4, seed: 3 }));
    for (const r of [...typescript.runs, ...wasm.runs]) r.buildSeconds = 0;
    expect(JSON.stringify(wasm)).toBe(JSON.stringify(typescript));
    expect(identical(wasm, typescript)).toBe(null);
  }, 60_000);

  it('eigh: the same eigenvalues and eigenvectors bit for bit (odd and even n, a repeated eigenvalue)', () => {
    const rng = new Random(11);
    for (const n of [37, 120]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
      for (let i = 0; i < 3; i++) a[i * n + i] = 5; // a block that makes 5 an eigenvalue of multiplicity ≥ 2
      for (let i = 0; i < 3; i++) for (let j = 0; j < n; j++) if (i !== j) a[i * n + j] = a[j * n + i] = 0;
      const { typescript, wasm } = onBoth(() => eigh(a, n));
      expect(identical(wasm, typescript)).toBe(null);
    }
  });

  it('cgStudy: the same JSON and the same bits', () => {
    const { typescript, wasm } = onBoth(() => curvature.cgStudy(p, train, test, { batchSizes: [32], iterations: 6, repeats: 2, seed: 2 }));
    expect(JSON.stringify(wasm)).toBe(JSON.stringify(typescript));
    expect(identical(wasm, typescript)).toBe(null);
  }, 60_000);
});

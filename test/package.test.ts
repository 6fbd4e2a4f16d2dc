/**
 * The packed package works for a project that installs it: `npm pack` (which builds dist/),
 * the tarball installed into a temporary consumer with no dev dependencies, and there (a) a plain
 * .mjs imported with `node` computes a gradient, an HVP and a Lanczos top-3 on a small model,
 * (b) a .ts consumer type-checks with `tsc --strict`, (c) `npx mbquad --help` and a tiny
 * `mbquad bias` run. npm reaches the registry for gpu.js (the one runtime dependency).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = resolve('.');
const consumer = mkdtempSync(join(tmpdir(), 'mbquad-consumer-'));
const run = (command: string, args: string[], cwd = consumer) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });

describe('the packed package in a consumer project', () => {
  beforeAll(() => {
    const packs = mkdtempSync(join(tmpdir(), 'mbquad-pack-'));
    run('npm', ['pack', '--silent', '--pack-destination', packs], repo); // prepack builds dist/
    const tarball = join(packs, readdirSync(packs).find((f) => f.endsWith('.tgz'))!);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--ignore-scripts', '--no-package-lock', tarball]);
  }, 300_000);

  it('ships the compiled library, its types, the CLI and the data, not the sources or the tests', () => {
    const files = readdirSync(join(consumer, 'node_modules', 'mbquad')).sort();
    expect(files).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'bin', 'data', 'dist', 'package.json']);
    expect(readdirSync(join(consumer, 'node_modules')).filter((d) => ['vitest', 'tsx', 'typescript', 'fast-check', 'benny'].includes(d))).toEqual([]);
  });

  it('(a) plain node imports it: gradient, HVP and Lanczos top-3 on a small model; the thread pool gives the same gradient', () => {
    writeFileSync(join(consumer, 'use.mjs'), `
import { curvature, linalg, nn, Random, tensor } from 'mbquad';
import { loadDigitsSplit, useThreads } from 'mbquad/node';
const model = nn.fromSpec({ input: [1, 8, 8], layers: [{ type: 'flatten' }, { type: 'linear', out: 8 }, { type: 'tanh' }, { type: 'linear', out: 10 }] });
const { train } = loadDigitsSplit();
const batch = { inputs: train.inputs.subarray(0, 64 * 64), targets: train.targets.subarray(0, 64) };
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 1e-3, params: model.init(new Random(0)) });
const g = curvature.gradient(p, batch);
const hv = curvature.hessianVectorProduct(p, batch, g);
const top = linalg.lanczos(curvature.ggnOperator(p, batch), 3);
// The thread pool from the compiled package: its workers load dist's JavaScript.
const a = tensor.randn([300, 300], new Random(2));
const product = tensor.matmul(a, a).data;
const pool = useThreads(2, { minFlops: 0 });
const same = (x, y) => x.length === y.length && x.every((v, j) => Object.is(v, y[j]));
let threadsSame = same(curvature.gradient(p, batch), g);
for (let i = 0; pool.chunksRunByWorkers === 0 && i < 500; i++) {
  threadsSame &&= same(tensor.matmul(a, a).data, product);
  await new Promise((r) => setTimeout(r, 10));
}
console.log(JSON.stringify({ P: model.numParams, g: linalg.norm(g), gHg: linalg.dot(g, hv), top: Array.from(top.values),
  threadsSame, workerChunks: pool.chunksRunByWorkers }));
`);
    const out = JSON.parse(run(process.execPath, ['use.mjs']));
    expect(out.P).toBe(64 * 8 + 8 + 8 * 10 + 10);
    expect(out.g).toBeGreaterThan(0);
    expect(Number.isFinite(out.gHg)).toBe(true);
    expect(out.top).toHaveLength(3);
    expect(out.top[0]).toBeGreaterThanOrEqual(out.top[1]);
    expect(out.threadsSame).toBe(true);
    expect(out.workerChunks).toBeGreaterThan(0);
  });

  it('(b) a TypeScript consumer type-checks with tsc --strict', () => {
    writeFileSync(join(consumer, 'use.ts'), `
import { curvature, linalg, nn, Random, type tensor } from 'mbquad';
const model: nn.Model = nn.fromSpec({ input: [4], layers: [{ type: 'linear', out: 3 }] });
const p: curvature.Problem = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0, params: model.init(new Random(1)) });
const batch: curvature.Batch = { inputs: new Float64Array(8), targets: Int32Array.of(0, 2) };
const op: linalg.LinearOperator = curvature.ggnOperator(p, batch);
const values: Float64Array = linalg.lanczos(op, 2).values;
const t: tensor.Tensor = nn.fromSpec({ input: [4], layers: [] }).inputTensor(new Float64Array(4));
export { values, t };
`);
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'], types: [] }, files: ['use.ts'] }));
    run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  });

  it('(c) npx mbquad --help and a tiny mbquad bias run without dev tools', () => {
    expect(run('npx', ['--no-install', 'mbquad', '--help'])).toMatch(/^mbquad COMMAND \[options\]/);
    run('npx', ['--no-install', 'mbquad', 'train', '--preset', 'mlp', '--hidden', '8', '--epochs', '1', '--checkpoints', '1', '--out', 'run']);
    const out = run('npx', ['--no-install', 'mbquad', 'bias', '--checkpoint', 'run/epoch-0001.json', '--kinds', 'ggn', '--batch-sizes', '256', '--k', '2', '--repeats', '2', '--out', 'bias']);
    expect(out).toMatch(/wrote bias\/bias-study.json/);
  }, 120_000);
});

/** The command line end to end: train, checkpoint at log-spaced epochs, resume to the same result. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/node/checkpoint.ts';
import { linalg, nn, Random } from '../../src/index.ts';
import { idxBytes } from '../helpers/idx.ts';

const cli = (args: string[], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, ['bin/mbquad.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });

describe('mbquad train', () => {
  it('trains, writes log-spaced checkpoints, and a resumed run ends where the uninterrupted one does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbquad-cli-'));
    const common = ['--preset', 'convnet', '--depth', '0', '--width', '4', '--batch-size', '64', '--lr', '0.01', '--seed', '3', '--checkpoints', '3'];
    const out = cli(['train', ...common, '--epochs', '4', '--out', join(dir, 'full')]);
    expect(out).toMatch(/total: \d+ parameters/);
    expect(out).toMatch(/done in .* test accuracy \d+\.\d+%/);
    expect(readdirSync(join(dir, 'full')).sort()).toEqual(['epoch-0000.json', 'epoch-0001.json', 'epoch-0002.json', 'epoch-0004.json', 'run.json']);
    cli(['train', ...common, '--epochs', '2', '--out', join(dir, 'part')]);
    cli(['train', '--resume', join(dir, 'part', 'epoch-0002.json'), '--epochs', '4', '--out', join(dir, 'part')]);
    const full = readCheckpoint(join(dir, 'full', 'epoch-0004.json'));
    const resumed = readCheckpoint(join(dir, 'part', 'epoch-0004.json'));
    expect(resumed.state.params).toEqual(full.state.params);
    expect(resumed.settings.seed).toBe(3);
  }, 120_000);

  it('reports bad options in one line', () => {
    expect(() => cli(['train', '--epochs', 'many'])).toThrow(/mbquad: options: --epochs must be a number, given 'many'/);
    expect(() => cli(['train', '--epoch', '3'])).toThrow(/unknown option --epoch/);
    expect(() => cli(['train', '--spec', '/nonexistent/spec.json'])).toThrow(/mbquad: read: cannot read the model spec \(--spec\) \/nonexistent\/spec.json: no such file or directory/);
  });
});

describe('mbquad bias', () => {
  it('runs the study from a checkpoint and writes the JSON report and the three figures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbquad-bias-'));
    cli(['train', '--preset', 'convnet', '--depth', '0', '--width', '4', '--epochs', '1', '--checkpoints', '1', '--out', join(dir, 'run')]);
    const study = ['bias', '--checkpoint', join(dir, 'run', 'epoch-0001.json'), '--kinds', 'ggn', '--batch-sizes', '256', '--k', '2', '--repeats', '2', '--b1-batches', '0,3'];
    const out = cli([...study, '--out', join(dir, 'bias')], { MBQUAD_BACKEND: '', MBQUAD_THREADS: '2' });
    expect(out).toMatch(/curvature products on cpu \(float64\) on 2 threads, (WebAssembly|TypeScript) kernels/);
    expect(out).toMatch(/at θ: full-data objective [\d.]+, ‖∇L\(θ\)‖ = [\d.e+-]+, train accuracy [\d.]+%/);
    expect(out).toMatch(/wrote .*bias-study.json/);
    // The summary table fits 100 columns and reports signed medians with their counts.
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(out).toMatch(/ggn\s+256\s+2\s+[\d.]+ \[[\d.]+, [\d.]+\]\s+[+-][\d.e+-]+ \d+↑ \d+↓\s+[+-][\d.e+-]+/);
    const report = JSON.parse(readFileSync(join(dir, 'bias', 'bias-study.json'), 'utf8'));
    expect(report.settings.b1Batches).toEqual([0, 3]);
    expect(report.studies[0].runs.map((r: { b1Batch: number }) => r.b1Batch)).toEqual([0, 3]);
    expect(readdirSync(join(dir, 'bias')).sort()).toEqual(['bias-study.json', 'fig1-ggn-b256.svg', 'fig2-ggn-b256.svg', 'fig4-ggn-b256.svg']);

    // The same study on the gpu.js backend, chosen by the environment: float32 products, so the
    // top eigenvalue agrees to float32 accuracy (Lanczos converges to 1e-10 of the operator it is given).
    const onGpu = cli([...study, '--out', join(dir, 'bias-gpu')], { MBQUAD_BACKEND: 'gpu' });
    expect(onGpu).toMatch(/curvature products on gpu\.js\/\w+ \(float32\)/);
    const top = (d: string) => JSON.parse(readFileSync(join(dir, d, 'bias-study.json'), 'utf8')).studies[0].runs[0].eigen.values[0] as number;
    expect(Math.abs(top('bias-gpu') - top('bias')) / top('bias')).toBeLessThan(1e-4);
    expect(() => cli([...study, '--backend', 'tpu'])).toThrow(/--backend \(or MBQUAD_BACKEND\) takes cpu or gpu, given 'tpu'/);
    expect(() => cli([...study, '--backend', 'gpu', '--gpu-mode', 'cuda'])).toThrow(/--gpu-mode \(or MBQUAD_GPU_MODE\) takes auto, headlessgl/);
    // --curvature kfac: the K-FAC bias study vs batch size (B.8) and Fig. 20.
    const kfacOut = cli(['bias', '--checkpoint', join(dir, 'run', 'epoch-0001.json'), '--curvature', 'kfac', '--batch-sizes', '64,256', '--k', '2', '--out', join(dir, 'kfac')]);
    expect(kfacOut).toMatch(/^\s+64\s+22\s+3\s+[\d.]+ \[[\d.]+, [\d.]+\]$/m);
    expect(readdirSync(join(dir, 'kfac')).sort()).toEqual(['bias-study.json', 'fig20-kfac.svg']);
    const kfacReport = JSON.parse(readFileSync(join(dir, 'kfac', 'bias-study.json'), 'utf8'));
    expect(kfacReport.studies).toEqual([]);
    expect(kfacReport.kfac.sizes.map((z: { batchSize: number }) => z.batchSize)).toEqual([64, 256]);
    // --repeats 0 skips the top-curvature ratio: no NaN, a dash in the table and null in the JSON.
    const noRatio = cli([...study, '--repeats', '0', '--out', join(dir, 'bias-0')], { MBQUAD_BACKEND: '' });
    expect(noRatio).toMatch(/ggn\s+256\s+2\s+–\s+[+-]/);
    expect(noRatio).not.toMatch(/NaN/);
    expect(JSON.parse(readFileSync(join(dir, 'bias-0', 'bias-study.json'), 'utf8')).studies[0].summary.topCurvatureRatio).toBeNull();
    // Options are checked before any work: these fail at once, before a model is loaded.
    expect(() => cli([...study, '--repeats', '-1'])).toThrow(/mbquad: bias: --repeats must be ≥ 0, given -1/);
    expect(() => cli([...study, '--k', '0'])).toThrow(/mbquad: bias: --k must be ≥ 1, given 0/);
    expect(() => cli([...study, '--b1-batches', '1,1'])).toThrow(/--b1-batches must be distinct integers ≥ 0/);
    expect(() => cli([...study, '--optimizer', 'adam'])).toThrow(/--optimizer chooses how to train the default model; a --checkpoint or --weights is already trained/);
    expect(() => cli([...study, '--b1-batches', '9'])).toThrow(/mbquad: bias: --b1-batches must be below 5, the number of batches of 256; given 9/);
    expect(() => cli([...study, '--k', '5000'])).toThrow(/mbquad: bias: --k must be at most the \d+ parameters, given 5000/);
  }, 180_000);
});

describe('mbquad bias with a model trained elsewhere', () => {
  it('--spec and --weights (.npy or .safetensors) give the study; --save-vectors writes the directions as .npy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbquad-weights-'));
    const spec = { input: [1, 8, 8], layers: [{ type: 'flatten' }, { type: 'linear', out: 6 }, { type: 'tanh' }, { type: 'linear', out: 10 }] };
    const model = nn.fromSpec(spec);
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    writeFileSync(join(dir, 'w.npy'), nn.toNpy(model.init(new Random(5))));
    const args = ['bias', '--spec', join(dir, 'spec.json'), '--weights', join(dir, 'w.npy'), '--data', 'digits', '--kinds', 'ggn', '--batch-sizes', '256', '--k', '3', '--repeats', '2', '--b1-batches', '0,2'];
    cli([...args, '--save-vectors', '--out', join(dir, 'out')]);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'bias-study.json'), 'utf8'));
    expect(report.settings.weights).toBe(join(dir, 'w.npy'));
    expect(report.settings.trainSettings).toBeNull();
    expect(report.studies[0].runs[0].vectors).toBeUndefined();
    const eig = nn.parseNpy(new Uint8Array(readFileSync(join(dir, 'out', 'eigenvectors-ggn-b256.npy'))));
    expect(eig.shape).toEqual([2, 3, model.numParams]);
    // The saved eigenvectors are the study's: unit length, and u1 on B1 has the Ritz value λ1.
    const u1 = eig.data.subarray(0, model.numParams);
    expect(Math.abs(linalg.norm(Float64Array.from(u1)) - 1)).toBeLessThan(1e-12);
    const iterates = nn.parseNpy(new Uint8Array(readFileSync(join(dir, 'out', 'cg-iterates-ggn-b256-B2.npy'))));
    expect(iterates.shape).toEqual([3, model.numParams]);
    expect(Array.from(iterates.data.subarray(0, model.numParams)).every((x) => x === 0)).toBe(true); // x_0 = 0
    expect(() => cli(['bias', '--spec', join(dir, 'spec.json')])).toThrow(/--spec and --weights go together/);
    writeFileSync(join(dir, 'bad.json'), '{"0.weight": 1}');
    expect(() => cli([...args, '--weights', join(dir, 'bad.json')])).toThrow(/mbquad: parseParameters: .*bad.json: expected a NumPy .npy file \(parameters_to_vector\) or a .safetensors state dict, given a JSON file/);
  }, 120_000);
});

describe('mbquad cg', () => {
  it('runs single-batch vs debiased CG from a checkpoint and writes the JSON, Fig. 5 per size and Fig. 13', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbquad-cg-'));
    cli(['train', '--preset', 'convnet', '--depth', '0', '--width', '4', '--epochs', '1', '--checkpoints', '1', '--out', join(dir, 'run')]);
    const args = ['cg', '--checkpoint', join(dir, 'run', 'epoch-0001.json'), '--batch-sizes', '32,64', '--iterations', '3', '--repeats', '2'];
    const out = cli([...args, '--out', join(dir, 'cg')], { MBQUAD_BACKEND: '' });
    expect(out).toMatch(/GGN products on cpu \(float64\)/);
    expect(out).toMatch(/^single \|B\|=32\s+2\s+[\d.]+\s+[\d.]+ @ \d,\d\s+[\d.]+/m);
    expect(out).toMatch(/^debiased 2×32\s+2\s/m);
    expect(out).toMatch(/^debiased full\s+1\s/m);
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(readdirSync(join(dir, 'cg')).sort()).toEqual(['cg-study.json', 'fig13-full-batch.svg', 'fig5-b32.svg', 'fig5-b64.svg']);
    const report = JSON.parse(readFileSync(join(dir, 'cg', 'cg-study.json'), 'utf8'));
    expect(report.settings).toMatchObject({ batchSizes: [32, 64], iterations: 3, repeats: 2, seed: 0, fullBatch: true });
    expect(report.study.sizes[1].trajectories.map((t: { method: string }) => t.method)).toEqual(['single', 'debiased', 'single', 'debiased']);
    expect(report.study.sizes[0].trajectories[0].metrics.testAccuracy).toHaveLength(4);
    // --no-full-batch leaves Fig. 13 out; options are checked before any work.
    cli([...args, '--batch-sizes', '32', '--no-full-batch', '--out', join(dir, 'cg-mini')]);
    expect(readdirSync(join(dir, 'cg-mini')).sort()).toEqual(['cg-study.json', 'fig5-b32.svg']);
    expect(() => cli([...args, '--batch-sizes', '33'])).toThrow(/mbquad: cg: --batch-sizes must be even integers ≥ 2 \(debiased CG uses two halves\), given 33/);
    expect(() => cli([...args, '--repeats', '30'])).toThrow(/mbquad: cg: --repeats 30 at \|B\| = 64 needs 1920 training examples \(disjoint batches\), the data have 1438/);
    expect(() => cli([...args, '--iterations', '0'])).toThrow(/mbquad: cg: --iterations must be ≥ 1, given 0/);
  }, 180_000);
});

describe('mbquad laplace', () => {
  it('runs the LA experiment from a checkpoint: JSON, Figs. 6, 14 and 15, the table; checks options first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbquad-la-'));
    cli(['train', '--preset', 'convnet', '--depth', '0', '--width', '4', '--epochs', '1', '--checkpoints', '1', '--out', join(dir, 'run')]);
    const args = ['laplace', '--checkpoint', join(dir, 'run', 'epoch-0001.json'), '--batch-sizes', '16', '--repeats', '2', '--precisions', '1,100', '--samples', '3'];
    const out = cli([...args, '--out', join(dir, 'la')]);
    expect(out).toMatch(/^vanilla\s+–\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+–$/m);
    expect(out).toMatch(/^single \|B\|=16\s+(1|100)\s+[\d.]+/m);
    expect(out).toMatch(/^debiased 2×8\s/m);
    expect(out).toMatch(/^full batch\s/m);
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(readdirSync(join(dir, 'la')).sort()).toEqual(['fig14-train.svg', 'fig15-corrupted.svg', 'fig6-test.svg', 'laplace-study.json']);
    const report = JSON.parse(readFileSync(join(dir, 'la', 'laplace-study.json'), 'utf8'));
    expect(report.study.priorPrecisions).toEqual([1, 100]);
    expect(report.study.setNames).toEqual(['train', 'test', 'c1', 'c2', 'c3', 'c4', 'c5']);
    expect(report.study.runs.map((r: { method: string }) => r.method)).toEqual(['single', 'debiased', 'single', 'debiased', 'full']);
    expect(report.study.runs[0].byPrecision[0].auroc).toHaveLength(5);
    expect(() => cli([...args, '--batch-sizes', '15'])).toThrow(/mbquad: laplace: --batch-sizes must be even integers ≥ 2 \(the debiased LA uses two halves\), given 15/);
    expect(() => cli([...args, '--precisions', '1,-2'])).toThrow(/mbquad: laplace: --precisions must be numbers > 0, given 1,-2/);
    expect(() => cli([...args, '--samples', '0'])).toThrow(/mbquad: laplace: --samples must be ≥ 1, given 0/);
  }, 180_000);
});

describe('command-line conventions', () => {
  const repo = process.cwd();
  /** Runs `mbquad` in an empty folder: help must not create anything (e.g. runs/). */
  const inEmptyFolder = (args: string[], env: Record<string, string> = {}) => {
    const cwd = mkdtempSync(join(tmpdir(), 'mbquad-conv-'));
    const r = spawnSync(process.execPath, [join(repo, 'bin/mbquad.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
    return { ...r, files: readdirSync(cwd) };
  };
  it('-h and --help on every command print its help and do nothing else; --version', () => {
    for (const command of [[], ['reproduce'], ['train'], ['bias'], ['cg'], ['laplace'], ['demo']]) {
      for (const flag of ['-h', '--help']) {
        const r = inEmptyFolder([...command, flag]);
        expect(r.status, `${command} ${flag}`).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^mbquad ${command[0] ?? 'COMMAND'}`));
        expect(r.files).toEqual([]);
      }
    }
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(inEmptyFolder(['--version']).stdout.trim()).toBe(pkg.version);
  });
  it('exit status 2 for usage errors, 1 for failures, one line each', () => {
    // A Fashion-MNIST folder of 5 training and 2 test images: too small for --scale full.
    const tinyFashion = mkdtempSync(join(tmpdir(), 'mbquad-tiny-fashion-'));
    const pixels = Uint8Array.from({ length: 5 * 28 * 28 }, (_, i) => (i * 37) % 256), labels = Uint8Array.of(0, 1, 2, 3, 4);
    writeFileSync(join(tinyFashion, 'train-images-idx3-ubyte'), idxBytes([5, 28, 28], pixels));
    writeFileSync(join(tinyFashion, 'train-labels-idx1-ubyte'), idxBytes([5], labels));
    writeFileSync(join(tinyFashion, 't10k-images-idx3-ubyte'), idxBytes([2, 28, 28], pixels.subarray(0, 2 * 28 * 28)));
    writeFileSync(join(tinyFashion, 't10k-labels-idx1-ubyte'), idxBytes([2], labels.subarray(0, 2)));
    const cases: [string[], number, RegExp][] = [
      [['nosuch'], 2, /^mbquad: usage: unknown command 'nosuch'; the commands are reproduce, train, bias, cg, laplace and demo/],
      [['cg', '--batch-sizes', '7'], 2, /^mbquad: cg: --batch-sizes must be even integers ≥ 2 \(debiased CG uses two halves\), given 7$/],
      [['train', '--epoch', '3'], 2, /^mbquad: options: unknown option --epoch$/],
      [['train', '--epochs', '-1'], 2, /^mbquad: train: epochs must be an integer ≥ 0, given -1$/],
      [['train', '--preset', 'resnet'], 2, /^mbquad: train: unknown preset 'resnet'; known: convnet, mlp, allcnnc$/],
      [['bias', '--k', '0'], 2, /^mbquad: bias: --k must be ≥ 1, given 0$/],
      [['bias', '--batch-sizes', '1000'], 2, /^mbquad: bias: --batch-sizes: 1000 leaves 1 batch of the 1438 training examples; the study needs at least 2$/],
      [['bias', '--backend', 'tpu'], 2, /--backend \(or MBQUAD_BACKEND\) takes cpu or gpu, given 'tpu'/],
      [['demo', '--fast'], 2, /^mbquad: options: unknown option --fast$/],
      [['reproduce', '--data', 'cifar10:x'], 2, /^mbquad: reproduce: --data takes digits or fashion-mnist:DIR, given 'cifar10:x'$/],
      [['reproduce', '--quick', '--fast'], 2, /^mbquad: options: unknown option --fast$/],
      [['reproduce', '--data', 'fashion-mnist:nonexistent'], 1, /^mbquad: loadDataset: nonexistent: none of train-images-idx3-ubyte\[\.gz\]/],
      [['reproduce', '--scale', 'huge'], 2, /^mbquad: options: --scale must be one of quick, default, full, given 'huge'$/],
      [['reproduce', '--quick', '--scale', 'full'], 2, /^mbquad: reproduce: --quick is --scale quick; it cannot go with --scale full$/],
      [['reproduce', '--scale', 'full'], 2, /^mbquad: reproduce: --scale full needs at least 50000 training and 10000 test images \(the paper's sizes\); digits has 1438 and 359: use --data fashion-mnist:DIR, or --scale default$/],
      [['reproduce', '--scale', 'full', '--data', `fashion-mnist:${tinyFashion}`], 2, /^mbquad: reproduce: --scale full needs at least 50000 training and 10000 test images \(the paper's sizes\); fashion-mnist:.* has 5 and 2: use --data fashion-mnist:DIR, or --scale default$/],
      [['bias', '--checkpoint', 'nonexistent.json'], 1, /^mbquad: read: cannot read the checkpoint nonexistent.json: no such file or directory$/],
    ];
    for (const [args, status, message] of cases) {
      const r = inEmptyFolder(args);
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.files).toEqual([]);
    }
    for (const threads of ['0', 'two']) {
      const r = inEmptyFolder(['train', '--epochs', '0'], { MBQUAD_THREADS: threads });
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(`mbquad: MBQUAD_THREADS: a positive integer (threads, the calling one included), given '${threads}'`);
      expect(r.files).toEqual([]);
    }
    const kernels = inEmptyFolder(['train', '--epochs', '0'], { MBQUAD_KERNELS: 'fast' });
    expect(kernels.status).toBe(2);
    expect(kernels.stderr.trim()).toBe("mbquad: MBQUAD_KERNELS: auto, wasm or typescript, given 'fast'");
    const bench = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'nosuch'], { encoding: 'utf8' });
    expect(bench.status).toBe(2);
    expect(bench.stderr.trim()).toBe("bench: unknown suite 'nosuch'; known: engine, kernels, small, threads, linalg, curvature, kfac, allcnnc, cg, laplace, gpu, gpu-kernels, gpu-products");
  }, 60_000);
});

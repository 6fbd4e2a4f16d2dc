/**
 * The page (web/) end to end: `npm run build:web`'s bundle served by tools/serve-web.ts on
 * 127.0.0.1, opened in headless Chromium (Debian's `chromium` through playwright-core; skipped
 * without it unless MBQUAD_REQUIRE_BROWSER=1, which `.ci/run` sets). In the browser: no console
 * error and no request leaving the server; choosing |B| = 128 draws Fig. 1, and its λ1 is the
 * Node library's for the same batch — Lanczos on the GGN operator of batch 0 of the partition
 * with seed 0, computed here directly, not through the page's code — to 1e-12 on the CPU
 * backend and 1e-4 on gpu.js (WebGL, float32); one CG step moves the test-loss curve. The
 * screenshot lands in the temporary folder, and in MBQUAD_WEB_PNG (e.g. docs/web.png) when set.
 *
 * Tolerances: the CPU backend in the browser runs the same float64 arithmetic as Node, in
 * another V8 (Chromium's, whose compiled code and math functions may differ in the last bit);
 * measured here λ1 differs from Node's by 2.7e-15 relative, so 1e-12 leaves a factor ~400 while a
 * wrong batch, seed or weight decay is off by ≫ 1e-6. gpu.js computes the network in float32
 * (unit roundoff 6e-8) through the products and reductions of a GGN-vector product, under
 * Lanczos' float64 iteration; measured here the WebGL λ1 differs by 5.2e-7, and 1e-4 is the
 * issue's bound (the float32 backend's bound everywhere in the suite).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noBrowser, withPage } from '../helpers/browser.ts';
import { curvature, linalg, nn, Random } from '../../src/index.ts';
import { readCheckpoint } from '../../src/node/checkpoint.ts';
import { loadDigitsSplit } from '../../src/node/datasets.ts';
import { buildWeb, WEB_DIR } from '../../tools/build-web.ts';
import { serveStatic } from '../../tools/serve-web.ts';

const CHECKPOINT = join(WEB_DIR, 'digits-convnet.checkpoint.json');
/** The command that made the committed checkpoint (docs/web.md). */
const TRAIN_ARGS = ['train', '--optimizer', 'sgd', '--lr', '0.05', '--momentum', '0.9', '--weight-decay', '5e-4', '--batch-size', '32', '--epochs', '60', '--milestones', '30,45', '--checkpoints', '1'];

/** λ1 of the GGN of batch `batch` of the digits' training set shuffled with `seed` into batches of |B|: the partition, the problem and Lanczos written here. */
function nodeLambda1(batchSize: number, batch: number, seed: number, k: number): number {
  const c = readCheckpoint(CHECKPOINT);
  const { train } = loadDigitsSplit();
  const p = curvature.problem({ model: nn.fromSpec(c.spec), loss: 'cross_entropy', weightDecay: c.settings.weightDecay, params: c.state.params });
  const indices = nn.partitionBatches(train.targets.length, batchSize, new Random(seed), 'drop')[batch];
  return linalg.lanczos(curvature.ggnOperator(p, nn.batchOf(train, indices)), k, { tol: 1e-8, seed: 1 }).values[0];
}

describe('the page', () => {
  it('its checkpoint is what `mbquad train` makes, bit for bit', () => {
    const out = mkdtempSync(join(tmpdir(), 'mbquad-web-train-'));
    execFileSync(process.execPath, ['bin/mbquad.js', ...TRAIN_ARGS, '--out', out], { stdio: 'ignore' });
    const made = readCheckpoint(join(out, 'epoch-0060.json')), shipped = readCheckpoint(CHECKPOINT);
    expect(shipped.spec).toEqual(made.spec);
    expect(shipped.settings).toEqual(made.settings);
    expect(shipped.data).toBe('digits');
    expect(Buffer.from(shipped.state.params.buffer).equals(Buffer.from(made.state.params.buffer))).toBe(true);
  }, 300_000);

  it('its server serves files inside web/ only, by GET and HEAD, on 127.0.0.1', async () => {
    const server = await serveStatic(WEB_DIR, 0);
    try {
      const { address, port } = server.address() as AddressInfo;
      expect(address).toBe('127.0.0.1');
      const get = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${port}${path}`, { method });
      const index = await get('/');
      expect([index.status, index.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await index.text()).toMatch(/<script src="dist\/page.js" defer><\/script>/);
      expect((await get('/digits-convnet.checkpoint.json', 'HEAD')).status).toBe(200);
      expect((await get('/..%2fpackage.json')).status).toBe(403); // decodes to /../package.json
      expect((await get('/%2e%2e/package.json')).status).toBe(404); // the URL parser resolves it to /package.json, not in web/
      expect((await get('/src')).status).toBe(404); // a folder: no listing
      expect((await get('/', 'POST')).status).toBe(405);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  describe.skipIf(noBrowser)('in headless Chromium', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      await buildWeb();
      server = await serveStatic(WEB_DIR, 0);
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    }, 120_000);
    afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

    it('loads with no console error; Fig. 1 at |B| = 128 has the Node λ1 (CPU 1e-12, WebGL 1e-4); a CG step moves the test loss', () => withPage({ width: 1280, height: 1000 }, async (page, errors) => {
      const outside: string[] = [];
      page.on('request', (r) => !r.url().startsWith(url) && !r.url().startsWith('data:') && outside.push(r.url()));
      await page.goto(url, { waitUntil: 'load' });
      // The default panel (|B| = 32) draws first; then the reader chooses |B| = 128.
      await page.waitForSelector('#fig1[data-state="drawn"] svg', { timeout: 120_000 });
      await page.selectOption('#batch-size', '128');
      await page.waitForSelector('#fig1[data-state="drawn"][data-batch-size="128"] svg', { timeout: 120_000 });
      const k = Number(await page.inputValue('#k'));
      const expected = nodeLambda1(128, 0, 0, k);
      const onCpu = Number(await page.getAttribute('#lambda1', 'data-value'));
      expect(Math.abs(onCpu - expected) / expected, `CPU λ1 ${onCpu} vs Node ${expected}`).toBeLessThanOrEqual(1e-12);
      // The Worker runs the WebAssembly SIMD kernels, and λ1 is Node's all the same (checked above).
      const cpuTiming = (await page.textContent('#eigen-timing')) ?? '';
      expect(cpuTiming).toMatch(/^cpu, float64, WebAssembly SIMD kernels: [\d.]+ ms per GGN-vector product on B1/);
      console.log(`page, Chromium, CPU backend: ${cpuTiming} (λ1 ${onCpu}, Node ${expected})`);
      const box = await page.locator('#fig1 svg').boundingBox();
      expect(box && box.width > 100 && box.height > 100).toBe(true);
      expect(await page.locator('#fig2 svg').count()).toBe(1);

      // CG: k = 0 shows θ0; one step moves the test-loss curve and its number.
      await page.waitForSelector('#cg-figure[data-k="0"] svg', { timeout: 120_000 });
      const before = { loss: await page.getAttribute('#cg-single-loss', 'data-value'), svg: await page.innerHTML('#cg-figure') };
      await page.click('#cg-step');
      await page.waitForSelector('#cg-figure[data-k="1"] svg', { timeout: 120_000 });
      const after = { loss: await page.getAttribute('#cg-single-loss', 'data-value'), svg: await page.innerHTML('#cg-figure') };
      expect(Number(after.loss)).not.toBe(Number(before.loss));
      expect(Number.isFinite(Number(after.loss))).toBe(true);
      expect(after.svg).not.toBe(before.svg);
      expect(await page.getAttribute('#cg-debiased-loss', 'data-value')).not.toBe(before.loss);

      await page.click('#cg-step10'); // for the screenshot: a trajectory, not a segment
      await page.waitForSelector('#cg-figure[data-k="11"] svg', { timeout: 120_000 });
      const png = join(mkdtempSync(join(tmpdir(), 'mbquad-web-')), 'web.png');
      await page.screenshot({ path: png, fullPage: true });
      if (process.env.MBQUAD_WEB_PNG) copyFileSync(png, process.env.MBQUAD_WEB_PNG);

      // The same panel on gpu.js: WebGL (SwiftShader when the machine has no GPU), float32.
      await page.check('input[name=backend][value=gpu]');
      await page.waitForFunction("/^gpu\\.js\\//.test(document.getElementById('eigen-timing').textContent) && document.getElementById('fig1').dataset.state === 'drawn'", null, { timeout: 240_000 });
      const timing = await page.textContent('#eigen-timing');
      expect(timing).toMatch(/^gpu\.js\/webgl2?, float32: /);
      const onGpu = Number(await page.getAttribute('#lambda1', 'data-value'));
      expect(Math.abs(onGpu - expected) / expected, `WebGL λ1 ${onGpu} vs Node ${expected}`).toBeLessThanOrEqual(1e-4);
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
    }), 600_000);
  });
});

/**
 * `mbquad reproduce --quick`, end to end: the command runs into a temporary folder, and its
 * report.html is checked against its results.json — first as text, then in headless Chromium
 * (Debian's `chromium`, driven by playwright-core; `.ci/run` installs it and sets
 * MBQUAD_REQUIRE_BROWSER=1 so that CI cannot skip the browser half). In the browser: no console
 * error, no network request, every figure results.json lists drawn with a non-zero size, and
 * every number shown equal (to its 3 shown digits) to the results.json value at its path.
 * A screenshot of the top of the page lands in the temporary folder (and in
 * MBQUAD_REPORT_PNG, e.g. docs/report.png, when that is set).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { exactParse, exactStringify, partFile } from '../../src/node/reproduce.ts';
import { noBrowser, withPage } from '../helpers/browser.ts';


/** The value at a dotted path ('claims.0.numbers.rho') of the results. */
function at(results: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown>)?.[key], results);
}

/** A shown number agrees with its value to the 3 significant digits the report shows (integers exactly). */
function expectShown(text: string, value: unknown, path: string): void {
  expect(typeof value, path).toBe('number');
  const v = value as number;
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return void expect(text, path).toBe(String(v));
  const shown = Number(text);
  expect(Number.isFinite(shown), `${path}: '${text}'`).toBe(true);
  expect(Math.abs(shown - v), `${path}: '${text}' vs ${v}`).toBeLessThanOrEqual(5e-3 * Math.abs(v));
}

/** Fields that say when, how fast and by which process a run was made; every other field is a result. */
const PROVENANCE = new Set(['startedAt', 'timings', 'totalSeconds', 'peakRssBytes', 'seconds', 'trainSeconds', 'buildSeconds', 'reused']);
function withoutProvenance(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutProvenance);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !PROVENANCE.has(k)).map(([k, x]) => [k, withoutProvenance(x)]));
  return v;
}

describe('finished parts on disk', () => {
  it('read back as the same numbers: NaN, ±Infinity, −0 and typed arrays included', () => {
    const value = { a: [1.0000000000000002, 5e-324, -0, NaN, Infinity, -Infinity, null], b: Float64Array.of(0.1, -0, NaN), c: Int32Array.of(-3, 7), d: { number: 'a key' } };
    const back = exactParse(exactStringify(value)) as typeof value;
    expect(back.a).toEqual(value.a);
    expect(Object.is(back.a[2], -0)).toBe(true);
    expect(back.b).toBeInstanceOf(Float64Array);
    expect(Object.is(back.b[1], -0) && Number.isNaN(back.b[2])).toBe(true);
    expect(back.c).toEqual(value.c);
    expect(back.d).toEqual(value.d);
    // A key that looks like a tag would not read back as written: refused, never misread.
    expect(() => exactStringify({ d: { $number: 'a key of its own' } })).toThrow(/exactStringify: an object with a key named \$number, \$float64, \$int32 cannot be written exactly \(at 'd'\)/);
  });
});

describe('mbquad reproduce --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'mbquad-reproduce-'));
  let first: any;
  let results: any;
  let html: string;
  let stdout: string;

  beforeAll(() => {
    stdout = execFileSync(process.execPath, ['bin/mbquad.js', 'reproduce', '--quick', '--out', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    html = readFileSync(join(out, 'report.html'), 'utf8');
    first = structuredClone(results);
  }, 600_000);

  it('writes results.json with every study, claim, figure and timing, and nothing half-written', () => {
    expect(results.format).toBe('mbquad-reproduction-1');
    expect(results.settings.mode).toBe('quick');
    for (const key of ['bias', 'kfac', 'overTraining', 'family', 'cg', 'laplace']) expect(results[key], key).toBeTruthy();
    expect(results.claims.map((c: { id: string }) => c.id)).toEqual(['eigen-curvature', 'cg-directions', 'overlap', 'cg-steps', 'kfac', 'over-training', 'parameters', 'cg', 'laplace']);
    for (const c of results.claims) expect(['supports', 'contradicts', 'mixed', 'untestable']).toContain(c.verdict);
    expect(results.timings.map((t: { part: string }) => t.part)).toEqual(['main model', 'bias study', 'K-FAC bias', 'bias over training', 'ConvNet family', 'CG experiment', 'Laplace experiment', 'report']);
    expect(results.figures.length).toBeGreaterThanOrEqual(10);
    expect(readdirSync(out).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(stdout).toMatch(/wrote .*report\.html and results\.json/);
  });

  it('the claims\' numbers and verdicts, recomputed from the studies in results.json', () => {
    const claim = (id: string) => results.claims.find((c: { id: string }) => c.id === id);
    const medianOf = (xs: number[]) => {
      const s = xs.slice().sort((a, b) => a - b), h = s.length >> 1;
      return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
    };
    const verdict = (holds: boolean[]) => (holds.every(Boolean) ? 'supports' : holds.some(Boolean) ? 'mixed' : 'contradicts');
    // Figs. 1, 2: B1's signed curvature errors along its eigenvectors, pooled over runs and directions.
    const eigen = claim('eigen-curvature');
    const holds = results.bias.studies.map((s: any) => {
      const errors = s.runs.flatMap((r: any) => r.eigen.curvatures.map((c: any) => (c.b1 - c.full) / Math.abs(c.full)));
      const others = s.runs.flatMap((r: any) => r.eigen.curvatures.flatMap((c: any) => c.others.map((o: number) => (o - c.full) / Math.abs(c.full))));
      expect(eigen.numbers[`${s.kind}${s.batchSize}B1`]).toBeCloseTo(medianOf(errors), 12);
      expect(eigen.numbers[`${s.kind}${s.batchSize}Others`]).toBeCloseTo(medianOf(others), 12);
      return medianOf(errors) > 0 && medianOf(errors) > medianOf(others);
    });
    expect(eigen.verdict).toBe(verdict(holds));
    // B.9: medians of the relative curvature errors at the first checkpoint after epoch 0 and the last.
    const over = claim('over-training');
    const shown = results.overTraining.checkpoints.filter((c: any) => c.epoch >= 1);
    const curvatureMedian = (c: any) => medianOf(c.runs.flatMap((r: any) => r.curvatures.map((x: any) => Math.abs(x.b1 - x.full) / Math.abs(x.full))));
    expect(over.numbers.curvatureFirst).toBeCloseTo(curvatureMedian(shown[0]), 12);
    expect(over.numbers.curvatureGrowth).toBeCloseTo(curvatureMedian(shown[shown.length - 1]) / curvatureMedian(shown[0]), 9);
    // B.10: Spearman's ρ as 1 − 6Σd²/(n(n²−1)) (no ties in P or in the errors here).
    const models = results.family.models;
    const rank = (xs: number[]) => xs.map((x) => xs.filter((y) => y < x).length + 1);
    const rp = rank(models.map((m: any) => m.numParams)), re = rank(models.map((m: any) => m.medianCurvatureError));
    const n = models.length;
    expect(claim('parameters').numbers.rho).toBeCloseTo(1 - (6 * rp.reduce((s: number, r: number, i: number) => s + (r - re[i]) ** 2, 0)) / (n * (n * n - 1)), 12);
    // Fig. 5: the test loss's rise from its minimum to the last iteration, mean over runs.
    for (const z of results.cg.sizes) {
      for (const method of ['single', 'debiased']) {
        const rises = z.trajectories.filter((t: any) => t.method === method).map((t: any) => t.metrics.testLoss.at(-1) - Math.min(...t.metrics.testLoss));
        expect(claim('cg').numbers[`${method}${z.batchSize}`]).toBeCloseTo(rises.reduce((a: number, b: number) => a + b, 0) / rises.length, 12);
      }
    }
    // B.8: the K-FAC study's own medians.
    for (const z of results.kfac.sizes) expect(claim('kfac').numbers[`ratio${z.batchSize}`]).toBe(z.medianRatio);
  });

  it('the report as text: self-contained, every listed figure, every marked number from results.json', () => {
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const f of results.figures) expect(html, f.id).toMatch(new RegExp(`<figure id="${f.id}" data-figure="${f.id}"><svg `));
    const marked = [...html.matchAll(/<span class="num" data-result="([^"]+)">([^<]*)<\/span>/g)];
    expect(marked.length).toBeGreaterThan(40);
    for (const [, path, text] of marked) expectShown(text, at(results, path), path);
  });

  it('a rerun reuses the trained models and resumes every finished part', () => {
    const again = execFileSync(process.execPath, ['bin/mbquad.js', 'reproduce', '--quick', '--out', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(again).toMatch(/wrote/);
    const second = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(second.models.main.reused).toBe(true);
    expect(second.models.family.every((m: { reused: boolean }) => m.reused)).toBe(true);
    expect(second.timings.map((t: { resumed?: boolean }) => Boolean(t.resumed))).toEqual([false, true, true, true, true, true, true, false]);
    expect(withoutProvenance(second)).toEqual(withoutProvenance(first));
  }, 600_000);

  it('killed mid-run and run again: it says it resumes, and its results.json equals the uninterrupted run\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbquad-killed-'));
    const args = ['bin/mbquad.js', 'reproduce', '--quick', '--out', dir];
    // Killed (SIGKILL: no clean-up) as soon as the third part, K-FAC bias, is on disk: in the middle of the fourth.
    const killed = spawn(process.execPath, args, { stdio: 'ignore' });
    const status = await new Promise<string | null>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(partFile(join(dir, 'parts'), 'K-FAC bias'))) killed.kill('SIGKILL');
      }, 20);
      killed.on('exit', (_code, signal) => {
        clearInterval(poll);
        resolve(signal);
      });
    });
    expect(status).toBe('SIGKILL');
    expect(readdirSync(dir)).not.toContain('results.json');
    const kept = readdirSync(join(dir, 'parts')).filter((n) => !n.includes('.tmp-')).sort();
    expect(kept).toEqual(['bias-study.json', 'k-fac-bias.json']);

    const resumed = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(resumed).toMatch(/wrote/);
    const again = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(again.timings.map((t: { resumed?: boolean }) => Boolean(t.resumed))).toEqual([false, true, true, false, false, false, false, false]);
    expect(again.models.main.reused).toBe(true); // trained by the killed run, kept by the model store
    expect(withoutProvenance(again)).toEqual(withoutProvenance(first));
  }, 600_000);

  it.skipIf(noBrowser)('the report in headless Chromium: no console error, no request, figures drawn, numbers as in results.json', () => withPage({ width: 1200, height: 900 }, async (page, errors) => {
    const requests: string[] = [];
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')); // the rerun's
    const url = pathToFileURL(join(out, 'report.html')).href;
    page.on('request', (r) => r.url() !== url && requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    for (const f of results.figures) {
      const box = await page.locator(`figure[data-figure="${f.id}"] > svg`).boundingBox();
      expect(box && box.width > 0 && box.height > 0, f.id).toBe(true);
    }
    const shown = await page.$$eval('[data-result]', (els) => els.map((e) => [e.getAttribute('data-result')!, e.textContent!] as const));
    expect(shown.length).toBeGreaterThan(40);
    for (const [path, text] of shown) expectShown(text, at(results, path), path);
    const verdicts = await page.$$eval('[data-verdict]', (els) => els.map((e) => [e.getAttribute('data-verdict')!, e.textContent!] as const));
    expect(verdicts.length).toBe(results.claims.length);
    for (const [path, text] of verdicts) expect(text).toBe(at(results, path));
    const png = join(out, 'report.png');
    await page.screenshot({ path: png });
    if (process.env.MBQUAD_REPORT_PNG) copyFileSync(png, process.env.MBQUAD_REPORT_PNG);
  }), 120_000);
});

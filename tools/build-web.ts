/**
 * `npm run build:web`: bundles the page's two scripts for the browser into web/dist/ —
 * page.js (the main thread: controls and drawing) and worker.js (the engine: the library and
 * gpu.js, in a Web Worker) — and copies the shipped digits next to them, so web/ is a static
 * site any server can serve as it is. esbuild bundles for platform 'browser': an import of a
 * Node module anywhere below the page fails the build, which keeps src/tensor … src/curvature
 * and the page's studies free of Node.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIR = join(root, 'web');

/** Builds web/dist/ (page.js, worker.js with source maps, digits.csv.gz); returns the bundles' sizes in bytes. */
export async function buildWeb(): Promise<Record<string, number>> {
  const out = join(WEB_DIR, 'dist');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: { page: join(WEB_DIR, 'src', 'page.ts'), worker: join(WEB_DIR, 'src', 'worker.ts') },
    outdir: out,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
  });
  copyFileSync(join(root, 'data', 'digits.csv.gz'), join(out, 'digits.csv.gz'));
  return Object.fromEntries(Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js')).map(([f, o]) => [f.split('/').pop()!, o.bytes]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb().then(
    (sizes) => console.log(`web/dist: ${Object.entries(sizes).map(([f, b]) => `${f} ${(b / 1024).toFixed(0)} KiB`).join(', ')}, digits.csv.gz`),
    (e: Error) => {
      console.error(`build:web failed: ${e.message}`);
      process.exit(1);
    },
  );
}

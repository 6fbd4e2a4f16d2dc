/** The layering of docs/DESIGN.md: imports only point down, and the browser-bound layers use no Node APIs. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ORDER = ['tensor', 'linalg', 'autodiff', 'nn', 'curvature', 'experiments'];
const BROWSER_SAFE = ['tensor', 'linalg', 'autodiff', 'nn', 'curvature'];
const src = resolve(__dirname, '..', 'src');
/** An import of a Node module, or a Node-only global. */
const NODE_ONLY = /from 'node:|from '(fs|path|zlib|os|child_process|worker_threads)'|\bprocess\.|\bBuffer\.|require\(/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const layerOf = (path: string) => relative(src, path).split('/')[0];

describe('layers', () => {
  const all = files(src).filter((f) => ORDER.includes(layerOf(f)));
  it('import only from their own or lower layers (linalg and tensor know no models or autodiff)', () => {
    for (const f of all) {
      const own = ORDER.indexOf(layerOf(f));
      for (const m of readFileSync(f, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = layerOf(resolve(dirname(f), m[1]));
        const allowed = target === layerOf(f) || (ORDER.indexOf(target) < own && !(layerOf(f) === 'linalg' && target !== 'tensor'));
        expect(allowed, `${relative(src, f)} imports ${m[1]}`).toBe(true);
      }
    }
  });
  it('src/tensor … src/curvature use no Node-only modules or globals', () => {
    for (const f of all.filter((p) => BROWSER_SAFE.includes(layerOf(p)))) {
      const text = readFileSync(f, 'utf8');
      expect(text, relative(src, f)).not.toMatch(NODE_ONLY);
    }
  });
  it('neither does any file the web page bundles (web/src and every source it imports, transitively)', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) visit(resolve(dirname(file), m[1]));
    };
    const web = resolve(src, '..', 'web', 'src');
    readdirSync(web).forEach((f) => visit(join(web, f)));
    const experiments = [...seen].filter((f) => layerOf(f) === 'experiments').map((f) => relative(src, f)).sort();
    expect(experiments).toEqual(['experiments/bias-figures.ts', 'experiments/cg-figures.ts', 'experiments/checkpoint-format.ts', 'experiments/explorer.ts', 'experiments/svg.ts']);
    for (const f of seen) expect(readFileSync(f, 'utf8'), relative(src, f)).not.toMatch(NODE_ONLY);
  });
});

/**
 * The layer rule of docs/DESIGN.md, as code: which folders of src/ may import which, which of them
 * must run without Node (the package root and the web page bundle them), and no import circle.
 *
 *   tensor ← autodiff, linalg ← nn ← curvature ← report ← node ← cli
 *
 * A folder imports its own files and those of the folders it points away from (autodiff and
 * linalg only tensor; node everything but cli). tensor … report are Node-free: no Node module,
 * no `process`, `Buffer` or `require`. A circle is one of value imports (`import type` is erased
 * by the compiler, so a type-only edge makes no circle at run time: Backend and Tensor name each
 * other's types by design).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Each folder of src/ and the folders it may import (besides itself). */
const MAY_IMPORT: Record<string, string[]> = {
  tensor: [],
  autodiff: ['tensor'],
  linalg: ['tensor'],
  nn: ['tensor', 'autodiff', 'linalg'],
  curvature: ['tensor', 'autodiff', 'linalg', 'nn'],
  report: ['tensor', 'autodiff', 'linalg', 'nn', 'curvature'],
  node: ['tensor', 'autodiff', 'linalg', 'nn', 'curvature', 'report'],
  cli: ['tensor', 'autodiff', 'linalg', 'nn', 'curvature', 'report', 'node'],
};
const NODE_FREE = ['tensor', 'autodiff', 'linalg', 'nn', 'curvature', 'report'];
/** An import of a Node module, or a Node-only global. */
const NODE_ONLY = /from 'node:|from '(fs|path|zlib|os|child_process|worker_threads|crypto)'|\bprocess\.|\bBuffer\.|require\(/;
const src = resolve(__dirname, '..', 'src');

interface Source {
  path: string;
  text: string;
}

function sources(dir: string): Source[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [{ path: p, text: readFileSync(p, 'utf8') }] : [];
  });
}

/** The folder of src/ a file is in ('index.ts' and 'node.ts' for the two entry points). */
const layerOf = (path: string) => relative(src, path).split('/')[0];

/** Relative imports of a file: the resolved target and whether only types are imported. */
function imports(file: Source): { target: string; typeOnly: boolean; spec: string }[] {
  return [...file.text.matchAll(/^(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s+'(\.[^']+)'/gms)].map((m) => ({
    spec: m[3],
    target: resolve(dirname(file.path), m[3]),
    // `import type {…}`, or `import { type A, type B }` where every name is a type.
    typeOnly: Boolean(m[1]) || /^\{[^}]*\}$/s.test(m[2].trim()) && m[2].replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type')),
  }));
}

/** Every import that breaks the rule, as 'file imports spec'. */
export function layerViolations(files: readonly Source[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const own = layerOf(f.path);
    for (const i of imports(f)) {
      const target = layerOf(i.target);
      if (target === own || own === 'index.ts' && NODE_FREE.includes(target) || own === 'node.ts') continue;
      if (!(MAY_IMPORT[own] ?? []).includes(target)) out.push(`${relative(src, f.path)} imports ${i.spec}`);
    }
    if ((NODE_FREE.includes(own) || own === 'index.ts') && NODE_ONLY.test(f.text)) out.push(`${relative(src, f.path)} uses Node`);
  }
  return out;
}

/** The circles of value imports (strongly connected components of more than one file, or a file importing itself). */
export function importCircles(files: readonly Source[]): string[][] {
  const graph = new Map(files.map((f) => [f.path, imports(f).filter((i) => !i.typeOnly).map((i) => i.target)]));
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>(), circles: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const circle: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        circle.push(relative(src, w));
      } while (w !== v);
      if (circle.length > 1 || graph.get(v)!.includes(v)) circles.push(circle.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return circles;
}

describe('layers', () => {
  const all = sources(src);

  it('every folder of src/ is in the rule', () => {
    const folders = [...new Set(all.map((f) => layerOf(f.path)))].filter((l) => !l.endsWith('.ts')).sort();
    expect(folders).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  it('imports follow tensor ← autodiff, linalg ← nn ← curvature ← report ← node ← cli; tensor … report and src/index.ts use no Node', () => {
    expect(layerViolations(all)).toEqual([]);
  });

  it('the rule catches what it forbids', () => {
    const at = (path: string, text: string) => ({ path: join(src, path), text });
    expect(layerViolations([
      at('nn/x.ts', "import { lanczos } from '../linalg/lanczos.ts';\nimport { gradient } from '../curvature/products.ts';"),
      at('linalg/y.ts', "import type { Model } from '../nn/model.ts';"),
      at('report/z.ts', "import { atomicWrite } from '../node/files.ts';"),
      at('curvature/w.ts', "import { readFileSync } from 'node:fs';"),
      at('node/v.ts', "import { usage } from '../cli/options.ts';"),
    ])).toEqual(['nn/x.ts imports ../curvature/products.ts', 'linalg/y.ts imports ../nn/model.ts', 'report/z.ts imports ../node/files.ts', 'curvature/w.ts uses Node', 'node/v.ts imports ../cli/options.ts']);
  });

  it('no circle of imports (type-only imports aside)', () => {
    expect(importCircles(all)).toEqual([]);
    const at = (path: string, text: string) => ({ path: join(src, path), text });
    expect(importCircles([
      at('tensor/a.ts', "import { b } from './b.ts';"),
      at('tensor/b.ts', "import { type A } from './a.ts';\nimport { c } from './c.ts';"),
      at('tensor/c.ts', "import { a } from './a.ts';"),
      at('tensor/d.ts', "import type { A } from './a.ts';\nexport const d = 1;"),
      at('tensor/e.ts', "import type { D } from './d.ts';"),
    ])).toEqual([['tensor/a.ts', 'tensor/b.ts', 'tensor/c.ts']]);
  });

  it('every file the web page bundles (web/src and what it imports, transitively) is Node-free', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const i of imports({ path: file, text: readFileSync(file, 'utf8') })) visit(i.target);
    };
    const web = resolve(src, '..', 'web', 'src');
    readdirSync(web).forEach((f) => visit(join(web, f)));
    const layers = [...new Set([...seen].filter((f) => f.startsWith(src)).map(layerOf))].sort();
    expect(layers.every((l) => NODE_FREE.includes(l) || l === 'index.ts'), layers.join(', ')).toBe(true);
    for (const f of seen) expect(readFileSync(f, 'utf8'), relative(src, f)).not.toMatch(NODE_ONLY);
  });
});

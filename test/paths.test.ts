/**
 * No file points at a path that is not in the repository: every relative path named in the
 * README, in docs/ and in the header comments of the sources (src, test, bench, tools, examples)
 * exists. A path is a token that starts with one of the repository's top-level folders
 * (src/…, docs/…) or names a Markdown file; output folders made at run time (runs/, out/, web/dist/) and
 * anything after a scheme (https://) are not paths of the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const TOP = ['src', 'test', 'bench', 'tools', 'docs', 'data', 'examples', 'bin', 'web', '.ci'];
const PATH = new RegExp(`(?<![\\w/.:~$<-])((?:${TOP.map((t) => t.replace('.', '\\.')).join('|')})/[\\w./-]*[\\w]|[\\w-]+\\.md|[\\w.-]+/[\\w./-]*\\.(?:txt|ts|js|mjs|json|py|sh|svg|png|csv|gz))(?![\\w/])`, 'g');
/** Folders that exist only at run time, or outside the repository. */
const NOT_OURS = /^(runs|out|node_modules|dist|web\/dist|replaced-[^/]*|[A-Z_]+)\//; // [A-Z_]+: a placeholder such as DIR/; web/dist/: built by npm run build:web

function files(dir: string, ext: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(name) ? [p] : [];
  });
}

/** The leading block comment of a source file (its header). */
const header = (text: string) => /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text)?.[1] ?? '';

function missingPaths(file: string, text: string): string[] {
  const missing: string[] = [];
  for (const [, token] of text.matchAll(PATH)) {
    const path = token.replace(/[.,;:]+$/, '');
    if (NOT_OURS.test(path)) continue;
    const candidates = path.includes('/') ? [path, join(dirname(file), path)] : [path, join('docs', path), join(dirname(file), path)];
    if (!candidates.some((c) => existsSync(c.replace(/\/$/, '')))) missing.push(path);
  }
  return missing;
}

describe('paths named in the documentation exist', () => {
  const docs = ['README.md', ...files('docs', /\.md$/), ...files('data', /\.md$/), ...files('examples', /\.md$/)];
  const sources = TOP.filter((t) => !['docs', 'data', '.ci'].includes(t)).flatMap((t) => files(t, /\.(ts|js|mjs)$/));
  it.each(docs)('%s', (file) => expect(missingPaths(file, readFileSync(file, 'utf8'))).toEqual([]));
  it('in every source header', () => {
    const bad = sources.flatMap((file) => missingPaths(file, header(readFileSync(file, 'utf8'))).map((p) => `${file}: ${p}`));
    expect(bad).toEqual([]);
  });
});

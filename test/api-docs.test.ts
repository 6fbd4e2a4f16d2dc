/** The API reference: every exported name has a doc comment, and docs/api.md is what `npm run docs` makes of them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOCS, apiMarkdown, collectApi } from '../tools/api-docs.ts';

describe('API reference', () => {
  const entries = collectApi();
  it('covers both entry points', () => {
    const names = entries.map((e) => e.name);
    for (const name of ['curvature.biasStudy', 'linalg.lanczos', 'nn.parseParameters', 'nn.toNpy', 'tensor.gpuBackend', 'autodiff.hvp', 'loadDigitsSplit', 'readCheckpoint']) expect(names).toContain(name);
  });
  it('every exported function, class, interface, type and constant has a doc comment', () => {
    expect(entries.filter((e) => e.doc === '').map((e) => `${e.module}: ${e.name}`)).toEqual([]);
  });
  it('docs/api.md is up to date (npm run docs)', () => {
    expect(readFileSync(API_DOCS, 'utf8') === apiMarkdown(entries), 'docs/api.md differs from `npm run docs`: run it').toBe(true);
  });
}, 60_000);

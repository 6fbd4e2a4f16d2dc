#!/usr/bin/env node
// The `mbquad` command. An installed package runs the compiled CLI in dist/ with plain Node. In a
// checkout of the repository (recognized by its tsconfig.json, which is not shipped) it runs the
// TypeScript sources through tsx, a dev dependency, so edits take effect without a build.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../tsconfig.json', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  await import('../dist/cli/main.js');
}

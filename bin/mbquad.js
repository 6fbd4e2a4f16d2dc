#!/usr/bin/env node
// Runs the TypeScript command line through tsx's loader (a dev dependency of this repository).
import { register } from 'tsx/esm/api';

register();
await import('../src/experiments/cli.ts');

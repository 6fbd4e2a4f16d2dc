/**
 * A training run's folder belongs to one run (Node only). `mbquad train` writes a manifest
 * `run.json` (the model spec's hash, the data source and the settings with their seed) when it
 * creates the folder, and holds the lock file `.lock` (linked into place with its pid in it)
 * while it writes. Another run into the folder is refused, naming the running pid or the
 * settings that differ; a lock whose pid is no longer running is stale and taken over.
 * `--force` starts over by moving the old run aside into `replaced-<time>/` (never deleting).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { basename, join } from 'node:path';
import type { ModelSpec } from '../nn/spec.ts';
import type { TrainSettings } from '../nn/train.ts';
import { fail } from '../tensor/index.ts';
import { atomicWrite, ensureDirectory, systemReason, type FileSystem, nodeFileSystem } from './files.ts';

export const RUN_MANIFEST = 'run.json';
export const RUN_LOCK = '.lock';
const MANIFEST_FORMAT = 'mbquad-run-1';

/** What makes two runs the same run. `epochs` is left out: a resumed run may train longer. */
export interface RunManifest {
  format: typeof MANIFEST_FORMAT;
  specHash: string;
  data: string;
  settings: Omit<TrainSettings, 'epochs'>;
}

/** JSON with object keys sorted, so equal specs hash equally whatever their key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export function runManifest(spec: ModelSpec, data: string, settings: TrainSettings): RunManifest {
  const { epochs: _epochs, ...rest } = settings;
  return { format: MANIFEST_FORMAT, specHash: createHash('sha256').update(canonical(spec)).digest('hex').slice(0, 16), data, settings: rest };
}

/** The fields in which two manifests differ, as "name: a (folder) vs b (this run)". */
export function manifestDifferences(folder: RunManifest, run: RunManifest): string[] {
  const diffs: string[] = [];
  if (folder.specHash !== run.specHash) diffs.push(`model spec: hash ${folder.specHash} vs ${run.specHash}`);
  if (folder.data !== run.data) diffs.push(`data: ${folder.data} vs ${run.data}`);
  for (const key of Object.keys(run.settings) as (keyof RunManifest['settings'])[]) {
    if (canonical(folder.settings?.[key]) !== canonical(run.settings[key])) diffs.push(`${key}: ${canonical(folder.settings?.[key])} vs ${canonical(run.settings[key])}`);
  }
  return diffs;
}

const isDirectory = (dir: string) => {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

/** The folder's manifest, or null when it has none; a damaged one is an error naming the file. */
export function readManifest(dir: string): RunManifest | null {
  const path = join(dir, RUN_MANIFEST);
  if (!isDirectory(dir) || !fs.existsSync(path)) return null;
  let raw: RunManifest;
  try {
    raw = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    return fail('train', `${path}: not a readable run manifest (${e instanceof SyntaxError ? e.message : systemReason(e)})`);
  }
  if (raw?.format !== MANIFEST_FORMAT) fail('train', `${path}: format is ${JSON.stringify(raw?.format)}, expected ${MANIFEST_FORMAT}`);
  return raw;
}

/** The checkpoints epoch-NNNN.json in a folder (none if it does not exist), by epoch. */
export function checkpointsIn(dir: string): { epoch: number; path: string }[] {
  if (!isDirectory(dir)) return [];
  return fs.readdirSync(dir).flatMap((name) => {
    const m = /^epoch-(\d+)\.json$/.exec(name);
    return m ? [{ epoch: Number(m[1]), path: join(dir, name) }] : [];
  }).sort((a, b) => a.epoch - b.epoch);
}

function pidIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Takes the folder's lock (created atomically with its pid), or refuses naming the pid that holds
 * it. A lock of a pid that is no longer running is stale: it is taken over with a notice on
 * stderr. Returns the release.
 */
export function acquireRunLock(dir: string, suggestion: string): () => void {
  const path = join(dir, RUN_LOCK);
  for (let attempt = 0; ; attempt++) {
    // The lock appears with its pid in it, never empty: written to a file of our own, then linked
    // to the lock's name (fails with EEXIST if it exists). An exclusive create followed by a write
    // would show a racing run an empty lock for a moment, which it would take for a stale one.
    const own = `${path}.${process.pid}`;
    try {
      fs.writeFileSync(own, `${process.pid}\n`);
      try {
        fs.linkSync(own, path);
      } finally {
        fs.rmSync(own, { force: true });
      }
      return () => {
        try {
          if (fs.readFileSync(path, 'utf8').trim() === String(process.pid)) fs.unlinkSync(path);
        } catch { /* already gone */ }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') fail('train', `cannot lock the run folder ${dir}: ${systemReason(e)}`);
    }
    const holder = Number.parseInt(fs.readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(holder) && holder > 0 && pidIsRunning(holder)) {
      fail('train', `the run folder ${dir} is in use by the run of pid ${holder}; ${suggestion}`);
    }
    if (attempt > 0) fail('train', `cannot take over the stale lock ${path}`);
    console.error(`mbquad: notice: taking over the stale lock ${path} of pid ${Number.isNaN(holder) ? '?' : holder} (no longer running)`);
    fs.unlinkSync(path);
  }
}

export function writeManifest(dir: string, manifest: RunManifest, fileSystem: FileSystem = nodeFileSystem): void {
  atomicWrite(join(dir, RUN_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`, 'run manifest', fileSystem);
}

/** Moves the folder's manifest and checkpoints into `replaced-<time>/` inside it (nothing is deleted); returns that folder. */
export function moveRunAside(dir: string): string {
  const aside = join(dir, `replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  ensureDirectory(aside, 'folder for the replaced run');
  const names = [RUN_MANIFEST, ...checkpointsIn(dir).map((c) => basename(c.path))].filter((n) => fs.existsSync(join(dir, n)));
  for (const name of names) {
    try {
      fs.renameSync(join(dir, name), join(aside, name));
    } catch (e) {
      fail('train', `cannot move ${join(dir, name)} aside to ${aside}: ${systemReason(e)}`);
    }
  }
  return aside;
}

/**
 * Run folders (mbquad train): one run per folder, refused runs change no file, resume in place,
 * write failures reported in one line with nothing half-written, damaged checkpoints refused.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/node/checkpoint.ts';
import { atomicWrite, ensureDirectory, nodeFileSystem, readInputFile, type FileSystem } from '../../src/node/files.ts';
import { Options } from '../../src/cli/options.ts';
import { trainCommand } from '../../src/cli/train-command.ts';

const cliArgs = (args: string[]) => ['bin/mbquad.js', ...args];
const cli = (args: string[]) => execFileSync(process.execPath, cliArgs(args), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** Runs the CLI; returns its exit status and stderr (for commands expected to fail). */
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, cliArgs(args), { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
};
/** Every file under a folder with its bytes: a refused command must leave this unchanged. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = `${statSync(p).mtimeMs} ${readFileSync(p, 'base64')}`;
    }
  };
  walk(dir);
  return out;
}
const tiny = ['--preset', 'convnet', '--depth', '0', '--width', '4', '--batch-size', '64', '--lr', '0.01'];
const fresh = () => mkdtempSync(join(tmpdir(), 'mbquad-run-'));

describe('a run folder belongs to one run', () => {
  it('refuses another run, bad settings and bad specs without changing a file; --force moves the old run aside', () => {
    const dir = join(fresh(), 'r');
    cli(['train', ...tiny, '--seed', '1', '--epochs', '2', '--checkpoints', '2', '--out', dir]);
    expect(readdirSync(dir).sort()).toEqual(['epoch-0000.json', 'epoch-0001.json', 'epoch-0002.json', 'run.json']);
    const before = snapshot(dir);
    /** status 2: a bad option (usage error); 1: a failure (the folder, the spec file). */
    const refused = (args: string[], message: RegExp, status = 2, model = tiny) => {
      const r = run(['train', ...model, '--epochs', '2', '--out', dir, ...args]);
      expect(r.status, r.stderr).toBe(status);
      expect(r.stderr.trim().split('\n')).toHaveLength(1); // one line, no stack
      expect(r.stderr).toMatch(message);
      expect(snapshot(dir)).toEqual(before);
    };
    refused(['--seed', '2'], new RegExp(`mbquad: train: the run folder ${dir} holds another run \\(seed: 1 vs 2\\); choose another --out, or --force to start over`), 1);
    refused(['--seed', '1'], new RegExp(`the run folder ${dir} already holds a run \\(up to epoch 2\\); continue it with --resume ${dir}/epoch-0002.json`), 1);
    refused(['--seed', '1', '--lr', '0'], /train: learning rate must be a positive number, given 0/);
    refused(['--seed', '-1'], /seed must be an integer in \[0, 2\^31\), given -1/);
    refused(['--batch-size', '0'], /batch size must be a positive integer, given 0/);
    refused(['--momentum', '1.5'], /momentum must be in \[0, 1\), given 1.5/);
    refused(['--weight-decay', '-1'], /weight decay must be finite and ≥ 0, given -1/);
    refused(['--gamma', '0'], /gamma must be a positive number, given 0/);
    refused(['--checkpoints', '-3'], /--checkpoints must be an integer ≥ 1, given -3/);
    const specs = fresh();
    const spec = (outputs: number) => {
      const path = join(specs, `spec-${outputs}.json`);
      writeFileSync(path, JSON.stringify({ input: [1, 8, 8], layers: [{ type: 'flatten' }, { type: 'linear', out: outputs }] }));
      return path;
    };
    refused(['--spec', spec(12)], /the model has outputs \[12\], the data digits have 10 classes/, 1, []);
    refused(['--spec', spec(5)], /the model has outputs \[5\], the data digits have 10 classes/, 1, []);
    refused(['--force', 'yes'], /--force takes no value, given 'yes'/);
    const oldLast = readFileSync(join(dir, 'epoch-0002.json'), 'base64');
    // --force: the old run moves into replaced-<time>/, nothing is deleted.
    cli(['train', ...tiny, '--seed', '2', '--epochs', '1', '--checkpoints', '1', '--out', dir, '--force']);
    const aside = readdirSync(dir).filter((n) => n.startsWith('replaced-'));
    expect(aside).toHaveLength(1);
    expect(readdirSync(join(dir, aside[0])).sort()).toEqual(['epoch-0000.json', 'epoch-0001.json', 'epoch-0002.json', 'run.json']);
    expect(readFileSync(join(dir, aside[0], 'epoch-0002.json'), 'base64')).toBe(oldLast);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).settings.seed).toBe(2);
    expect(readCheckpoint(join(dir, 'epoch-0001.json')).settings.seed).toBe(2);
  }, 120_000);

  it('two runs started together into one folder: one is refused, the folder holds the other only', async () => {
    const dir = join(fresh(), 'r');
    const start = (seed: number) => new Promise<{ seed: number; status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, cliArgs(['train', ...tiny, '--seed', String(seed), '--epochs', '6', '--checkpoints', '7', '--out', dir]));
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ seed, status, stderr }));
    });
    const results = await Promise.all([start(0), start(1)]);
    const winners = results.filter((r) => r.status === 0), losers = results.filter((r) => r.status !== 0);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0].stderr).toMatch(new RegExp(`the run folder ${dir} (is in use by the run of pid \\d+|holds another run \\(seed: \\d vs \\d\\))`));
    const names = readdirSync(dir).filter((n) => n.startsWith('epoch-'));
    expect(names.length).toBe(6); // epochs 0, 1, 2, 3, 4, 6
    for (const name of names) expect(readCheckpoint(join(dir, name)).settings.seed).toBe(winners[0].seed);
    expect(readdirSync(dir)).not.toContain('.lock'); // released
  }, 120_000);

  it('a stale lock of a dead process is taken over with a notice', () => {
    const dir = join(fresh(), 'r');
    ensureDirectory(dir, 'test folder');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, '.lock'), `${dead}\n`);
    const r = run(['train', ...tiny, '--epochs', '1', '--checkpoints', '1', '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`mbquad: notice: taking over the stale lock ${dir}/.lock of pid ${dead} \\(no longer running\\)`));
  }, 60_000);
});

describe('resume', () => {
  it('continues in the checkpoint\'s own folder; an older epoch is refused unless --out branches', () => {
    const root = fresh(), dir = join(root, 'r'), straight = join(root, 's');
    cli(['train', ...tiny, '--epochs', '4', '--checkpoints', '3', '--out', straight]);
    cli(['train', ...tiny, '--epochs', '2', '--checkpoints', '3', '--out', dir]);
    const out = cli(['train', '--resume', join(dir, 'epoch-0002.json'), '--epochs', '4', '--checkpoints', '3']);
    expect(out).toMatch(new RegExp(`run folder: ${dir}`));
    expect(readdirSync(dir).sort()).toEqual(['epoch-0000.json', 'epoch-0001.json', 'epoch-0002.json', 'epoch-0004.json', 'run.json']);
    expect(readCheckpoint(join(dir, 'epoch-0004.json')).state.params).toEqual(readCheckpoint(join(straight, 'epoch-0004.json')).state.params);
    // From epoch 2 again, in place, would overwrite epoch 4 with a different history.
    const before = snapshot(dir);
    const r = run(['train', '--resume', join(dir, 'epoch-0002.json'), '--epochs', '6']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`resuming from epoch 2 in ${dir} would overwrite its later checkpoints \\(epochs 4\\) with a different history; resume from ${dir}/epoch-0004.json, or branch with --out OTHER_FOLDER`));
    expect(snapshot(dir)).toEqual(before);
    // A branch into another folder is fine, and gets its own manifest.
    cli(['train', '--resume', join(dir, 'epoch-0002.json'), '--epochs', '3', '--checkpoints', '2', '--out', join(root, 'branch')]);
    expect(readdirSync(join(root, 'branch')).sort()).toEqual(['epoch-0003.json', 'run.json']);
    expect(snapshot(dir)).toEqual(before);
  }, 120_000);

  it('refuses damaged checkpoints naming the file and the field, and writes nothing', () => {
    const root = fresh(), dir = join(root, 'r');
    cli(['train', ...tiny, '--epochs', '1', '--checkpoints', '1', '--out', dir]);
    const good = JSON.parse(readFileSync(join(dir, 'epoch-0001.json'), 'utf8'));
    const damaged = (name: string, edit: (c: any) => void, message: RegExp) => {
      const c = structuredClone(good);
      edit(c);
      const path = join(root, `${name}.json`);
      writeFileSync(path, JSON.stringify(c));
      const before = snapshot(root);
      const r = run(['train', '--resume', path, '--epochs', '3', '--out', join(root, `out-${name}`)]);
      expect(r.status, name).toBe(1);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(new RegExp(`mbquad: readCheckpoint: ${path}: ${message.source}`));
      expect(snapshot(root), name).toEqual(before);
    };
    const nanParams = () => {
      const bytes = Buffer.from(good.state.params, 'base64');
      bytes.writeDoubleLE(NaN, 8);
      return bytes.toString('base64');
    };
    damaged('no-state', (c) => delete c.state, /state must be an object, given nothing \(missing\)/);
    damaged('no-params', (c) => delete c.state.params, /state.params must be base64 float64 data, given nothing/);
    damaged('no-buffer', (c) => c.state.optimizer.buffers.pop(), /state.optimizer.buffers must be a list of 2 \(adam\), given "1 buffers"/);
    damaged('short-buffer', (c) => (c.state.optimizer.buffers[0] = Buffer.from(c.state.optimizer.buffers[0], 'base64').subarray(0, 16).toString('base64')), /state.optimizer.buffers\[0\] has 2 values, the model has \d+ parameters/);
    damaged('no-settings', (c) => delete c.settings, /settings must be an object, given nothing/);
    damaged('null-history', (c) => (c.state.history = null), /state.history must be a list of epoch metrics, given null/);
    damaged('string-epoch', (c) => (c.state.epoch = '5'), /state.epoch must be an integer ≥ 0, given "5"/);
    damaged('negative-epoch', (c) => (c.state.epoch = -3), /state.epoch must be an integer ≥ 0, given -3/);
    damaged('nan-params', (c) => (c.state.params = nanParams()), /state.params has a non-finite value NaN at index 1/);
    damaged('bad-lr', (c) => (c.settings.learningRate = 0), /settings: train: learning rate must be a positive number, given 0/);
    damaged('bad-spec', (c) => (c.spec.layers[0].type = 'conv9d'), /spec: /);
  }, 120_000);
});

describe('write and read failures are one line and leave nothing half-written', () => {
  /** Node's file system, except that the n-th write fails with `code` (ENOSPC, EACCES, …). */
  function failingAt(n: number, code: string): FileSystem {
    let writes = 0;
    return {
      ...nodeFileSystem,
      writeSync: (fd, data) => {
        if (++writes === n) throw Object.assign(new Error(`${code}: simulated`), { code });
        return nodeFileSystem.writeSync(fd, data);
      },
    };
  }

  it('a full disk during training: the message names the file, the reason and the checkpoint to resume from', () => {
    const dir = join(fresh(), 'r');
    // Write 1 is the manifest, 2 epoch 0, 3 epoch 1 (the one that fails).
    const opts = new Options([...tiny, '--epochs', '2', '--checkpoints', '3', '--out', dir]);
    expect(() => trainCommand(opts, { fileSystem: failingAt(3, 'ENOSPC') })).toThrow(
      new RegExp(`^write: cannot write the checkpoint ${dir}/epoch-0001.json: no space left on device; the last complete checkpoint is ${dir}/epoch-0000.json \\(continue with --resume ${dir}/epoch-0000.json\\)$`),
    );
    expect(readdirSync(dir).sort()).toEqual(['epoch-0000.json', 'run.json']); // no temporary file, no lock
    expect(readCheckpoint(join(dir, 'epoch-0000.json')).state.epoch).toBe(0);
  }, 60_000);

  it('permission denied on the first file: nothing is left behind', () => {
    const dir = join(fresh(), 'r');
    const opts = new Options([...tiny, '--epochs', '1', '--out', dir]);
    expect(() => trainCommand(opts, { fileSystem: failingAt(1, 'EACCES') })).toThrow(new RegExp(`^write: cannot write the run manifest ${dir}/run.json: permission denied$`));
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it('atomicWrite keeps the previous file when a write or the rename fails, and removes its temporary file', () => {
    const dir = fresh(), path = join(dir, 'results.json');
    atomicWrite(path, 'old', 'results');
    for (const fs of [failingAt(1, 'ENOSPC'), { ...nodeFileSystem, renameSync: () => { throw Object.assign(new Error('x'), { code: 'EROFS' }); } }, { ...nodeFileSystem, fsyncSync: () => { throw Object.assign(new Error('x'), { code: 'EIO' }); } }]) {
      expect(() => atomicWrite(path, 'new'.repeat(1000), 'results', fs)).toThrow(new RegExp(`^write: cannot write the results ${path}: (no space left on device|read-only file system|input/output error)$`));
      expect(readdirSync(dir)).toEqual(['results.json']);
      expect(readFileSync(path, 'utf8')).toBe('old');
    }
  });

  it('folders: a regular file in the path, a path under /proc, a directory given as a file', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'file'), '');
    expect(() => ensureDirectory(join(dir, 'file', 'run'), 'run folder')).toThrow(new RegExp(`cannot create the run folder ${dir}/file/run: ${dir}/file is not a directory`));
    expect(() => ensureDirectory('/proc/mbquad-test/run', 'run folder')).toThrow(/cannot create the run folder \/proc\/mbquad-test\/run: \/proc\/mbquad-test: no such file or directory/);
    expect(() => readInputFile(dir, 'checkpoint')).toThrow(new RegExp(`read: cannot read the checkpoint ${dir}: is a directory`));
    const r = run(['train', '--out', join(dir, 'file', 'run'), '--epochs', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`mbquad: write: cannot create the run folder ${join(dir, 'file', 'run')}: ${join(dir, 'file')} is not a directory`);
    const b = run(['bias', '--checkpoint', dir]);
    expect(b.stderr.trim()).toBe(`mbquad: read: cannot read the checkpoint ${dir}: is a directory`);
  });
});

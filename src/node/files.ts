/**
 * Files in and out of the commands (Node only), with one-line errors.
 *
 * Every file a command writes (checkpoints, manifests, study JSON, figures) goes through
 * `atomicWrite`: a temporary file in the same folder, written, fsynced, then renamed over the
 * target, so a reader sees the old file or the new one and never half of one. On any error the
 * temporary file is removed and one `MbquadError` says what was being written, where, and the
 * system's reason in words (`no space left on device`), never a raw stack.
 *
 * Folders are made by `ensureDirectory`, which walks the parents itself and makes one level at a
 * time: Node 20's recursive mkdirSync spins forever on some paths (under /proc), and a parent
 * that is a regular file gets a clear message instead of ENOTDIR.
 */
import * as nodeFs from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { fail } from '../tensor/index.ts';

/** The file operations atomicWrite uses: Node's, or a test's that fails on purpose. */
export interface FileSystem {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

export const nodeFileSystem: FileSystem = {
  openSync: (path, flags) => nodeFs.openSync(path, flags),
  writeSync: (fd, data) => nodeFs.writeSync(fd, data),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  closeSync: (fd) => nodeFs.closeSync(fd),
  renameSync: (from, to) => nodeFs.renameSync(from, to),
  unlinkSync: (path) => nodeFs.unlinkSync(path),
};

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
};

/** The system's reason for a failed file operation, in words (the code's meaning, else its message). */
export function systemReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && REASONS[code]) return REASONS[code];
  return e instanceof Error ? e.message : String(e);
}

/** Writes `data` to `path` atomically; `what` names it in errors (e.g. 'checkpoint'). */
export function atomicWrite(path: string, data: string | Uint8Array, what: string, fs: FileSystem = nodeFileSystem): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'w');
    for (let written = 0; written < bytes.length;) {
      const n = fs.writeSync(fd, bytes.subarray(written));
      if (!(n > 0)) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
      written += n;
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) try { fs.closeSync(fd); } catch { /* already failing: report the first error */ }
    try { fs.unlinkSync(tmp); } catch { /* it may never have been created */ }
    fail('write', `cannot write the ${what} ${path}: ${systemReason(e)}`);
  }
}

/**
 * Makes `path` a directory (and its missing parents), one level at a time; refuses a path where
 * something that is not a directory stands, naming it.
 */
export function ensureDirectory(path: string, what: string): void {
  const full = resolve(path);
  const missing: string[] = [];
  for (let p = full; ; p = dirname(p)) {
    let stat: nodeFs.Stats | null = null;
    try {
      stat = nodeFs.statSync(p);
    } catch (e) {
      // Missing, or under a non-directory (ENOTDIR): look at the parent, which names the culprit.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') fail('write', `cannot create the ${what} ${path}: ${p}: ${systemReason(e)}`);
    }
    if (stat) {
      if (!stat.isDirectory()) fail('write', `cannot create the ${what} ${path}: ${p} is not a directory`);
      break;
    }
    if (dirname(p) === p) break;
    missing.push(p);
  }
  for (const p of missing.reverse()) {
    try {
      nodeFs.mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') fail('write', `cannot create the ${what} ${path}: ${p}: ${systemReason(e)}`);
    }
    if (!nodeFs.statSync(p).isDirectory()) fail('write', `cannot create the ${what} ${path}: ${p} is not a directory`);
  }
}

/** A file's bytes; a missing file, a directory or no permission is one line naming the file and `what` it is. */
export function readInputFile(path: string, what: string): Buffer {
  try {
    return nodeFs.readFileSync(path);
  } catch (e) {
    return fail('read', `cannot read the ${what} ${path}: ${systemReason(e)}`);
  }
}

/**
 * Training checkpoint files (Node only): the format is checkpoint-format.ts's; files are written
 * by atomicWrite (temporary name, fsync, rename), so an interrupted run never leaves a broken
 * checkpoint behind.
 */
import { parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../nn/checkpoint-format.ts';
import { atomicWrite, nodeFileSystem, readInputFile, type FileSystem } from './files.ts';

export { CHECKPOINT_FORMAT, decodeFloat64, encodeFloat64, parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../nn/checkpoint-format.ts';

/** Writes the checkpoint atomically (atomicWrite: temporary file, fsync, rename). */
export function writeCheckpoint(path: string, c: Checkpoint, fileSystem: FileSystem = nodeFileSystem): void {
  atomicWrite(path, serializeCheckpoint(c), 'checkpoint', fileSystem);
}

/** Reads a checkpoint file and checks its whole content (parseCheckpoint); errors name the file and the field. */
export function readCheckpoint(path: string): Checkpoint {
  return parseCheckpoint(readInputFile(path, 'checkpoint').toString('utf8'), path);
}

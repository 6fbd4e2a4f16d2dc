/**
 * mbquad/node: the Node-only part of the API (it reads files): the shipped digits data, data
 * sets in their published formats, and training checkpoints. The package root `mbquad` has no
 * Node import, so it also runs in a browser; this entry point does not.
 */
export { loadDigitsSplit, loadDataSource, DIGITS_PATH, type Split } from './experiments/datasets.ts';
export { readCheckpoint, writeCheckpoint, CHECKPOINT_FORMAT, type Checkpoint } from './experiments/checkpoint.ts';

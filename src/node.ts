/**
 * mbquad/node: the Node-only part of the API (it reads files and starts threads): the shipped
 * digits data, data sets in their published formats, training checkpoints, and the worker-thread
 * pool for the CPU backend's float64 GEMM and convolutions. The package root `mbquad` has no
 * Node import, so it also runs in a browser; this entry point does not.
 */
export { loadDigitsSplit, loadDataSource, DIGITS_PATH, type Split } from './node/datasets.ts';
export { readCheckpoint, writeCheckpoint, CHECKPOINT_FORMAT, type Checkpoint } from './node/checkpoint.ts';
export { useThreads, ThreadPool, threadsFromEnvironment, DEFAULT_MIN_FLOPS, type ThreadPoolOptions } from './node/thread-pool.ts';

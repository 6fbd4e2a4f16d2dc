/** src/linalg: dense and matrix-free linear algebra on Float64Array (knows no model). */
export * from './vector.ts';
export * from './operator.ts';
export { eigh, checkSymmetric, type EighResult, type EighOptions } from './eigh.ts';
export { lanczos, LanczosNoConvergence, type LanczosOptions, type LanczosResult } from './lanczos.ts';
export { cg, cgIterations, type CgOptions, type CgResult, type CgIteration, type CgStopReason } from './cg.ts';
export { cholesky, solveLower, solveUpper, choleskySolve } from './cholesky.ts';
export { kron, kronMatVec, kronEigen, matmulDense, transposeDense, type Dense, type KronEigen } from './kron.ts';
export { debiasedCg, debiasedCgIterations, type DebiasedCgIteration, type DebiasedCgOptions, type DebiasedCgResult } from './debiased-cg.ts';

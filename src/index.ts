/** mbquad: the public API by layer (docs/DESIGN.md). */
export * as tensor from './tensor/index.ts';
export * as autodiff from './autodiff/index.ts';
export * as nn from './nn/index.ts';
export * as linalg from './linalg/index.ts';
export * as curvature from './curvature/index.ts';
export { Tensor, Random, MbquadError } from './tensor/index.ts';
export { fromSpec } from './nn/index.ts';

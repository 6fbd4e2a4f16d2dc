/** mbquad: the public API by layer (DESIGN.md). */
export * as tensor from './tensor/index.ts';
export * as autodiff from './autodiff/index.ts';
export { Tensor, Random } from './tensor/index.ts';

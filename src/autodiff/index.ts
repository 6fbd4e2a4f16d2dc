/**
 * src/autodiff: differentiable ops (usable on plain tensors too) and the transformations
 * vjp, jvp, grad, valueAndGrad, hvp.
 */
export { bind, concrete, Tracer, type Primitive, type Value } from './trace.ts';
export { jvp } from './jvp.ts';
export { vjp, linearize } from './vjp.ts';
export { grad, valueAndGrad, hvp } from './transforms.ts';
export * from './primitives/elementwise.ts';
export * from './primitives/movement.ts';
export * from './primitives/reduce.ts';
export * from './primitives/matmul.ts';
export * from './primitives/conv.ts';
export * from './primitives/pool.ts';

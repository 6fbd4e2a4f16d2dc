/** src/tensor: float64 tensors, shapes and broadcasting, the seeded generator, backends and kernels. */
export { MbquadError, fail, fmt } from './errors.ts';
export * from './shape.ts';
export { Random } from './random.ts';
export { Tensor, tensor, scalar, full, zeros, ones, randn, rand, toBackend } from './tensor.ts';
export type { Backend, BinaryOp, UnaryOp } from './backend.ts';
export { cpuBackend } from './cpu/backend.ts';
export { gpuBackend, GPU_MODES, availableMode, MAX_GPU_TENSOR_SIZE, type GpuBackend, type GpuBackendOptions, type GpuMode } from './gpu/backend.ts';
export * from './geometry.ts';
export * from './ops/elementwise.ts';
export * from './ops/movement.ts';
export * from './ops/reduce.ts';
export * from './ops/structured.ts';
export { withScratchMemory, releaseScratchMemory } from './memory.ts';
export { useKernels, kernelKind, wasmAvailable, releaseKernelMemory, type KernelChoice, type KernelKind } from './cpu/kernels.ts';

/**
 * The gpu.js backend: float32 tensors, the hot kernels (matmul, conv2d and its adjoints,
 * pooling, elementwise maps, sums) as gpu.js kernels, in the mode chosen by runtime.ts.
 *
 * A tensor's storage is the Float32Array its kernel produced, which the next kernel takes
 * as its argument: in the webasm and cpu modes that is the kernels' own memory model (there
 * is no device memory to keep data in); in the GL modes each kernel's result is read back
 * (textures are not kept between kernels yet: see the README).
 *
 * Data movement (permute/broadcast/slice reads and their adjoints, gather, scatter-add,
 * concat) and argmax do no arithmetic: they run the CPU backend's loops on a float64 copy and
 * round back to float32, which is exact (every value is a float32 already).
 *
 * Limits: tensors of at most 2^24 elements (gpu.js indexes in float32, exact up to there).
 */
import type { Backend } from '../backend.ts';
import { cpuBackend } from '../cpu/backend.ts';
import { fail, fmt } from '../errors.ts';
import { checkConvOutputShape, convGeometry, matmulGeometry, type Conv2dOptions, type MatmulOptions } from '../geometry.ts';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../shape.ts';
import { allocate, allocateFloat32 } from '../memory.ts';
import { Tensor } from '../tensor.ts';
import { conv2dInputGradPlan, conv2dPlan, conv2dWeightGradPlan, matmulPlan } from './correlate.ts';
import { binary, unary } from './elementwise.ts';
import { avgPool2d, avgPool2dAdjoint, maxPool2dIndices } from './pool.ts';
import { sumAxes } from './reduce.ts';
import { GpuRuntime, MAX_INDEXED, type GpuMode, type KernelPlan } from './runtime.ts';

export type { GpuMode } from './runtime.ts';
export { GPU_MODES, availableMode } from './runtime.ts';

/** 2^24: the largest tensor whose every index float32 represents exactly. */
export const MAX_GPU_TENSOR_SIZE = MAX_INDEXED;

export interface GpuBackend extends Backend {
  /** The gpu.js mode that runs the kernels ('webasm', 'headlessgl', …). */
  readonly mode: Exclude<GpuMode, 'auto'>;
  /** Names of kernels gpu.js ran in another mode than `mode` (it degrades unsupported features); empty when all ran as asked. */
  readonly fallbacks: readonly string[];
  /** Frees the compiled kernels and gpu.js's context; the backend and its tensors' ops cannot be used afterwards. */
  destroy(): void;
  /**
   * Explicitly asynchronous entry points: the same kernels and results, as promises. In the
   * webasm mode a kernel of at least 4096 cells then splits across worker threads; the
   * synchronous ops (everything else in the engine) stay single-threaded (DESIGN.md).
   */
  readonly threaded: {
    matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Promise<Tensor>;
    conv2d(x: Tensor, w: Tensor, options?: Conv2dOptions): Promise<Tensor>;
    conv2dInputGrad(gy: Tensor, w: Tensor, xShape: Shape, options?: Conv2dOptions): Promise<Tensor>;
    conv2dWeightGrad(x: Tensor, gy: Tensor, wShape: Shape, options?: Conv2dOptions): Promise<Tensor>;
  };
}

export interface GpuBackendOptions {
  /** gpu.js mode; 'auto' (default) takes headlessgl, webgl2, webgl, webasm, cpu — the first that works. */
  mode?: GpuMode;
}

/** A new gpu.js backend (float32). The CPU backend stays the default; pass this one to `curvature.problem({ backend })`, `toBackend`, … */
export function gpuBackend(options: GpuBackendOptions = {}): GpuBackend {
  const rt = new GpuRuntime(options.mode ?? 'auto');
  const backend: GpuBackend = {
    name: `gpu.js/${rt.mode}`,
    mode: rt.mode,
    get fallbacks() {
      return rt.fallbacks;
    },
    destroy: () => rt.destroy(),

    fromFloat64: (data, shape) => {
      checkSize(shape, data.length);
      const out = allocateFloat32(data.length);
      out.set(data);
      return wrap(shape, out);
    },
    read: (t) => {
      const out = allocate(t.size);
      out.set(storage(t));
      return out;
    },

    unary: (op, x) => wrap(x.shape, x.size === 0 ? new Float32Array(0) : unary(rt, op, storage(x))),
    binary: (op, a, b, outShape) => {
      if (sizeOf(outShape) === 0) return wrap(outShape, new Float32Array(0));
      return wrap(outShape, binary(rt, op, storage(a), broadcastStrides(op, a.shape, outShape), storage(b), broadcastStrides(op, b.shape, outShape), outShape));
    },
    sumAxes: (x, reduced) => {
      const outShape = x.shape.map((d, i) => (reduced[i] ? 1 : d));
      if (sizeOf(outShape) === 0) return wrap(outShape, new Float32Array(0));
      if (x.size === 0) return wrap(outShape, new Float32Array(sizeOf(outShape)));
      const direct = sumAxes(rt, storage(x), x.shape, reduced);
      if (direct !== null) return wrap(outShape, direct);
      // Move the reduced axes last (a permute), then sum the trailing block.
      const order = [...x.shape.keys()].sort((i, j) => Number(reduced[i]) - Number(reduced[j]));
      const strides = stridesOf(x.shape);
      const moved = backend.stridedRead(x, order.map((i) => x.shape[i]), order.map((i) => strides[i]), 0);
      return wrap(outShape, sumAxes(rt, storage(moved), moved.shape, order.map((i) => reduced[i]))!);
    },
    argmaxIndices: (x, axis) => cpuBackend.argmaxIndices(onCpu(x), axis),

    stridedRead: (x, outShape, strides, offset) => fromCpu(cpuBackend.stridedRead(onCpu(x), outShape, strides, offset)),
    stridedWrite: (x, outShape, strides, offset) => fromCpu(cpuBackend.stridedWrite(onCpu(x), outShape, strides, offset)),
    gather: (x, indices, outShape) => fromCpu(cpuBackend.gather(onCpu(x), indices, outShape)),
    scatterAdd: (g, indices, outShape) => fromCpu(cpuBackend.scatterAdd(onCpu(g), indices, outShape)),
    concat: (parts, axis, outShape) => fromCpu(cpuBackend.concat(parts.map(onCpu), axis, outShape)),

    matmul: (a, b, g) => planned(g.outShape, g.k, () => matmulPlan(storage(a), storage(b), g)),
    conv2d: (x, w, g) => planned([g.n, g.o, g.ho, g.wo], g.c * g.kh * g.kw, () => conv2dPlan(storage(x), storage(w), g)),
    conv2dInputGrad: (gy, w, g) => planned([g.n, g.c, g.h, g.w], g.o * g.kh * g.kw, () => conv2dInputGradPlan(storage(gy), storage(w), g)),
    conv2dWeightGrad: (x, gy, g) => planned([g.o, g.c, g.kh, g.kw], g.n * g.ho * g.wo, () => conv2dWeightGradPlan(storage(x), storage(gy), g)),

    threaded: {
      matmul: async (a, b, options = {}) => {
        const g = matmulGeometry(a.shape, b.shape, options);
        own('matmul', a, b);
        return plannedAsync(g.outShape, g.k, () => matmulPlan(storage(a), storage(b), g));
      },
      conv2d: async (x, w, options = {}) => {
        const g = convGeometry(x.shape, w.shape, options);
        own('conv2d', x, w);
        return plannedAsync([g.n, g.o, g.ho, g.wo], g.c * g.kh * g.kw, () => conv2dPlan(storage(x), storage(w), g));
      },
      conv2dInputGrad: async (gy, w, xShape, options = {}) => {
        const g = convGeometry(xShape, w.shape, options);
        checkConvOutputShape('conv2dInputGrad', gy.shape, g);
        own('conv2dInputGrad', gy, w);
        return plannedAsync([g.n, g.c, g.h, g.w], g.o * g.kh * g.kw, () => conv2dInputGradPlan(storage(gy), storage(w), g));
      },
      conv2dWeightGrad: async (x, gy, wShape, options = {}) => {
        const g = convGeometry(x.shape, wShape, options);
        checkConvOutputShape('conv2dWeightGrad', gy.shape, g);
        own('conv2dWeightGrad', x, gy);
        return plannedAsync([g.o, g.c, g.kh, g.kw], g.n * g.ho * g.wo, () => conv2dWeightGradPlan(storage(x), storage(gy), g));
      },
    },
    maxPool2dIndices: (x, g) => (g.n * g.c === 0 ? new Int32Array(0) : maxPool2dIndices(rt, storage(x), g)),
    avgPool2d: (x, g) => wrap([g.n, g.c, g.ho, g.wo], g.n * g.c === 0 ? new Float32Array(0) : avgPool2d(rt, storage(x), g)),
    avgPool2dAdjoint: (gy, g) => wrap([g.n, g.c, g.h, g.w], g.n * g.c === 0 ? new Float32Array(0) : avgPool2dAdjoint(rt, storage(gy), g)),
  };

  /** The plan's result, or zeros without a kernel when the result is empty or sums over no terms. */
  function planned(shape: Shape, terms: number, plan: () => KernelPlan): Tensor {
    return wrap(shape, sizeOf(shape) === 0 || terms === 0 ? new Float32Array(sizeOf(shape)) : rt.execute(plan()));
  }
  async function plannedAsync(shape: Shape, terms: number, plan: () => KernelPlan): Promise<Tensor> {
    return wrap(shape, sizeOf(shape) === 0 || terms === 0 ? new Float32Array(sizeOf(shape)) : await rt.executeAsync(plan()));
  }
  function checkSize(shape: Shape, size: number): void {
    if (size > MAX_GPU_TENSOR_SIZE) {
      fail(backend.name, `a tensor of shape ${fmt(shape)} has ${size} elements, more than the 2^24 this backend indexes exactly; use smaller chunks`);
    }
  }
  function wrap(shape: Shape, data: Float32Array): Tensor {
    checkSize(shape, data.length);
    return new Tensor(shape, data, backend);
  }
  function own(op: string, ...tensors: Tensor[]): void {
    for (const t of tensors) if (t.backend !== backend) fail(`${backend.name} ${op}`, `operands must live on this backend, given one on ${t.backend.name} (toBackend moves it)`);
  }
  const onCpu = (t: Tensor): Tensor => cpuBackend.fromFloat64(backend.read(t), t.shape);
  const fromCpu = (t: Tensor): Tensor => backend.fromFloat64(t.data, t.shape);
  return backend;
}

const storage = (t: Tensor): Float32Array => t.storage as Float32Array;

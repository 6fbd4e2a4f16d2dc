/**
 * The gpu.js backend: float32 tensors, the hot kernels (matmul, conv2d and its adjoints,
 * pooling, elementwise maps, sums) as gpu.js kernels, in the mode chosen by runtime.ts.
 *
 * A tensor's storage is a GpuArray (storage.ts): in the GL modes the texture its kernel
 * produced, which the next kernel reads on the device — data comes to the host only when
 * read (`Tensor.data`, `item()`) or when an op's answer is host data by definition (argmax
 * and max-pooling indices); in the webasm and cpu modes the Float32Array the kernel produced,
 * which the next kernel takes as its argument (there is no device memory to keep data in).
 *
 * The arithmetic is kernels in every mode: elementwise maps, sums, max along an axis, pooling,
 * and matmul/conv — the blocked kernels with host-side packing (correlate.ts; the default in
 * webasm and cpu) or the direct kernels (direct.ts; the default in the GL modes). On the
 * device path (the GL modes, or the direct kernels in any mode, so CI runs it too) data
 * movement is index-map kernels (movement.ts), max pooling's derivatives recompute the
 * winners in kernels, and long sums are split (kernel-text.ts); in webasm and cpu, data
 * movement and max-pool selections run the CPU backend's loops on the host values instead
 * (no arithmetic, so exact, and faster there than a kernel call's copies).
 *
 * Limits: tensors of at most 2^24 elements (gpu.js indexes in float32, exact up to there).
 */
import type { Backend } from '../backend.ts';
import { cpuBackend } from '../cpu/backend.ts';
import { fail, fmt } from '../errors.ts';
import { checkConvOutputShape, convGeometry, matmulGeometry, type Conv2dOptions, type MatmulOptions, type PoolGeometry } from '../geometry.ts';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../shape.ts';
import { allocate, allocateFloat32 } from '../memory.ts';
import { Tensor } from '../tensor.ts';
import { conv2dInputGradPlan, conv2dPlan, conv2dWeightGradPlan, matmulPlan } from './correlate.ts';
import * as directKernels from './direct.ts';
import { MAX_LOOP } from './kernel-text.ts';
import { binary, unary } from './elementwise.ts';
import { concat, gather, scatterAdd, stridedRead, stridedWrite } from './movement.ts';
import { avgPool2d, avgPool2dAdjoint, maxPool2dIndices, maxPool2dSelect, maxPool2dSelectAdjoint } from './pool.ts';
import { maxAlong, sumAxes } from './reduce.ts';
import { GpuArray } from './storage.ts';
import { GpuRuntime, MAX_INDEXED, type GpuMode, type KernelPlan } from './runtime.ts';

export type { GpuMode } from './runtime.ts';
export { GPU_MODES, availableMode } from './runtime.ts';

/** 2^24: the largest tensor whose every index float32 represents exactly. */
export const MAX_GPU_TENSOR_SIZE = MAX_INDEXED;

/** The float32 gpu.js backend (from gpuBackend): the Backend ops plus its mode, kernel set, transfer counts and explicitly async entry points. */
export interface GpuBackend extends Backend {
  /** The gpu.js mode that runs the kernels ('webasm', 'headlessgl', …). */
  readonly mode: Exclude<GpuMode, 'auto'>;
  /** Names of kernels gpu.js ran in another mode than `mode` (it degrades unsupported features); empty when all ran as asked. */
  readonly fallbacks: readonly string[];
  /** Which matmul/conv kernels run: 'blocked' (host-side packing; webasm, cpu) or 'direct' (no host step; the GL modes). */
  readonly kernels: 'blocked' | 'direct';
  /** Host→device uploads and device→host read-backs so far (GL modes; both stay 0 in webasm and cpu). */
  readonly transfers: { readonly uploads: number; readonly readbacks: number };
  /** Frees the compiled kernels and gpu.js's context; the backend and its tensors' ops cannot be used afterwards. */
  destroy(): void;
  /**
   * Explicitly asynchronous entry points: the same kernels and results, as promises. In the
   * webasm mode a kernel of at least 4096 cells then splits across worker threads; the
   * synchronous ops (everything else in the engine) stay single-threaded (docs/DESIGN.md).
   */
  readonly threaded: {
    matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Promise<Tensor>;
    conv2d(x: Tensor, w: Tensor, options?: Conv2dOptions): Promise<Tensor>;
    conv2dInputGrad(gy: Tensor, w: Tensor, xShape: Shape, options?: Conv2dOptions): Promise<Tensor>;
    conv2dWeightGrad(x: Tensor, gy: Tensor, wShape: Shape, options?: Conv2dOptions): Promise<Tensor>;
  };
}

/** Options of gpuBackend: the mode and the matmul/conv kernel set. */
export interface GpuBackendOptions {
  /** gpu.js mode; 'auto' (default) takes headlessgl, webgl2, webgl, webasm, cpu — the first that works. */
  mode?: GpuMode;
  /**
   * matmul/conv kernels: 'direct' (default in the GL modes, where results stay on the device)
   * or 'blocked' (default otherwise, faster in webasm). Either runs in any mode.
   */
  kernels?: 'blocked' | 'direct';
}

/** A new gpu.js backend (float32). The CPU backend stays the default; pass this one to `curvature.problem({ backend })`, `toBackend`, … */
export function gpuBackend(options: GpuBackendOptions = {}): GpuBackend {
  const rt = new GpuRuntime(options.mode ?? 'auto');
  const kernels = options.kernels ?? (rt.resident ? 'direct' : 'blocked');
  if (kernels !== 'direct' && kernels !== 'blocked') fail('gpuBackend', `kernels must be 'direct' or 'blocked', given ${JSON.stringify(kernels)}`);
  const direct = kernels === 'direct';
  // The GPU-shaped path: in the GL modes, and with the direct kernels in any mode (so that CI,
  // in webasm, runs it too). Long sums are split there for the GL loop budget (kernel-text.ts).
  const onDevice = direct || rt.resident;
  const maxLoop = onDevice ? MAX_LOOP : Infinity;
  const backend: GpuBackend = {
    name: `gpu.js/${rt.mode}`,
    dtype: 'float32',
    mode: rt.mode,
    kernels,
    transfers: rt.transfers,
    get fallbacks() {
      return rt.fallbacks;
    },
    destroy: () => rt.destroy(),

    fromFloat64: (data, shape) => {
      checkSize(shape, data.length);
      const out = allocateFloat32(data.length);
      out.set(data);
      return wrap(shape, GpuArray.fromHost(out));
    },
    read: (t) => {
      const out = allocate(t.size);
      out.set(host(t));
      return out;
    },

    unary: (op, x) => wrap(x.shape, x.size === 0 ? empty(0) : unary(rt, op, storage(x))),
    binary: (op, a, b, outShape) => {
      if (sizeOf(outShape) === 0) return wrap(outShape, empty(0));
      return wrap(outShape, binary(rt, op, storage(a), broadcastStrides(op, a.shape, outShape), storage(b), broadcastStrides(op, b.shape, outShape), outShape));
    },
    sumAxes: (x, reduced) => {
      const outShape = x.shape.map((d, i) => (reduced[i] ? 1 : d));
      if (sizeOf(outShape) === 0 || x.size === 0) return wrap(outShape, empty(sizeOf(outShape)));
      const summed = sumAxes(rt, storage(x), x.shape, reduced, maxLoop);
      if (summed !== null) return wrap(outShape, summed);
      // Move the reduced axes last (a permute), then sum the trailing block.
      const order = [...x.shape.keys()].sort((i, j) => Number(reduced[i]) - Number(reduced[j]));
      const strides = stridesOf(x.shape);
      const moved = backend.stridedRead(x, order.map((i) => x.shape[i]), order.map((i) => strides[i]), 0);
      return wrap(outShape, sumAxes(rt, storage(moved), moved.shape, order.map((i) => reduced[i]), maxLoop)!);
    },
    argmaxIndices: (x, axis) => cpuBackend.argmaxIndices(onCpu(x), axis),
    maxAlong: (x, axis) => {
      const outShape = x.shape.map((d, i) => (i === axis ? 1 : d));
      if (sizeOf(outShape) === 0) return wrap(outShape, empty(0));
      return wrap(outShape, maxAlong(rt, storage(x), sizeOf(x.shape.slice(0, axis)), x.shape[axis], sizeOf(x.shape.slice(axis + 1))));
    },

    // Data movement does no arithmetic. On the device (GL modes, and the GPU-shaped direct
    // path) it is index-map kernels; in webasm and cpu the CPU backend's loops on the host
    // values are faster than a kernel call's copies, and as exact (every value is a float32).
    stridedRead: (x, outShape, strides, offset) => {
      if (!onDevice) return fromCpu(cpuBackend.stridedRead(onCpu(x), outShape, strides, offset));
      return wrap(outShape, sizeOf(outShape) === 0 ? empty(0) : stridedRead(rt, storage(x), x.size, outShape, strides, offset));
    },
    stridedWrite: (x, outShape, strides, offset) => {
      if (!onDevice) return fromCpu(cpuBackend.stridedWrite(onCpu(x), outShape, strides, offset));
      return wrap(outShape, x.size === 0 ? empty(sizeOf(outShape)) : stridedWrite(rt, storage(x), x.shape, sizeOf(outShape), strides, offset));
    },
    gather: (x, indices, outShape) => {
      if (!onDevice) return fromCpu(cpuBackend.gather(onCpu(x), indices, outShape));
      return wrap(outShape, indices.length === 0 ? empty(0) : gather(rt, storage(x), Float32Array.from(indices)));
    },
    scatterAdd: (g, indices, outShape) => {
      if (!onDevice) return fromCpu(cpuBackend.scatterAdd(onCpu(g), indices, outShape));
      return wrap(outShape, indices.length === 0 || sizeOf(outShape) === 0 ? empty(sizeOf(outShape)) : scatterAdd(rt, storage(g), indices, sizeOf(outShape)));
    },
    concat: (parts, axis, outShape) => {
      if (!onDevice) return fromCpu(cpuBackend.concat(parts.map(onCpu), axis, outShape));
      if (sizeOf(outShape) === 0) return wrap(outShape, empty(0));
      return wrap(outShape, concat(rt, parts.map(storage), parts.map((p) => p.shape[axis]), sizeOf(outShape.slice(0, axis)), sizeOf(outShape.slice(axis + 1))));
    },

    matmul: (a, b, g) => structured(g.outShape, g.k, () => directKernels.matmul(rt, storage(a), storage(b), g), () => matmulPlan(host(a), host(b), g)),
    conv2d: (x, w, g) => structured([g.n, g.o, g.ho, g.wo], g.c * g.kh * g.kw, () => directKernels.conv2d(rt, storage(x), storage(w), g), () => conv2dPlan(host(x), host(w), g)),
    conv2dInputGrad: (gy, w, g) => structured([g.n, g.c, g.h, g.w], g.o * g.kh * g.kw, () => directKernels.conv2dInputGrad(rt, storage(gy), storage(w), g), () => conv2dInputGradPlan(host(gy), host(w), g)),
    conv2dWeightGrad: (x, gy, g) => structured([g.o, g.c, g.kh, g.kw], g.n * g.ho * g.wo, () => directKernels.conv2dWeightGrad(rt, storage(x), storage(gy), g), () => conv2dWeightGradPlan(host(x), host(gy), g)),

    threaded: {
      matmul: async (a, b, options = {}) => {
        const g = matmulGeometry(a.shape, b.shape, options);
        own('matmul', a, b);
        return plannedAsync(g.outShape, g.k, () => matmulPlan(host(a), host(b), g));
      },
      conv2d: async (x, w, options = {}) => {
        const g = convGeometry(x.shape, w.shape, options);
        own('conv2d', x, w);
        return plannedAsync([g.n, g.o, g.ho, g.wo], g.c * g.kh * g.kw, () => conv2dPlan(host(x), host(w), g));
      },
      conv2dInputGrad: async (gy, w, xShape, options = {}) => {
        const g = convGeometry(xShape, w.shape, options);
        checkConvOutputShape('conv2dInputGrad', gy.shape, g);
        own('conv2dInputGrad', gy, w);
        return plannedAsync([g.n, g.c, g.h, g.w], g.o * g.kh * g.kw, () => conv2dInputGradPlan(host(gy), host(w), g));
      },
      conv2dWeightGrad: async (x, gy, wShape, options = {}) => {
        const g = convGeometry(x.shape, wShape, options);
        checkConvOutputShape('conv2dWeightGrad', gy.shape, g);
        own('conv2dWeightGrad', x, gy);
        return plannedAsync([g.o, g.c, g.kh, g.kw], g.n * g.ho * g.wo, () => conv2dWeightGradPlan(host(x), host(gy), g));
      },
    },
    maxPool2dIndices: (x, g) => (g.n * g.c === 0 ? new Int32Array(0) : maxPool2dIndices(rt, storage(x), g)),
    // Max pooling's selections: on the device, kernels that recompute the winners; in webasm
    // and cpu, the winners' indices (one kernel) and the CPU loops, as for data movement.
    maxPool2dSelect: (x, t, g) => {
      if (g.n * g.c === 0) return wrap([g.n, g.c, g.ho, g.wo], empty(0));
      if (!onDevice) return fromCpu(cpuBackend.gather(onCpu(t), winners(x, g), [g.n, g.c, g.ho, g.wo]));
      return wrap([g.n, g.c, g.ho, g.wo], maxPool2dSelect(rt, storage(x), storage(t), g));
    },
    maxPool2dSelectAdjoint: (x, gy, g) => {
      if (g.n * g.c === 0) return wrap([g.n, g.c, g.h, g.w], empty(0));
      if (!onDevice) return fromCpu(cpuBackend.scatterAdd(onCpu(gy), winners(x, g), [g.n, g.c, g.h, g.w]));
      return wrap([g.n, g.c, g.h, g.w], maxPool2dSelectAdjoint(rt, storage(x), storage(gy), g));
    },
    avgPool2d: (x, g) => wrap([g.n, g.c, g.ho, g.wo], g.n * g.c === 0 ? empty(0) : avgPool2d(rt, storage(x), g)),
    avgPool2dAdjoint: (gy, g) => wrap([g.n, g.c, g.h, g.w], g.n * g.c === 0 ? empty(0) : avgPool2dAdjoint(rt, storage(gy), g)),
  };

  /**
   * A matmul/conv result: zeros without a kernel when it is empty or sums over no terms, else
   * the direct kernel or the blocked plan, as this backend runs them.
   */
  function structured(shape: Shape, terms: number, directKernel: () => GpuArray, plan: () => KernelPlan): Tensor {
    if (sizeOf(shape) === 0 || terms === 0) return wrap(shape, empty(sizeOf(shape)));
    return wrap(shape, direct ? directKernel() : GpuArray.fromHost(rt.execute(plan())));
  }
  async function plannedAsync(shape: Shape, terms: number, plan: () => KernelPlan): Promise<Tensor> {
    return wrap(shape, GpuArray.fromHost(sizeOf(shape) === 0 || terms === 0 ? new Float32Array(sizeOf(shape)) : await rt.executeAsync(plan())));
  }
  function checkSize(shape: Shape, size: number): void {
    if (size > MAX_GPU_TENSOR_SIZE) {
      fail(backend.name, `a tensor of shape ${fmt(shape)} has ${size} elements, more than the 2^24 this backend indexes exactly; use smaller chunks`);
    }
  }
  function wrap(shape: Shape, data: GpuArray): Tensor {
    checkSize(shape, data.length);
    return new Tensor(shape, data, backend);
  }
  function own(op: string, ...tensors: Tensor[]): void {
    for (const t of tensors) if (t.backend !== backend) fail(`${backend.name} ${op}`, `operands must live on this backend, given one on ${t.backend.name} (toBackend moves it)`);
  }
  /** The tensor's elements on the host (a read-back in the GL modes). */
  const host = (t: Tensor): Float32Array => rt.host(storage(t));
  const onCpu = (t: Tensor): Tensor => cpuBackend.fromFloat64(backend.read(t), t.shape);
  const fromCpu = (t: Tensor): Tensor => backend.fromFloat64(t.data, t.shape);
  /**
   * The flat indices of x's max-pooling winners, kept per input array and geometry: a
   * forward-over-reverse product selects with the same winners several times.
   */
  const winnerCache = new WeakMap<GpuArray, Map<string, Int32Array>>();
  function winners(x: Tensor, g: PoolGeometry): Int32Array {
    const key = JSON.stringify(g);
    let byGeometry = winnerCache.get(storage(x));
    if (!byGeometry) winnerCache.set(storage(x), (byGeometry = new Map()));
    let indices = byGeometry.get(key);
    if (!indices) byGeometry.set(key, (indices = maxPool2dIndices(rt, storage(x), g)));
    return indices;
  }
  return backend;
}

const storage = (t: Tensor): GpuArray => t.storage as GpuArray;
/** Zeros of length n on the host (uploaded if a GL kernel reads them). */
const empty = (n: number): GpuArray => GpuArray.fromHost(allocateFloat32(n));

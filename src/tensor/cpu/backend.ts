/**
 * The float64 CPU backend: the default and the reference every other backend is checked against.
 * Its GEMM and convolutions run on the calling thread, or on the thread pool that Node code installs
 * (mbquad/node's useThreads), with bit-identical results.
 */
import type { Backend } from '../backend.ts';
import { sizeOf, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { setDefaultBackend } from '../default-backend.ts';
import { binary, unary } from './elementwise.ts';
import { conv2dCall, conv2dInputGradCall, conv2dWeightGradCall, matmulCall, runKernel } from './parallel.ts';
import { concat, gather, scatterAdd, stridedRead, stridedWrite } from './movement.ts';
import { avgPool2d, avgPool2dAdjoint, maxPool2dIndices } from './pool.ts';
import { argmaxIndices, sumAxes } from './reduce.ts';
import { broadcastStrides } from '../shape.ts';
import type { PoolGeometry } from '../geometry.ts';
import { mapInWasm, maxPoolWinnersInWasm } from './kernels.ts';

const wrap = (shape: Shape, data: Float64Array): Tensor => new Tensor(shape, data, cpuBackend);

/**
 * The winners of x's pooling windows, computed once per (tensor, window) and kept with the tensor:
 * max pooling's forward pass, its JVP and its VJP each select by the same winners of the same
 * concrete input. Tensors are immutable, so the winners cannot go stale.
 */
const winnersCache = new WeakMap<Tensor, { window: string; winners: Int32Array }>();

function poolWinners(x: Tensor, g: PoolGeometry): Int32Array {
  const window = `${g.kh},${g.kw},${g.strideH},${g.strideW},${g.padH},${g.padW}`;
  const cached = winnersCache.get(x);
  if (cached?.window === window) return cached.winners;
  const winners = maxPoolWinnersInWasm(x.data, g) ?? maxPool2dIndices(x.data, g);
  winnersCache.set(x, { window, winners });
  return winners;
}

/** The float64 CPU backend: the default and the reference of every test. */
export const cpuBackend: Backend = {
  name: 'cpu',
  dtype: 'float64',
  fromFloat64: (data, shape) => wrap(shape, data),
  read: (t) => t.storage as Float64Array,

  unary: (op, x) => wrap(x.shape, ((op === 'relu' || op === 'step') && mapInWasm(op, x.data)) || unary(op, x.data)),
  binary: (op, a, b, outShape) =>
    wrap(outShape, binary(op, a.data, broadcastStrides(op, a.shape, outShape), b.data, broadcastStrides(op, b.shape, outShape), outShape)),
  sumAxes: (x, reduced) => wrap(x.shape.map((d, i) => (reduced[i] ? 1 : d)), sumAxes(x.data, x.shape, reduced)),
  argmaxIndices: (x, axis) => {
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    return argmaxIndices(x.data, outer, x.shape[axis], inner);
  },

  maxAlong: (x, axis) => wrap(x.shape.map((d, i) => (i === axis ? 1 : d)), gather(x.data, cpuBackend.argmaxIndices(x, axis))),

  stridedRead: (x, outShape, strides, offset) => wrap(outShape, stridedRead(x.data, outShape, strides, offset)),
  stridedWrite: (x, outShape, strides, offset) => wrap(outShape, stridedWrite(x.data, x.shape, sizeOf(outShape), strides, offset)),
  gather: (x, indices, outShape) => wrap(outShape, gather(x.data, indices)),
  scatterAdd: (g, indices, outShape) => wrap(outShape, scatterAdd(g.data, indices, sizeOf(outShape))),
  concat: (parts, axis, outShape) =>
    wrap(outShape, concat(parts.map((p) => p.data), parts.map((p) => p.shape[axis]), sizeOf(outShape.slice(0, axis)), sizeOf(outShape.slice(axis + 1)))),

  // The GEMM and the convolutions go through runKernel: on a thread pool where one is installed
  // (setKernelRunner), bit-identical to the calling thread's result either way (parallel.ts).
  matmul: (a, b, g) => wrap(g.outShape, runKernel(matmulCall(a.data, b.data, g))),
  conv2d: (x, w, g) => wrap([g.n, g.o, g.ho, g.wo], runKernel(conv2dCall(x.data, w.data, g))),
  conv2dInputGrad: (gy, w, g) => wrap([g.n, g.c, g.h, g.w], runKernel(conv2dInputGradCall(gy.data, w.data, g))),
  conv2dWeightGrad: (x, gy, g) => wrap([g.o, g.c, g.kh, g.kw], runKernel(conv2dWeightGradCall(x.data, gy.data, g))),
  maxPool2dIndices: (x, g) => poolWinners(x, g).slice(),
  maxPool2dSelect: (x, t, g) => wrap([g.n, g.c, g.ho, g.wo], gather(t.data, poolWinners(x, g))),
  maxPool2dSelectAdjoint: (x, gy, g) => wrap([g.n, g.c, g.h, g.w], scatterAdd(gy.data, poolWinners(x, g), g.n * g.c * g.h * g.w)),
  avgPool2d: (x, g) => wrap([g.n, g.c, g.ho, g.wo], avgPool2d(x.data, g)),
  avgPool2dAdjoint: (gy, g) => wrap([g.n, g.c, g.h, g.w], avgPool2dAdjoint(gy.data, g)),
};
// The backend of every tensor made without one (src/tensor/default-backend.ts).
setDefaultBackend(cpuBackend);


/**
 * Naive reference implementations, written as directly from the definitions as possible
 * (explicit loops, no blocking, no im2col), to check the fast kernels' forward values.
 */
import { sizeOf, stridesOf, Tensor } from '../../src/tensor/index.ts';

/** C[b,i,j] = Σ_p opA[b,i,p] opB[b,p,j] for 3-D operands of equal batch. */
export function naiveMatmul(a: number[][][], b: number[][][]): number[][][] {
  return a.map((A, t) => A.map((row) => b[t][0].map((_, j) => row.reduce((s, v, p) => s + v * b[t][p][j], 0))));
}

/** Direct 2-D cross-correlation with zero padding: y[n,o,y,x] = Σ_{c,i,j} w[o,c,i,j]·x[n,c,y·s+i−p,x·s+j−p]. */
export function naiveConv2d(x: Tensor, w: Tensor, stride: [number, number], pad: [number, number]): Tensor {
  const [N, C, H, W] = x.shape, [O, , KH, KW] = w.shape;
  const HO = Math.floor((H + 2 * pad[0] - KH) / stride[0]) + 1, WO = Math.floor((W + 2 * pad[1] - KW) / stride[1]) + 1;
  const out = new Float64Array(N * O * HO * WO);
  const xd = x.data, wd = w.data;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let yy = 0; yy < HO; yy++) for (let xx = 0; xx < WO; xx++) {
    let s = 0;
    for (let c = 0; c < C; c++) for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
      const iy = yy * stride[0] + i - pad[0], ix = xx * stride[1] + j - pad[1];
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += wd[((o * C + c) * KH + i) * KW + j] * xd[((n * C + c) * H + iy) * W + ix];
    }
    out[((n * O + o) * HO + yy) * WO + xx] = s;
  }
  return new Tensor([N, O, HO, WO], out);
}

/** Pooling by definition: max over real elements of each window (padding is −∞), or sum / (kh·kw). */
export function naivePool2d(x: Tensor, kind: 'max' | 'avg', kernel: [number, number], stride: [number, number], pad: [number, number]): Tensor {
  const [N, C, H, W] = x.shape;
  const HO = Math.floor((H + 2 * pad[0] - kernel[0]) / stride[0]) + 1, WO = Math.floor((W + 2 * pad[1] - kernel[1]) / stride[1]) + 1;
  const out = new Float64Array(N * C * HO * WO);
  for (let p = 0; p < N * C; p++) for (let yy = 0; yy < HO; yy++) for (let xx = 0; xx < WO; xx++) {
    const vals: number[] = [];
    for (let i = 0; i < kernel[0]; i++) for (let j = 0; j < kernel[1]; j++) {
      const iy = yy * stride[0] + i - pad[0], ix = xx * stride[1] + j - pad[1];
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) vals.push(x.data[(p * H + iy) * W + ix]);
    }
    out[(p * HO + yy) * WO + xx] = kind === 'max' ? Math.max(...vals) : vals.reduce((s, v) => s + v, 0) / (kernel[0] * kernel[1]);
  }
  return new Tensor([N, C, HO, WO], out);
}

/** Element of x at a multi-index. */
export function at(x: Tensor, index: readonly number[]): number {
  const strides = stridesOf(x.shape);
  return x.data[index.reduce((s, i, d) => s + i * strides[d], 0)];
}

/** Every multi-index of a shape in row-major order. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = sizeOf(shape);
  for (let f = 0; f < n; f++) {
    const idx = new Array<number>(shape.length);
    let r = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = r % shape[d];
      r = Math.floor(r / shape[d]);
    }
    yield idx;
  }
}

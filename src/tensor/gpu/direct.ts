/**
 * matmul, conv2d and both conv adjoints as "direct" kernels: one output element per kernel
 * cell, operands read in their own layout, padding and strides handled by bounds tests in the
 * kernel. They need no host-side step before or after (no packing, padding or unpacking), so
 * in the GL modes their inputs and results stay textures on the device. (The webasm mode uses
 * the blocked kernels of correlate.ts instead, which its SIMD lanes run several times faster.)
 *
 * Each is the definition written as a loop over its reduction:
 *   matmul           out[t, i, j]        = Σ_p op(A_t)[i, p] · op(B_t)[p, j]
 *   conv2d           y[n, o, y, x]       = Σ_{c,i,j} w[o, c, i, j] · x[n, c, y·sH − pH + i, x·sW − pW + j]
 *   conv2dInputGrad  dx[n, c, iy, ix]    = Σ_{o,i,j} w[o, c, i, j] · gy[n, o, y, x] over the (y, x) with
 *                                          y·sH − pH + i = iy and x·sW − pW + j = ix
 *   conv2dWeightGrad dw[o, c, i, j]      = Σ_{n,y,x} gy[n, o, y, x] · x[n, c, y·sH − pH + i, x·sW − pW + j]
 * with input positions outside the image counting as 0. Index arithmetic is float32 in gpu.js,
 * exact below 2^24 (the backend refuses larger tensors). The long sums (matmul's k terms, the
 * weight gradient's n·ho·wo) are cut into parts of at most MAX_LOOP terms (kernel-text.ts).
 */
import type { ConvGeometry, MatmulGeometry } from '../geometry.ts';
import { MAX_LOOP, quotient } from './kernel-text.ts';
import { sumParts } from './reduce.ts';
import type { GpuRuntime } from './runtime.ts';
import type { GpuArray } from './storage.ts';

/** Kernel text: `outer` = ⌊z / count⌋ and `inner` = z − outer·count. */
const split = (outer: string, inner: string, count: string) => quotient(outer, inner, 'this.thread.z', count);

/**
 * Output [n, m, batch·parts]; aStarts/bStarts: each batch entry's matrix offsets (geometry.ts).
 * Cell (j, i, t·parts + part) sums the terms p of part `part` (`chunk` of them; parts = 1
 * unless k > MAX_LOOP, when the parts' sums are added by a second pass).
 */
const MATMUL = `function (a, b, aStarts, bStarts) {
  ${split('t', 'part', 'this.constants.parts')}
  const first = part * this.constants.chunk;
  let ai = aStarts[t] + this.thread.y * this.constants.aRow + first * this.constants.aStep;
  let bi = bStarts[t] + this.thread.x * this.constants.bColumn + first * this.constants.bStep;
  let s = 0;
  for (let p = 0; p < this.constants.chunk; p++) {
    if (first + p < this.constants.k) { s += a[ai] * b[bi]; }
    ai += this.constants.aStep;
    bi += this.constants.bStep;
  }
  return s;
}`;

/** Output [wo, ho, n·o]. */
const CONV = `function (x, w) {
  ${split('image', 'out', 'this.constants.o')}
  const top = this.thread.y * this.constants.sh - this.constants.ph;
  const left = this.thread.x * this.constants.sw - this.constants.pw;
  let s = 0;
  for (let c = 0; c < this.constants.c; c++) {
    const plane = (image * this.constants.c + c) * this.constants.h;
    const filter = (out * this.constants.c + c) * this.constants.kh;
    for (let i = 0; i < this.constants.kh; i++) {
      const iy = top + i;
      if (iy >= 0 && iy < this.constants.h) {
        for (let j = 0; j < this.constants.kw; j++) {
          const ix = left + j;
          if (ix >= 0 && ix < this.constants.w) { s += w[(filter + i) * this.constants.kw + j] * x[(plane + iy) * this.constants.w + ix]; }
        }
      }
    }
  }
  return s;
}`;

/** Output [w, h, n·c]. */
const CONV_INPUT_GRAD = `function (gy, w) {
  ${split('image', 'channel', 'this.constants.c')}
  let s = 0;
  for (let o = 0; o < this.constants.o; o++) {
    const plane = (image * this.constants.o + o) * this.constants.ho;
    const filter = (o * this.constants.c + channel) * this.constants.kh;
    for (let i = 0; i < this.constants.kh; i++) {
      const ty = this.thread.y + this.constants.ph - i;
      if (ty >= 0 && ty % this.constants.sh === 0 && ty < this.constants.ho * this.constants.sh) {
        const y = ty / this.constants.sh;
        for (let j = 0; j < this.constants.kw; j++) {
          const tx = this.thread.x + this.constants.pw - j;
          if (tx >= 0 && tx % this.constants.sw === 0 && tx < this.constants.wo * this.constants.sw) {
            s += w[(filter + i) * this.constants.kw + j] * gy[(plane + y) * this.constants.wo + tx / this.constants.sw];
          }
        }
      }
    }
  }
  return s;
}`;

/**
 * Output [kw, kh, o·c·parts]: thread (x, y) is the kernel position (j, i), z = (o·c + c)·parts +
 * part, and the cell sums the images of part `part` (`images` of them; parts = 1 unless
 * n·ho·wo > MAX_LOOP, when the parts' sums are added by a second pass).
 */
const CONV_WEIGHT_GRAD = `function (x, gy) {
  ${split('pair', 'part', 'this.constants.parts')}
  ${quotient('out', 'channel', 'pair', 'this.constants.c')}
  let s = 0;
  for (let m = 0; m < this.constants.images; m++) {
    const n = part * this.constants.images + m;
    const plane = (n * this.constants.c + channel) * this.constants.h;
    const grads = (n * this.constants.o + out) * this.constants.ho;
    for (let y = 0; y < this.constants.ho; y++) {
      const iy = y * this.constants.sh - this.constants.ph + this.thread.y;
      if (n < this.constants.n && iy >= 0 && iy < this.constants.h) { // the last part may hold fewer images
        let row = 0;
        for (let xo = 0; xo < this.constants.wo; xo++) {
          const ix = xo * this.constants.sw - this.constants.pw + this.thread.x;
          if (ix >= 0 && ix < this.constants.w) { row += gy[(grads + y) * this.constants.wo + xo] * x[(plane + iy) * this.constants.w + ix]; }
        }
        s += row;
      }
    }
  }
  return s;
}`;

const convConstants = (g: ConvGeometry) => ({
  n: g.n, c: g.c, h: g.h, w: g.w, o: g.o, kh: g.kh, kw: g.kw,
  sh: g.strideH, sw: g.strideW, ph: g.padH, pw: g.padW, ho: g.ho, wo: g.wo,
});

/** How a reduction of `terms` terms (in units of `unit` loop iterations) splits: parts of `chunk` terms each. */
function parts(terms: number, unit = 1): { parts: number; chunk: number } {
  const perPart = Math.max(1, Math.floor(MAX_LOOP / unit));
  const count = Math.ceil(terms / perPart);
  return { parts: count, chunk: Math.ceil(terms / count) };
}

export function matmul(rt: GpuRuntime, a: GpuArray, b: GpuArray, g: MatmulGeometry): GpuArray {
  const split = parts(g.k);
  const partials = rt.run('directMatmul', MATMUL, {
    output: [g.n, g.m, g.batch * split.parts],
    constants: {
      k: g.k, ...split,
      aRow: g.transA ? 1 : g.k, aStep: g.transA ? g.m : 1, // op(A)[i, p] = A[i, p] or A[p, i]
      bColumn: g.transB ? g.k : 1, bStep: g.transB ? 1 : g.n, // op(B)[p, j] = B[p, j] or B[j, p]
    },
    trips: split.chunk,
  }, [a, b, Float32Array.from(g.aOffsets), Float32Array.from(g.bOffsets)]);
  return split.parts === 1 ? partials : sumParts(rt, partials, g.batch, split.parts, g.m * g.n);
}

export function conv2d(rt: GpuRuntime, x: GpuArray, w: GpuArray, g: ConvGeometry): GpuArray {
  return rt.run('directConv2d', CONV, { output: [g.wo, g.ho, g.n * g.o], constants: convConstants(g), trips: g.c * g.kh * g.kw }, [x, w]);
}

export function conv2dInputGrad(rt: GpuRuntime, gy: GpuArray, w: GpuArray, g: ConvGeometry): GpuArray {
  return rt.run('directConv2dInputGrad', CONV_INPUT_GRAD, { output: [g.w, g.h, g.n * g.c], constants: convConstants(g), trips: g.o * g.kh * g.kw }, [gy, w]);
}

export function conv2dWeightGrad(rt: GpuRuntime, x: GpuArray, gy: GpuArray, g: ConvGeometry): GpuArray {
  const split = parts(g.n, g.ho * g.wo);
  const partials = rt.run('directConv2dWeightGrad', CONV_WEIGHT_GRAD, {
    output: [g.kw, g.kh, g.o * g.c * split.parts],
    constants: { ...convConstants(g), parts: split.parts, images: split.chunk },
    trips: split.chunk * g.ho * g.wo,
  }, [x, gy]);
  return split.parts === 1 ? partials : sumParts(rt, partials, g.o * g.c, split.parts, g.kh * g.kw);
}

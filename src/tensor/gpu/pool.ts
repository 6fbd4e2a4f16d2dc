/**
 * 2-D pooling on gpu.js, one kernel cell per output position ([wo, ho, planes] grids), with the
 * CPU backend's rules (../cpu/pool.ts): windows over the input padded by (padH, padW), padding
 * counted as −∞ for max and as 0 over the full divisor kh·kw for the average; the winner of a
 * max window is its first maximum in row-major order, and NaN wins.
 */
import type { PoolGeometry } from '../geometry.ts';
import type { GpuRuntime } from './runtime.ts';

const constantsOf = (g: PoolGeometry) => ({
  h: g.h, w: g.w, ho: g.ho, wo: g.wo, kh: g.kh, kw: g.kw, sh: g.strideH, sw: g.strideW, ph: g.padH, pw: g.padW,
});

/** The flat input index of each window's winner (as a float: exact below 2^24). */
const MAX_INDEX = `function (x) {
  const plane = this.thread.z * this.constants.h * this.constants.w;
  const top = this.thread.y * this.constants.sh - this.constants.ph;
  const left = this.thread.x * this.constants.sw - this.constants.pw;
  let best = 0; let bestIndex = -1;
  for (let i = 0; i < this.constants.kh; i++) {
    for (let j = 0; j < this.constants.kw; j++) {
      const iy = top + i; const ix = left + j;
      if (iy >= 0 && iy < this.constants.h && ix >= 0 && ix < this.constants.w) {
        const at = plane + iy * this.constants.w + ix;
        const v = x[at];
        if (bestIndex < 0 || v > best || (v !== v && best === best)) { best = v; bestIndex = at; }
      }
    }
  }
  return bestIndex;
}`;

/** Σ of the window's real elements · 1/(kh·kw). */
const AVERAGE = `function (x) {
  const plane = this.thread.z * this.constants.h * this.constants.w;
  const top = this.thread.y * this.constants.sh - this.constants.ph;
  const left = this.thread.x * this.constants.sw - this.constants.pw;
  let s = 0;
  for (let i = 0; i < this.constants.kh; i++) {
    for (let j = 0; j < this.constants.kw; j++) {
      const iy = top + i; const ix = left + j;
      if (iy >= 0 && iy < this.constants.h && ix >= 0 && ix < this.constants.w) { s += x[plane + iy * this.constants.w + ix]; }
    }
  }
  return s * (1 / (this.constants.kh * this.constants.kw));
}`;

/**
 * The adjoint, gathered per input position (iy, ix): the windows (y, x) containing it are those
 * with y·sh − ph + i = iy and x·sw − pw + j = ix for some kernel offset (i, j).
 */
const AVERAGE_ADJOINT = `function (gy) {
  const plane = this.thread.z * this.constants.ho * this.constants.wo;
  let s = 0;
  for (let i = 0; i < this.constants.kh; i++) {
    const ty = this.thread.y + this.constants.ph - i;
    for (let j = 0; j < this.constants.kw; j++) {
      const tx = this.thread.x + this.constants.pw - j;
      if (ty >= 0 && tx >= 0 && ty % this.constants.sh === 0 && tx % this.constants.sw === 0) {
        const y = ty / this.constants.sh; const x = tx / this.constants.sw;
        if (y < this.constants.ho && x < this.constants.wo) { s += gy[plane + y * this.constants.wo + x]; }
      }
    }
  }
  return s * (1 / (this.constants.kh * this.constants.kw));
}`;

export function maxPool2dIndices(rt: GpuRuntime, x: Float32Array, g: PoolGeometry): Int32Array {
  return Int32Array.from(rt.run('maxPool2dIndices', MAX_INDEX, { output: [g.wo, g.ho, g.n * g.c], constants: constantsOf(g) }, [x]));
}

export function avgPool2d(rt: GpuRuntime, x: Float32Array, g: PoolGeometry): Float32Array {
  return rt.run('avgPool2d', AVERAGE, { output: [g.wo, g.ho, g.n * g.c], constants: constantsOf(g) }, [x]);
}

export function avgPool2dAdjoint(rt: GpuRuntime, gy: Float32Array, g: PoolGeometry): Float32Array {
  return rt.run('avgPool2dAdjoint', AVERAGE_ADJOINT, { output: [g.w, g.h, g.n * g.c], constants: constantsOf(g) }, [gy]);
}

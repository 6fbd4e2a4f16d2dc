/**
 * 2-D pooling on gpu.js, one kernel cell per output position ([wo, ho, planes] grids), with the
 * CPU backend's rules (../cpu/pool.ts): windows over the input padded by (padH, padW), padding
 * counted as −∞ for max and as 0 over the full divisor kh·kw for the average; the winner of a
 * max window is its first maximum in row-major order, and NaN wins. Max pooling's derivatives
 * (select at the winners and its adjoint) recompute the winners from x, so no indices are
 * kept between kernels.
 */
import type { PoolGeometry } from '../geometry.ts';
import type { GpuRuntime } from './runtime.ts';
import type { GpuArray } from './storage.ts';

const constantsOf = (g: PoolGeometry) => ({
  h: g.h, w: g.w, ho: g.ho, wo: g.wo, kh: g.kh, kw: g.kw, sh: g.strideH, sw: g.strideW, ph: g.padH, pw: g.padW,
});

/**
 * Kernel text that finds the winner of window (wy, wx) of plane `base` of x: `bestIndex`, the
 * flat input index of its first maximum in row-major order, and `best`, its value (NaN wins;
 * padding positions are skipped, i.e. count as −∞). i and j name the loop variables.
 */
const winner = (wy: string, wx: string, i: string, j: string) => `
  const top = ${wy} * this.constants.sh - this.constants.ph;
  const left = ${wx} * this.constants.sw - this.constants.pw;
  let best = 0; let bestIndex = -1;
  for (let ${i} = 0; ${i} < this.constants.kh; ${i}++) {
    for (let ${j} = 0; ${j} < this.constants.kw; ${j}++) {
      const iy = top + ${i}; const ix = left + ${j};
      if (iy >= 0 && iy < this.constants.h && ix >= 0 && ix < this.constants.w) {
        const at = base + iy * this.constants.w + ix;
        const v = x[at];
        if (bestIndex < 0 || v > best || (v !== v && best === best)) { best = v; bestIndex = at; }
      }
    }
  }`;

/** The flat input index of each window's winner (as a float: exact below 2^24). */
const MAX_INDEX = `function (x) {
  const base = this.thread.z * this.constants.h * this.constants.w;
  ${winner('this.thread.y', 'this.thread.x', 'i', 'j')}
  return bestIndex;
}`;

/** t at the winner of each of x's windows (t = x: max pooling). */
const SELECT = `function (x, t) {
  const base = this.thread.z * this.constants.h * this.constants.w;
  ${winner('this.thread.y', 'this.thread.x', 'i', 'j')}
  return t[bestIndex];
}`;

/**
 * The adjoint of SELECT, gathered per input position (iy, ix) of plane z: the windows (y, x)
 * that contain it (y·sh − ph + a = iy, x·sw − pw + b = ix for a kernel offset (a, b)) and whose
 * winner it is. The offsets run backwards so the windows come in row-major order, the order in
 * which the CPU backend's scatter-add adds them.
 */
const SELECT_ADJOINT = `function (x, gy) {
  const base = this.thread.z * this.constants.h * this.constants.w;
  const here = base + this.thread.y * this.constants.w + this.thread.x;
  let s = 0;
  for (let a0 = 0; a0 < this.constants.kh; a0++) {
    const ty = this.thread.y + this.constants.ph - (this.constants.kh - 1 - a0);
    for (let b0 = 0; b0 < this.constants.kw; b0++) {
      const tx = this.thread.x + this.constants.pw - (this.constants.kw - 1 - b0);
      if (ty >= 0 && tx >= 0 && ty % this.constants.sh === 0 && tx % this.constants.sw === 0) {
        const wy = ty / this.constants.sh; const wx = tx / this.constants.sw;
        if (wy < this.constants.ho && wx < this.constants.wo) {
          ${winner('wy', 'wx', 'i', 'j')}
          if (bestIndex === here) { s += gy[(this.thread.z * this.constants.ho + wy) * this.constants.wo + wx]; }
        }
      }
    }
  }
  return s;
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

export function maxPool2dIndices(rt: GpuRuntime, x: GpuArray, g: PoolGeometry): Int32Array {
  return Int32Array.from(rt.runOnHost('maxPool2dIndices', MAX_INDEX, { output: [g.wo, g.ho, g.n * g.c], constants: constantsOf(g) }, [x]));
}

export function maxPool2dSelect(rt: GpuRuntime, x: GpuArray, t: GpuArray, g: PoolGeometry): GpuArray {
  return rt.run('maxPool2dSelect', SELECT, { output: [g.wo, g.ho, g.n * g.c], constants: constantsOf(g) }, [x, t]);
}

export function maxPool2dSelectAdjoint(rt: GpuRuntime, x: GpuArray, gy: GpuArray, g: PoolGeometry): GpuArray {
  return rt.run('maxPool2dSelectAdjoint', SELECT_ADJOINT, { output: [g.w, g.h, g.n * g.c], constants: constantsOf(g) }, [x, gy]);
}

export function avgPool2d(rt: GpuRuntime, x: GpuArray, g: PoolGeometry): GpuArray {
  return rt.run('avgPool2d', AVERAGE, { output: [g.wo, g.ho, g.n * g.c], constants: constantsOf(g) }, [x]);
}

export function avgPool2dAdjoint(rt: GpuRuntime, gy: GpuArray, g: PoolGeometry): GpuArray {
  return rt.run('avgPool2dAdjoint', AVERAGE_ADJOINT, { output: [g.w, g.h, g.n * g.c], constants: constantsOf(g) }, [gy]);
}

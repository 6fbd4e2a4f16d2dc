/**
 * matmul, conv2d and both conv adjoints on gpu.js, from three kernels.
 *
 * `correlate`: y[n, o, y, x] = Σ_{c,i,j} w[o, c, i, j] · xp[n, c, y·s + i, x·s + j] over an
 * input xp already padded with zeros. It is
 *   conv2d forward     with xp = the padded input and stride s;
 *   conv2d input-grad  with xp = the output gradient spread onto the input grid (every s-th
 *                      position) and padded by k − 1 − p, w = the weight with in/out swapped
 *                      and flipped in both spatial axes, stride 1 (the adjoint of a strided
 *                      correlation is the full correlation with the flipped kernel);
 *   matmul op(A)·B     is its 1×1 case (one image, channels = k, width = n, w = op(A)), run by
 *                      the MATMUL kernel, which steps its indices without the conv's arithmetic.
 * `correlateWeightGrad`: dW[o, c, i, j] = Σ_{n,y,x} gy[n, o, y, x] · xp[n, c, y·s + i, x·s + j].
 *
 * Each kernel cell computes W = 4 output channels (a row block, blocks.ts; fewer when there
 * are fewer channels). The SIMD lanes of the webasm mode run 4 neighbouring x; a read that
 * depends on x is a 4-load gather, a read that does not is one load. Here every gathered input
 * value feeds W multiply-adds with weights the lanes share, which is what makes these kernels
 * several times faster than one output per cell.
 *
 * Each op is a plan (runtime.ts): the kernel calls it needs, with their host-side inputs
 * prepared, and the host step that assembles the results — run synchronously by the backend,
 * or with threads through the backend's explicitly async entry points.
 *
 * Index arithmetic runs in float32 in gpu.js, exact below 2^24: the backend refuses larger
 * tensors (backend.ts).
 */
import { allocateFloat32 } from '../memory.ts';
import type { ConvGeometry, MatmulGeometry } from '../geometry.ts';
import { blockCount, blockWidth, packRowBlocks, placeInZeros, unpackRowBlocks } from './blocks.ts';
import { quotient } from './kernel-text.ts';
import type { KernelCall, KernelPlan } from './runtime.ts';

/** s0 … s{W−1}: one running sum per row of a block. */
const sums = (width: number, prefix = 's') => Array.from({ length: width }, (_, r) => `${prefix}${r}`);
/** base + r as kernel text (base itself for r = 0: gpu.js does not fold "+ 0"). */
const plus = (base: string, r: number) => (r === 0 ? base : `${base} + ${r}`);
/** The W sums as a kernel's result: a number for W = 1, else Array(W). */
const result = (names: string[]) => (names.length === 1 ? names[0] : `[${names.join(', ')}]`);

/**
 * Output [width = x, height = y, depth = image·blocks + block]; weights packed by packRowBlocks
 * (W rows per block). The image and block come from z by a float division corrected to the
 * exact integer quotient (z is uniform across the SIMD lanes, so this is scalar work).
 */
function correlateSource(width: number): string {
  const s = sums(width);
  return `function (input, weights) {
  ${quotient('image', 'block', 'this.thread.z', 'this.constants.blocks')}
  ${s.map((v) => `let ${v} = 0;`).join(' ')}
  let w = block * this.constants.channels * this.constants.kh * this.constants.kw * ${width};
  let plane = (image * this.constants.channels * this.constants.height + this.thread.y * this.constants.stride) * this.constants.width
    + this.thread.x * this.constants.stride;
  for (let c = 0; c < this.constants.channels; c++) {
    let row = plane;
    for (let i = 0; i < this.constants.kh; i++) {
      for (let j = 0; j < this.constants.kw; j++) {
        const v = input[row + j];
        ${s.map((v, r) => `${v} += weights[${plus('w', r)}] * v;`).join(' ')}
        w += ${width};
      }
      row += this.constants.width;
    }
    plane += this.constants.height * this.constants.width;
  }
  return ${result(s)};
}`;
}

/**
 * The 1×1 case (matmul) with the gather index stepped directly: out [n, blocks] with
 * out[j, b][r] = Σ_p a[W·b + r, p] · bm[p, j], a packed in row blocks (bm is k × n).
 */
function matmulSource(width: number): string {
  const s = sums(width);
  return `function (a, bm) {
  ${s.map((v) => `let ${v} = 0;`).join(' ')}
  let ai = this.thread.y * ${width} * this.constants.k;
  let bi = this.thread.x;
  for (let p = 0; p < this.constants.k; p++) {
    const v = bm[bi];
    ${s.map((v, r) => `${v} += a[${plus('ai', r)}] * v;`).join(' ')}
    ai += ${width};
    bi += this.constants.n;
  }
  return ${result(s)};
}`;
}

/**
 * Output [width = weight position q = (c, i, j) padded to a multiple of 4, height = block];
 * offsets[q] = c·H·W + i·W + j; gradients packed [block][n][y][x][W]. Each output row is summed
 * separately and then added (shorter float32 sums than one running total).
 */
function weightGradSource(width: number): string {
  const s = sums(width), r = sums(width, 'r');
  return `function (input, gradients, offsets) {
  const base = offsets[this.thread.x];
  let g = this.thread.y * this.constants.images * this.constants.ho * this.constants.wo * ${width};
  ${s.map((v) => `let ${v} = 0;`).join(' ')}
  for (let n = 0; n < this.constants.images; n++) {
    for (let y = 0; y < this.constants.ho; y++) {
      let at = base + (n * this.constants.channels * this.constants.height + y * this.constants.stride) * this.constants.width;
      ${r.map((v) => `let ${v} = 0;`).join(' ')}
      for (let x = 0; x < this.constants.wo; x++) {
        const v = input[at];
        ${r.map((v, k) => `${v} += gradients[${plus('g', k)}] * v;`).join(' ')}
        g += ${width};
        at += this.constants.stride;
      }
      ${s.map((v, k) => `${v} += ${r[k]};`).join(' ')}
    }
  }
  return ${result(s)};
}`;
}

/** The shape of one `correlate` call: xp [images, channels, height, width] → [images, outChannels, ho, wo]. */
interface Correlation {
  images: number; channels: number; height: number; width: number;
  outChannels: number; kh: number; kw: number; stride: number; ho: number; wo: number;
}

/** The call of CORRELATE for y = correlate(xp, w), w packed in row blocks of output channels. */
function correlateCall(xp: Float32Array, packedWeights: Float32Array, s: Correlation): KernelCall {
  const blocks = blockCount(s.outChannels), width = blockWidth(s.outChannels);
  return {
    name: `correlate${width}`, source: correlateSource(width), args: [xp, packedWeights],
    settings: {
      output: [s.wo, s.ho, s.images * blocks],
      constants: { blocks, channels: s.channels, kh: s.kh, kw: s.kw, stride: s.stride, height: s.height, width: s.width },
      components: width,
      trips: s.channels * s.kh * s.kw,
    },
  };
}

const unpackCorrelation = (out: Float32Array, s: Correlation) => unpackRowBlocks(out, s.images, s.outChannels, s.ho * s.wo, s.ho * s.wo);

/** Batched op(A) · op(B) (geometry.ts), one MATMUL call per batch entry. */
export function matmulPlan(a: Float32Array, b: Float32Array, g: MatmulGeometry): KernelPlan {
  const [aRow, aCol] = g.transA ? [1, g.m] : [g.k, 1];
  const calls = Array.from({ length: g.batch }, (_, t): KernelCall => {
    const packedA = packRowBlocks(a, g.aOffsets[t], g.m, aRow, 1, 0, g.k, aCol);
    // B as k channels of a 1 × n image; a transposed B is transposed here (O(k·n)).
    const bt = g.transB ? packTransposed(b, g.bOffsets[t], g.k, g.n) : b.subarray(g.bOffsets[t], g.bOffsets[t] + g.k * g.n);
    const width = blockWidth(g.m);
    return { name: `matmul${width}`, source: matmulSource(width), settings: { output: [g.n, blockCount(g.m)], constants: { k: g.k, n: g.n }, components: width, trips: g.k }, args: [packedA, bt] };
  });
  return {
    calls,
    finish: (results) => {
      const out = allocateFloat32(g.batch * g.m * g.n);
      results.forEach((r, t) => out.set(unpackRowBlocks(r, 1, g.m, g.n, g.n), t * g.m * g.n));
      return out;
    },
  };
}

/** The k × n matrix whose (p, j) entry is src[offset + j·k + p] (B stored n × k). */
function packTransposed(src: Float32Array, offset: number, k: number, n: number): Float32Array {
  const out = allocateFloat32(k * n);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[p * n + j] = src[offset + j * k + p];
  return out;
}

/** The input padded by (padH, padW) on every side, so the kernels read no out-of-image positions. */
function padded(x: Float32Array, g: ConvGeometry): { xp: Float32Array; height: number; width: number } {
  const height = g.h + 2 * g.padH, width = g.w + 2 * g.padW;
  const xp = g.padH === 0 && g.padW === 0 ? x : placeInZeros(x, g.n * g.c, g.h, g.w, height, width, g.padH, g.padW);
  return { xp, height, width };
}

/**
 * The kh input rows that output row y reads, as a [n, c, kh, width] image: with unequal
 * strides the kernels (which have one stride) run once per output row on such a band.
 */
function band(xp: Float32Array, g: ConvGeometry, height: number, width: number, y: number): Float32Array {
  const out = allocateFloat32(g.n * g.c * g.kh * width);
  for (let plane = 0; plane < g.n * g.c; plane++) {
    const from = (plane * height + y * g.strideH) * width;
    out.set(xp.subarray(from, from + g.kh * width), plane * g.kh * width);
  }
  return out;
}

export function conv2dPlan(x: Float32Array, w: Float32Array, g: ConvGeometry): KernelPlan {
  const { xp, height, width } = padded(x, g);
  const ckk = g.c * g.kh * g.kw;
  const packed = packRowBlocks(w, 0, g.o, ckk, 1, 0, ckk, 1);
  if (g.strideH === g.strideW) {
    const s = { images: g.n, channels: g.c, height, width, outChannels: g.o, kh: g.kh, kw: g.kw, stride: g.strideH, ho: g.ho, wo: g.wo };
    return { calls: [correlateCall(xp, packed, s)], finish: ([r]) => unpackCorrelation(r, s) };
  }
  const s = { images: g.n, channels: g.c, height: g.kh, width, outChannels: g.o, kh: g.kh, kw: g.kw, stride: g.strideW, ho: 1, wo: g.wo };
  return {
    calls: Array.from({ length: g.ho }, (_, y) => correlateCall(band(xp, g, height, width, y), packed, s)),
    finish: (rows) => {
      const out = allocateFloat32(g.n * g.o * g.ho * g.wo);
      rows.forEach((r, y) => {
        const row = unpackCorrelation(r, s);
        for (let plane = 0; plane < g.n * g.o; plane++) out.set(row.subarray(plane * g.wo, (plane + 1) * g.wo), (plane * g.ho + y) * g.wo);
      });
      return out;
    },
  };
}

/**
 * dx = Σ_o gy ⋆ flip(w): gy spread onto the input grid at (y·sH − pH + kh − 1, x·sW − pW + kw − 1)
 * inside zero planes of size (h + kh − 1) × (w + kw − 1), correlated with stride 1 with the
 * weight transposed to [c, o, kh, kw] and flipped: dx[c, y, x] = Σ_{o,i,j} gyq[o, y + i, x + j] · w[o, c, kh−1−i, kw−1−j].
 */
export function conv2dInputGradPlan(gy: Float32Array, w: Float32Array, g: ConvGeometry): KernelPlan {
  const height = g.h + g.kh - 1, width = g.w + g.kw - 1;
  const spread = placeInZeros(gy, g.n * g.o, g.ho, g.wo, height, width, g.kh - 1 - g.padH, g.kw - 1 - g.padW, g.strideH, g.strideW);
  const kk = g.kh * g.kw;
  // Rows c, columns (o, i', j') with source index o·c·kk + c·kk + (kk − 1 − (i'·kw + j')).
  const flipped = packRowBlocks(w, kk - 1, g.c, kk, g.o, g.c * kk, kk, -1);
  const s = { images: g.n, channels: g.o, height, width, outChannels: g.c, kh: g.kh, kw: g.kw, stride: 1, ho: g.h, wo: g.w };
  return { calls: [correlateCall(spread, flipped, s)], finish: ([r]) => unpackCorrelation(r, s) };
}

export function conv2dWeightGradPlan(x: Float32Array, gy: Float32Array, g: ConvGeometry): KernelPlan {
  const { xp, height, width } = padded(x, g);
  const ckk = g.c * g.kh * g.kw, columns = Math.ceil(ckk / 4) * 4; // full SIMD steps; padding columns read offset 0
  const hw = g.ho * g.wo, blocks = blockCount(g.o), blockRows = blockWidth(g.o);
  const packedGy = packRowBlocks(gy, 0, g.o, hw, g.n, g.o * hw, hw, 1);
  // offsets[q] of weight position q = (c, i, j) inside an input of `rows` rows per plane.
  const offsetsFor = (rows: number) => {
    const offsets = allocateFloat32(columns);
    for (let c = 0, q = 0; c < g.c; c++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++, q++) offsets[q] = (c * rows + i) * width + j;
    return offsets;
  };
  const call = (input: Float32Array, gradients: Float32Array, offsets: Float32Array, rows: number, ho: number, stride: number): KernelCall => ({
    name: `correlateWeightGrad${blockRows}`, source: weightGradSource(blockRows), args: [input, gradients, offsets],
    settings: { output: [columns, blocks], constants: { images: g.n, channels: g.c, height: rows, width, ho, wo: g.wo, stride }, components: blockRows, trips: g.n * ho * g.wo },
  });
  if (g.strideH === g.strideW) {
    return { calls: [call(xp, packedGy, offsetsFor(height), height, g.ho, g.strideH)], finish: ([r]) => unpackRowBlocks(r, 1, g.o, ckk, columns) };
  }
  // Unequal strides: one call per output row (its band and its gradients, packed [block][n][x][W]), summed.
  const bandOffsets = offsetsFor(g.kh);
  const calls = Array.from({ length: g.ho }, (_, y) => {
    const rowGy = allocateFloat32(blocks * g.n * g.wo * blockRows);
    for (let b = 0; b < blocks; b++) {
      for (let n = 0; n < g.n; n++) {
        const from = ((b * g.n + n) * hw + y * g.wo) * blockRows;
        rowGy.set(packedGy.subarray(from, from + g.wo * blockRows), (b * g.n + n) * g.wo * blockRows);
      }
    }
    return call(band(xp, g, height, width, y), rowGy, bandOffsets, g.kh, 1, g.strideW);
  });
  return {
    calls,
    finish: (parts) => {
      const total = allocateFloat32(g.o * ckk);
      for (const r of parts) {
        const part = unpackRowBlocks(r, 1, g.o, ckk, columns);
        for (let i = 0; i < total.length; i++) total[i] += part[i];
      }
      return total;
    },
  };
}

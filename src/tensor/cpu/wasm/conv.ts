/**
 * im2col and col2im in WebAssembly: the twins of ../conv.ts's, which stay the reference.
 * im2col only copies and zero-fills, so any order gives the same bits; col2im adds, and keeps the
 * reference's loop order (channel, kernel row, kernel column, output row, output column), so
 * every pixel receives its contributions in the same order. With stride 1 the contiguous runs are
 * moved two doubles at a time (f64x2 lanes are independent element-wise adds).
 */
import { f64, f64x2, i32, ifThen, seq, v128, type Code, type WasmFunction, type WasmModule } from './assembler.ts';

const c = i32.const;

/** The parameters both functions share: one image's geometry (ConvGeometry less n and o). */
const GEOMETRY = { c: 'i32', h: 'i32', w: 'i32', kh: 'i32', kw: 'i32', strideH: 'i32', strideW: 'i32', padH: 'i32', padW: 'i32', ho: 'i32', wo: 'i32' } as const;

/**
 * The output columns xo whose input column xo·strideW − padW + j lies in [0, w): [first, end),
 * as ../conv.ts's validColumns, with floor and ceiling divisions written for i32 (which truncate).
 */
function validColumns(f: WasmFunction): Code {
  const { get, set } = f;
  return ifThen(i32.eq(get('strideW'), c(1)), [
    // Stride 1 (the common case): [max(0, padW − j), min(wo, w + padW − j)), no division.
    set('first', i32.maxS(c(0), i32.sub(get('padW'), get('j')))),
    set('end', i32.sub(i32.add(get('w'), get('padW')), get('j'))),
    set('end', i32.minS(get('wo'), get('end'))),
    set('end', i32.maxS(get('first'), get('end'))),
  ], [
    // first = max(0, ⌈(padW − j)/strideW⌉): 0 when padW − j ≤ 0.
    set('t', i32.sub(get('padW'), get('j'))),
    set('first', c(0)),
    ifThen(i32.gtS(get('t'), c(0)), [set('first', i32.divS(i32.add(get('t'), i32.sub(get('strideW'), c(1))), get('strideW')))]),
    // end = min(wo, ⌊(w − 1 + padW − j)/strideW⌋ + 1): none when the numerator is negative.
    set('t', i32.sub(i32.add(get('w'), i32.sub(get('padW'), c(1))), get('j'))),
    set('end', c(0)),
    ifThen(i32.geS(get('t'), c(0)), [set('end', i32.add(i32.divS(get('t'), get('strideW')), c(1)))]),
    set('end', i32.minS(get('wo'), get('end'))),
    set('end', i32.maxS(get('first'), get('end'))),
  ]);
}

/** Loops over the rows of the columns matrix: (channel ci, kernel row i, kernel column j), with plane, validColumns and rowStart set. */
function forEachRow(f: WasmFunction, body: Code[]): Code {
  const { get, set } = f;
  return seq(
    set('hw', i32.mul(get('ho'), get('wo'))),
    set('rowStart', get('cols')),
    f.forRange('ci', c(0), get('c'), c(1),
      set('plane', i32.add(get('image'), i32.shl(i32.mul(get('ci'), i32.mul(get('h'), get('w'))), c(3)))),
      f.forRange('i', c(0), get('kh'), c(1),
        f.forRange('j', c(0), get('kw'), c(1),
          validColumns(f),
          ...body,
          set('rowStart', i32.add(get('rowStart'), i32.shl(get('hw'), c(3)))),
        ),
      ),
    ),
  );
}

const LOCALS = ['hw', 'rowStart', 'ci', 'plane', 'i', 'j', 't', 'first', 'end', 'y', 'iy', 'd', 'src', 'xo', 'stop'];

/** The input row iy of output row y, and the address of input column xo = 0 of that row (before padding): src. */
function inputRow(f: WasmFunction): Code {
  const { get, set } = f;
  return seq(
    set('iy', i32.add(i32.sub(i32.mul(get('y'), get('strideH')), get('padH')), get('i'))),
    set('src', i32.add(get('plane'), i32.shl(i32.add(i32.sub(i32.mul(get('iy'), get('w')), get('padW')), get('j')), c(3)))),
  );
}

const outside = (f: WasmFunction): Code => i32.or(i32.ltS(f.get('iy'), c(0)), i32.geS(f.get('iy'), f.get('h')));

/** im2col(image, c, h, w, kh, kw, strideH, strideW, padH, padW, ho, wo, cols): one image as cols [c·kh·kw, ho·wo], zero padding included. */
export function emitIm2col(module: WasmModule): WasmFunction {
  const f = module.function('im2col', { image: 'i32', ...GEOMETRY, cols: 'i32' });
  f.locals('i32', ...LOCALS);
  const { get, set } = f;
  const zeros = (from: Code, to: Code): Code => f.forRange('xo', from, to, c(1), f64.store(i32.add(get('d'), i32.shl(get('xo'), c(3))), f64.const(0)));
  f.emit(forEachRow(f, [
    f.forRange('y', c(0), get('ho'), c(1),
      set('d', i32.add(get('rowStart'), i32.shl(i32.mul(get('y'), get('wo')), c(3)))),
      inputRow(f),
      ifThen(outside(f), [zeros(c(0), get('wo'))], [
        zeros(c(0), get('first')),
        ifThen(i32.eq(get('strideW'), c(1)), [
          // Contiguous: pairs, then the odd one.
          set('stop', i32.sub(get('end'), c(1))),
          f.forRange('xo', get('first'), get('stop'), c(2),
            v128.store(i32.add(get('d'), i32.shl(get('xo'), c(3))), v128.load(i32.add(get('src'), i32.shl(get('xo'), c(3)))))),
          ifThen(i32.ltS(get('xo'), get('end')), [
            f64.store(i32.add(get('d'), i32.shl(get('xo'), c(3))), f64.load(i32.add(get('src'), i32.shl(get('xo'), c(3))))),
          ]),
        ], [
          f.forRange('xo', get('first'), get('end'), c(1),
            f64.store(i32.add(get('d'), i32.shl(get('xo'), c(3))), f64.load(i32.add(get('src'), i32.shl(i32.mul(get('xo'), get('strideW')), c(3)))))),
        ]),
        zeros(get('end'), get('wo')),
      ]),
    ),
  ]));
  return f;
}

/** col2im(cols, image, c, h, w, kh, kw, strideH, strideW, padH, padW, ho, wo): adds cols [c·kh·kw, ho·wo] back into one image (the transpose of im2col). */
export function emitCol2im(module: WasmModule): WasmFunction {
  const f = module.function('col2im', { cols: 'i32', image: 'i32', ...GEOMETRY });
  f.locals('i32', ...LOCALS);
  const { get, set } = f;
  const pixel = (xo: Code): Code => i32.add(get('src'), i32.shl(xo, c(3)));
  const column = (xo: Code): Code => i32.add(get('d'), i32.shl(xo, c(3)));
  f.emit(forEachRow(f, [
    f.forRange('y', c(0), get('ho'), c(1),
      inputRow(f),
      ifThen(i32.eqz(outside(f)), [
        set('d', i32.add(get('rowStart'), i32.shl(i32.mul(get('y'), get('wo')), c(3)))),
        ifThen(i32.eq(get('strideW'), c(1)), [
          // dx[src + xo] + cols[d + xo], two pixels at a time (the reference's operand order).
          set('stop', i32.sub(get('end'), c(1))),
          f.forRange('xo', get('first'), get('stop'), c(2),
            v128.store(pixel(get('xo')), f64x2.add(v128.load(pixel(get('xo'))), v128.load(column(get('xo')))))),
          ifThen(i32.ltS(get('xo'), get('end')), [
            f64.store(pixel(get('xo')), f64.add(f64.load(pixel(get('xo'))), f64.load(column(get('xo'))))),
          ]),
        ], [
          f.forRange('xo', get('first'), get('end'), c(1),
            f64.store(pixel(i32.mul(get('xo'), get('strideW'))), f64.add(f64.load(pixel(i32.mul(get('xo'), get('strideW')))), f64.load(column(get('xo'))))),
          ),
        ]),
      ]),
    ),
  ]));
  return f;
}

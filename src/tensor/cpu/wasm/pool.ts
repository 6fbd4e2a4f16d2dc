/**
 * Max pooling's winners in WebAssembly: the twin of ../pool.ts's maxPool2dIndices. Each window is
 * scanned in the reference's order (row-major over its real, unpadded part) with the reference's
 * rule — a value wins if it is larger than the best so far, or if it is NaN and the best is not.
 * The TypeScript loop spends most of its time in that branch, mispredicted on random data. Here two
 * neighbouring windows of an output row run in the two lanes of a vector, their best values and
 * indices (exact integers as float64) updated with bitselect, without a branch. A window that the
 * padding cuts, or the last of an odd row, runs alone with `select`.
 */
import { block, br, brIf, f64, f64x2, i32, ifThen, loop, select, seq, v128, type Code, type WasmFunction, type WasmModule } from './assembler.ts';

const c = i32.const;

/**
 * maxPoolWinners(x, out, planes, h, w, ho, wo, kh, kw, strideH, strideW, padH, padW): out[o] (an
 * i32) = the flat index into x of the first maximum of window o, for planes [planes, h, w].
 */
export function emitMaxPoolWinners(module: WasmModule): WasmFunction {
  const f = module.function('maxPoolWinners', {
    x: 'i32', out: 'i32', planes: 'i32', h: 'i32', w: 'i32', ho: 'i32', wo: 'i32', kh: 'i32', kw: 'i32', strideH: 'i32', strideW: 'i32', padH: 'i32', padW: 'i32',
  });
  f.locals('i32', 'plane', 'base', 'y', 'xo', 'rowStart', 'rowEnd', 'colStart', 'colEnd', 'iy', 'i', 'end', 'bestIndex', 'wins', 'dx');
  f.locals('f64', 'best', 'v');
  f.locals('v128', 'bests', 'values', 'indices', 'bestIndices', 'winning');
  const { get, set } = f;
  const load = (index: Code): Code => f64.load(i32.add(get('x'), i32.shl(index, c(3))));
  /** The flat index of row iy's column 0 in the current plane. */
  const rowAt = (iy: Code): Code => i32.add(get('base'), i32.mul(iy, get('w')));
  /** Both lanes' values: (a, b). */
  const lanes = (a: Code, b: Code): Code => f64x2.replaceLane(f64x2.splat(a), 1, b);

  // Windows xo and xo + 1, whole in the columns [colStart, colStart + kw) and strideW further right.
  const pair = seq(
    set('colStart', i32.sub(i32.mul(get('xo'), get('strideW')), get('padW'))),
    set('bests', f64x2.splat(f64.const(-Infinity))),
    set('i', i32.add(rowAt(get('rowStart')), get('colStart'))),
    set('bestIndices', lanes(f64.convertI32(get('i')), f64.convertI32(i32.add(get('i'), get('strideW'))))),
    f.forRange('iy', get('rowStart'), get('rowEnd'), c(1),
      f.forRange('dx', c(0), get('kw'), c(1),
        set('i', i32.add(rowAt(get('iy')), i32.add(get('colStart'), get('dx')))),
        set('values', lanes(load(get('i')), load(i32.add(get('i'), get('strideW'))))),
        set('indices', lanes(f64.convertI32(get('i')), f64.convertI32(i32.add(get('i'), get('strideW'))))),
        // value > best, or value is NaN and best is not — per lane.
        set('winning', v128.or(f64x2.gt(get('values'), get('bests')), v128.and(f64x2.ne(get('values'), get('values')), f64x2.eq(get('bests'), get('bests'))))),
        set('bests', v128.bitselect(get('values'), get('bests'), get('winning'))),
        set('bestIndices', v128.bitselect(get('indices'), get('bestIndices'), get('winning'))),
      ),
    ),
    i32.store(get('out'), i32.truncF64(f64x2.extractLane(get('bestIndices'), 0))),
    i32.store(get('out'), i32.truncF64(f64x2.extractLane(get('bestIndices'), 1)), 4),
    set('out', i32.add(get('out'), c(8))),
    set('xo', i32.add(get('xo'), c(2))),
  );

  // Window xo alone, its columns clipped to [max(start, 0), min(start + kw, w)).
  const single = seq(
    set('colStart', i32.sub(i32.mul(get('xo'), get('strideW')), get('padW'))),
    set('colEnd', i32.minS(i32.add(get('colStart'), get('kw')), get('w'))),
    set('colStart', i32.maxS(get('colStart'), c(0))),
    set('best', f64.const(-Infinity)),
    set('bestIndex', i32.add(rowAt(get('rowStart')), get('colStart'))),
    f.forRange('iy', get('rowStart'), get('rowEnd'), c(1),
      set('end', i32.add(rowAt(get('iy')), get('colEnd'))),
      f.forRange('i', i32.add(rowAt(get('iy')), get('colStart')), get('end'), c(1),
        set('v', load(get('i'))),
        set('wins', i32.or(f64.gt(get('v'), get('best')), i32.and(f64.ne(get('v'), get('v')), f64.eq(get('best'), get('best'))))),
        set('best', select(get('v'), get('best'), get('wins'))),
        set('bestIndex', select(get('i'), get('bestIndex'), get('wins'))),
      ),
    ),
    i32.store(get('out'), get('bestIndex')),
    set('out', i32.add(get('out'), c(4))),
    set('xo', i32.add(get('xo'), c(1))),
  );

  // A pair runs when window xo + 1 exists and neither window is cut: xo·sw − pw ≥ 0 and (xo+1)·sw − pw + kw ≤ w.
  const pairFits = i32.and(
    i32.ltS(i32.add(get('xo'), c(1)), get('wo')),
    i32.and(
      i32.geS(i32.sub(i32.mul(get('xo'), get('strideW')), get('padW')), c(0)),
      i32.leS(i32.add(i32.sub(i32.mul(i32.add(get('xo'), c(1)), get('strideW')), get('padW')), get('kw')), get('w')),
    ),
  );

  f.emit(
    f.forRange('plane', c(0), get('planes'), c(1),
      set('base', i32.mul(get('plane'), i32.mul(get('h'), get('w')))),
      f.forRange('y', c(0), get('ho'), c(1),
        // The windows' real rows: [max(y·sh − ph, 0), min(y·sh − ph + kh, h)).
        set('rowStart', i32.sub(i32.mul(get('y'), get('strideH')), get('padH'))),
        set('rowEnd', i32.minS(i32.add(get('rowStart'), get('kh')), get('h'))),
        set('rowStart', i32.maxS(get('rowStart'), c(0))),
        set('xo', c(0)),
        block(loop(brIf(1, i32.geS(get('xo'), get('wo'))), ifThen(pairFits, [pair], [single]), br(0))),
      ),
    ),
  );
  return f;
}

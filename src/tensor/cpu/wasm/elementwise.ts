/**
 * The elementwise kernels that profiling showed matter, in WebAssembly: ReLU and its derivative
 * (the step), the twins of ../elementwise.ts's 'relu' and 'step'. In TypeScript both are a
 * data-dependent branch per element, which a random sign mispredicts half the time (~6 ns per
 * element here); as lane operations they have no branch. Same values: max(v, +0) is v for v > 0,
 * +0 for v ≤ 0 (also −0) and NaN for NaN, as the reference's `v > 0 ? v : v !== v ? v : 0`;
 * (v > 0) & 1.0 is 1 or +0, as `v > 0 ? 1 : 0`. (A NaN's payload is not kept; JavaScript cannot
 * tell NaNs apart, and Object.is calls them equal.)
 */
import { f64, f64x2, i32, ifThen, select, v128, type Code, type WasmFunction, type WasmModule } from './assembler.ts';

const c = i32.const;

/** A function (x, y, n) that writes y[i] = lane(x[i]) for i < n, two at a time, and scalar(x[n−1]) for an odd n. */
function emitMap(module: WasmModule, name: string, lane: (v: Code) => Code, scalar: (v: Code) => Code): WasmFunction {
  const f = module.function(name, { x: 'i32', y: 'i32', n: 'i32' });
  f.locals('i32', 'i', 'pairs');
  const { get, set } = f;
  const at = (pointer: string) => i32.add(get(pointer), i32.shl(get('i'), c(3)));
  f.emit(
    set('pairs', i32.sub(get('n'), c(1))),
    f.forRange('i', c(0), get('pairs'), c(2), v128.store(at('y'), lane(v128.load(at('x'))))),
    ifThen(i32.ltS(get('i'), get('n')), [f64.store(at('y'), scalar(f64.load(at('x'))))]),
  );
  return f;
}

/**
 * scaleRows(m, s, y, rows, width): y[r·width + q] = m[r·width + q] · s[q] — every row of m times
 * one row of scales (a diagonal on the right), the twin of ../kernels.ts's scaleRows: one IEEE
 * multiply per element, two at a time.
 */
export function emitScaleRows(module: WasmModule): WasmFunction {
  const f = module.function('scaleRows', { m: 'i32', s: 'i32', y: 'i32', rows: 'i32', width: 'i32' });
  f.locals('i32', 'r', 'q', 'pairs', 'rowBytes');
  const { get, set } = f;
  const at = (pointer: string) => i32.add(get(pointer), i32.shl(get('q'), c(3)));
  const scale = i32.add(get('s'), i32.shl(get('q'), c(3)));
  f.emit(
    set('pairs', i32.sub(get('width'), c(1))),
    set('rowBytes', i32.shl(get('width'), c(3))),
    f.forRange('r', c(0), get('rows'), c(1),
      f.forRange('q', c(0), get('pairs'), c(2), v128.store(at('y'), f64x2.mul(v128.load(at('m')), v128.load(scale)))),
      ifThen(i32.ltS(get('q'), get('width')), [f64.store(at('y'), f64.mul(f64.load(at('m')), f64.load(scale)))]),
      set('m', i32.add(get('m'), get('rowBytes'))),
      set('y', i32.add(get('y'), get('rowBytes'))),
    ),
  );
  return f;
}

/** relu(x, y, n): y = max(x, +0). */
export const emitRelu = (module: WasmModule): WasmFunction =>
  emitMap(module, 'relu', (v) => f64x2.max(v, v128.zero()), (v) => f64.max(v, f64.const(0)));

/** step(x, y, n): y = 1 where x > 0, else +0. */
export const emitStep = (module: WasmModule): WasmFunction =>
  emitMap(module, 'step', (v) => v128.and(f64x2.gt(v, v128.zero()), f64x2.splat(f64.const(1))), (v) => select(f64.const(1), f64.const(0), f64.gt(v, f64.const(0))));

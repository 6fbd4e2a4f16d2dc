/**
 * The WebAssembly twins of ../eigen.ts: the tridiagonalization's pass over the trailing rows and
 * a QL sweep's plane rotations. Both vectorize over two adjacent columns j (or k) at a time,
 * whose arithmetic is independent and elementwise, so the lanes compute exactly the reference's
 * IEEE operations (mul, then add or sub, no FMA). The one sum across columns, row i's dot
 * product Σ_j S_ij v_j, takes the two lanes' products and adds them to the scalar sum one at a
 * time, lane 0 then lane 1: the reference's left-to-right order.
 */
import { block, br, brIf, f64, f64x2, i32, ifThen, loop, memoryFill, seq, v128, type Code, type WasmFunction, type WasmModule } from './assembler.ts';

const c = i32.const;

/** reflectorPass(a, n, k, v, p, vPrev, wPrev): ../eigen.ts's reflectorPass on byte addresses. */
export function emitReflectorPass(module: WasmModule): WasmFunction {
  const f = module.function('reflectorPass', { a: 'i32', n: 'i32', k: 'i32', v: 'i32', p: 'i32', vPrev: 'i32', wPrev: 'i32' });
  f.locals('i32', 'i', 'j', 'row', 'pairsEnd');
  f.locals('f64', 'vi', 'ui', 'zi', 'sii', 'sij', 'dot');
  f.locals('v128', 'vi2', 'ui2', 'zi2', 'sij2', 'product');
  const { get, set } = f;
  const at = (pointer: string, index: string): Code => i32.add(get(pointer), i32.shl(get(index), c(3)));
  const inRow = (index: string): Code => i32.add(get('row'), i32.shl(get(index), c(3)));
  // S_ij −= v′_i w′_j + w′_i v′_j, in the reference's grouping: a − ((ui·w′_j) + (zi·v′_j)).
  const updated = (index: string): Code =>
    f64.sub(f64.load(inRow(index)), f64.add(f64.mul(get('ui'), f64.load(at('wPrev', index))), f64.mul(get('zi'), f64.load(at('vPrev', index)))));
  const scalarColumn = (): Code => seq(
    set('sij', updated('j')),
    f64.store(inRow('j'), get('sij')),
    set('dot', f64.add(get('dot'), f64.mul(get('sij'), f64.load(at('v', 'j'))))),
    f64.store(at('p', 'j'), f64.add(f64.load(at('p', 'j')), f64.mul(get('sij'), get('vi')))),
  );
  const pairOfColumns = (): Code => seq(
    set('sij2', f64x2.sub(v128.load(inRow('j')), f64x2.add(f64x2.mul(get('ui2'), v128.load(at('wPrev', 'j'))), f64x2.mul(get('zi2'), v128.load(at('vPrev', 'j')))))),
    v128.store(inRow('j'), get('sij2')),
    set('product', f64x2.mul(get('sij2'), v128.load(at('v', 'j')))),
    set('dot', f64.add(get('dot'), f64x2.extractLane(get('product'), 0))),
    set('dot', f64.add(get('dot'), f64x2.extractLane(get('product'), 1))),
    v128.store(at('p', 'j'), f64x2.add(v128.load(at('p', 'j')), f64x2.mul(get('sij2'), get('vi2')))),
  );
  f.emit(
    set('i', i32.add(get('k'), c(1))),
    ifThen(i32.ltS(get('i'), get('n')), [memoryFill(at('p', 'i'), c(0), i32.shl(i32.sub(get('n'), get('i')), c(3)))]),
    set('pairsEnd', i32.sub(get('n'), c(1))),
    f.forRange('i', i32.add(get('k'), c(1)), get('n'), c(1),
      set('row', i32.add(get('a'), i32.shl(i32.mul(get('i'), get('n')), c(3)))),
      set('vi', f64.load(at('v', 'i'))),
      set('ui', f64.load(at('vPrev', 'i'))),
      set('zi', f64.load(at('wPrev', 'i'))),
      set('vi2', f64x2.splat(get('vi'))),
      set('ui2', f64x2.splat(get('ui'))),
      set('zi2', f64x2.splat(get('zi'))),
      set('sii', updated('i')),
      f64.store(inRow('i'), get('sii')),
      set('dot', f64.mul(get('sii'), get('vi'))),
      f.forRange('j', i32.add(get('i'), c(1)), get('pairsEnd'), c(2), pairOfColumns()),
      ifThen(i32.ltS(get('j'), get('n')), [scalarColumn()]),
      f64.store(at('p', 'i'), f64.add(f64.load(at('p', 'i')), get('dot'))),
    ),
  );
  return f;
}

/** planeRotations(rows, n, cosines, sines, l, m): ../eigen.ts's planeRotations on byte addresses. */
export function emitPlaneRotations(module: WasmModule): WasmFunction {
  const f = module.function('planeRotations', { rows: 'i32', n: 'i32', cosines: 'i32', sines: 'i32', l: 'i32', m: 'i32' });
  f.locals('i32', 'i', 'b', 'rowBytes', 'pairBytes', 'r0', 'r1', 'r2', 'r3', 'r4');
  f.locals('v128', 'c1', 's1', 'c2', 's2', 'c3', 's3', 'c4', 's4', 'carry', 'x');
  f.locals('f64', 'carryScalar', 'xScalar');
  const { get, set } = f;
  const coefficient = (array: string, back: number): Code => f64x2.splat(f64.load(i32.add(get(array), i32.shl(i32.sub(get('i'), c(back)), c(3)))));
  // One column pair (lanes) or one column (a scalar in lane 0): the same code with other operations.
  interface Lanes { load: (address: Code) => Code; store: (address: Code, value: Code) => Code; mul: (a: Code, b: Code) => Code; add: (a: Code, b: Code) => Code; sub: (a: Code, b: Code) => Code; coefficient: (name: string) => Code }
  const pair: Lanes = { load: v128.load, store: v128.store, mul: f64x2.mul, add: f64x2.add, sub: f64x2.sub, coefficient: get };
  const single: Lanes = { load: f64.load, store: f64.store, mul: f64.mul, add: f64.add, sub: f64.sub, coefficient: (name) => f64x2.extractLane(get(name), 0) };
  const carry = (lanes: Lanes): string => (lanes === pair ? 'carry' : 'carryScalar');
  const x = (lanes: Lanes): string => (lanes === pair ? 'x' : 'xScalar');
  const address = (row: string): Code => i32.add(get(row), get('b'));
  // Rows (r_i, r_{i+1}) ← (c r_i − s r_{i+1}, s r_i + c r_{i+1}): r_{i+1} (the carry) written, r_i carried on.
  const rotate = (lanes: Lanes, cos: string, sin: string, written: string): Code => seq(
    lanes.store(address(written), lanes.add(lanes.mul(lanes.coefficient(sin), get(x(lanes))), lanes.mul(lanes.coefficient(cos), get(carry(lanes))))),
    set(carry(lanes), lanes.sub(lanes.mul(lanes.coefficient(cos), get(x(lanes))), lanes.mul(lanes.coefficient(sin), get(carry(lanes))))),
  );
  const fourRotations = (lanes: Lanes): Code => seq(
    set(carry(lanes), lanes.load(address('r0'))),
    set(x(lanes), lanes.load(address('r1'))),
    rotate(lanes, 'c1', 's1', 'r0'),
    set(x(lanes), lanes.load(address('r2'))),
    rotate(lanes, 'c2', 's2', 'r1'),
    set(x(lanes), lanes.load(address('r3'))),
    rotate(lanes, 'c3', 's3', 'r2'),
    set(x(lanes), lanes.load(address('r4'))),
    rotate(lanes, 'c4', 's4', 'r3'),
    lanes.store(address('r4'), get(carry(lanes))),
  );
  const oneRotation = (lanes: Lanes): Code => seq(
    set(carry(lanes), lanes.load(address('r0'))),
    set(x(lanes), lanes.load(address('r1'))),
    rotate(lanes, 'c1', 's1', 'r0'),
    lanes.store(address('r1'), get(carry(lanes))),
  );
  // Every column: pairs, then the last column of an odd n.
  const columns = (body: (lanes: Lanes) => Code): Code => seq(
    f.forRange('b', c(0), get('pairBytes'), c(16), body(pair)),
    ifThen(i32.ltS(get('b'), get('rowBytes')), [body(single)]),
  );
  f.emit(
    set('rowBytes', i32.shl(get('n'), c(3))),
    set('pairBytes', i32.shl(i32.and(get('n'), c(-2)), c(3))),
    set('i', i32.sub(get('m'), c(1))),
    block(loop(
      brIf(1, i32.ltS(i32.sub(get('i'), c(3)), get('l'))),
      set('c1', coefficient('cosines', 0)), set('s1', coefficient('sines', 0)),
      set('c2', coefficient('cosines', 1)), set('s2', coefficient('sines', 1)),
      set('c3', coefficient('cosines', 2)), set('s3', coefficient('sines', 2)),
      set('c4', coefficient('cosines', 3)), set('s4', coefficient('sines', 3)),
      set('r0', i32.add(get('rows'), i32.mul(i32.add(get('i'), c(1)), get('rowBytes')))),
      set('r1', i32.sub(get('r0'), get('rowBytes'))),
      set('r2', i32.sub(get('r1'), get('rowBytes'))),
      set('r3', i32.sub(get('r2'), get('rowBytes'))),
      set('r4', i32.sub(get('r3'), get('rowBytes'))),
      columns(fourRotations),
      set('i', i32.sub(get('i'), c(4))),
      br(0),
    )),
    block(loop(
      brIf(1, i32.ltS(get('i'), get('l'))),
      set('c1', coefficient('cosines', 0)), set('s1', coefficient('sines', 0)),
      set('r0', i32.add(get('rows'), i32.mul(i32.add(get('i'), c(1)), get('rowBytes')))),
      set('r1', i32.sub(get('r0'), get('rowBytes'))),
      columns(oneRotation),
      set('i', i32.sub(get('i'), c(1))),
      br(0),
    )),
  );
  return f;
}

/**
 * The float64 GEMM in WebAssembly SIMD, emitted from this file: the twin of ../gemm.ts, which
 * stays the readable reference, and equal to it bit for bit.
 *
 * Why the bits agree. In ../gemm.ts an element C(i,j) is computed as: for each k-block of
 * kBlock = ⌈k / ⌈k/KC⌉⌉ (a function of k alone), acc = +0, then acc += A(i,p)·B(p,j) for p in
 * the block in increasing order, then C(i,j) = acc (the first block, without `accumulate`) or
 * C(i,j) += acc. The m, n blocking and the register block only choose *which* elements are
 * computed together, never the order of one element's sum. This kernel keeps that order exactly:
 * the same kBlock, the same accumulator per element started at +0, one IEEE multiply then one
 * IEEE add per p (f64x2.mul, f64x2.add: correctly rounded in each lane, no fused multiply-add),
 * the same write-back. Its two lanes hold two neighbouring columns C(i,j), C(i,j+1), which are
 * independent sums. So it may use its own register block (MR × NR) and column block (NC).
 *
 * Layout (BLIS): B is packed in panels of NR columns (p-major: the NR entries of one p side by
 * side), A in panels of MR rows (p-major), so the micro-kernel reads both sequentially; per p it
 * loads NR/2 vectors of B, splats MR entries of A (v128.load64_splat) and updates MR × NR/2
 * vector accumulators. Edges are zero-padded in the panels and masked on the write-back, as in
 * the reference.
 *
 * Memory: pointers are byte addresses in the module's memory, strides are in elements. The
 * scratch area (gemmScratchBytes) holds the packed A panel, the packed B block and an MR × NR tile.
 */
import { fail } from '../../errors.ts';
import { KC } from '../gemm.ts';
import { f64, f64x2, i32, ifThen, seq, v128, type Code, type WasmFunction, type WasmModule, call } from './assembler.ts';

/** The register block and column block of the emitted GEMM (the k-blocking is the reference's). */
export interface GemmPlan {
  /** Rows of A per micro-kernel (splatted). */
  mr: number;
  /** Columns of B per micro-kernel, in pairs (one f64x2 lane pair per two columns). */
  nr: number;
  /** Columns of B per packed block (a multiple of nr). */
  nc: number;
}

/** Checks a plan: the accumulators must fit the 16 vector registers of x86-64 with room for A and B. */
export function checkGemmPlan(plan: GemmPlan): GemmPlan {
  const { mr, nr, nc } = plan;
  if (!Number.isInteger(mr) || mr < 1 || mr > 8) fail('emitGemm', `mr must be an integer from 1 to 8, given ${mr}`);
  if (!Number.isInteger(nr) || nr < 2 || nr > 8 || nr % 2 !== 0) fail('emitGemm', `nr must be 2, 4, 6 or 8 (columns in f64x2 pairs), given ${nr}`);
  if ((mr * nr) / 2 > 12) fail('emitGemm', `mr × nr/2 vector accumulators must be at most 12 (16 registers less A and B), given ${mr} × ${nr}/2 = ${(mr * nr) / 2}`);
  if (!Number.isInteger(nc) || nc < nr || nc % nr !== 0 || nc > 1024) fail('emitGemm', `nc must be a multiple of nr = ${nr} up to 1024, given ${nc}`);
  return plan;
}

/** Bytes of scratch one GEMM call needs: the A panel, the B block (each for k-blocks up to KC) and the edge tile. */
export const gemmScratchBytes = (plan: GemmPlan): number => 8 * (plan.mr * KC + KC * plan.nc + plan.mr * plan.nr);

const c = i32.const;

/**
 * Emits `gemm(m, n, k, a, aRow, aCol, b, bRow, bCol, c, ldc, accumulate, scratch)` and its
 * helpers into `module`: C(i,j) (+)= Σ_p A(i,p) B(p,j) with A(i,p) at a + 8(i·aRow + p·aCol),
 * B(p,j) at b + 8(p·bRow + j·bCol), C(i,j) at c + 8(i·ldc + j); m, n, k ≥ 1 (the caller handles
 * empty products, as ../gemm.ts does before its loops).
 */
export function emitGemm(module: WasmModule, plan: GemmPlan): WasmFunction {
  const { mr: MR, nr: NR, nc: NC } = checkGemmPlan(plan);
  const packA = emitPackA(module, MR);
  const packB = emitPackB(module, NR);
  const kernel = emitMicroKernel(module, MR, NR);

  const f = module.function('gemm', {
    m: 'i32', n: 'i32', k: 'i32', a: 'i32', aRow: 'i32', aCol: 'i32', b: 'i32', bRow: 'i32', bCol: 'i32', c: 'i32', ldc: 'i32', accumulate: 'i32', scratch: 'i32',
  });
  f.locals('i32', 'blocks', 'kBlock', 'packedA', 'packedB', 'tile', 'jc', 'nc', 'pc', 'kc', 'overwrite', 'ic', 'mr', 'jr');
  const { get, set } = f;
  f.emit(
    // kBlock = ⌈k / ⌈k/KC⌉⌉: equal k-blocks of at most KC, exactly as the reference.
    set('blocks', i32.divS(i32.add(get('k'), c(KC - 1)), c(KC))),
    set('kBlock', i32.divS(i32.add(get('k'), i32.sub(get('blocks'), c(1))), get('blocks'))),
    set('packedA', get('scratch')),
    set('packedB', i32.add(get('scratch'), c(8 * MR * KC))),
    set('tile', i32.add(get('packedB'), c(8 * KC * NC))),
    f.forRange('jc', c(0), get('n'), c(NC),
      set('nc', i32.minS(c(NC), i32.sub(get('n'), get('jc')))),
      f.forRange('pc', c(0), get('k'), get('kBlock'),
        set('kc', i32.minS(get('kBlock'), i32.sub(get('k'), get('pc')))),
        set('overwrite', i32.and(i32.eqz(get('accumulate')), i32.eqz(get('pc')))),
        call(packB, address(f, 'b', seq(i32.add(i32.mul(get('pc'), get('bRow')), i32.mul(get('jc'), get('bCol'))))), get('bRow'), get('bCol'), get('kc'), get('nc'), get('packedB')),
        f.forRange('ic', c(0), get('m'), c(MR),
          set('mr', i32.minS(c(MR), i32.sub(get('m'), get('ic')))),
          call(packA, address(f, 'a', i32.add(i32.mul(get('ic'), get('aRow')), i32.mul(get('pc'), get('aCol')))), get('aRow'), get('aCol'), get('mr'), get('kc'), get('packedA')),
          f.forRange('jr', c(0), get('nc'), c(NR),
            call(kernel,
              get('kc'), get('packedA'),
              i32.add(get('packedB'), i32.shl(i32.mul(get('jr'), get('kc')), c(3))),
              address(f, 'c', i32.add(i32.mul(get('ic'), get('ldc')), i32.add(get('jc'), get('jr')))),
              get('ldc'), get('mr'), i32.minS(c(NR), i32.sub(get('nc'), get('jr'))), get('overwrite'), get('tile')),
          ),
        ),
      ),
    ),
  );
  return f;
}

/** pointer + 8·elements. */
const address = (f: WasmFunction, pointer: string, elements: Code): Code => i32.add(f.get(pointer), i32.shl(elements, c(3)));

/**
 * packA(src, rowStride, colStride, mr, kc, dst): dst[p·MR + r] = A(r, p) for p < kc, r < MR,
 * zero for r ≥ mr (the reference's packA with MR rows).
 */
function emitPackA(module: WasmModule, MR: number): WasmFunction {
  const f = module.function('packA', { src: 'i32', rowStride: 'i32', colStride: 'i32', mr: 'i32', kc: 'i32', dst: 'i32' });
  const rows = Array.from({ length: MR }, (_, r) => `row${r}`);
  f.locals('i32', 'p', 'column', 'colBytes', ...rows);
  const { get, set } = f;
  const load = (r: number): Code => f64.load(i32.add(get('column'), get(rows[r])));
  f.emit(
    set('colBytes', i32.shl(get('colStride'), c(3))),
    ...rows.map((row, r) => set(row, i32.mul(c(8 * r), get('rowStride')))),
    set('column', get('src')),
    ifThen(i32.eq(get('mr'), c(MR)), [
      f.forRange('p', c(0), get('kc'), c(1),
        ...rows.map((_, r) => f64.store(get('dst'), load(r), 8 * r)),
        set('dst', i32.add(get('dst'), c(8 * MR))),
        set('column', i32.add(get('column'), get('colBytes'))),
      ),
    ], [
      f.forRange('p', c(0), get('kc'), c(1),
        ...rows.map((_, r) => ifThen(i32.gtS(get('mr'), c(r)), [f64.store(get('dst'), load(r), 8 * r)], [f64.store(get('dst'), f64.const(0), 8 * r)])),
        set('dst', i32.add(get('dst'), c(8 * MR))),
        set('column', i32.add(get('column'), get('colBytes'))),
      ),
    ]),
  );
  return f;
}

/**
 * packB(src, rowStride, colStride, kc, nc, dst): panels of NR columns; panel j/NR starts at
 * dst + 8·j·kc and holds [p·NR + cc] = B(p, j + cc), zero for columns past nc.
 */
function emitPackB(module: WasmModule, NR: number): WasmFunction {
  const f = module.function('packB', { src: 'i32', rowStride: 'i32', colStride: 'i32', kc: 'i32', nc: 'i32', dst: 'i32' });
  const cols = Array.from({ length: NR }, (_, cc) => `col${cc}`);
  f.locals('i32', 'j', 'p', 'cols', 'row', 'rowBytes', 'out', ...cols);
  const { get, set } = f;
  const load = (cc: number): Code => f64.load(i32.add(get('row'), get(cols[cc])));
  const panel = (...perRow: Code[]): Code =>
    f.forRange('p', c(0), get('kc'), c(1), ...perRow, set('out', i32.add(get('out'), c(8 * NR))), set('row', i32.add(get('row'), get('rowBytes'))));
  f.emit(
    set('rowBytes', i32.shl(get('rowStride'), c(3))),
    ...cols.map((col, cc) => set(col, i32.mul(c(8 * cc), get('colStride')))),
    set('out', get('dst')),
    f.forRange('j', c(0), get('nc'), c(NR),
      set('cols', i32.minS(c(NR), i32.sub(get('nc'), get('j')))),
      set('row', address(f, 'src', i32.mul(get('j'), get('colStride')))),
      ifThen(i32.eq(get('cols'), c(NR)), [
        // Contiguous columns (row-major B): the NR entries of a row are NR/2 vectors.
        ifThen(i32.eq(get('colStride'), c(1)), [
          panel(...Array.from({ length: NR / 2 }, (_, q) => v128.store(get('out'), v128.load(get('row'), 16 * q), 16 * q))),
        ], [
          panel(...cols.map((_, cc) => f64.store(get('out'), load(cc), 8 * cc))),
        ]),
      ], [
        panel(...cols.map((_, cc) => ifThen(i32.gtS(get('cols'), c(cc)), [f64.store(get('out'), load(cc), 8 * cc)], [f64.store(get('out'), f64.const(0), 8 * cc)]))),
      ]),
    ),
  );
  return f;
}

/**
 * microKernel(kc, ap, bp, c, ldc, mr, nr, overwrite, tile): the MR × NR block of C (+)= the A panel
 * times the B panel over kc, masked to mr × nr. acc[r][q] holds C(r, 2q) and C(r, 2q+1); each
 * lane is one element's sum, started at +0 (a fresh local), in increasing p — the reference's order.
 */
function emitMicroKernel(module: WasmModule, MR: number, NR: number): WasmFunction {
  const f = module.function('microKernel', { kc: 'i32', ap: 'i32', bp: 'i32', c: 'i32', ldc: 'i32', mr: 'i32', nr: 'i32', overwrite: 'i32', tile: 'i32' });
  const Q = NR / 2;
  const acc = (r: number, q: number) => `acc${r}_${q}`;
  const accs = Array.from({ length: MR }, (_, r) => Array.from({ length: Q }, (_, q) => acc(r, q))).flat();
  const bs = Array.from({ length: Q }, (_, q) => `b${q}`);
  f.locals('v128', ...accs, ...bs, 'a');
  f.locals('i32', 'p', 'row', 'ldcBytes', 'r', 'cc', 'out', 'in');
  const { get, set } = f;
  const rowsOfC = (body: (r: number) => Code[]): Code =>
    seq(set('row', get('c')), ...Array.from({ length: MR }, (_, r) => seq(...body(r), set('row', i32.add(get('row'), get('ldcBytes'))))));
  f.emit(
    f.forRange('p', c(0), get('kc'), c(1),
      ...bs.map((b, q) => set(b, v128.load(get('bp'), 16 * q))),
      ...Array.from({ length: MR }, (_, r) => seq(
        set('a', v128.load64Splat(get('ap'), 8 * r)),
        ...bs.map((b, q) => set(acc(r, q), f64x2.add(get(acc(r, q)), f64x2.mul(get('a'), get(b))))),
      )),
      set('ap', i32.add(get('ap'), c(8 * MR))),
      set('bp', i32.add(get('bp'), c(8 * NR))),
    ),
    set('ldcBytes', i32.shl(get('ldc'), c(3))),
    ifThen(i32.and(i32.eq(get('mr'), c(MR)), i32.eq(get('nr'), c(NR))), [
      ifThen(get('overwrite'), [
        rowsOfC((r) => bs.map((_, q) => v128.store(get('row'), get(acc(r, q)), 16 * q))),
      ], [
        // C + acc, in the reference's operand order (c[o] += c00).
        rowsOfC((r) => bs.map((_, q) => v128.store(get('row'), f64x2.add(v128.load(get('row'), 16 * q), get(acc(r, q))), 16 * q))),
      ]),
    ], [
      // An edge block: the accumulators to the tile, then its mr × nr corner into C.
      ...Array.from({ length: MR }, (_, r) => bs.map((_, q) => v128.store(get('tile'), get(acc(r, q)), 8 * (r * NR + 2 * q)))).flat(),
      set('row', get('c')),
      f.forRange('r', c(0), get('mr'), c(1),
        f.forRange('cc', c(0), get('nr'), c(1),
          set('out', i32.add(get('row'), i32.shl(get('cc'), c(3)))),
          set('in', i32.add(get('tile'), i32.shl(i32.add(i32.mul(get('r'), c(NR)), get('cc')), c(3)))),
          ifThen(get('overwrite'), [f64.store(get('out'), f64.load(get('in')))], [f64.store(get('out'), f64.add(f64.load(get('out')), f64.load(get('in'))))]),
        ),
        set('row', i32.add(get('row'), get('ldcBytes'))),
      ),
    ]),
  );
  return f;
}

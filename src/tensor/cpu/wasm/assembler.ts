/**
 * A small WebAssembly assembler: the binary format of a module that imports one memory and
 * exports functions, and the instructions the kernels use, as functions that return bytes.
 *
 * Kernels are written as expression trees, the way the WebAssembly text format's folded form
 * reads: `f64x2.add(get('acc'), f64x2.mul(a, b))` is the bytes of `a`, of `b`, `f64x2.mul`, then
 * `f64x2.add`. A `Code` is a flat list of bytes; statements are concatenated with `seq`.
 * Nothing here knows about kernels; the encoding follows the WebAssembly 2.0 specification
 * (§5, binary format) with the 128-bit SIMD instructions (prefix 0xFD).
 */
import { fail } from '../../errors.ts';

/** Bytes of an expression or of statements. */
export type Code = number[];

/** The value types the kernels use. */
export type ValueType = 'i32' | 'f64' | 'v128';
const TYPE_CODE: Record<ValueType, number> = { i32: 0x7f, f64: 0x7c, v128: 0x7b };

/** Unsigned LEB128 (sizes, indices, memory offsets). */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) fail('wasm assembler', `an unsigned 32-bit integer, given ${value}`);
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 (i32.const). */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) fail('wasm assembler', `a signed 32-bit integer, given ${value}`);
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A name: its UTF-8 length, then its bytes. */
const name = (text: string): number[] => {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
};
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];

/** Statements in order. */
export const seq = (...codes: Code[]): Code => codes.flat();

/** A memory access's immediate: alignment (log2 of bytes, a hint) and a constant byte offset. */
const memarg = (alignLog2: number, offset: number): number[] => [alignLog2, ...uleb(offset)];

const simd = (op: number): number[] => [0xfd, ...uleb(op)];

export const i32 = {
  const: (v: number): Code => [0x41, ...sleb(v)],
  load: (address: Code, offset = 0): Code => [...address, 0x28, ...memarg(2, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, 0x36, ...memarg(2, offset)],
  eqz: (a: Code): Code => [...a, 0x45],
  eq: (a: Code, b: Code): Code => [...a, ...b, 0x46],
  ne: (a: Code, b: Code): Code => [...a, ...b, 0x47],
  ltS: (a: Code, b: Code): Code => [...a, ...b, 0x48],
  gtS: (a: Code, b: Code): Code => [...a, ...b, 0x4a],
  leS: (a: Code, b: Code): Code => [...a, ...b, 0x4c],
  geS: (a: Code, b: Code): Code => [...a, ...b, 0x4e],
  add: (a: Code, b: Code): Code => [...a, ...b, 0x6a],
  sub: (a: Code, b: Code): Code => [...a, ...b, 0x6b],
  mul: (a: Code, b: Code): Code => [...a, ...b, 0x6c],
  divS: (a: Code, b: Code): Code => [...a, ...b, 0x6d],
  and: (a: Code, b: Code): Code => [...a, ...b, 0x71],
  or: (a: Code, b: Code): Code => [...a, ...b, 0x72],
  shl: (a: Code, b: Code): Code => [...a, ...b, 0x74],
  /** The integer part of a float64 (signed; traps outside the i32 range, so convert only indices). */
  truncF64: (a: Code): Code => [...a, 0xaa],
  /** The smaller of two signed integers (a select: a and b are evaluated twice, so pass local gets). */
  minS: (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, 0x48, 0x1b],
  /** The larger of two signed integers. */
  maxS: (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, 0x4a, 0x1b],
};

export const f64 = {
  const: (v: number): Code => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, v, true);
    return [0x44, ...bytes];
  },
  load: (address: Code, offset = 0): Code => [...address, 0x2b, ...memarg(3, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, 0x39, ...memarg(3, offset)],
  eq: (a: Code, b: Code): Code => [...a, ...b, 0x61],
  ne: (a: Code, b: Code): Code => [...a, ...b, 0x62],
  gt: (a: Code, b: Code): Code => [...a, ...b, 0x64],
  add: (a: Code, b: Code): Code => [...a, ...b, 0xa0],
  sub: (a: Code, b: Code): Code => [...a, ...b, 0xa1],
  mul: (a: Code, b: Code): Code => [...a, ...b, 0xa2],
  /** IEEE maximum as WebAssembly defines it: NaN if either is NaN, +0 over −0. */
  max: (a: Code, b: Code): Code => [...a, ...b, 0xa5],
  /** A signed integer as a float64 (exact). */
  convertI32: (a: Code): Code => [...a, 0xb7],
};

/** `condition ? whenTrue : whenFalse` without a branch (both operands are evaluated). */
export const select = (whenTrue: Code, whenFalse: Code, condition: Code): Code => [...whenTrue, ...whenFalse, ...condition, 0x1b];

export const v128 = {
  /** 16 bytes from an 8-byte-aligned address (the float64 data's alignment). */
  load: (address: Code, offset = 0): Code => [...address, ...simd(0x00), ...memarg(3, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, ...simd(0x0b), ...memarg(3, offset)],
  /** One float64 from memory in both lanes. */
  load64Splat: (address: Code, offset = 0): Code => [...address, ...simd(0x0a), ...memarg(3, offset)],
  /** A zero vector (both lanes +0). */
  zero: (): Code => [...simd(0x0c), ...new Array<number>(16).fill(0)],
  and: (a: Code, b: Code): Code => [...a, ...b, ...simd(0x4e)],
  or: (a: Code, b: Code): Code => [...a, ...b, ...simd(0x50)],
  /** Bits of `whenTrue` where `mask` is 1, of `whenFalse` where it is 0. */
  bitselect: (whenTrue: Code, whenFalse: Code, mask: Code): Code => [...whenTrue, ...whenFalse, ...mask, ...simd(0x52)],
};

export const f64x2 = {
  splat: (a: Code): Code => [...a, ...simd(0x14)],
  extractLane: (v: Code, lane: 0 | 1): Code => [...v, ...simd(0x21), lane],
  replaceLane: (v: Code, lane: 0 | 1, value: Code): Code => [...v, ...value, ...simd(0x22), lane],
  eq: (a: Code, b: Code): Code => [...a, ...b, ...simd(0x47)],
  ne: (a: Code, b: Code): Code => [...a, ...b, ...simd(0x48)],
  /** All ones in the lanes where a > b, else all zeros. */
  gt: (a: Code, b: Code): Code => [...a, ...b, ...simd(0x4a)],
  add: (a: Code, b: Code): Code => [...a, ...b, ...simd(0xf0)],
  sub: (a: Code, b: Code): Code => [...a, ...b, ...simd(0xf1)],
  mul: (a: Code, b: Code): Code => [...a, ...b, ...simd(0xf2)],
  /** Lane-wise IEEE maximum as WebAssembly defines it: NaN if either is NaN, +0 over −0. */
  max: (a: Code, b: Code): Code => [...a, ...b, ...simd(0xf5)],
};

/** Control: a block whose end `br` 0 (from directly inside) jumps to; loops jump back to their start. */
export const block = (...body: Code[]): Code => [0x02, 0x40, ...body.flat(), 0x0b];
export const loop = (...body: Code[]): Code => [0x03, 0x40, ...body.flat(), 0x0b];
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number, condition: Code): Code => [...condition, 0x0d, ...uleb(depth)];
export const ifThen = (condition: Code, then: Code[], otherwise: Code[] = []): Code =>
  otherwise.length === 0 ? [...condition, 0x04, 0x40, ...then.flat(), 0x0b] : [...condition, 0x04, 0x40, ...then.flat(), 0x05, ...otherwise.flat(), 0x0b];
export const ret = (): Code => [0x0f];
/** Fills `length` bytes at `address` with the byte `value` (bulk memory). */
export const memoryFill = (address: Code, value: Code, length: Code): Code => [...address, ...value, ...length, 0xfc, ...uleb(11), 0x00];
/** Copies `length` bytes from `source` to `destination` (overlap allowed; bulk memory). */
export const memoryCopy = (destination: Code, source: Code, length: Code): Code => [...destination, ...source, ...length, 0xfc, ...uleb(10), 0x00, 0x00];

/** A function of the module: named parameters and locals, a body of statements. */
export class WasmFunction {
  readonly index: number;
  readonly name: string;
  readonly paramTypes: ValueType[];
  private readonly names = new Map<string, number>();
  private readonly localTypes: ValueType[] = [];
  private readonly body: number[] = [];

  constructor(index: number, name: string, params: Record<string, ValueType>) {
    this.index = index;
    this.name = name;
    this.paramTypes = Object.values(params);
    Object.keys(params).forEach((p, i) => this.names.set(p, i));
  }

  /** Declares locals (zero-initialised, as WebAssembly does) of one type. */
  locals(type: ValueType, ...names: string[]): void {
    for (const name of names) {
      if (this.names.has(name)) fail('wasm assembler', `${this.name}: local '${name}' is declared twice`);
      this.names.set(name, this.paramTypes.length + this.localTypes.length);
      this.localTypes.push(type);
    }
  }

  private indexOf(name: string): number {
    const index = this.names.get(name);
    if (index === undefined) fail('wasm assembler', `${this.name}: no parameter or local '${name}'`);
    return index;
  }

  get = (name: string): Code => [0x20, ...uleb(this.indexOf(name))];
  set = (name: string, value: Code): Code => [...value, 0x21, ...uleb(this.indexOf(name))];

  /**
   * for (name = from; name < to; name += step) body (signed comparison; `to` is evaluated before
   * every pass). The body sits two labels deep, so it must not branch out of the loop itself.
   */
  forRange = (name: string, from: Code, to: Code, step: Code, ...body: Code[]): Code =>
    seq(this.set(name, from), block(loop(brIf(1, i32.geS(this.get(name), to)), ...body, this.set(name, i32.add(this.get(name), step)), br(0))));

  emit(...codes: Code[]): void {
    for (const code of codes) for (const byte of code) this.body.push(byte);
  }

  /** The function's entry of the code section: its locals, its body, `end`. */
  encode(): number[] {
    const runs: number[][] = [];
    for (let i = 0; i < this.localTypes.length;) {
      let j = i;
      while (j < this.localTypes.length && this.localTypes[j] === this.localTypes[i]) j++;
      runs.push([...uleb(j - i), TYPE_CODE[this.localTypes[i]]]);
      i = j;
    }
    const content = [...vector(runs), ...this.body, 0x0b];
    return [...uleb(content.length), ...content];
  }
}

/** Calls a function of the same module with arguments in order (the kernels' functions return nothing). */
export const call = (fn: WasmFunction, ...args: Code[]): Code => [...args.flat(), 0x10, ...uleb(fn.index)];

/** The memory every kernel module imports as env.memory: its size in 64 KiB pages and whether threads share it. */
export interface MemoryImport {
  initialPages: number;
  maximumPages: number;
  shared: boolean;
}

/** A module of exported functions over one imported memory. */
export class WasmModule {
  private readonly functions: WasmFunction[] = [];

  /** Declares a function (exported under its name); its body is emitted afterwards. */
  function(name: string, params: Record<string, ValueType>): WasmFunction {
    if (this.functions.some((f) => f.name === name)) fail('wasm assembler', `function '${name}' is declared twice`);
    const fn = new WasmFunction(this.functions.length, name, params);
    this.functions.push(fn);
    return fn;
  }

  /** The binary module (WebAssembly 2.0: magic, version, then the sections in their fixed order). */
  encode(memory: MemoryImport): Uint8Array {
    const signatures: string[] = [];
    const typeOf = this.functions.map((f) => {
      const key = f.paramTypes.join(',');
      if (!signatures.includes(key)) signatures.push(key);
      return signatures.indexOf(key);
    });
    const types = section(1, vector(signatures.map((key) => [0x60, ...vector(key === '' ? [] : key.split(',').map((t) => [TYPE_CODE[t as ValueType]])), 0x00])));
    const limits = [memory.shared ? 0x03 : 0x01, ...uleb(memory.initialPages), ...uleb(memory.maximumPages)];
    const imports = section(2, vector([[...name('env'), ...name('memory'), 0x02, ...limits]]));
    const functions = section(3, vector(typeOf.map((t) => uleb(t))));
    const exports = section(7, vector(this.functions.map((f) => [...name(f.name), 0x00, ...uleb(f.index)])));
    const code = section(10, vector(this.functions.map((f) => f.encode())));
    return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...exports, ...code]);
  }
}

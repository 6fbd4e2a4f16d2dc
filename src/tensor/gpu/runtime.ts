/**
 * The gpu.js side of the gpu.js backend: which mode runs the kernels, a cache of compiled
 * kernels, and where their results go — textures kept on the device in the GL modes
 * ("resident": pipeline kernels, a new texture per call), one flat Float32Array otherwise —
 * with the host↔device transfers counted.
 *
 * gpu.js compiles a kernel per output size (its sizes are baked into the compiled code), so
 * kernels are cached by a key naming their source and every constant; the cache keeps the
 * most recently used ones and destroys the rest.
 *
 * Modes (gpu.js 2.24.1, pinned: its next major version makes every kernel call async):
 *  - 'headlessgl': WebGL through the `gl` package in Node (needs `gl` built; see docs/performance.md);
 *  - 'webgl2' / 'webgl': in a browser;
 *  - 'webasm': WebAssembly with f32x4 SIMD, single-threaded in the synchronous calls used here;
 *  - 'cpu': gpu.js's JavaScript fallback (slow; for debugging).
 * 'auto' takes the first that works in that order (headlessgl, webgl2, webgl, webasm, cpu).
 */
import { GPU } from 'gpu.js';
import { fail } from '../errors.ts';
import { withoutScratchMemory } from '../memory.ts';
import { MAX_GL_LOOP } from './kernel-text.ts';
import { GpuArray, type DeviceTexture } from './storage.ts';

/** A gpu.js mode: a GL context (headlessgl, webgl2, webgl), WebAssembly (webasm) or plain JavaScript (cpu). */
export type GpuMode = 'auto' | 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';
/** The gpu.js modes; 'auto' takes the first of the others that works, in this order. */
export const GPU_MODES: readonly GpuMode[] = ['auto', 'headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];

/** The settings one compiled kernel needs: its output grid, constants and components per cell. */
export interface KernelSettings {
  output: readonly number[];
  constants?: Record<string, number>;
  /** Numbers per cell: 1 (default), or 2–4 for kernels returning [a, b, …] (Array(2)–Array(4)). */
  components?: 1 | 2 | 3 | 4;
  /** The most loop iterations one cell runs, all its loops together (checked in the GL modes, see kernel-text.ts). */
  trips?: number;
}

interface KernelInstance {
  constructor: { mode?: string };
  _shapeOutput?: (data: Float32Array, output: number[], components: number) => unknown;
}
/** A kernel argument: an array of the backend, a host array (uploaded by gpu.js per call) or a number. */
export type KernelArgument = GpuArray | Float32Array | number;

/** One kernel launch: a kernel function as text, its settings and its arguments. */
export interface KernelCall {
  name: string;
  source: string;
  settings: KernelSettings;
  args: readonly KernelArgument[];
}

/** An op as kernel launches (inputs prepared) and the host step that assembles their results. */
export interface KernelPlan {
  calls: readonly KernelCall[];
  finish(results: Float32Array[]): Float32Array;
}

type CompiledKernel = ((...args: unknown[]) => unknown) & { destroy?: () => void; kernel?: KernelInstance };

function supported(mode: Exclude<GpuMode, 'auto'>): boolean {
  switch (mode) {
    case 'headlessgl': return GPU.isHeadlessGLSupported;
    case 'webgl2': return GPU.isWebGL2Supported;
    case 'webgl': return GPU.isWebGLSupported;
    case 'webasm': return GPU.isWebAssemblySupported;
    case 'cpu': return true;
  }
}

/** The mode 'auto' picks on this platform: the first supported in GPU_MODES' order ('cpu' always is). */
export function availableMode(): Exclude<GpuMode, 'auto'> {
  return GPU_MODES.filter((m): m is Exclude<GpuMode, 'auto'> => m !== 'auto').find(supported)!;
}

/** 2^24: gpu.js indexes arrays in float32, which represents every integer up to here exactly. */
export const MAX_INDEXED = 2 ** 24;

/** At most this many compiled kernels are kept (each holds its own WebAssembly memory or program). */
const MAX_KERNELS = 256;

export class GpuRuntime {
  readonly mode: Exclude<GpuMode, 'auto'>;
  /** Whether kernel results stay on the device (the GL modes: textures) instead of coming back as arrays. */
  readonly resident: boolean;
  /** Host→device uploads and device→host read-backs so far (both stay 0 outside the GL modes). */
  readonly transfers = { uploads: 0, readbacks: 0 };
  /** Kernels gpu.js ran in its 'cpu' mode instead of the one asked (it degrades unsupported features). */
  readonly fallbacks: string[] = [];
  private readonly gpu: InstanceType<typeof GPU>;
  private readonly kernels = new Map<string, CompiledKernel>();

  constructor(mode: GpuMode = 'auto') {
    if (!GPU_MODES.includes(mode)) fail('gpuBackend', `unknown gpu.js mode ${JSON.stringify(mode)}; known: ${GPU_MODES.join(', ')}`);
    const chosen = mode === 'auto' ? availableMode() : mode;
    if (!supported(chosen)) {
      fail('gpuBackend', `gpu.js mode '${chosen}' is not available here${chosen === 'headlessgl' ? ' (the optional `gl` package is not built; see docs/performance.md, "The gpu.js backend")' : ''}; available: '${availableMode()}'`);
    }
    this.mode = chosen;
    this.resident = chosen === 'headlessgl' || chosen === 'webgl2' || chosen === 'webgl';
    this.gpu = new GPU({ mode: chosen });
  }

  /**
   * Runs the kernel `source` (a gpu.js kernel function as text, one number per cell) with the
   * given settings on `args`; the result stays on the device in the GL modes (a texture the
   * next kernel reads directly) and is the kernel's Float32Array otherwise.
   */
  run(name: string, source: string, settings: KernelSettings, args: readonly KernelArgument[]): GpuArray {
    if ((settings.components ?? 1) !== 1) fail('gpuBackend', `internal: ${name} returns ${settings.components} numbers per cell; use runOnHost`);
    const cells = cellCount(settings.output);
    const values = args.map((a) => this.argument(a));
    const kernel = this.kernel(name, source, settings, values, { asyncMode: false, pipeline: this.resident });
    const result = kernel(...values);
    this.checkMode(kernel, name);
    return this.resident ? GpuArray.fromTexture(result as DeviceTexture, cells) : GpuArray.fromHost(flatten(result, cells));
  }

  /**
   * Runs a kernel and returns its cells on the host as one row-major Float32Array
   * (component-minor for W-component kernels: cell i's components at W·i … W·i + W − 1).
   */
  runOnHost(name: string, source: string, settings: KernelSettings, args: readonly KernelArgument[]): Float32Array {
    const values = args.map((a) => this.argument(a));
    const kernel = this.kernel(name, source, settings, values, { asyncMode: false, pipeline: false });
    const result = kernel(...values);
    this.checkMode(kernel, name);
    return flatten(result, cellCount(settings.output) * (settings.components ?? 1));
  }

  /** Runs a plan's calls one after another (synchronous, single-threaded); the result is on the host. */
  execute(plan: KernelPlan): Float32Array {
    return plan.finish(plan.calls.map((c) => this.runOnHost(c.name, c.source, c.settings, c.args)));
  }

  /**
   * Runs a plan's calls as asynchronous gpu.js kernels: in webasm, calls with at least 4096
   * cells split across a pool of worker threads. The results are assembled in fresh memory
   * (never scratch memory, whose scope may have ended while the kernels ran).
   */
  async executeAsync(plan: KernelPlan): Promise<Float32Array> {
    const results = await Promise.all(plan.calls.map(async (c) => {
      const values = c.args.map((a) => this.argument(a));
      const kernel = this.kernel(c.name, c.source, c.settings, values, { asyncMode: true, pipeline: false });
      const result = await (kernel(...values) as Promise<unknown>);
      this.checkMode(kernel, c.name);
      return flatten(result, cellCount(c.settings.output) * (c.settings.components ?? 1));
    }));
    return withoutScratchMemory(() => plan.finish(results));
  }

  /** The elements of an array on the host (a read-back in the GL modes, counted, done once per array). */
  host(a: GpuArray): Float32Array {
    return a.host((texture, length) => {
      const raw = texture.renderValues();
      if (raw === null) fail('gpuBackend', 'internal: reading a deleted texture');
      this.transfers.readbacks++;
      // The array keeps this copy for as long as it lives, which may outlast any scratch scope
      // the read happens in: so not scratch memory, but the fresh buffer readPixels filled.
      return raw.subarray(0, length);
    });
  }

  /** A kernel argument as gpu.js takes it: device arrays as their texture (uploaded once), the rest as given. */
  private argument(a: KernelArgument): unknown {
    if (!(a instanceof GpuArray)) return a;
    if (!this.resident) return this.host(a);
    if (a.texture === null) {
      // The host copy moves to the device once, by an identity kernel whose result is kept.
      const data = this.host(a);
      const kernel = this.kernel('upload', UPLOAD, { output: [data.length] }, [data], { asyncMode: false, pipeline: true });
      a.attachTexture(kernel(data) as DeviceTexture);
      this.transfers.uploads++;
    }
    return a.texture;
  }

  /** gpu.js degrades a kernel it cannot build in the asked mode to its 'cpu' kernel; record that. */
  private checkMode(kernel: CompiledKernel, name: string): void {
    const ran = kernel.kernel?.constructor.mode; // the kernel class's mode ('gpu' for the GL classes)
    if (ran === 'cpu' && this.mode !== 'cpu' && !this.fallbacks.includes(name)) this.fallbacks.push(name);
  }

  /** The compiled kernel for these settings and argument sizes, from the cache or new. */
  private kernel(name: string, source: string, settings: KernelSettings, args: readonly unknown[], options: { asyncMode: boolean; pipeline: boolean }): CompiledKernel {
    // Kernels index in float32: exact up to 2^24 (host-side buffers such as a padded input can
    // outgrow the tensors they come from, so they are checked here too).
    for (const a of args) {
      if (a instanceof Float32Array && a.length > MAX_INDEXED) fail('gpuBackend', `${name}: an argument of ${a.length} elements exceeds the 2^24 that float32 indexes exactly; use smaller chunks`);
    }
    if (this.resident && (settings.trips ?? 0) > MAX_GL_LOOP) {
      fail('gpuBackend', `${name}: a cell would loop ${settings.trips} times, more than the ${MAX_GL_LOOP} this backend allows a GL shader (Mesa's llvmpipe silently stops loops beyond them); use the direct kernels or smaller chunks`);
    }
    const cells = cellCount(settings.output) * (settings.components ?? 1);
    if (cells > MAX_INDEXED) fail('gpuBackend', `${name}: a result of ${cells} values exceeds the 2^24 that float32 indexes exactly; use smaller chunks`);
    // gpu.js bakes the output size, the constants and the argument types and sizes into the compiled kernel.
    const sizes = args.map(describeArgument).join(',');
    const key = `${options.asyncMode ? 'async:' : ''}${options.pipeline ? 'pipeline:' : ''}${name}|${settings.output.join(',')}|${JSON.stringify(settings.constants ?? {})}|${settings.components ?? 1}|${sizes}`;
    let kernel = this.kernels.get(key);
    if (kernel) {
      this.kernels.delete(key); // re-inserted below: the Map's order is the recency order
    } else {
      kernel = this.gpu.createKernel(source, {
        output: [...settings.output],
        constants: settings.constants ?? {},
        returnType: (settings.components ?? 1) === 1 ? 'Float' : `Array(${settings.components})`,
        precision: 'single',
        tactic: 'precision',
        asyncMode: options.asyncMode,
        // Resident results: a new texture per call (immutable), 4 values per texel.
        ...(options.pipeline ? { pipeline: true, immutable: true, optimizeFloatMemory: true } : {}),
      } as never) as unknown as CompiledKernel;
      keepFlat(kernel);
      if (this.kernels.size >= MAX_KERNELS) {
        const [oldest, evicted] = this.kernels.entries().next().value!;
        this.kernels.delete(oldest);
        evicted.destroy?.();
      }
    }
    this.kernels.set(key, kernel);
    return kernel;
  }

  /** Frees the kernels and gpu.js's context; the runtime cannot run kernels afterwards. */
  destroy(): void {
    for (const k of this.kernels.values()) k.destroy?.();
    this.kernels.clear();
    (this.gpu as { destroy?: () => void }).destroy?.();
  }
}

/**
 * The webasm kernel computes into one flat buffer and then shapes it for the caller: one
 * subarray per row, and per cell for 4-component results — 224 ms for the 524,288 cells of a
 * conv layer's output, several times the convolution itself. We want the flat buffer, so the
 * shaping step is replaced by the identity on this kernel instance (gpu.js is pinned to 2.24.1,
 * whose webasm kernel calls `_shapeOutput(data, output, components)` last in every run).
 */
function keepFlat(kernel: CompiledKernel): void {
  const instance = kernel.kernel;
  if (instance?.constructor.mode === 'webasm' && typeof instance._shapeOutput === 'function') {
    instance._shapeOutput = (data) => data;
  }
}

/** Copies its argument: moves a host array onto the device as a texture. */
const UPLOAD = 'function (a) { return a[this.thread.x]; }';

/** An argument's type and size as the compiled kernel sees them. */
function describeArgument(a: unknown): string {
  if (typeof a === 'number') return 's';
  if (a instanceof Float32Array) return `a${a.length}`;
  const texture = a as DeviceTexture;
  return `t${texture.type}:${texture.output.join('x')}`;
}

const cellCount = (output: readonly number[]): number => output.reduce((a, b) => a * b, 1);

/**
 * gpu.js returns a 1-D result as a Float32Array and 2-/3-D or multi-component results as
 * nested arrays of row views. Where the views share one buffer laid out row-major (the
 * webasm and cpu modes), that buffer is the answer; otherwise the rows are copied out.
 */
function flatten(result: unknown, length: number): Float32Array {
  let leaf: unknown = result;
  while (Array.isArray(leaf)) leaf = leaf[0];
  if (leaf instanceof Float32Array && leaf.buffer.byteLength >= length * 4 && isSharedRowMajor(result, leaf.buffer)) {
    return new Float32Array(leaf.buffer, 0, length);
  }
  const out = new Float32Array(length);
  let offset = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const item of v) walk(item);
    else if (v instanceof Float32Array) { out.set(v, offset); offset += v.length; }
    else if (typeof v === 'number') out[offset++] = v;
    else fail('gpuBackend', `unexpected kernel result ${Object.prototype.toString.call(v)}`);
  };
  walk(result);
  if (offset !== length) fail('gpuBackend', `kernel result has ${offset} values, expected ${length}`);
  return out;
}

/** Whether every row view lies in `buffer` at the offset its row-major position gives. */
function isSharedRowMajor(result: unknown, buffer: ArrayBufferLike): boolean {
  let expected = 0;
  const check = (v: unknown): boolean => {
    if (Array.isArray(v)) return v.every(check);
    if (!(v instanceof Float32Array) || v.buffer !== buffer || v.byteOffset !== expected * 4) return false;
    expected += v.length;
    return true;
  };
  return check(result);
}

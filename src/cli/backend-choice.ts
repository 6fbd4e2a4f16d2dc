/**
 * Which backend a command evaluates the network on: `--backend cpu|gpu` (default: the
 * environment variable MBQUAD_BACKEND, else cpu) and, for gpu, `--gpu-mode MODE` (default:
 * MBQUAD_GPU_MODE, else auto: headlessgl where the `gl` package works, else webasm).
 */
import { cpuBackend, GPU_MODES, gpuBackend, type Backend, type GpuMode } from '../tensor/index.ts';
import { usage, type Options } from './options.ts';
import { kernelRunner } from '../tensor/cpu/parallel.ts';
import { kernelKind, useKernels, type KernelChoice } from '../tensor/cpu/kernels.ts';
import { fail } from '../tensor/index.ts';

export const BACKEND_HELP = `  --backend cpu|gpu    where the network is evaluated: the float64 CPU reference or the
                       float32 gpu.js backend (default: $MBQUAD_BACKEND, else cpu)
  --gpu-mode MODE      gpu.js mode: ${GPU_MODES.join(', ')}
                       (default: $MBQUAD_GPU_MODE, else auto)
`;

export function chooseBackend(opts: Options, env: Record<string, string | undefined>): Backend {
  const kind = opts.string('backend', env.MBQUAD_BACKEND || 'cpu');
  const mode = opts.string('gpu-mode', env.MBQUAD_GPU_MODE || 'auto');
  if (!GPU_MODES.includes(mode as GpuMode)) usage('options', `--gpu-mode (or MBQUAD_GPU_MODE) takes ${GPU_MODES.join(', ')}, given '${mode}'`);
  if (kind === 'cpu') return cpuBackend;
  if (kind === 'gpu') return gpuBackend({ mode: mode as GpuMode });
  return usage('options', `--backend (or MBQUAD_BACKEND) takes cpu or gpu, given '${kind}'`);
}

/** How a command names the backend it ran on. */
export const describeBackend = (b: Backend): string => (b === cpuBackend ? 'cpu (float64)' : `${b.name} (float32)`);

/**
 * The CPU kernels from the environment: MBQUAD_KERNELS = auto (default: WebAssembly SIMD where it
 * runs), wasm or typescript (the reference; the same bits, ~5× slower). Applied with useKernels;
 * returns the kind that runs. A bad value is an MbquadError naming the variable.
 */
export function kernelsFromEnvironment(env: Record<string, string | undefined>): string {
  const choice = env.MBQUAD_KERNELS || 'auto';
  if (!['auto', 'wasm', 'typescript'].includes(choice)) fail('MBQUAD_KERNELS', `auto, wasm or typescript, given '${choice}'`);
  return useKernels(choice as KernelChoice);
}

/** The CPU kernels as words: 'WebAssembly kernels' or 'TypeScript kernels'. */
export const describeKernels = (): string => (kernelKind() === 'wasm' ? 'WebAssembly kernels' : 'TypeScript kernels');

/** The CPU kernels' thread count and kind as words, e.g. '2 threads, WebAssembly kernels' (the installed pool's count, else 1). */
export function describeThreads(): string {
  const threads = kernelRunner()?.threads ?? 1;
  return `${threads} thread${threads === 1 ? '' : 's'}, ${describeKernels()}`;
}

/** describeBackend with the CPU kernels' thread count (MBQUAD_THREADS), for what a command prints. */
export function describeBackendThreads(b: Backend): string {
  return b === cpuBackend ? `${describeBackend(b)} on ${describeThreads()}` : describeBackend(b);
}

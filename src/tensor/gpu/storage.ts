/**
 * Where a gpu.js tensor's elements live: a host Float32Array, a texture on the GL device, or
 * both (a texture read back keeps the host copy; a host array used by a GL kernel keeps its
 * uploaded texture). In the webasm and cpu modes there is no device memory and only the host
 * array exists; in the GL modes kernels return textures, which the next kernel reads directly,
 * so data moves to the host only when someone reads it (`Tensor.data`).
 *
 * Textures are not memory the garbage collector sees. A texture made inside a scratch scope
 * (../memory.ts) is deleted when the outermost scope ends, under the scope's contract (nothing
 * made inside is used afterwards); a texture made outside any scope is deleted when its array
 * is garbage-collected. Using an array after its texture was deleted is an error, not garbage.
 */
import { fail } from '../errors.ts';
import { releaseAtScopeEnd } from '../memory.ts';

/** The part of a gpu.js GL texture used here (gpu.js 2.24.1's GLTexture). */
export interface DeviceTexture {
  readonly type: string;
  readonly output: readonly number[];
  /** The raw texels (for memory-optimized float textures: the values in order, then padding); null once deleted. */
  renderValues(): Float32Array | null;
  delete(): void;
}

/** Deletes the textures of arrays made outside any scratch scope once the arrays are collected. */
const collected = new FinalizationRegistry<DeviceTexture>((texture) => texture.delete());

export class GpuArray {
  private released = false;
  /** Whether this array was made inside a scratch scope (its textures die with the scope). */
  private readonly scoped: boolean;

  private constructor(
    readonly length: number,
    private hostData: Float32Array | null,
    private textureData: DeviceTexture | null,
  ) {
    this.scoped = releaseAtScopeEnd(() => this.release());
    if (textureData !== null) this.own(textureData);
  }

  static fromHost(data: Float32Array): GpuArray {
    return new GpuArray(data.length, data, null);
  }

  static fromTexture(texture: DeviceTexture, length: number): GpuArray {
    return new GpuArray(length, null, texture);
  }

  /** The texture holding the elements, if they are on the device. */
  get texture(): DeviceTexture | null {
    this.check();
    return this.textureData;
  }

  /** Records a texture uploaded from the host copy, so later kernels reuse it. */
  attachTexture(texture: DeviceTexture): void {
    this.check();
    if (this.textureData !== null) fail('gpuBackend', 'internal: an array already has a texture');
    this.textureData = texture;
    this.own(texture);
  }

  /** The host copy, made by `readBack` from the texture the first time it is asked for. */
  host(readBack: (texture: DeviceTexture, length: number) => Float32Array): Float32Array {
    this.check();
    if (this.hostData === null) this.hostData = readBack(this.textureData!, this.length);
    return this.hostData;
  }

  private own(texture: DeviceTexture): void {
    if (!this.scoped) collected.register(this, texture, this);
  }

  /** Deletes the texture; the array cannot be used afterwards. */
  private release(): void {
    if (this.textureData !== null) {
      collected.unregister(this);
      this.textureData.delete();
    }
    this.textureData = null;
    this.hostData = null;
    this.released = true;
  }

  private check(): void {
    if (this.released) fail('gpuBackend', 'a tensor made inside a scratch scope (withScratchMemory) was used after the scope ended');
  }
}

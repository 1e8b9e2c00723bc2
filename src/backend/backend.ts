/**
 * The backend interface: a device's memory plus one implementation per core primitive op,
 * and optionally of the fused primitives (primitives.ts), whose decompositions the
 * dispatcher runs where a backend leaves one out. Backends are plugged in by device type
 * ("cpu", "webgpu") and are reached only through the dispatcher; nothing else calls a kernel.
 */
import { DeviceError } from "../errors.js";
import type { Storage } from "../tensor/storage.js";
import type { DType, StorageArray } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import type { CorePrimitiveName, FusedPrimitiveName, PrimitiveAttrs, PrimitiveName } from "./primitives.js";

export type PrimitiveImpl<P extends PrimitiveName> = (inputs: readonly Tensor[], attrs: PrimitiveAttrs[P], device: string) => Tensor[];

export interface Backend {
  /** Device type this backend serves ("cpu"). */
  readonly name: string;
  /** Human-readable description of the active kernels (e.g. "TypeScript kernels"). */
  describe(): string;
  /** Every core primitive, and any of the fused ones the backend runs as its own kernels. */
  readonly ops: { [P in CorePrimitiveName]: PrimitiveImpl<P> } & { [P in FusedPrimitiveName]?: PrimitiveImpl<P> };
  /**
   * Optional: gives a storage's memory back now instead of when the garbage collector finds
   * it (the caller guarantees that nothing reads or writes it again; views of it see no
   * elements afterwards). Autograd calls it for the gradient buffers it made and used up.
   */
  release?(storage: Storage): void;
  /**
   * For device memory (Storage.memory): the `n` elements of `dtype` starting at element
   * `offset` of the storage, read back asynchronously (a GPU's memory cannot be read
   * synchronously). Half dtypes come back as their raw 16-bit patterns, as on the host.
   */
  readAsync?(storage: Storage, offset: number, n: number, dtype: DType): Promise<StorageArray>;
  /** For device memory: bytes per element of `dtype` there (WebGPU stores bool in 32 bits). */
  deviceItemSize?(dtype: DType): number;
}

/** Frees `storage` now where its backend can (see Backend.release); otherwise the GC will. */
export function releaseStorage(storage: Storage): void {
  // pending in a compile() recording: the program need not keep it (its value is not live)
  if (storage._lazy !== null) {
    storage._lazy.release?.(storage);
    return;
  }
  backends.get(deviceType(storage.device))?.release?.(storage);
}

const backends = new Map<string, Backend>();

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** "webgpu" of "webgpu:0"; a plain "cpu" as it is (every dispatch asks: no split, no new array). */
export function deviceType(device: string): string {
  const colon = device.indexOf(":");
  return colon < 0 ? device : device.slice(0, colon);
}

/** Parses "cpu" or "webgpu:0" into its backend. */
export function backendFor(device: string): Backend {
  const type = deviceType(device);
  const b = backends.get(type);
  if (!b) {
    const hint = type === "webgpu" ? " (the WebGPU backend starts with `await initWebGPU()`)" : "";
    throw new DeviceError(`unknown or unavailable device '${device}'${hint}; available: ${[...backends.keys()].join(", ")}`);
  }
  return b;
}

export function checkDevice(device: string | undefined, op: string): string {
  const d = device ?? "cpu";
  try {
    backendFor(d);
  } catch (e) {
    throw new DeviceError(`${op}: ${(e as Error).message}`);
  }
  return d;
}

/** Each registered backend and the kernels it runs (fluxion.backends()). */
export function backends_(): { device: string; kernels: string }[] {
  return [...backends.values()].map((b) => ({ device: b.name, kernels: b.describe() }));
}

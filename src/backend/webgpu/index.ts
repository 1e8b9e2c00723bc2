/**
 * The WebGPU backend: `await initWebGPU()` finds a GPU (the browser's navigator.gpu, or in
 * Node the `webgpu` package, Dawn), opens a device and registers the "webgpu" device, after
 * which `t.to("webgpu")`, `model.to("webgpu")` and `{ device: "webgpu" }` work.
 *
 * A webgpu tensor's Storage holds a GpuMemory (a pooled GPU buffer) instead of a typed array;
 * reads are asynchronous (`await t.toArrayAsync()`, `itemAsync()`, `toAsync("cpu")`). Views
 * share the storage, as on the CPU. The primitives not ported yet raise an error naming
 * themselves and the device; the fused ones left out run as their decompositions.
 */
import { ArgumentError, DeviceError } from "../../errors.js";
import { registerBackend, type Backend } from "../backend.js";
import { Storage } from "../../tensor/storage.js";
import { Tensor } from "../../tensor/tensor.js";
import type { DType, StorageArray } from "../../tensor/dtype.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { loadGpu } from "./loader.js";
import { WebGPURuntime, memoryOf } from "./runtime.js";
import { runtime, setRuntime } from "./state.js";
import { assign, binary, cast, cat, copy, pad, unary, where } from "./elementwise.js";
import { reduce, scan } from "./reduce.js";
import { gather, indexPut, scatter } from "./indexing.js";
import { conv2d, fold, maxPool, unfold } from "./conv.js";
import { sort } from "./sort.js";
import { matmul } from "./matmul.js";
import { fromHost, full, random, range } from "./creation.js";
import { crossEntropy, crossEntropyBackward } from "./cross_entropy.js";
import { softmax, softmaxBackward } from "./softmax.js";
import { notImplemented, unsupported } from "./unsupported.js";
import { fusedProgram } from "./fused_program.js";
import { HALF_HEADER, gpuDType, gpuItemSize, isGpuDType, setHalfStored } from "./wgsl.js";
import { checkArity, checkOptions } from "../../api/check_args.js";
import { describeValue } from "../../api/args.js";

/** What initWebGPU found. */
export interface WebGPUInfo {
  /** The adapter in words, e.g. "SwiftShader driver 5.0.0" or a GPU's name. */
  adapter: string;
  /** Where WebGPU came from: "navigator.gpu" or "the webgpu package (Dawn)". */
  source: string;
  /** Whether float16 tensors are stored on this device (the adapter has `shader-f16`). */
  float16: boolean;
}

let info: WebGPUInfo | null = null;
let starting: Promise<WebGPUInfo> | null = null;

/**
 * Starts the WebGPU backend and registers the "webgpu" device; resolves to the adapter found
 * (later calls give the same one). Raises a DeviceError saying why when there is no WebGPU
 * (Node without the `webgpu` package, no adapter: on a machine without a GPU, install a
 * Vulkan driver such as SwiftShader, see docs/webgpu.md).
 * @example
 * await initWebGPU();
 * const y = tensor([1, 2, 3]).to("webgpu").mul(2);
 * console.log(await y.toArrayAsync()); // Float32Array [2, 4, 6]
 */
export function initWebGPU(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<WebGPUInfo> {
  checkArity("initWebGPU", arguments, 1, "options");
  checkOptions("initWebGPU", options, ["powerPreference"]);
  const pref = options?.powerPreference;
  if (pref !== undefined && pref !== "high-performance" && pref !== "low-power") {
    throw new ArgumentError(`initWebGPU(): powerPreference must be "high-performance" or "low-power", got ${describeValue(pref)}`);
  }
  if (info !== null) return Promise.resolve(info);
  starting ??= start(options).finally(() => (starting = null));
  return starting;
}

async function start(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<WebGPUInfo> {
  const loaded = await loadGpu();
  if (loaded.gpu === null) throw new DeviceError(`initWebGPU: WebGPU is not available: ${loaded.reason}`);
  const adapter = await loaded.gpu.requestAdapter({ powerPreference: options?.powerPreference ?? "high-performance" });
  if (adapter === null) {
    throw new DeviceError(
      "initWebGPU: no WebGPU adapter found (no GPU driver; in Node on a machine without a GPU, install a Vulkan driver such as " +
        "Chromium's SwiftShader and set VK_ICD_FILENAMES, see docs/webgpu.md)",
    );
  }
  const float16 = adapter.features?.has("shader-f16") ?? false;
  const device = await adapter.requestDevice({
    requiredFeatures: float16 ? ["shader-f16"] : [],
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    },
  });
  const a = adapter.info ?? {};
  const adapterName = a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(" ") || "unknown adapter";
  const rt = new WebGPURuntime(device, adapterName, float16 ? HALF_HEADER : "");
  setRuntime(rt);
  setHalfStored(float16);
  void device.lost.then(() => {
    if (info !== null && runtime() === rt) info = null; // a later initWebGPU() opens a new device
  });
  registerBackend(webgpuBackend);
  info = { adapter: adapterName, source: loaded.source, float16 };
  return info;
}

/** A view shares the storage; a dtype view reads the same 32-bit words as another 32-bit dtype. */
function view(inputs: readonly Tensor[], attrs: PrimitiveAttrs["view"]): Tensor[] {
  const x = inputs[0]!;
  const dtype = attrs.dtype ?? x.dtype;
  let storage = x.storage;
  if (dtype !== x.dtype) {
    const word = (d: DType) => d === "float32" || d === "int32";
    if (!isGpuDType(dtype) || !word(dtype) || !word(x.dtype)) unsupported(`view (as ${dtype})`, inputs, "webgpu reinterprets only between float32 and int32");
    storage = new Storage(x.storage.memory!, x.device, x.storage);
  }
  return [new Tensor(storage, [...attrs.shape], [...attrs.strides], attrs.offset, dtype)];
}

async function readAsync(storage: Storage, offset: number, n: number, dtype: DType): Promise<StorageArray> {
  gpuDType("toArrayAsync", dtype);
  const size = gpuItemSize(dtype);
  const bytes = await runtime().read(memoryOf(storage), offset * size, n * size);
  if (dtype === "float32") return new Float32Array(bytes);
  if (dtype === "float16") return new Uint16Array(bytes); // the CPU's float16 storage: the bits
  if (dtype === "int32") return new Int32Array(bytes);
  if (dtype === "int64") return BigInt64Array.from(new Int32Array(bytes), BigInt); // held in 32 bits on the GPU
  return Uint8Array.from(new Uint32Array(bytes)); // bool: 32 bits an element on the GPU, bytes on the host
}

/** Storages smaller than this are released by the garbage collector only (see release below). */
const RELEASE_MIN_BYTES = 16384;

const webgpuBackend: Backend = {
  name: "webgpu",
  describe: () => `WGSL kernels on ${runtime().description}`,
  // as on the CPU, small buffers are left to the garbage collector (the FinalizationRegistry):
  // callers rely on it (the 0-d scalars ops/helpers.ts caches may be released by autograd)
  release: (storage) => {
    if (storage.memory !== null && storage.memory.byteLength >= RELEASE_MIN_BYTES) runtime().release(memoryOf(storage));
  },
  readAsync,
  deviceItemSize: gpuItemSize,
  ops: {
    unary, binary, where, cast, reduce, view, copy, assign, matmul, cat, pad, full, range, fromHost, random,
    scan,
    gather, scatter, indexPut,
    sort,
    unique: notImplemented("unique"),
    unfold, fold, conv2d, maxPool,
    crossEntropy,
    crossEntropyBackward,
    // the decomposition, float16 widened to float32 as the CPU computes it
    softmax,
    softmaxBackward,
    // compile()'s fused elementwise programs, as one generated kernel each
    fusedProgram,
  },
};

/**
 * The WebGPU backend's live device (set by initWebGPU) and output allocation for its kernels.
 */
import { DTypeError, DeviceError, ShapeError, fmtShape } from "../../errors.js";
import { Storage } from "../../tensor/storage.js";
import { Tensor } from "../../tensor/tensor.js";
import type { DType } from "../../tensor/dtype.js";
import { checkNumel } from "../../tensor/shape.js";
import { runningPrimitive } from "../dispatcher.js";
import { memoryOf, type WebGPURuntime } from "./runtime.js";
import { float16BitsToFloat32, float32ToFloat16Bits } from "../../tensor/half.js";
import { gpuDType, gpuItemSize, int64RangeMessage } from "./wgsl.js";

let current: WebGPURuntime | null = null;

export function setRuntime(rt: WebGPURuntime | null): void {
  current = rt;
}
export function runtime(): WebGPURuntime {
  if (current === null) throw new DeviceError("webgpu: the device is not initialised; call `await initWebGPU()` first");
  return current;
}

/** A new contiguous webgpu tensor of `shape` and `dtype` for primitive `op`'s output (contents undefined). */
export function allocTensor(op: string, shape: readonly number[], dtype: DType): Tensor {
  const name = runningPrimitive() ?? op;
  gpuDType(name, dtype);
  let n = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new ShapeError(`${name}: invalid output shape ${fmtShape(shape)} (${dtype}): sizes must be non-negative integers`);
    n *= s;
  }
  checkNumel(name, shape, dtype);
  const mem = runtime().alloc(n * gpuItemSize(dtype));
  return Tensor._contiguous(new Storage(mem, "webgpu"), [...shape], dtype);
}

/** The stored bits of `value` as `dtype` on the GPU (C conversions, as the CPU backend stores them; float16 as the float32 of its rounded value, which FILL_HALF narrows exactly). */
export function valueBits(dtype: DType, value: number | bigint): number {
  const v = Number(value);
  if (dtype === "float32") return new Int32Array(new Float32Array([v]).buffer)[0]!;
  if (dtype === "float16") return new Int32Array(new Float32Array([float16BitsToFloat32(float32ToFloat16Bits(v))]).buffer)[0]!;
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  // int64: truncated toward zero as the CPU stores it, then it must fit the GPU's 32 bits
  if (dtype === "int64" && !(Math.trunc(v) >= -(2 ** 31) && Math.trunc(v) < 2 ** 31)) {
    throw new DTypeError(int64RangeMessage(`${runningPrimitive() ?? "full"} (int64)`, `value ${value}`));
  }
  // int32: truncated toward zero, as the CPU's Int32Array store of a full() value
  return new Int32Array([Math.trunc(v)])[0]!;
}

/** The fill kernel over elements of WGSL type `elem`, each set to `value` (of the meta's mi[1]). */
const fillWgsl = (elem: string, value: string) => /* wgsl */ `
@group(0) @binding(0) var<storage, read> mi: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<${elem}>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = i32(gid.x + gid.y * nwg.x * 256u);
  if (i < mi[0]) { out[i] = ${value}; }
}`;
const FILL = fillWgsl("i32", "mi[1]");
/** float16: mi[1] holds the float32 bits of a float16 value, narrowed exactly. */
const FILL_HALF = fillWgsl("f16", "f16_(bitcast<f32>(mi[1]))");

/** A new webgpu tensor of one value. */
export function fillTensor(op: string, shape: readonly number[], dtype: DType, value: number | bigint): Tensor {
  const out = allocTensor(op, shape, dtype);
  const n = out.numel();
  if (n === 0) return out;
  const rt = runtime();
  rt.launch(dtype === "float16" ? FILL_HALF : FILL, new Int32Array([n, valueBits(dtype, value)]), [], memoryOf(out.storage), rt.grid(Math.ceil(n / 256)));
  return out;
}

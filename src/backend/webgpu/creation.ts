/**
 * WebGPU creation primitives. fromHost and range compute their values on the host exactly as
 * the CPU backend does (its conversions and linspace rules are the reference: one truth), then
 * upload them; full fills on the GPU. Uploads and `to("webgpu")` go through fromHost.
 *
 * random draws Philox on the device (random.ts), the CPU's numbers for the same seed.
 */
import type { StorageArray } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { fromHost as hostFromHost, range as hostRange } from "../cpu/creation.js";
import { random as hostRandom } from "../cpu/random.js";
import { random as deviceRandom } from "./random.js";
import { allocTensor, fillTensor, runtime } from "./state.js";
import { memoryOf } from "./runtime.js";
import { gpuDType, int64RangeMessage } from "./wgsl.js";
import { DTypeError } from "../../errors.js";

/** A host tensor's elements uploaded into a new webgpu tensor of its shape. */
function upload(op: string, host: Tensor): Tensor {
  const dtype = gpuDType(op, host.dtype);
  const values: StorageArray = host.storage.data;
  // 32 bits an element on the GPU: bool widened, int64 narrowed (every value must fit: wgsl.ts)
  const data: ArrayBufferView = dtype === "bool" ? Uint32Array.from(values as Uint8Array) : dtype === "int64" ? narrowInt64(op, host.shape, values as BigInt64Array) : values;
  const out = allocTensor(op, host.shape, dtype);
  runtime().upload(memoryOf(out.storage), data);
  return out;
}

/** int64 values as the GPU holds them, or the DTypeError naming the first that does not fit. */
function narrowInt64(op: string, shape: readonly number[], values: BigInt64Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -2147483648n || v > 2147483647n) throw new DTypeError(int64RangeMessage(`${op} (int64 [${shape.join(", ")}])`, `value ${v} (element ${i})`));
    out[i] = Number(v);
  }
  return out;
}

export function fromHost(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["fromHost"]): Tensor[] {
  gpuDType("fromHost", attrs.dtype);
  return [upload("fromHost", hostFromHost([], attrs, "cpu")[0]!)];
}

export function range(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["range"]): Tensor[] {
  gpuDType("range", attrs.dtype);
  return [upload("range", hostRange([], attrs, "cpu")[0]!)];
}

export function full(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["full"]): Tensor[] {
  return [fillTensor("full", attrs.shape, attrs.dtype, attrs.value)];
}

export function random(inputs: readonly Tensor[], attrs: PrimitiveAttrs["random"]): Tensor[] {
  // drawn on the device (random.ts); randperm and wide randint on the host by the CPU's loops
  return deviceRandom(inputs, attrs, () => upload("random", hostRandom([], attrs, "cpu")[0]!));
}

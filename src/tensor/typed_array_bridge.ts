/**
 * Tensors and typed arrays sharing memory, the counterparts of torch.from_numpy(n) and
 * t.numpy(): `fromTypedArray(array, shape?)` makes a CPU tensor over the array itself (no
 * copy: writes through either show in the other), and `t.asTypedArray()` (tensor.ts) gives a
 * typed array over a contiguous tensor's elements. `tensor(array)` and `t.toTypedArray()` copy.
 * Creating a tensor over memory that already holds its values is no computation, so nothing is
 * dispatched (a compiled function sees the tensor as an input, like any tensor made outside).
 */
import { DTypeError, ShapeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import type { DType, StorageArray } from "./dtype.js";
import { Storage } from "./storage.js";
import { Tensor } from "./tensor.js";

/** The dtype a typed array's elements are, for the array types Fluxion stores. */
function dtypeOfArray(a: unknown): DType | null {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof BigInt64Array) return "int64";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Uint8Array && !(a instanceof Uint8ClampedArray)) return "uint8";
  return null;
}

function describe(a: unknown): string {
  if (a === null) return "null";
  if (typeof a !== "object") return typeof a;
  return (a as object).constructor?.name ?? "an object";
}

export const fromTypedArray = defineOp(
  "fromTypedArray(Any array, int[]? shape=null) -> Tensor",
  (array: unknown, shape: number[] | null) => {
    const dtype = dtypeOfArray(array);
    if (dtype === null) {
      throw new DTypeError(`fromTypedArray: expected a Float32Array, Float64Array, Int32Array, BigInt64Array, Int8Array or Uint8Array (float32, float64, int32, int64, int8, uint8), got ${describe(array)}`);
    }
    const arr = array as StorageArray;
    const dims = shape ?? [arr.length];
    let n = 1;
    for (const s of dims) n *= s;
    if (n !== arr.length) throw new ShapeError(`fromTypedArray: shape ${fmtShape(dims)} holds ${n} elements, but the array has ${arr.length}`);
    return Tensor._contiguous(new Storage(arr, "cpu"), [...dims], dtype);
  },
);

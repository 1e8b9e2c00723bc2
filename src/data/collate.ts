/**
 * Collation: turning a list of dataset items into one batch (torch's default_collate).
 * Tensors are stacked along a new dim 0; numbers become a 1-D tensor (int32, Fluxion's
 * default integer dtype, when all are integers, else float32); bigints an int64 tensor;
 * booleans a bool tensor; typed arrays (NumPy arrays' counterpart) are stacked as tensors of
 * their dtype (a Uint8Array as uint8, a BigInt64Array as int64); ByteImages a batched
 * ByteImage; arrays, tuples and plain objects are collated field by field; strings and
 * anything else are kept as a list.
 */
import { declareArgs } from "../api/registry.js";
import { FluxionError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { ByteImage } from "./image.js";
import { stackTensors, tensorFromRaw } from "./host.js";
import { tensor } from "../tensor/creation.js";

/** The batch type default collation makes from items of type T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | bigint | ArrayBufferView
    ? Tensor
    : T extends ByteImage
      ? ByteImage
      : T extends string
        ? string[]
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : T extends object
            ? { [K in keyof T]: Collated<T[K]> }
            : T[];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function collateAt(items: readonly unknown[], where: string): unknown {
  const first = items[0];
  const describe = (x: unknown) => (x === null ? "null" : x instanceof Tensor ? "Tensor" : Array.isArray(x) ? "array" : typeof x);
  const mismatch = items.findIndex((x) => describe(x) !== describe(first));
  if (mismatch >= 0) {
    throw new FluxionError(`defaultCollate: items differ in type${where}: item 0 is ${describe(first)}, item ${mismatch} is ${describe(items[mismatch])}`);
  }
  if (first instanceof Tensor) return stackTensors(`defaultCollate${where}`, items as Tensor[]);
  if (typeof first === "number") {
    const nums = items as number[];
    const allInt = nums.every((v) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647);
    return tensorFromRaw(allInt ? Int32Array.from(nums) : Float32Array.from(nums), [nums.length], allInt ? "int32" : "float32");
  }
  if (typeof first === "boolean") return tensorFromRaw(Uint8Array.from(items as boolean[], (b) => (b ? 1 : 0)), [items.length], "bool");
  if (typeof first === "bigint") return tensorFromRaw(BigInt64Array.from(items as bigint[]), [items.length], "int64");
  if (ArrayBuffer.isView(first) && !(first instanceof DataView)) {
    const kind = Object.getPrototypeOf(first);
    const bad = items.findIndex((x) => Object.getPrototypeOf(x) !== kind);
    if (bad >= 0) throw new FluxionError(`defaultCollate: items differ in type${where}: item 0 is a ${first.constructor.name}, item ${bad} is a ${(items[bad] as object).constructor.name}`);
    return stackTensors(`defaultCollate${where}`, items.map((x) => tensor(x as ArrayBufferView)));
  }
  if (first instanceof ByteImage) return ByteImage.stack(items as ByteImage[]);
  if (Array.isArray(first)) {
    const len = first.length;
    const bad = items.findIndex((x) => (x as unknown[]).length !== len);
    if (bad >= 0) throw new FluxionError(`defaultCollate: each item must have the same length${where}: item 0 has ${len} fields, item ${bad} has ${(items[bad] as unknown[]).length}`);
    return Array.from({ length: len }, (_, k) => collateAt(items.map((x) => (x as unknown[])[k]), `${where}[${k}]`));
  }
  if (isPlainObject(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collateAt(items.map((x) => (x as Record<string, unknown>)[key]), `${where}.${key}`);
    }
    return out;
  }
  return [...items];
}

const collateArgs = declareArgs("defaultCollate(Any[] batch) -> Any", "data");

/**
 * Collates dataset items into a batch (see the file comment for the rules).
 * @example
 * const [x, y] = data.defaultCollate([[tensor([1, 2]), 0], [tensor([3, 4]), 1]]);
 * // x: tensor([[1., 2.], [3., 4.]]), y: tensor([0, 1], dtype=int32)
 */
export function defaultCollate<T>(items: readonly T[]): Collated<T>;
export function defaultCollate<T>(...args: unknown[]): Collated<T> {
  const [items] = collateArgs.bind(args) as [T[]];
  if (items.length === 0) throw new FluxionError("defaultCollate: cannot collate an empty batch");
  return collateAt(items, "") as Collated<T>;
}

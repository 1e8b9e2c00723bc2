/**
 * Data types: their storage arrays, categories and PyTorch's type-promotion rules.
 * bfloat16 and float16 are storage dtypes kept in Uint16Array; kernels compute them in
 * float32 and round back with round-to-nearest-even (see half.ts). int64 is kept in a
 * BigInt64Array: its elements are bigints, and the kernels compute them exactly as
 * bigints (wrapping at 2^63 like C's int64) or, for float math, through Number.
 */
import { DTypeError } from "../errors.js";

export type DType = "float32" | "float64" | "int32" | "bool" | "bfloat16" | "float16" | "uint8" | "int8" | "int64";
export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool", "bfloat16", "float16", "uint8", "int8", "int64"];

/** The storage arrays whose elements are numbers (every dtype but int64). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array | Int8Array;
/** The storage array of any dtype: int64 is a BigInt64Array of bigints. */
export type StorageArray = TypedArray | BigInt64Array;

let defaultFloat: DType = "float32";

/**
 * The default dtype of floating-point tensors (torch.get_default_dtype()): what tensor() makes
 * of JS numbers, what zeros/ones/rand/randn/linspace/eye/arange (with a fractional argument)
 * and the nn layers' parameters are created in, and what integer tensors become in float math.
 * @example getDefaultDtype() // "float32"
 */
export function getDefaultDtype(): DType {
  return defaultFloat;
}

/**
 * Sets the default floating-point dtype (torch.set_default_dtype): float32, float64, float16
 * or bfloat16 (PyTorch 1.13 accepts the half types too); anything else is a DTypeError.
 * @example setDefaultDtype("float64"); tensor([1.5]).dtype // "float64"; setDefaultDtype("float32")
 */
export function setDefaultDtype(d: DType): void {
  if (!isDType(d) || !isFloating(d)) {
    throw new DTypeError(`setDefaultDtype: only floating-point types are supported as the default type (float32, float64, float16, bfloat16), got ${typeof d === "string" ? JSON.stringify(d) : String(d)}`);
  }
  defaultFloat = d;
}
/**
 * The default dtype of integer tensors (arange, randint, integer scalars). PyTorch uses
 * int64; Fluxion uses int32, and int64 only where asked for (or where PyTorch accumulates:
 * integer sum/cumsum/prod).
 */
export const DEFAULT_INT: DType = "int32";

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

export function checkDType(x: unknown, op: string): DType {
  if (!isDType(x)) throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(x)}; expected one of ${DTYPES.join(", ")}`);
  return x;
}

export function isFloating(d: DType): boolean {
  return d === "float32" || d === "float64" || d === "bfloat16" || d === "float16";
}
/** The integer dtypes (not bool): uint8, int8, int32, int64. */
export function isIntegral(d: DType): boolean {
  return d === "int32" || d === "int64" || d === "uint8" || d === "int8";
}
/** Storage-only float dtypes that kernels compute in float32. */
export function isHalf(d: DType): boolean {
  return d === "bfloat16" || d === "float16";
}

/** The typed array each dtype is stored in (bfloat16/float16 as raw 16-bit patterns). */
const ARRAY_TYPES = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array, bfloat16: Uint16Array, float16: Uint16Array,
  uint8: Uint8Array, int8: Int8Array, int64: BigInt64Array,
} as const;

/** `n` zeros in the storage array of a dtype. */
export function arrayFor(d: DType, n: number): StorageArray {
  return new ARRAY_TYPES[d](n);
}

/** The storage array of a dtype over all of `buffer`, or over `length` elements from `byteOffset`. */
export function arrayOver(d: DType, buffer: ArrayBuffer, byteOffset = 0, length?: number): StorageArray {
  return length === undefined && byteOffset === 0 ? new ARRAY_TYPES[d](buffer) : new ARRAY_TYPES[d](buffer, byteOffset, length);
}

export function itemSize(d: DType): number {
  return ARRAY_TYPES[d].BYTES_PER_ELEMENT;
}

/** 0 = bool, 1 = integer, 2 = floating: the categories that promotion ranks. */
function category(d: DType): number {
  return d === "bool" ? 0 : isIntegral(d) ? 1 : 2;
}

/** Rank of the integer dtypes for promotion; uint8 and int8 are both below int32. */
const INT_RANK: Partial<Record<DType, number>> = { uint8: 1, int8: 1, int32: 2, int64: 3 };

/**
 * Promotes two dtypes (torch.promote_types). One difference: PyTorch promotes uint8 with
 * int8 to int16, which Fluxion lacks; they promote to int32 here (the values are the same).
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ca = category(a), cb = category(b);
  if (ca !== cb) return ca > cb ? a : b;
  if (ca === 1) {
    const ra = INT_RANK[a]!, rb = INT_RANK[b]!;
    if (ra !== rb) return ra > rb ? a : b;
    return "int32"; // uint8 with int8: int16 in PyTorch
  }
  // both floating and different
  if (a === "float64" || b === "float64") return "float64";
  return "float32"; // float32 with a half type, or bfloat16 with float16
}

/**
 * A scalar operand's dtype as a 0-d "weak" participant in promotion: integer numbers count
 * as the default integer dtype, those beyond int32's range (2 ** 31, -(2 ** 31) - 1) as int64
 * (a Python int's dtype: a bool tensor compared with 2 ** 31 is compared in int64, as in
 * PyTorch, not wrapped to int32), bigints as int64.
 */
export function scalarDType(x: number | boolean | bigint): DType {
  if (typeof x === "boolean") return "bool";
  if (typeof x === "bigint") return "int64";
  if (!Number.isInteger(x)) return getDefaultDtype();
  return x >= -2147483648 && x <= 2147483647 ? DEFAULT_INT : "int64";
}

/**
 * PyTorch's result_type: tensors with dims outrank 0-d tensors, which outrank plain scalars;
 * a lower tier only matters when it is of a higher category (int tensor + 2.5 is float).
 */
export function resultType(operands: ReadonlyArray<{ dtype: DType; dim: number } | number | boolean | bigint>): DType {
  let dimT: DType | null = null, zeroT: DType | null = null, scal: DType | null = null;
  for (const o of operands) {
    if (typeof o === "number" || typeof o === "boolean" || typeof o === "bigint") {
      const d = scalarDType(o);
      scal = scal === null ? d : promoteTypes(scal, d);
    } else if (o.dim > 0) dimT = dimT === null ? o.dtype : promoteTypes(dimT, o.dtype);
    else zeroT = zeroT === null ? o.dtype : promoteTypes(zeroT, o.dtype);
  }
  let r = dimT;
  if (zeroT !== null) r = r === null || category(zeroT) > category(r) ? (r === null ? zeroT : promoteTypes(r, zeroT)) : r;
  if (scal !== null) {
    if (r === null) r = scal;
    else if (category(scal) > category(r)) r = category(scal) === 2 ? getDefaultDtype() : scal;
  }
  return r ?? getDefaultDtype();
}

/** The dtype a float op (exp, div, mean, ...) computes in: floats stay, others become the default float dtype. */
export function floatResult(d: DType): DType {
  return isFloating(d) ? d : getDefaultDtype();
}

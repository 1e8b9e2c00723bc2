/**
 * Data types: their storage arrays, categories and PyTorch's type-promotion rules.
 * bfloat16 and float16 are storage dtypes kept in Uint16Array; kernels compute them in
 * float32 and round back with round-to-nearest-even (see half.ts).
 */
import { DTypeError } from "../errors.js";

export type DType = "float32" | "float64" | "int32" | "bool" | "bfloat16" | "float16";
export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool", "bfloat16", "float16"];

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

/** The default dtype of floating-point tensors (torch.get_default_dtype()). */
export const DEFAULT_FLOAT: DType = "float32";
/** The default dtype of integer tensors. PyTorch uses int64; Fluxion uses int32 throughout. */
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
/** Storage-only float dtypes that kernels compute in float32. */
export function isHalf(d: DType): boolean {
  return d === "bfloat16" || d === "float16";
}

/** The typed array each dtype is stored in (bfloat16/float16 as raw 16-bit patterns). */
const ARRAY_TYPES = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array, bfloat16: Uint16Array, float16: Uint16Array } as const;

/** `n` zeros in the storage array of a dtype. */
export function arrayFor(d: DType, n: number): TypedArray {
  return new ARRAY_TYPES[d](n);
}

/** The storage array of a dtype over all of `buffer`, or over `length` elements from `byteOffset`. */
export function arrayOver(d: DType, buffer: ArrayBuffer, byteOffset = 0, length?: number): TypedArray {
  return length === undefined && byteOffset === 0 ? new ARRAY_TYPES[d](buffer) : new ARRAY_TYPES[d](buffer, byteOffset, length);
}

export function itemSize(d: DType): number {
  return d === "float64" ? 8 : d === "float32" || d === "int32" ? 4 : d === "bool" ? 1 : 2;
}

/** 0 = bool, 1 = integer, 2 = floating: the categories that promotion ranks. */
function category(d: DType): number {
  return d === "bool" ? 0 : d === "int32" ? 1 : 2;
}

/** Promotes two dtypes (torch.promote_types). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ca = category(a), cb = category(b);
  if (ca !== cb) return ca > cb ? a : b;
  // both floating and different
  if (a === "float64" || b === "float64") return "float64";
  return "float32"; // float32 with a half type, or bfloat16 with float16
}

/** A scalar operand's dtype as a 0-d "weak" participant in promotion. */
export function scalarDType(x: number | boolean): DType {
  if (typeof x === "boolean") return "bool";
  return Number.isInteger(x) ? DEFAULT_INT : DEFAULT_FLOAT;
}

/**
 * PyTorch's result_type: tensors with dims outrank 0-d tensors, which outrank plain scalars;
 * a lower tier only matters when it is of a higher category (int tensor + 2.5 is float).
 */
export function resultType(operands: ReadonlyArray<{ dtype: DType; dim: number } | number | boolean>): DType {
  let dimT: DType | null = null, zeroT: DType | null = null, scal: DType | null = null;
  for (const o of operands) {
    if (typeof o === "number" || typeof o === "boolean") {
      const d = scalarDType(o);
      scal = scal === null ? d : promoteTypes(scal, d);
    } else if (o.dim > 0) dimT = dimT === null ? o.dtype : promoteTypes(dimT, o.dtype);
    else zeroT = zeroT === null ? o.dtype : promoteTypes(zeroT, o.dtype);
  }
  let r = dimT;
  if (zeroT !== null) r = r === null || category(zeroT) > category(r) ? (r === null ? zeroT : promoteTypes(r, zeroT)) : r;
  if (scal !== null) {
    if (r === null) r = scal;
    else if (category(scal) > category(r)) r = category(scal) === 2 ? DEFAULT_FLOAT : scal;
  }
  return r ?? DEFAULT_FLOAT;
}

/** The dtype a float op (exp, div, mean, ...) computes in: floats stay, others become float32. */
export function floatResult(d: DType): DType {
  return isFloating(d) ? d : DEFAULT_FLOAT;
}

/**
 * Exact integer forms of the elementwise table's ops (src/ops/elementwise_table.ts), kept
 * beside it so the table itself stays one expression per op.
 *
 * int64 tensors are BigInt64Arrays: their elements are bigints, and the expressions in
 * INT64_UNARY/INT64_BINARY compute on them as bigints, exactly, with C's wrap-around at
 * 2^63 (a BigInt64Array store keeps the low 64 bits, as C's int64 arithmetic does). An op
 * without an entry here computes an int64 through Number (float64: exact up to 2^53) and
 * truncates back; the "float" ops never see int64, the op layer promotes them to float32.
 *
 * INT_BINARY overrides the table for the number-stored integers (int32, uint8, int8) where
 * float64 arithmetic would not give C's wrapped result: a product of two int32 can exceed
 * 2^53, so mul is Math.imul, and pow multiplies with wrap-around step by step.
 *
 * The cast helpers follow PyTorch's C casts on x86-64: float to int64 truncates, and NaN,
 * ±inf and values outside the int64 range become INT64_MIN (what cvttsd2si gives); float to
 * int32 the same with INT32_MIN; float to int8 goes through int32 and float to uint8 through
 * int64 (c10's static_cast_with_inter_type), each keeping the low byte (300.7 -> 44, -1.5 ->
 * 255, 2^53 + 2 -> 2 as uint8 but 0 as int8); int64 to float32 rounds once, to nearest even.
 */
import { FluxionError } from "../errors.js";
import type { BinaryOpName, UnaryOpName } from "./elementwise_table.js";
import { ZERO_DIVISION } from "./elementwise_table.js";

const INT64_MIN = -(2n ** 63n);
const TWO63 = 2 ** 63;

/** Unary ops on int64 operands (x a bigint; params p0, p1 numbers). */
export const INT64_UNARY: Partial<Record<UnaryOpName, string>> = {
  neg: "-x",
  abs: "(x < 0 ? -x : x)",
  sign: "H.sign64(x)",
  floor: "x",
  ceil: "x",
  round: "x",
  trunc: "x",
  relu: "(x < 0 ? H.ZERO64 : x)",
  clamp: "H.clamp64(x, p0, p1)",
  logicalNot: "(x === H.ZERO64)",
  isnan: "(x !== x)",
  isfinite: "(x === x)",
  isinf: "(x !== x)",
  bitwiseNot: "~x",
};

/** Binary ops on int64 operands (x, y bigints). */
export const INT64_BINARY: Partial<Record<BinaryOpName, string>> = {
  add: "x + y",
  sub: "x - y",
  mul: "x * y",
  div: "H.intDiv64(x, y, p0)",
  pow: "H.pow64(x, y)",
  maximum: "(x > y ? x : y)",
  minimum: "(x < y ? x : y)",
  remainder: "H.remainder64(x, y)",
  eq: "(x === y)",
  ne: "(x !== y)",
  lt: "(x < y)",
  le: "(x <= y)",
  gt: "(x > y)",
  ge: "(x >= y)",
  logicalAnd: "(x !== H.ZERO64 && y !== H.ZERO64)",
  logicalOr: "(x !== H.ZERO64 || y !== H.ZERO64)",
  logicalXor: "((x !== H.ZERO64) !== (y !== H.ZERO64))",
  addScaled: "H.addScaled64(x, y, p0)",
  fmod: "H.fmod64(x, y)",
  bitwiseAnd: "x & y",
  bitwiseOr: "x | y",
  bitwiseXor: "x ^ y",
  // x86's shift counts, as PyTorch's kernels get them: the count's low 6 bits
  bitwiseLeftShift: "x << (y & H.MASK63)",
  bitwiseRightShift: "x >> (y & H.MASK63)",
  heaviside: "(x === H.ZERO64 ? y : x > H.ZERO64 ? H.ONE64 : H.ZERO64)",
  gcd: "H.gcd64(x, y)",
  lcm: "H.lcm64(x, y)",
};

/** Binary ops on int32/uint8/int8 operands whose float64 form would not wrap like C. */
export const INT_BINARY: Partial<Record<BinaryOpName, string>> = {
  mul: "Math.imul(x, y)",
  pow: "H.powInt32(x, y)",
  gcd: "H.gcdInt(x, y)",
  lcm: "H.lcmInt(x, y)",
};

function sign64(x: bigint): bigint {
  return x > 0n ? 1n : x < 0n ? -1n : 0n;
}

/** clamp with number bounds (±Infinity when absent); min > max gives max, as torch. */
function clamp64(x: bigint, lo: number, hi: number): bigint {
  let r = x;
  if (r < lo) r = BigInt(lo);
  if (r > hi) r = BigInt(hi);
  return r;
}

/** torch.remainder on int64: the result has the divisor's sign; a zero divisor raises. */
function remainder64(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new FluxionError(ZERO_DIVISION);
  const m = x % y;
  return m !== 0n && (m < 0n) !== (y < 0n) ? m + y : m;
}

/** C's fmod on int64 (the dividend's sign); a zero divisor raises. */
function fmod64(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new FluxionError(ZERO_DIVISION);
  return x % y; // BigInt % truncates toward zero, as C's %
}

/** int64 division with a rounding mode (1 "trunc", 2 "floor"); a zero divisor raises. */
function intDiv64(x: bigint, y: bigint, mode: number): bigint {
  if (y === 0n) throw new FluxionError(ZERO_DIVISION);
  const q = x / y; // BigInt division truncates toward zero
  return mode === 2 && x % y !== 0n && (x < 0n) !== (y < 0n) ? q - 1n : q;
}

/** x ** y mod 2^64 by squaring (y >= 0: the op layer refuses negative integer powers). */
function pow64(x: bigint, y: bigint): bigint {
  let r = 1n, b = x, e = y;
  if (e < 0n) return 0n;
  while (e > 0n) {
    if (e & 1n) r = BigInt.asIntN(64, r * b);
    b = BigInt.asIntN(64, b * b);
    e >>= 1n;
  }
  return r;
}

/** x ** y with int32 wrap-around (the low bits are also right for uint8/int8). */
function powInt32(x: number, y: number): number {
  let r = 1, b = x | 0, e = y;
  if (e < 0) return 0;
  while (e > 0) {
    if (e & 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
    e = Math.floor(e / 2);
  }
  return r;
}

/** x + alpha * y for add_/sub_ with an integer alpha. */
function addScaled64(x: bigint, y: bigint, alpha: number): bigint {
  return x + BigInt(alpha) * y;
}

/** A number (or a bool read as 0/1) stored as int64: truncated; NaN, ±inf and out-of-range give INT64_MIN. */
export function toInt64(v: number | boolean): bigint {
  if (typeof v === "boolean") return v ? 1n : 0n;
  return v >= -TWO63 && v < TWO63 ? BigInt(Math.trunc(v)) : INT64_MIN;
}

/** A float cast to int32 (and, through its low byte, to uint8/int8): NaN and out-of-range give INT32_MIN. */
export function floatToInt32(v: number): number {
  return v > -2147483649 && v < 2147483648 ? Math.trunc(v) : -2147483648;
}

/** A float cast to uint8 through int64: the truncated value, whose low byte the Uint8Array store keeps exactly. */
export function floatToUint8(v: number): number {
  return v >= -TWO63 && v < TWO63 ? Math.trunc(v) : 0;
}

/** An int64 cast to int32 (or uint8/int8 by the store): its low 32 bits. */
function int64ToInt32(x: bigint): number {
  return Number(BigInt.asIntN(32, x));
}

/**
 * An int64 rounded once to the nearest float32 (ties to even), as C's (float) cast does;
 * Math.fround(Number(x)) would round twice and can land one float32 step off.
 */
export function int64ToFloat32(x: bigint): number {
  const neg = x < 0n;
  let a = neg ? -x : x;
  if (a <= 0xffffffn) return Number(x); // exact in float32 already
  const bits = a.toString(2).length;
  const shift = BigInt(bits - 24);
  let q = a >> shift;
  const rest = a - (q << shift), half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  a = q << shift;
  return neg ? -Number(a) : Number(a);
}

/** Helpers the generated loops may call as H.name. */
/**
 * gcd of int64s as C's std::gcd on them: |x| and |y| wrap (|INT64_MIN| is INT64_MIN) and the
 * remainders keep the dividend's sign, so gcd(INT64_MIN, 6) is -2, as PyTorch gives.
 */
function gcd64(x: bigint, y: bigint): bigint {
  let a = BigInt.asIntN(64, x < 0n ? -x : x), b = BigInt.asIntN(64, y < 0n ? -y : y);
  while (a !== 0n) [a, b] = [b % a, a];
  return b;
}

/** |x / gcd * y| of int64s, the product wrapped to 64 bits first, as C's. */
function lcm64(x: bigint, y: bigint): bigint {
  const g = gcd64(x, y);
  if (g === 0n) return 0n;
  const p = BigInt.asIntN(64, (x / g) * y);
  return p < 0n ? -p : p;
}

export const INT64_HELPERS = {
  ZERO64: 0n, ONE64: 1n, MASK63: 63n, sign64, clamp64, remainder64, fmod64, intDiv64, pow64, powInt32, addScaled64, gcd64, lcm64,
  toI64: toInt64, f2i32: floatToInt32, f2u8: floatToUint8, i64ToI32: int64ToInt32, i64ToF32: int64ToFloat32, wrap64: (x: bigint) => BigInt.asIntN(64, x),
};

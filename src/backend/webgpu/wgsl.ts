/**
 * WGSL building blocks: how each dtype is stored on the GPU, the scalar helpers the kernels
 * call (log1p, erf, NaN tests by bits: WGSL compilers may assume x != x is false), and the
 * elementwise expressions of src/ops/elementwise_table.ts rendered in WGSL, keyed by the same
 * op names. An op or dtype missing here is not run on WebGPU: the kernel raises instead.
 *
 * Expressions read `x` (and `y`) in the compute type (f32 for float32, i32 for int32 and
 * bool) and the float parameters `p0`, `p1`; predicates give a WGSL bool.
 */
import { DTypeError } from "../../errors.js";
import type { DType } from "../../tensor/dtype.js";
import type { BinaryOpName, UnaryOpName } from "../../ops/elementwise_table.js";

/**
 * The dtypes the WebGPU backend stores, and their WGSL storage types (bool in 32 bits).
 * WGSL has no 64-bit integers: an int64 tensor is stored in 32 bits, holding values in
 * [-2^31, 2^31). What could leave that range raises instead of wrapping: an upload or fill
 * at once, a kernel (a cast from float, int64 arithmetic, sums and products) at the next read,
 * through the runtime's error flag. Labels, indices and counts fit; values that do not belong
 * on the CPU.
 */
export const GPU_DTYPES = { float32: "f32", int32: "i32", int64: "i32", bool: "u32", float16: "f16" } as const;
export type GpuDType = keyof typeof GPU_DTYPES;

/**
 * Whether float16 is stored: only on a device opened with the `shader-f16` feature (WGSL's f16
 * type); every shader then starts with HALF_HEADER. Set by initWebGPU.
 */
let halfStored = false;
export function setHalfStored(on: boolean): void {
  halfStored = on;
}

export function isGpuDType(d: DType): d is GpuDType {
  return d in GPU_DTYPES && (d !== "float16" || halfStored);
}
/** Throws the DTypeError naming the op for a dtype the backend does not store. */
export function gpuDType(op: string, d: DType): GpuDType {
  if (d === "float16" && !halfStored) {
    throw new DTypeError(`${op}: dtype float16 needs the WebGPU adapter feature shader-f16, which this adapter lacks (float32, int32, int64 and bool run here); use float32, or run this on the CPU`);
  }
  if (!isGpuDType(d)) throw new DTypeError(`${op}: dtype ${d} is not supported on webgpu yet (float32, int32, int64 and bool are${halfStored ? ", and float16" : ""}); use float32, or run this on the CPU`);
  return d;
}
/** Bytes an element takes on the GPU: 2 for float16, 4 for the others (bool included: WGSL has no byte arrays). */
export function gpuItemSize(d: DType): number {
  return d === "float16" ? 2 : 4;
}
export function storageType(d: GpuDType): string {
  return GPU_DTYPES[d];
}
/** The type arithmetic runs in: f32 for float32 and float16 (as the CPU computes float16), i32 for int32, int64 and bool. */
export function computeType(d: GpuDType): "f32" | "i32" {
  return d === "float32" || d === "float16" ? "f32" : "i32";
}

/** The float32 whose bits a kernel reported (an error flag's value is an i32). */
export function f32OfBits(bits: number): number {
  return new Float32Array(new Int32Array([bits]).buffer)[0]!;
}

const INT32_MIN_WGSL = "i32(-2147483647 - 1)";
/** The message of an int64 value webgpu cannot hold. */
export function int64RangeMessage(op: string, value: string): string {
  return `${op}: int64 ${value} does not fit webgpu's int64 storage, which holds [-2^31, 2^31) (WGSL has no 64-bit integers); compute this on the CPU`;
}
/**
 * For int64 operands: a WGSL condition (of x, y and the 32-bit result v) that holds where the
 * exact result left [-2^31, 2^31), for the ops that can leave it; undefined for the others.
 */
export const INT64_OVERFLOW: Partial<Record<UnaryOpName | BinaryOpName, string>> = {
  neg: `x == ${INT32_MIN_WGSL}`,
  abs: `x == ${INT32_MIN_WGSL}`,
  add: "((x ^ v) & (y ^ v)) < 0",
  sub: "((x ^ y) & (x ^ v)) < 0",
  // v / x recovers y unless the product wrapped (WGSL defines INT32_MIN / -1 as INT32_MIN)
  mul: `x != 0 && (v / x != y || (x == -1 && y == ${INT32_MIN_WGSL}))`,
  bitwiseLeftShift: "x != 0 && ((y & 63) >= 32 || (v >> u32(y & 63)) != x)",
};

/** `v`, a value of WGSL type `from` ("f32", "i32", "u32" or "bool"), as dtype `to` is stored (C casts as the CPU backend does). */
export function convertTo(v: string, from: string, to: GpuDType): string {
  const st = storageType(to);
  if (from === "bool") return to === "bool" ? `select(0u, 1u, ${v})` : `${st}(select(0, 1, ${v}))`;
  if (to === "bool") return from === "f32" ? `select(0u, 1u, nz_(${v}))` : `select(0u, 1u, ${v} != ${from}(0))`;
  if (from === st) return v;
  // float to int32: truncated; NaN and out-of-range give INT32_MIN (x86's cvttss2si, as PyTorch);
  // to int64 the same, where the cast kernel's check has made sure the value fits
  if (from === "f32" && (to === "int32" || to === "int64")) return `f2i(${v})`;
  if (to === "float16") return `f16_(${from === "f32" ? v : `f32(${v})`})`;
  return `${st}(${v})`;
}

/**
 * What every shader starts with on a device that stores float16: the f16 extension, and f16_,
 * an f32 rounded to f16 by bits, to nearest even as the CPU's float16 stores round (WGSL leaves
 * the rounding direction and values beyond f16's range to the implementation): NaN stays NaN,
 * from 65520 up it is infinite, below 2^-14 subnormal.
 */
export const HALF_HEADER = /* wgsl */ `enable f16;
fn f16_(x: f32) -> f16 { return bitcast<vec2<f16>>(f16bits_(x)).x; }
fn f16bits_(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  let sign = (b >> 16u) & 0x8000u;
  let a = b & 0x7fffffffu;
  if (a > 0x7f800000u) { return sign | 0x7e00u; }
  if (a >= 0x477ff000u) { return sign | 0x7c00u; }
  if (a >= 0x38800000u) { let r = a - 0x38000000u; return sign | ((r + 0xfffu + ((r >> 13u) & 1u)) >> 13u); }
  if (a < 0x33000000u) { return sign; }
  let m = (a & 0x7fffffu) | 0x800000u;
  let shift = 126u - (a >> 23u);
  let q = m >> shift;
  let rest = m & ((1u << shift) - 1u);
  let half = 1u << (shift - 1u);
  return sign | (q + select(0u, 1u, rest > half || (rest == half && (q & 1u) == 1u)));
}
`;

/** Scalar helpers every kernel may call. */
export const PRELUDE = /* wgsl */ `
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn isfinite_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
// through a var: constant expressions may not be infinite or NaN
fn inf_() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn nan_() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
// nonzero by bits: NaN counts as nonzero (a compiler may treat x != 0.0 as ordered)
fn nz_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }
// WGSL leaves log and sqrt of negatives (and log of 0) undefined: C's NaN and -inf here
fn log_(x: f32) -> f32 { if (x < 0.0 || isnan_(x)) { return nan_(); } if (x == 0.0) { return -inf_(); } return log(x); }
fn log2_(x: f32) -> f32 { if (x < 0.0 || isnan_(x)) { return nan_(); } if (x == 0.0) { return -inf_(); } return log2(x); }
fn sqrt_(x: f32) -> f32 { if (x < 0.0 || isnan_(x)) { return nan_(); } return sqrt(x); }
fn unit_(x: f32) -> bool { return abs(x) <= 1.0; }
// sin and cos to float32 accuracy (WGSL promises only 2^-11 absolute for its own): x = k pi/2 + r
// with pi/2 split in three (Cody-Waite), then the minimax polynomials of |r| <= pi/4
fn sincos_(x: f32, want_cos: bool) -> f32 {
  if (!isfinite_(x)) { return nan_(); }
  let k = round(x * 0.6366197723675814);
  var r = x - k * 1.5707963705062866;
  r = r + k * 4.371139000186243e-8;
  r = r - k * -1.7151245100059164e-15;
  let z = r * r;
  let s = r + r * z * (-0.16666667 + z * (0.008333331 + z * (-0.00019840874 + z * 2.7525562e-6)));
  let c = 1.0 - 0.5 * z + z * z * (0.041666664 + z * (-0.0013888397 + z * 2.4390448e-5));
  var q = i32(k) & 3;
  if (want_cos) { q = (q + 1) & 3; }
  if (q == 0) { return s; }
  if (q == 1) { return c; }
  if (q == 2) { return -s; }
  return -c;
}
fn f2i(x: f32) -> i32 { if (abs(x) < 2147483648.0) { return i32(x); } return i32(-2147483647 - 1); }
fn log1p_(x: f32) -> f32 {
  if (x < -1.0) { return nan_(); }
  let u = 1.0 + x;
  if (u == 1.0 || isinf_(x) || isnan_(x)) { return x; }
  return log_(u) * x / (u - 1.0);
}
fn expm1_(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  if (isinf_(u)) { return u; }
  return um1 * x / log(u);
}
fn tanh_(x: f32) -> f32 {
  if (abs(x) > 10.0) { return sign(x); }
  if (abs(x) < 0.0004) { return x - x * x * x / 3.0; }
  let e = exp(2.0 * x);
  return (e - 1.0) / (e + 1.0);
}
fn erf_(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) {
    let z = x * x;
    return x * 1.1283791670955126 * (1.0 - z / 3.0 + z * z / 10.0 - z * z * z / 42.0 + z * z * z * z / 216.0);
  }
  // Abramowitz & Stegun 7.1.26 in double-checked form: 1 - poly(t) exp(-x^2)
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - p * exp(-a * a));
}
fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
// C's pow where WGSL's is undefined: negative bases with integral exponents, zero bases, 1 ** y
fn pow_(x: f32, y: f32) -> f32 {
  if (x == 1.0 || y == 0.0 || (x == -1.0 && isinf_(y))) { return 1.0; }
  if (isnan_(x) || isnan_(y)) { return nan_(); }
  let odd = fract(y * 0.5) == 0.5;
  if (isinf_(x)) {
    if (x > 0.0) { return select(0.0, x, y > 0.0); }
    if (y > 0.0) { return select(-x, x, odd); }
    return select(0.0, -0.0 * 1.0, odd);
  }
  if (x == 0.0) {
    if (y > 0.0) { return select(0.0, x, fract(y * 0.5) == 0.5); }
    return select(inf_(), select(inf_(), -inf_(), bitcast<u32>(x) == 0x80000000u), fract(y * 0.5) == 0.5);
  }
  let r = exp2(y * log2(abs(x)));
  if (x > 0.0) { return r; }
  if (y != trunc(y)) { return nan_(); }
  return select(r, -r, fract(y * 0.5) == 0.5);
}
`;

interface Forms {
  /** float32 operands (f32) */
  f?: string;
  /** int32 and bool operands (i32), and int64 where `l` is absent */
  i?: string;
  /** int64 operands (held in i32), where they differ from int32's */
  l?: string;
}

export const WGSL_UNARY: Partial<Record<UnaryOpName, Forms>> = {
  neg: { f: "-x", i: "-x" },
  abs: { f: "abs(x)", i: "abs(x)" },
  sign: { f: "select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0)", i: "sign(x)" },
  floor: { f: "floor(x)", i: "x" },
  ceil: { f: "ceil(x)", i: "x" },
  round: { f: "round(x)", i: "x" }, // WGSL's round is half to even, as torch.round
  trunc: { f: "trunc(x)", i: "x" },
  exp: { f: "exp(x)" },
  log: { f: "log_(x)" },
  log1p: { f: "log1p_(x)" },
  expm1: { f: "expm1_(x)" },
  sqrt: { f: "sqrt_(x)" },
  rsqrt: { f: "1.0 / sqrt_(x)" },
  reciprocal: { f: "1.0 / x" },
  sin: { f: "sincos_(x, false)" },
  cos: { f: "sincos_(x, true)" },
  tan: { f: "sincos_(x, false) / sincos_(x, true)" },
  tanh: { f: "tanh_(x)" },
  sigmoid: { f: "sigmoid_(x)" },
  erf: { f: "erf_(x)" },
  relu: { f: "select(x, 0.0, x < 0.0)", i: "select(x, 0, x < 0)" },
  leakyRelu: { f: "select(x, p0 * x, x < 0.0)" },
  geluErf: { f: "0.5 * x * (1.0 + erf_(x * 0.7071067811865476))" },
  geluTanh: { f: "0.5 * x * (1.0 + tanh_(0.7978845608028654 * (x + 0.044715 * x * x * x)))" },
  silu: { f: "x * sigmoid_(x)" },
  softplus: { f: "select(log1p_(exp(x * p0)) / p0, x, x * p0 > p1)" },
  clamp: { f: "select(min(max(x, p0), p1), x, isnan_(x))" },
  powScalar: { f: "select(pow_(x, p0), sqrt(x), p0 == 0.5)" },
  logicalNot: { f: "!nz_(x)", i: "x == 0" },
  isnan: { f: "isnan_(x)", i: "false" },
  isfinite: { f: "isfinite_(x)", i: "true" },
  isinf: { f: "isinf_(x)", i: "false" },
  log2: { f: "log2_(x)" },
  log10: { f: "log_(x) * 0.4342944819032518" },
  exp2: { f: "exp2(x)" },
  asin: { f: "select(nan_(), asin(x), unit_(x))" },
  acos: { f: "select(nan_(), acos(x), unit_(x))" },
  atan: { f: "atan(x)" },
  sinh: { f: "sinh(x)" },
  cosh: { f: "cosh(x)" },
  asinh: { f: "asinh(x)" },
  acosh: { f: "select(nan_(), log_(x + sqrt_(x * x - 1.0)), x >= 1.0)" },
  atanh: { f: "select(nan_(), 0.5 * log1p_(2.0 * x / (1.0 - x)), unit_(x))" },
  frac: { f: "x - trunc(x)" },
  bitwiseNot: { i: "~x" },
};

export const WGSL_BINARY: Partial<Record<BinaryOpName, Forms>> = {
  add: { f: "x + y", i: "x + y" },
  sub: { f: "x - y", i: "x - y" },
  mul: { f: "x * y", i: "x * y" },
  pow: { f: "pow_(x, y)" },
  maximum: { f: "select(y, x, x > y || isnan_(x))", i: "max(x, y)" },
  minimum: { f: "select(y, x, x < y || isnan_(x))", i: "min(x, y)" },
  copysign: { f: "bitcast<f32>((bitcast<u32>(x) & 0x7fffffffu) | (bitcast<u32>(y) & 0x80000000u))" },
  logaddexp: { f: "select(select(max(x, y) + log1p_(exp(-abs(x - y))), x, x == y && isinf_(x)), nan_(), isnan_(x) || isnan_(y))" },
  xlogy: { f: "select(select(x * log_(y), 0.0, x == 0.0), y, isnan_(y))" },
  bitwiseAnd: { i: "x & y" },
  bitwiseOr: { i: "x | y" },
  bitwiseXor: { i: "x ^ y" },
  // x86's shift counts: the low 5 bits for int32, 6 for int64 (whose values fit 32 bits here)
  bitwiseLeftShift: { i: "x << u32(y & 31)", l: "select(0, x << u32(y & 63), (y & 63) < 32)" },
  bitwiseRightShift: { i: "x >> u32(y & 31)", l: "x >> u32(min(y & 63, 31))" },
  eq: { f: "x == y", i: "x == y" },
  ne: { f: "!(x == y)", i: "x != y" },
  lt: { f: "x < y", i: "x < y" },
  le: { f: "x <= y", i: "x <= y" },
  gt: { f: "x > y", i: "x > y" },
  ge: { f: "x >= y", i: "x >= y" },
  logicalAnd: { f: "nz_(x) && nz_(y)", i: "x != 0 && y != 0" },
  logicalOr: { f: "nz_(x) || nz_(y)", i: "x != 0 || y != 0" },
  logicalXor: { f: "nz_(x) != nz_(y)", i: "(x != 0) != (y != 0)" },
  addScaled: { f: "x + p0 * y" },
  reluGrad: { f: "select(x, 0.0, y <= 0.0)" },
  sigmoidGrad: { f: "x * (y * (1.0 - y))" },
};

/** div's true division (p0 = 0) only: the rounding modes follow PyTorch's float64-careful algorithm, not ported yet. */
export const WGSL_DIV: Forms = { f: "x / y" };

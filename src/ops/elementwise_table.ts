/**
 * Elementwise math, written once. Each entry is a scalar expression in `x` (and `y`),
 * with params `p0`, `p1`; the CPU backend generates its loops from these strings and later
 * backends (native, WGSL, the compiler's fused kernels) render the same table.
 *
 * kind says how dtypes flow: "float" ops compute in floating point (integer inputs are
 * promoted to float32 by the op layer), "same" ops keep the input dtype, "predicate" ops
 * return bool. `jsInt`, where given, replaces `js` for integer (int32, bool) operands:
 * integer division by zero raises there (PyTorch's ZeroDivisionError) instead of giving a
 * float's inf or NaN. `jsFloat32`, where given, replaces `js` for float32 operands (an op
 * that PyTorch rounds differently there than float64 arithmetic would).
 *
 * accepts, where given, says which operand dtypes (after promotion) the op is defined for;
 * the op layer refuses the others with PyTorch's message: "float" (floating point only),
 * "numeric" (no bool), "integral" (integers and bool), "int" (integers only). Params that
 * carry a precision (sinc's p0, lerp's p1) use divRounded's codes: 0 float64, 1 float32.
 *
 * native: false marks the ops the native addon has no kernel for (the special functions:
 * their series and continued fractions are only written here, in special_math.ts); the CPU
 * backend runs the generated TypeScript loop for them, and the WebGPU backend refuses them
 * with its NotImplementedOnDeviceError, as any op without a WGSL form.
 */
import { FluxionError } from "../errors.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBFloat16Bits, float32ToFloat16Bits } from "../tensor/half.js";
import { SPECIAL_HELPERS, erf } from "./special_math.js";
import { BESSEL_HELPERS } from "./special_bessel.js";
import { IGAMMA_HELPERS } from "./special_igamma.js";
import { POLYNOMIAL_HELPERS } from "./special_polynomials.js";
import { frexpExponent, frexpMantissa, gcd, gcdInt, lcm, lcmInt, nextafter, signbit } from "./elementwise_bits.js";

export { erf };

export type ElementwiseKind = "float" | "same" | "predicate";
export type OperandDTypes = "float" | "numeric" | "integral" | "int";

export const UNARY_OPS = {
  neg: { js: "-x", kind: "same" },
  // abs and the roundings are not defined for bool (PyTorch: "abs_cpu" not implemented for 'Bool')
  abs: { js: "Math.abs(x)", kind: "same", accepts: "numeric" },
  // as torch: sign(NaN) = 0 and sign(-0) = 0
  sign: { js: "(x > 0 ? 1 : x < 0 ? -1 : 0)", kind: "same" },
  floor: { js: "Math.floor(x)", kind: "same", accepts: "numeric" },
  ceil: { js: "Math.ceil(x)", kind: "same", accepts: "numeric" },
  // round half to even, as torch.round does
  round: { js: "(Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x))", kind: "same", accepts: "numeric" },
  trunc: { js: "Math.trunc(x)", kind: "same", accepts: "numeric" },
  exp: { js: "Math.exp(x)", kind: "float" },
  log: { js: "Math.log(x)", kind: "float" },
  log1p: { js: "Math.log1p(x)", kind: "float" },
  expm1: { js: "Math.expm1(x)", kind: "float" },
  sqrt: { js: "Math.sqrt(x)", kind: "float" },
  rsqrt: { js: "1 / Math.sqrt(x)", kind: "float" },
  reciprocal: { js: "1 / x", kind: "float" },
  sin: { js: "Math.sin(x)", kind: "float" },
  cos: { js: "Math.cos(x)", kind: "float" },
  tan: { js: "Math.tan(x)", kind: "float" },
  tanh: { js: "Math.tanh(x)", kind: "float" },
  sigmoid: { js: "(x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))", kind: "float" },
  erf: { js: "H.erf(x)", kind: "float" },
  relu: { js: "(x < 0 ? 0 : x)", kind: "same" },
  // p0 = negative slope
  // float32: the slope rounded to float32 first (as PyTorch's kernel takes it), so the
  // product is float32's
  leakyRelu: { js: "(x < 0 ? p0 * x : x)", jsFloat32: "(x < 0 ? Math.fround(p0) * x : x)", kind: "float" },
  geluErf: { js: "0.5 * x * (1 + H.erf(x * Math.SQRT1_2))", kind: "float" },
  geluTanh: { js: "0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))", kind: "float" },
  silu: { js: "(x >= 0 ? x / (1 + Math.exp(-x)) : x * Math.exp(x) / (1 + Math.exp(x)))", kind: "float" },
  // p0 = beta, p1 = threshold: linear above threshold for stability, as torch does
  softplus: { js: "(x * p0 > p1 ? x : Math.log1p(Math.exp(x * p0)) / p0)", kind: "float" },
  // p0 = min, p1 = max (±Infinity when absent); NaN propagates; min > max gives max (as torch)
  clamp: { js: "Math.min(Math.max(x, p0), p1)", kind: "same" },
  // x ** p0 for a scalar exponent (C pow semantics: 1 ** NaN = 1; 0.5 and -0.5 as sqrt/rsqrt, as torch)
  powScalar: { js: "H.powScalar(x, p0)", kind: "float" },
  logicalNot: { js: "(x === 0)", kind: "predicate" },
  isnan: { js: "(x !== x)", kind: "predicate" },
  isfinite: { js: "Number.isFinite(x)", kind: "predicate" },
  isinf: { js: "(x === Infinity || x === -Infinity)", kind: "predicate" },
  log2: { js: "Math.log2(x)", kind: "float" },
  log10: { js: "Math.log10(x)", kind: "float" },
  exp2: { js: "Math.pow(2, x)", kind: "float" },
  asin: { js: "Math.asin(x)", kind: "float" },
  acos: { js: "Math.acos(x)", kind: "float" },
  atan: { js: "Math.atan(x)", kind: "float" },
  sinh: { js: "Math.sinh(x)", kind: "float" },
  cosh: { js: "Math.cosh(x)", kind: "float" },
  asinh: { js: "Math.asinh(x)", kind: "float" },
  acosh: { js: "Math.acosh(x)", kind: "float" },
  atanh: { js: "Math.atanh(x)", kind: "float" },
  // sin(pi x) / (pi x), 1 at 0; p0: precision (1: pi x rounded to float32 first, as torch's float kernel)
  sinc: { js: "H.sinc(x, p0)", kind: "float" },
  // x - trunc(x), keeping the sign of x's fraction (torch.frac); floats only
  frac: { js: "x - Math.trunc(x)", kind: "same", accepts: "float" },
  // log(x / (1 - x)) with x clamped to [p0, p1] = [eps, 1 - eps]; p0 < 0: no clamp (eps=None)
  logit: { js: "H.logit(x, p0, p1)", kind: "float" },
  bitwiseNot: { js: "~x", kind: "same", accepts: "integral" },
  // the special functions (special_math.ts); polygamma's p0 = n
  erfc: { js: "H.erfc(x)", kind: "float", native: false },
  erfcx: { js: "H.erfcx(x)", kind: "float", native: false },
  erfinv: { js: "H.erfinv(x)", kind: "float", native: false },
  lgamma: { js: "H.lgamma(x)", kind: "float", native: false },
  digamma: { js: "H.digamma(x)", kind: "float", native: false },
  polygamma: { js: "H.polygamma(p0, x)", kind: "float", native: false },
  i0: { js: "H.i0(x)", kind: "float", native: false },
  i0e: { js: "H.i0e(x)", kind: "float", native: false },
  i1: { js: "H.i1(x)", kind: "float", native: false },
  i1e: { js: "H.i1e(x)", kind: "float", native: false },
  ndtr: { js: "H.ndtr(x)", kind: "float", native: false },
  ndtri: { js: "H.ndtri(x)", kind: "float", native: false },
  logNdtr: { js: "H.logNdtr(x)", kind: "float", native: false },
  // torch.special's Bessel and Airy functions, PyTorch's Cephes algorithms (special_bessel.ts)
  besselJ0: { js: "H.besselJ0(x)", kind: "float", native: false },
  besselJ1: { js: "H.besselJ1(x)", kind: "float", native: false },
  besselY0: { js: "H.besselY0(x)", kind: "float", native: false },
  besselY1: { js: "H.besselY1(x)", kind: "float", native: false },
  modifiedBesselI0: { js: "H.modifiedBesselI0(x)", kind: "float", native: false },
  modifiedBesselI1: { js: "H.modifiedBesselI1(x)", kind: "float", native: false },
  modifiedBesselK0: { js: "H.modifiedBesselK0(x)", kind: "float", native: false },
  modifiedBesselK1: { js: "H.modifiedBesselK1(x)", kind: "float", native: false },
  scaledModifiedBesselK0: { js: "H.scaledModifiedBesselK0(x)", kind: "float", native: false },
  scaledModifiedBesselK1: { js: "H.scaledModifiedBesselK1(x)", kind: "float", native: false },
  sphericalBesselJ0: { js: "H.sphericalBesselJ0(x)", kind: "float", native: false },
  airyAi: { js: "H.airyAi(x)", kind: "float", native: false },
  // -x log x, 0 at 0, -inf below (torch.special.entr)
  entr: { js: "(x > 0 ? -x * Math.log(x) : x === 0 ? 0 : x < 0 ? -Infinity : x)", kind: "float", native: false },
  // the sign bit: true for -0 and a negative NaN (torch.signbit)
  signbit: { js: "H.signbit(x)", kind: "predicate", native: false },
  // torch.frexp's two halves: x = mantissa * 2^exponent, |mantissa| in [0.5, 1) (not Tensor methods of their own)
  frexpMantissa: { js: "H.frexpMantissa(x)", kind: "same", accepts: "float", native: false },
  frexpExponent: { js: "H.frexpExponent(x)", kind: "same", accepts: "float", native: false },
} as const satisfies Record<string, { js: string; jsFloat32?: string; kind: ElementwiseKind; accepts?: OperandDTypes; native?: false }>;

export const BINARY_OPS = {
  add: { js: "x + y", kind: "same" },
  sub: { js: "x - y", kind: "same" },
  mul: { js: "x * y", kind: "same" },
  // p0: rounding mode (0 true division, 1 "trunc", 2 "floor"); p1: the precision the
  // rounded forms compute in, as PyTorch does (0 float64, 1 float32, 2 bfloat16, 3 float16)
  div: { js: "(p0 === 0 ? x / y : H.divRounded(x, y, p0, p1))", jsInt: "H.intDiv(x, y, p0)", kind: "float" },
  pow: { js: "H.pow(x, y)", kind: "same" },
  // NaN-propagating, as torch.maximum/minimum
  maximum: { js: "(x > y || x !== x ? x : y)", kind: "same" },
  minimum: { js: "(x < y || x !== x ? x : y)", kind: "same" },
  atan2: { js: "Math.atan2(x, y)", kind: "float" },
  // Python-style modulo: the result has the divisor's sign (fmod, then shift, as torch)
  remainder: { js: "H.remainder(x, y)", jsInt: "H.intRemainder(x, y)", kind: "same", accepts: "numeric" },
  // C's fmod: the result has the dividend's sign (JavaScript's % is fmod)
  fmod: { js: "x % y", jsInt: "H.intFmod(x, y)", kind: "same", accepts: "numeric" },
  copysign: { js: "H.copysign(x, y)", kind: "float" },
  // log(e^x + e^y) without overflow; equal infinities give themselves (inf - inf would be NaN)
  logaddexp: { js: "(x === y && (x === Infinity || x === -Infinity) ? x : Math.max(x, y) + Math.log1p(Math.exp(-Math.abs(x - y))))", kind: "same", accepts: "float" },
  // log2(2^x + 2^y); 1.4426950408889634 = 1 / ln 2, as torch multiplies by it
  logaddexp2: { js: "(x === y && (x === Infinity || x === -Infinity) ? x : Math.max(x, y) + Math.log1p(Math.pow(2, -Math.abs(x - y))) * 1.4426950408889634)", kind: "same", accepts: "float" },
  hypot: { js: "Math.hypot(x, y)", kind: "same", accepts: "float" },
  // x * log(y), 0 where x == 0 unless y is NaN (torch.xlogy)
  xlogy: { js: "(y !== y ? y : x === 0 ? 0 : x * Math.log(y))", kind: "float" },
  // torch.lerp with a scalar weight p0 (x = start, y = end); p1: precision (H.lerp)
  lerp: { js: "H.lerp(x, y, p0, p1)", kind: "same", accepts: "float" },
  bitwiseAnd: { js: "x & y", kind: "same", accepts: "integral" },
  bitwiseOr: { js: "x | y", kind: "same", accepts: "integral" },
  bitwiseXor: { js: "x ^ y", kind: "same", accepts: "integral" },
  // shift counts are taken modulo 32, as PyTorch 1.13 does on x86 (and JavaScript's << and >>)
  bitwiseLeftShift: { js: "x << y", kind: "same", accepts: "int" },
  bitwiseRightShift: { js: "x >> y", kind: "same", accepts: "int" },
  eq: { js: "(x === y)", kind: "predicate" },
  ne: { js: "(x !== y)", kind: "predicate" },
  lt: { js: "(x < y)", kind: "predicate" },
  le: { js: "(x <= y)", kind: "predicate" },
  gt: { js: "(x > y)", kind: "predicate" },
  ge: { js: "(x >= y)", kind: "predicate" },
  logicalAnd: { js: "(x !== 0 && y !== 0)", kind: "predicate" },
  logicalOr: { js: "(x !== 0 || y !== 0)", kind: "predicate" },
  logicalXor: { js: "((x !== 0) !== (y !== 0))", kind: "predicate" },
  // x + p0 * y in one pass: in-place add_/sub_ with alpha (not a Tensor method of its own).
  // float32 rounds once, as the fused multiply-add of PyTorch's vectorized kernel
  // (vec::fmadd); other dtypes compute in float64
  addScaled: { js: "x + p0 * y", jsFloat32: "H.fmaFloat32(Math.fround(p0), y, x)", kind: "same" },
  // ReLU's gradient: x = incoming gradient, y = the ReLU's output; 0 where y <= 0 (a NaN
  // gradient included), as torch's threshold_backward (not a Tensor method of its own)
  reluGrad: { js: "(y <= 0 ? 0 : x)", kind: "same" },
  // sigmoid's gradient in one pass: x = incoming gradient, y = the sigmoid's output (torch's
  // sigmoid_backward; not a Tensor method of its own)
  sigmoidGrad: { js: "x * (y * (1 - y))", kind: "same", accepts: "float" },
  // x * log1p(y), 0 where x == 0 unless y is NaN (torch.special.xlog1py)
  xlog1py: { js: "(y !== y ? y : x === 0 ? 0 : x * Math.log1p(y))", kind: "float", native: false },
  // the Hurwitz zeta function zeta(x, y) = sum_k (y + k)^-x (torch.special.zeta)
  zeta: { js: "H.zeta(x, y)", kind: "float", native: false },
  // the regularized incomplete gamma functions P(x, y) and Q(x, y) (torch.igamma, igammac; special_igamma.ts)
  igamma: { js: "H.igamma(x, y)", kind: "float", accepts: "float", native: false },
  igammac: { js: "H.igammac(x, y)", kind: "float", accepts: "float", native: false },
  // torch.special's orthogonal polynomials of x, of degree y truncated to an integer (special_polynomials.ts)
  chebyshevT: { js: "H.chebyshevT(x, y)", kind: "float", native: false },
  chebyshevU: { js: "H.chebyshevU(x, y)", kind: "float", native: false },
  chebyshevV: { js: "H.chebyshevV(x, y)", kind: "float", native: false },
  chebyshevW: { js: "H.chebyshevW(x, y)", kind: "float", native: false },
  shiftedChebyshevT: { js: "H.shiftedChebyshevT(x, y)", kind: "float", native: false },
  shiftedChebyshevU: { js: "H.shiftedChebyshevU(x, y)", kind: "float", native: false },
  shiftedChebyshevV: { js: "H.shiftedChebyshevV(x, y)", kind: "float", native: false },
  shiftedChebyshevW: { js: "H.shiftedChebyshevW(x, y)", kind: "float", native: false },
  hermiteH: { js: "H.hermiteH(x, y)", kind: "float", native: false },
  hermiteHe: { js: "H.hermiteHe(x, y)", kind: "float", native: false },
  laguerreL: { js: "H.laguerreL(x, y)", kind: "float", native: false },
  legendreP: { js: "H.legendreP(x, y)", kind: "float", native: false },
  // 0 below 0, y at 0, 1 above (NaN gives 0, as PyTorch's kernel)
  heaviside: { js: "(x === 0 ? y : x > 0 ? 1 : 0)", kind: "same", native: false },
  gcd: { js: "H.gcd(x, y)", kind: "same", accepts: "int", native: false },
  lcm: { js: "H.lcm(x, y)", kind: "same", accepts: "int", native: false },
  // the next float after x toward y, in the precision p0 (0 float64, 1 float32, 2 bfloat16)
  nextafter: { js: "H.nextafter(x, y, p0)", kind: "same", accepts: "float", native: false },
} as const satisfies Record<string, { js: string; jsInt?: string; jsFloat32?: string; kind: ElementwiseKind; accepts?: OperandDTypes; native?: false }>;

export type UnaryOpName = keyof typeof UNARY_OPS;
export type BinaryOpName = keyof typeof BINARY_OPS;

/**
 * x ** y with C's pow semantics where JS differs: pow(1, y) = 1 and pow(-1, ±inf) = 1
 * for any y, NaN included (Math.pow gives NaN there).
 */
export function pow(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}

/** x ** p for a scalar exponent: torch computes p = 0.5 as sqrt and -0.5 as rsqrt (so (-inf) ** 0.5 is NaN). */
export function powScalar(x: number, p: number): number {
  if (p === 2) return x * x; // as PyTorch computes a square
  if (p === 0.5) return Math.sqrt(x);
  if (p === -0.5) return 1 / Math.sqrt(x);
  return pow(x, p);
}

/** torch.remainder: fmod, shifted by the divisor when the signs differ. x % 0 is NaN for floats. */
export function remainder(x: number, y: number): number {
  let m = x % y;
  if (m !== 0 && (y < 0) !== (m < 0)) m += y;
  return m;
}

/** The message integer division by zero raises with (the op layer adds the op and operands). */
export const ZERO_DIVISION = "ZeroDivisionError: integer division or remainder by zero";

/** torch.remainder on integers: a zero divisor raises, as PyTorch's ZeroDivisionError. */
export function intRemainder(x: number, y: number): number {
  if (y === 0) throw new FluxionError(ZERO_DIVISION);
  return remainder(x, y);
}

/**
 * Integer division with a rounding mode (1 "trunc", 2 "floor"): the float64 quotient of two
 * int32 never crosses an integer by rounding, so truncating or flooring it is exact.
 * -2^31 / -1 wraps to -2^31 when stored (PyTorch crashes on it). Mode 0 is plain x / y.
 */
export function intDiv(x: number, y: number, mode: number): number {
  if (mode === 0) return x / y;
  if (y === 0) throw new FluxionError(ZERO_DIVISION);
  return mode === 1 ? Math.trunc(x / y) : Math.floor(x / y);
}

/** Rounding of a float64 result to the precision PyTorch computes a dtype in (divRounded's p1). */
const ROUND_TO: readonly ((v: number) => number)[] = [
  (v) => v,
  Math.fround,
  (v) => bfloat16BitsToFloat32(float32ToBFloat16Bits(v)),
  (v) => float16BitsToFloat32(float32ToFloat16Bits(v)),
];

/**
 * Float division with a rounding mode (1 "trunc", 2 "floor"), as torch.div(..., rounding_mode=...).
 * "floor" is PyTorch's div_floor_floating (Python's //): the quotient of x - fmod(x, y),
 * stepped down when the signs differ, then floored with a correction, so 1 // 0.1 is 9; a zero
 * divisor gives x / y. Every step is rounded to the precision `prec` (ROUND_TO) as PyTorch
 * computes that dtype: float32 in float32 (a double step rounded to float32 equals the
 * float32 step for + - * /; fmod is exact), so 0.7 / 0.1 truncates to 7 in float32 and to 6
 * in float64; bfloat16 and float16 round every step to themselves.
 */
export function divRounded(x: number, y: number, mode: number, prec: number): number {
  const r = ROUND_TO[prec]!;
  const q = r(x / y);
  if (mode === 1) return Math.trunc(q);
  if (y === 0) return q;
  const mod = x % y;
  let div = r(r(x - mod) / y);
  if (mod !== 0 && (y < 0) !== (mod < 0)) div = r(div - 1);
  if (div === 0) return q < 0 || Object.is(q, -0) ? -0 : 0; // copysign(0, x / y)
  let fl = Math.floor(div);
  if (r(div - fl) > 0.5) fl = r(fl + 1);
  return fl;
}

/** C's fmod on integers: a zero divisor raises, as PyTorch's ZeroDivisionError. */
export function intFmod(x: number, y: number): number {
  if (y === 0) throw new FluxionError(ZERO_DIVISION);
  return x % y;
}

const bits = new Float64Array(1), bitsHi = new Uint32Array(bits.buffer, 4, 1);
/** C's copysign: |x| with y's sign bit (that of -0 and of a negative NaN included). */
export function copysign(x: number, y: number): number {
  let negative = y < 0 || (y === 0 && 1 / y < 0);
  if (y !== y) {
    bits[0] = y;
    negative = bitsHi[0]! >>> 31 === 1;
  }
  const a = Math.abs(x);
  return negative ? -a : a;
}

const PI_FLOAT32 = Math.fround(Math.PI);
/**
 * sin(pi x) / (pi x), and 1 at x = 0 (torch.sinc). PyTorch computes a float32 tensor in
 * float32: pi and pi x rounded to float32 first, which is what makes sinc(3) about -2.5e-9
 * there instead of 4e-17; `prec` 1 does the same (0 computes in float64).
 */
export function sinc(x: number, prec: number): number {
  if (x === 0) return 1;
  if (prec === 0) {
    const p = Math.PI * x;
    return Math.sin(p) / p;
  }
  const p = Math.fround(PI_FLOAT32 * x);
  return Math.fround(Math.sin(p)) / p;
}

/**
 * torch.logit: log(x / (1 - x)), x first clamped to [lo, hi] = [eps, 1 - eps] unless lo < 0
 * (no eps); NaN stays NaN. Clamped to lo, then to hi, as PyTorch's vectorised kernel (for
 * eps > 0.5, where lo > hi, that gives hi; its scalar loop, which handles the few elements
 * past the last full vector, gives lo there).
 */
export function logit(x: number, lo: number, hi: number): number {
  if (lo >= 0) {
    x = x < lo ? lo : x;
    x = x > hi ? hi : x;
  }
  return Math.log(x / (1 - x));
}

/**
 * torch.lerp(start, end, weight) for a scalar weight w, as PyTorch's kernel: start + w d
 * for w < 0.5, else end - d (1 - w), with d = end - start, so w = 0 gives start and w = 1
 * gives end exactly. PyTorch fuses the last multiply-add (an FMA): for float32 (`prec` 1:
 * d and 1 - w rounded to float32 as PyTorch computes them) the product is exact in float64
 * and the sum rounds once more on store, which reproduces the FMA; float64 may differ from
 * it in the last bit.
 */
export function lerp(x: number, y: number, w: number, prec: number): number {
  const r = ROUND_TO[prec]!;
  const d = r(y - x);
  return w < 0.5 ? x + w * d : y - d * r(1 - w);
}

/**
 * a·b + c rounded once to float32 (C's fmaf), for float32 a, b, c. The product is exact in
 * float64; the sum s and its rounding error e (TwoSum) give the exact result s + e. Rounding
 * s to float32 is then correct unless s lies exactly halfway between two floats and e is
 * not zero: the exact value is past the midpoint, on e's side.
 */
export function fmaFloat32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  if (r === s || !Number.isFinite(s)) return r;
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);
  if (e === 0) return r;
  if (!Number.isFinite(r)) {
    // past the largest float: infinity, unless s is exactly the overflow threshold (halfway
    // from the largest float to 2^128, a tie that rounds up) and the exact value lies below it
    return Math.abs(s) === OVERFLOW_F32 && e < 0 === s > 0 ? Math.sign(s) * MAX_F32 : r;
  }
  const other = 2 * s - r; // the float on s's other side, when s is the midpoint between them
  if (Math.fround(other) !== other || other === r) return r;
  return (e > 0) === (other > r) ? other : r;
}
const MAX_F32 = 2 ** 128 - 2 ** 104;
const OVERFLOW_F32 = 2 ** 128 - 2 ** 103;

/** Helpers the generated loops may call as H.name. */
export const ELEMENTWISE_HELPERS = {
  ...SPECIAL_HELPERS, ...BESSEL_HELPERS, ...IGAMMA_HELPERS, ...POLYNOMIAL_HELPERS, pow, powScalar, remainder, intRemainder, intDiv, divRounded, intFmod, copysign, sinc, logit, lerp, fmaFloat32,
  signbit, frexpMantissa, frexpExponent, gcd, gcdInt, lcm, lcmInt, nextafter,
};

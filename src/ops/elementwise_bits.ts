/**
 * Scalar helpers of the elementwise table (H.name) that read a float's bits (signbit, frexp,
 * nextafter) or an integer's divisors (gcd, lcm), as C's <math.h> and std::gcd do on the
 * tensor's own dtype. The int64 (bigint) forms of gcd and lcm are in elementwise_int64.ts.
 */

const f64 = new Float64Array(1), u32 = new Uint32Array(f64.buffer); // u32[1]: the high word (little-endian)
const f32 = new Float32Array(1), f32Bits = new Uint32Array(f32.buffer);

/** std::signbit: true for negative numbers, -0, -inf and a NaN with its sign bit set. */
export function signbit(x: number): boolean {
  if (x === x) return x < 0 || (x === 0 && 1 / x < 0);
  f64[0] = x;
  return u32[1]! >>> 31 === 1;
}

/** The exponent e of x = m 2^e with |m| in [0.5, 1) (C's frexp); 0 for 0, ±inf and NaN, as PyTorch. */
export function frexpExponent(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return 0;
  f64[0] = x;
  const biased = (u32[1]! >>> 20) & 0x7ff;
  if (biased !== 0) return biased - 1022;
  f64[0] = x * 2 ** 64; // a subnormal: made normal first
  return ((u32[1]! >>> 20) & 0x7ff) - 1022 - 64;
}

/** The mantissa m of x = m 2^e, |m| in [0.5, 1); 0, ±inf and NaN stay themselves. Exact. */
export function frexpMantissa(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const e = frexpExponent(x), half = Math.trunc(e / 2);
  return x * 2 ** -half * 2 ** -(e - half); // two steps: 2^-e alone may overflow or underflow
}

/**
 * |gcd(x, y)| by Euclid (gcd(0, 0) = 0); -2^31 stays -2^31 once stored, as in C. Only integers
 * reach it from the ops; anything else (the table's own tests feed floats) gives NaN, not a loop.
 */
export function gcd(x: number, y: number): number {
  if (!Number.isInteger(x) || !Number.isInteger(y)) return NaN;
  let a = Math.abs(x), b = Math.abs(y);
  while (a !== 0) {
    const c = a;
    a = b % a;
    b = c;
  }
  return b;
}

/**
 * gcd on int32/uint8/int8 values as C's int arithmetic: |INT32_MIN| stays INT32_MIN and
 * remainders keep the dividend's sign, so gcd(INT32_MIN, 6) is -2, as PyTorch gives.
 */
export function gcdInt(x: number, y: number): number {
  let a = Math.abs(x) | 0, b = Math.abs(y) | 0;
  while (a !== 0) {
    const c = a;
    a = b % a;
    b = c;
  }
  return b;
}

/** |x / gcd(x, y) * y| (0 when both are 0), in float64; int32/uint8/int8 use lcmInt (C's wrap-around). */
export function lcm(x: number, y: number): number {
  const g = gcd(x, y);
  return g === 0 ? 0 : Math.abs((x / g) * y);
}

/** lcm on int32/uint8/int8 values: the product wraps at 32 bits, as C's int arithmetic. */
export function lcmInt(x: number, y: number): number {
  const g = gcdInt(x, y);
  return g === 0 ? 0 : Math.abs(Math.imul(x / g, y));
}

/** x's neighbour toward y in float64, by stepping its magnitude's bit pattern. */
function nextDouble(x: number, up: boolean): number {
  f64[0] = x;
  if (up) {
    if (u32[0] === 0xffffffff) {
      u32[0] = 0;
      u32[1]!++;
    } else u32[0]!++;
  } else if (u32[0] === 0) {
    u32[0] = 0xffffffff;
    u32[1]!--;
  } else u32[0]!--;
  return f64[0]!;
}

/** The same in float32 (bits = 32) or bfloat16 (bits = 16: the top half of a float32). */
function nextFloat(x: number, up: boolean, bits: 32 | 16): number {
  f32[0] = x;
  const step = bits === 32 ? 1 : 0x10000;
  f32Bits[0] = up ? f32Bits[0]! + step : f32Bits[0]! - step;
  return f32[0]!;
}

/**
 * std::nextafter: the next representable value after x toward y, in the precision `prec`
 * (0 float64, 1 float32, 2 bfloat16: PyTorch has no float16 kernel). y when x == y; NaN when
 * either is NaN; from 0, the smallest subnormal with y's sign.
 */
export function nextafter(x: number, y: number, prec: number): number {
  if (x !== x || y !== y) return NaN;
  if (x === y) return y;
  if (x === 0) {
    const tiny = prec === 0 ? 5e-324 : prec === 1 ? 2 ** -149 : 2 ** -133;
    return y > 0 ? tiny : -tiny;
  }
  const up = x < y === x > 0; // the magnitude grows
  return prec === 0 ? nextDouble(x, up) : nextFloat(x, up, prec === 1 ? 32 : 16);
}

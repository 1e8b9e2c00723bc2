/**
 * cos, log and pow rounded correctly (to the nearest double), for the learning-rate
 * schedules. PyTorch computes them with Python's math.cos, math.log and `**`, that is the C
 * library's (glibc: correctly rounded in all but rare cases), while V8's Math.cos, Math.log
 * and `**` are fdlibm-style approximations that miss by one ulp on a few percent of inputs
 * (pow on ~10%). One ulp of a cosine is then carried by a recursive schedule through every
 * later step, so schedules would not match PyTorch's bit for bit. Here each function is
 * evaluated in double-double arithmetic (~104 bits) and rounded once: the nearest double to
 * the true value, and so glibc's value wherever glibc is correctly rounded.
 *
 * Scalar host arithmetic only (a few calls per scheduler step); arguments outside the range
 * the reductions are exact for fall back to Math's functions.
 */

type DD = [number, number];

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

const SPLITTER = 134217729; // 2^27 + 1

/** a * b exactly, as hi + lo (Dekker). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b), bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function add(a: DD, b: DD): DD {
  const [s1, s2] = twoSum(a[0], b[0]);
  const [t1, t2] = twoSum(a[1], b[1]);
  let [h, l] = quickTwoSum(s1, s2 + t1);
  [h, l] = quickTwoSum(h, l + t2);
  return [h, l];
}

function mul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

function mulNum(a: DD, b: number): DD {
  const [p, e] = twoProd(a[0], b);
  return quickTwoSum(p, e + a[1] * b);
}

function divNum(a: DD, b: number): DD {
  const q1 = a[0] / b;
  const [p, e] = twoProd(q1, b);
  const q2 = (a[0] - p - e + a[1]) / b;
  return quickTwoSum(q1, q2);
}

function fromBits(hi: number, lo: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getFloat64(0);
}

// π/2 in four parts, the first three of 33 bits (k·part exact for |k| < 2^20), fdlibm's
const PIO2_1 = fromBits(0x3ff921fb, 0x54400000);
const PIO2_2 = fromBits(0x3dd0b461, 0x1a600000);
const PIO2_3 = fromBits(0x3ba3198a, 0x2e000000);
const PIO2_3T = fromBits(0x397b839a, 0x252049c1);
const MAX_REDUCED = 2 ** 19 * PIO2_1;
// ln 2 as a double-double
const LN2: DD = [fromBits(0x3fe62e42, 0xfefa39ef), fromBits(0x3c7abc9e, 0x3b39803f)];

/** 1/n! for n = 0..30, as double-doubles. */
const INV_FACT: DD[] = [[1, 0]];
for (let n = 1; n <= 30; n++) INV_FACT.push(divNum(INV_FACT[n - 1]!, n));

/** Σ c[start + step·i] · x^i (Horner), the coefficients from INV_FACT with alternating signs when `alternate`. */
function series(x: DD, start: number, step: number, terms: number, alternate: boolean): DD {
  let acc: DD = [0, 0];
  for (let i = terms - 1; i >= 0; i--) {
    const c = INV_FACT[start + step * i]!;
    acc = add(mul(acc, x), alternate && i % 2 === 1 ? [-c[0], -c[1]] : c);
  }
  return acc;
}

/** cos(x) rounded to the nearest double. */
export function cos(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) > MAX_REDUCED) return Math.cos(x);
  // x = k·π/2 + r, |r| <= π/4 (a little more at the rounding edge), r as a double-double
  const k = Math.round(x * (2 / Math.PI));
  let r = twoSum(x - k * PIO2_1, -k * PIO2_2);
  r = add(r, [-k * PIO2_3, 0]);
  r = add(r, [-k * PIO2_3T, 0]);
  const r2 = mul(r, r);
  const quadrant = ((k % 4) + 4) % 4;
  let v: DD;
  if (quadrant % 2 === 0) v = series(r2, 0, 2, 15, true); // cos r = Σ (-1)^i r^2i / (2i)!
  else v = mul(r, series(r2, 1, 2, 15, true)); // sin r = r Σ (-1)^i r^2i / (2i+1)!
  const out = v[0] + v[1];
  return quadrant === 1 || quadrant === 2 ? -out : out;
}

/** e^a for a double-double a with |a| < 700, as a double-double. */
function expDD(a: DD): DD {
  const k = Math.round(a[0] / LN2[0]);
  // r = a - k ln2, |r| <= ~0.35, then scaled by 2^-10 for the Taylor series of expm1
  const kln2 = twoProd(k, LN2[0]);
  let s = add(add(a, [-kln2[0], -kln2[1]]), [-LN2[1] * k, 0]);
  s = [s[0] / 1024, s[1] / 1024];
  // expm1(s) = s Σ s^i / (i+1)!
  let em1 = mul(s, series(s, 1, 1, 10, false));
  for (let i = 0; i < 10; i++) em1 = add(mulNum(em1, 2), mul(em1, em1)); // (1 + e)^2 - 1 = 2e + e^2
  const v = add([1, 0], em1);
  const scale = 2 ** k;
  return [v[0] * scale, v[1] * scale];
}

/** ln x (x > 0, finite) as a double-double: Math.log's value refined by one Newton step. */
function logDD(x: number): DD {
  const l0 = Math.log(x);
  // l = l0 + (x e^-l0 - 1)
  const e = expDD([-l0, 0]);
  const d = add(mulNum(e, x), [-1, 0]);
  return add([l0, 0], d);
}

function positiveNormal(x: number): boolean {
  return Number.isFinite(x) && x >= 2 ** -1000 && x <= 2 ** 1000;
}

/** ln x rounded to the nearest double (Python's math.log for x > 0). */
export function log(x: number): number {
  if (!positiveNormal(x) || x === 1) return x === 1 ? 0 : Math.log(x);
  const v = logDD(x);
  return v[0] + v[1];
}

/** x ** y rounded to the nearest double, with C's pow special cases (pow(1, NaN) = pow(-1, ±Infinity) = 1). */
export function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  if (!Number.isFinite(y) || Number.isNaN(x)) return x ** y;
  if (x < 0) {
    if (!Number.isInteger(y)) return NaN;
    const v = pow(-x, y);
    return y % 2 === 0 ? v : -v;
  }
  if (!positiveNormal(x)) return x ** y;
  const t = mulNum(logDD(x), y);
  if (!(Math.abs(t[0]) < 700)) return x ** y;
  const v = expDD(t);
  return v[0] + v[1];
}

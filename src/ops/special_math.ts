/**
 * The special functions of torch.special (and torch.erfc, erfinv, lgamma, digamma, polygamma,
 * i0) as scalar float64 functions, which the elementwise table's loops call as H.name.
 *
 * Each is written from the textbook series, continued fractions and asymptotic expansions
 * (DLMF chapters 5, 7, 10 and 25), each used only where it needs no cancellation, so results
 * are within a few float64 ulps (test/ops/special_math.test.ts checks them against 40-digit
 * mpmath values and PyTorch 1.13). Float32 tensors compute in float64 and round once.
 * Where PyTorch's own kernel is less accurate (trigamma is good to ~1e-9, ndtr cancels in the
 * lower tail) or returns NaN through an artifact (i0(inf)), these give the correct value.
 */

const SQRT_PI = 1.772453850905516;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const SQRT_2PI = 2.5066282746310007;
const HALF_LOG_2PI = 0.9189385332046728;
const EULER_GAMMA = 0.5772156649015329;
/** √½ as a double and the rest (√½ = SQRT1_2_HI + SQRT1_2_LO to ~32 digits). */
const SQRT1_2_HI = Math.SQRT1_2, SQRT1_2_LO = -4.833646656726457e-17;

// ---- exact products --------------------------------------------------------------------------

/** Veltkamp's split: a = hi + lo with hi holding 26 significant bits, so hi * hi is exact. */
function splitHi(a: number): number {
  const c = 134217729 * a;
  return c - (c - a);
}

/** exp(-x^2) without the rounding error of x*x (x = hi + lo, hi*hi exact). */
function expNegSquare(x: number): number {
  const hi = Math.fround(x), lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (x + hi));
}
/** exp(x^2), the same way. */
function expSquare(x: number): number {
  const hi = Math.fround(x), lo = x - hi;
  return Math.exp(hi * hi) * Math.exp(lo * (x + hi));
}

/**
 * x / √2 as t + tl, t the rounded product and tl what it lost (Dekker's exact product), so
 * that erfc(x / √2) (ndtr) sees the argument unrounded: erfc's relative error grows as
 * 2 t^2 times the argument's, hundreds of ulps in ndtr's tail otherwise.
 */
function overSqrt2(x: number): [number, number] {
  const t = x * SQRT1_2_HI;
  if (!(Math.abs(x) < 1e150)) return [t, 0];
  const xh = splitHi(x), xl = x - xh, sh = splitHi(SQRT1_2_HI), sl = SQRT1_2_HI - sh;
  const err = xh * sh - t + xh * sl + xl * sh + xl * sl;
  return [t, err + x * SQRT1_2_LO];
}

/** sin(pi r) and cos(pi r) for |r| <= 1/2, folded so the argument of Math.sin/cos stays below pi/4. */
function sinpiReduced(r: number): number {
  const a = Math.abs(r);
  const s = a <= 0.25 ? Math.sin(Math.PI * a) : Math.cos(Math.PI * (0.5 - a));
  return r < 0 ? -s : s;
}
function cospiReduced(r: number): number {
  const a = Math.abs(r);
  return a <= 0.25 ? Math.cos(Math.PI * a) : Math.sin(Math.PI * (0.5 - a));
}
/** x minus its nearest integer, exactly (|x| < 2^52). */
function nearestIntRest(x: number): number {
  return x - Math.round(x);
}

// ---- erf, erfc, erfcx, erfinv -------------------------------------------------------------------

/**
 * erf to within a few float64 ulps: a positive series, summed with compensation, for |x| < 2.5
 * (no cancellation); the continued fraction of erfc beyond.
 */
export function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax === 0) return x; // keeps -0
  let r: number;
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
    let term = ax, sum = ax, c = 0;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      const y = term - c, t = sum + y;
      c = t - sum - y;
      sum = t;
      if (term < sum * 1e-17) break;
    }
    r = TWO_OVER_SQRT_PI * expNegSquare(ax) * sum;
  } else if (ax < 27) r = 1 - expNegSquare(ax) / SQRT_PI / erfcFraction(ax);
  else r = 1;
  return x < 0 ? -r : r;
}

/**
 * The continued fraction F(x) = x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), with
 * erfc(x) = exp(-x^2) / (sqrt(pi) F(x)); evaluated backwards with enough terms for x >= 2.5.
 */
function erfcFraction(x: number): number {
  const n = x < 4 ? 80 : x < 8 ? 40 : 20;
  let f = x;
  for (let k = n; k >= 1; k--) f = x + k / 2 / f;
  return f;
}

/** erfc(k/8) for k = 4..20 (mpmath, 50 digits, rounded to double): the centres of erfcTaylor. */
const ERFC_EIGHTHS = [
  0.4795001221869535, 0.376759117811582, 0.28884436634648486, 0.21592493894014034, 0.15729920705028513,
  0.11161176829829224, 0.07709987174354177, 0.051829927217909674, 0.033894853524689274, 0.021556266760016336,
  0.013328328780817557, 0.00800994232988003, 0.004677734981047266, 0.0026540293594823415, 0.0014627165866811518,
  0.0007829382178911192, 0.0004069520174449589,
];

/**
 * erfc(t + tl) for 0.5 <= t < 2.5, where 1 - erf(t) would cancel and the continued fraction
 * converges slowly: the Taylor series about the nearest c = k/8. With g = erfc' =
 * -2/sqrt(pi) exp(-x^2) and g' = -2x g, g's coefficients about c follow
 * (j+1) g[j+1] = -2c g[j] - 2 g[j-1], and erfc(c + h) = erfc(c) + sum_j g[j] h^(j+1) / (j+1).
 */
function erfcTaylor(t: number, tl: number): number {
  const k = Math.round(t * 8), c = k / 8;
  const h = t - c + tl; // t - c is exact
  let gPrev = 0, g = -TWO_OVER_SQRT_PI * Math.exp(-c * c); // c*c is exact
  let hp = h, sum = 0;
  for (let j = 0; j < 60; j++) {
    const term = (g * hp) / (j + 1);
    sum += term;
    if (Math.abs(term) <= 1e-18 * Math.abs(sum)) break;
    const next = (-2 * c * g - 2 * gPrev) / (j + 1);
    gPrev = g;
    g = next;
    hp *= h;
  }
  return ERFC_EIGHTHS[k - 4]! + sum;
}

/** erfc(t + tl), tl a correction below t's last bit (ndtr's unrounded x / √2). */
function erfcParts(t: number, tl: number): number {
  if (t !== t) return t;
  if (t <= -0.5) return 2 - erfcParts(-t, -tl);
  if (t < 0.5) return 1 - erf(t) - tl * TWO_OVER_SQRT_PI * Math.exp(-t * t);
  if (t < 2.5) return erfcTaylor(t, tl);
  if (t > 27.5) return 0;
  return (expNegSquare(t) * Math.exp(-2 * t * tl)) / (SQRT_PI * erfcFraction(t));
}

/** The complementary error function 1 - erf(x), accurate where it is tiny (x up to 27). */
export function erfc(x: number): number {
  return erfcParts(x, 0);
}

/** The scaled complementary error function exp(x^2) erfc(x) (torch.special.erfcx). */
export function erfcx(x: number): number {
  if (x !== x) return x;
  if (x < 0) return x < -26.7 ? Infinity : 2 * expSquare(x) - erfcx(-x);
  if (x < 0.5) return expSquare(x) * (1 - erf(x));
  if (x < 2.5) return expSquare(x) * erfcTaylor(x, 0);
  return 1 / (SQRT_PI * erfcFraction(x));
}

/**
 * The x > 0 with erfc(x) = q, for 0 < q <= 1/2: Newton's method on log erfc(x) =
 * log erfcx(x) - x^2, which is nearly a parabola, from x = sqrt(-log q).
 */
function erfcinvTail(q: number): number {
  const lq = Math.log(q);
  let x = Math.sqrt(-lq);
  for (let i = 0; i < 12; i++) {
    const ex = erfcx(x);
    // d/dx log erfc(x) = -2 / (sqrt(pi) erfcx(x))
    const dx = ((Math.log(ex) - x * x - lq) * SQRT_PI * ex) / 2;
    x += dx;
    if (Math.abs(dx) <= 1e-16 * x) break;
  }
  return x;
}

/** The inverse error function: erfinv(erf(x)) = x, ±inf at ±1, NaN outside [-1, 1]. */
export function erfinv(y: number): number {
  if (y !== y) return y;
  const a = Math.abs(y);
  if (a > 1) return NaN;
  if (a === 1) return y * Infinity;
  if (a === 0) return y; // keeps -0
  if (a > 0.5) {
    const x = erfcinvTail(1 - a); // 1 - a is exact here
    return y < 0 ? -x : x;
  }
  // the Maclaurin series' first terms, then Newton on erf(x) = y
  const y2 = y * y;
  let x = (SQRT_PI / 2) * y * (1 + y2 * (Math.PI / 12 + y2 * ((7 * Math.PI * Math.PI) / 480 + y2 * ((127 * Math.PI ** 3) / 40320))));
  for (let i = 0; i < 4; i++) {
    const dx = (erf(x) - y) / (TWO_OVER_SQRT_PI * expNegSquare(x));
    x -= dx;
    if (Math.abs(dx) <= 1e-17 * Math.abs(x)) break;
  }
  return x;
}

// ---- the normal distribution ----------------------------------------------------------------

/** The standard normal CDF, 0.5 erfc(-x/√2), accurate in the lower tail (PyTorch 1.13's (1 + erf(x/√2)) / 2 gives 0 there). */
export function ndtr(x: number): number {
  if (!Number.isFinite(x)) return x !== x ? x : x > 0 ? 1 : 0;
  const [t, tl] = overSqrt2(-x);
  return 0.5 * erfcParts(t, tl);
}

/** log ndtr(x): log(erfcx(-x/√2) / 2) - x^2/2 below -1 (no underflow), log1p(-erfc(x/√2) / 2) above. */
export function logNdtr(x: number): number {
  if (x !== x) return x;
  if (x < -1) return Math.log(erfcx(-x * SQRT1_2_HI) / 2) - 0.5 * x * x;
  if (x === Infinity) return -0;
  const [t, tl] = overSqrt2(x);
  return Math.log1p(-0.5 * erfcParts(t, tl));
}

/** The inverse of ndtr: the x with ndtr(x) = p; ±inf at 1 and 0, NaN outside [0, 1]. */
export function ndtri(p: number): number {
  if (p !== p || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p < 0.25) return -Math.SQRT2 * erfcinvTail(2 * p);
  if (p > 0.75) return Math.SQRT2 * erfcinvTail(2 * (1 - p)); // 1 - p is exact
  return Math.SQRT2 * erfinv(2 * p - 1); // 2p - 1 is exact
}

// ---- the Hurwitz zeta function ----------------------------------------------------------------

/** B(2j) / (2j)! for j = 1..12 (Bernoulli numbers as fractions, over exact factorials). */
const BERNOULLI_OVER_FACTORIAL = (() => {
  const b: [number, number][] = [[1, 6], [-1, 30], [1, 42], [-1, 30], [5, 66], [-691, 2730], [7, 6], [-3617, 510], [43867, 798], [-174611, 330], [854513, 138], [-236364091, 2730]];
  let fact = 1;
  return b.map(([num, den], j) => {
    fact *= (2 * j + 1) * (2 * j + 2);
    return num / den / fact;
  });
})();

/**
 * The Hurwitz zeta function sum_k (q + k)^-s (torch.special.zeta(s, q)), for s > 1 and q not a
 * non-positive integer (a pole: +inf, as PyTorch); a negative q needs an integer s (else NaN).
 * Direct terms until q + N >= max(12, s), then the Euler-Maclaurin tail.
 */
export function zeta(s: number, q: number): number {
  // the checks in PyTorch's order (zeta(1, NaN) and zeta(NaN, 0) are +inf there)
  if (s === 1) return Infinity;
  if (s < 1) return NaN;
  if (q <= 0) {
    if (q === Math.floor(q)) return Infinity;
    if (s !== Math.floor(s)) return NaN;
    if (s === Infinity) return Infinity;
    // q = r - m with r in (0, 1): the m terms below 0 are (-1)^s sum_{i=1..m} (i - r)^-s
    const m = Math.ceil(-q), r = q + m;
    const below = zetaPositive(s, 1 - r) - zetaPositive(s, m + 1 - r);
    return zetaPositive(s, r) + (s % 2 === 0 ? below : -below);
  }
  return s !== s || q !== q ? NaN : zetaPositive(s, q);
}

/** zeta(s, q) for s > 1 and q > 0. */
function zetaPositive(s: number, q: number): number {
  if (q === Infinity) return 0;
  if (s === Infinity) return q === 1 ? 1 : q < 1 ? Infinity : 0;
  const bound = Math.max(12, s);
  let sum = 0, k = 0, a = q;
  for (; a < bound; a = q + ++k) {
    const term = Math.pow(a, -s);
    sum += term;
    if (term <= 1e-17 * sum) return sum;
  }
  const as = Math.pow(a, -s);
  let tail = Math.pow(a, 1 - s) / (s - 1) + 0.5 * as; // a^(1-s) apart: a * a^-s underflows first
  let rising = s, apow = as / a;
  for (let j = 0; j < BERNOULLI_OVER_FACTORIAL.length; j++) {
    const t = BERNOULLI_OVER_FACTORIAL[j]! * rising * apow;
    tail += t;
    if (Math.abs(t) <= 1e-17 * Math.abs(sum + tail)) break;
    rising *= (s + 2 * j + 1) * (s + 2 * j + 2);
    apow /= a * a;
  }
  return sum + tail;
}

// ---- log-gamma, digamma, polygamma -------------------------------------------------------------

const SERIES_TERMS = 60;
/**
 * Taylor coefficients of log Γ about 1 and 2 (DLMF 5.7.3): lgamma(1 + z) = -γ z + sum_{k>=2}
 * (-1)^k ζ(k) z^k / k and lgamma(2 + z) = (1 - γ) z + sum_{k>=2} (-1)^k (ζ(k) - 1) z^k / k,
 * with ζ(k) - 1 = ζ(k, 2) summed without cancellation. Index k holds z^k's coefficient.
 */
const LGAMMA_AT_1: number[] = [0, -EULER_GAMMA];
const LGAMMA_AT_2: number[] = [0, 1 - EULER_GAMMA];
for (let k = 2; k <= SERIES_TERMS; k++) {
  const z2 = zeta(k, 2), sign = k % 2 === 0 ? 1 : -1;
  LGAMMA_AT_1.push((sign * (1 + z2)) / k);
  LGAMMA_AT_2.push((sign * z2) / k);
}
/** sum_k c[k] z^k (c[0] unused); + 0 makes lgamma(1) = lgamma(2) = +0, as C's lgamma, not -0. */
function horner(c: readonly number[], z: number): number {
  let r = 0;
  for (let k = c.length - 1; k >= 1; k--) r = (r + c[k]!) * z;
  return r + 0;
}

/** log Γ(x) for x > 0. */
function lgammaPositive(x: number): number {
  if (x < 0.5) return horner(LGAMMA_AT_1, x) - Math.log(x);
  if (x < 1.5) return horner(LGAMMA_AT_1, x - 1);
  if (x <= 2.5) return horner(LGAMMA_AT_2, x - 2);
  if (x < 10) {
    // down into [1.5, 2.5): lgamma(x) = lgamma(y) + log(y (y + 1) ... (x - 1)), no cancellation
    const n = Math.floor(x - 1.5), y = x - n;
    let prod = y;
    for (let i = 1; i < n; i++) prod *= y + i;
    return horner(LGAMMA_AT_2, y - 2) + Math.log(prod);
  }
  // Stirling's series (DLMF 5.11.1)
  let r = (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI;
  if (x < 1e17) {
    const z = 1 / (x * x);
    let s = 0, zp = 1 / x;
    for (let j = 0; j < 8; j++) {
      // B(2j+2) / ((2j+2)(2j+1) x^(2j+1)) = B(2j+2)/(2j+2)! * (2j)! / x^(2j+1)
      s += BERNOULLI_OVER_FACTORIAL[j]! * FACTORIAL[2 * j]! * zp;
      zp *= z;
    }
    r += s;
  }
  return r;
}

/** n! for n = 0..170 (exact up to 22!, then rounded once per step). */
const FACTORIAL: number[] = [1];
for (let n = 1; n <= 170; n++) FACTORIAL.push(FACTORIAL[n - 1]! * n);

/** log |Γ(x)| (torch.lgamma): +inf at 0 and the negative integers, reflection below 0. */
export function lgamma(x: number): number {
  if (x !== x) return x;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x > 0) return lgammaPositive(x);
  if (x === Math.floor(x)) return Infinity; // 0, -0 and the poles
  // Γ(x) Γ(1 - x) = pi / sin(pi x)
  const s = Math.abs(sinpiReduced(nearestIntRest(x)));
  const rest = x > -0.5 ? horner(LGAMMA_AT_1, -x) : lgammaPositive(1 - x);
  return Math.log(Math.PI / s) - rest;
}

/** The positive root of digamma, as hi + lo. */
const DIGAMMA_ROOT_HI = 1.4616321449683622, DIGAMMA_ROOT_LO = 9.549995429965697e-17;
/** digamma's Taylor coefficients about its root: psi(x0 + h) = sum_{k>=1} (-1)^(k+1) ζ(k+1, x0) h^k. */
const DIGAMMA_AT_ROOT: number[] = [0];
for (let k = 1; k <= 50; k++) DIGAMMA_AT_ROOT.push((k % 2 === 1 ? 1 : -1) * zeta(k + 1, DIGAMMA_ROOT_HI));

/** digamma for x >= 1, where the recurrence toward large x would cancel: shifted into [1, 2] and the series about the root. */
function digammaPositive(x: number): number {
  if (x >= 10) {
    // the asymptotic series (DLMF 5.11.2): log x - 1/(2x) - sum B(2k) / (2k x^(2k))
    if (x >= 1e17) return Math.log(x) - 0.5 / x;
    const z = 1 / (x * x);
    let s = 0, zp = z;
    for (let j = 0; j < 8; j++) {
      s += BERNOULLI_OVER_FACTORIAL[j]! * FACTORIAL[2 * j + 1]! * zp;
      zp *= z;
    }
    return Math.log(x) - 0.5 / x - s;
  }
  // psi(x) = psi(y) + sum_{i < n} 1 / (y + i) with y in [1, 2): both parts positive past 2
  const n = Math.floor(x - 1), y = x - n;
  let up = 0;
  for (let i = 0; i < n; i++) up += 1 / (y + i);
  return horner(DIGAMMA_AT_ROOT, y - DIGAMMA_ROOT_HI - DIGAMMA_ROOT_LO) + up;
}

/**
 * The digamma function psi = Γ'/Γ (torch.digamma), with PyTorch's values at the poles:
 * -inf at +0, +inf at -0, NaN at the negative integers and -inf.
 */
export function digamma(x: number): number {
  if (x !== x) return x;
  if (x === 0) return 1 / x < 0 ? Infinity : -Infinity;
  if (x === Infinity) return x;
  if (x < 0) {
    if (x === Math.floor(x)) return NaN;
    // psi(1 - x) - psi(x) = pi cot(pi x)
    const r = nearestIntRest(x);
    return digamma(1 - x) - (Math.PI * cospiReduced(r)) / sinpiReduced(r);
  }
  if (x < 1) return digammaPositive(x + 1) - 1 / x;
  return digammaPositive(x);
}

/**
 * The n-th derivative of digamma (torch.polygamma(n, x)), n a non-negative integer:
 * (-1)^(n+1) n! ζ(n + 1, x) for n >= 1. 0 at +inf, NaN at -inf, ±inf at the poles
 * (x = 0, -1, -2, ...; PyTorch's trigamma gives large finite values there).
 */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (x !== x || x === -Infinity) return NaN;
  const f = n <= 170 ? FACTORIAL[n]! : Infinity;
  const z = zeta(n + 1, x);
  return (n % 2 === 1 ? 1 : -1) * (z === 0 ? 0 : f * z);
}

// ---- modified Bessel functions of the first kind ---------------------------------------------

/**
 * sum_k (a^2/4)^k / (k! (k + nu)!), the power series of I_nu(a) / (a/2)^nu: positive terms
 * only. a^2 is rounded once (relative error d), which every term k would repeat k times:
 * the sum is corrected by d sum_k k term_k.
 */
function besselSeries(a: number, nu: 0 | 1): number {
  const p = a * a, ah = splitHi(a), al = a - ah;
  const d = p > 0 && a < 1e150 ? (ah * ah - p + 2 * ah * al + al * al) / p : 0;
  const q = p / 4;
  let term = 1, sum = 1, c = 0, weighted = 0;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * (k + nu));
    // compensated: the many additions to a large sum would each round
    const y = term - c, t = sum + y;
    c = t - sum - y;
    sum = t;
    weighted += k * term;
    if (term <= 1e-17 * sum) break;
  }
  return sum + d * weighted;
}

/**
 * Hankel's expansion of I_nu(a) sqrt(2 pi a) e^-a for large a (DLMF 10.40.1): terms
 * multiply by ((2k-1)^2 - 4 nu^2) / (8 k a); used from a = 17.5, where it is within an ulp
 * (its smallest term is about e^(-2a)).
 */
function besselAsymptotic(a: number, nu: 0 | 1): number {
  let term = 1, tail = 0; // the terms after the first summed apart: adding each to 1 would round
  for (let k = 1; k < 200; k++) {
    const next = (term * ((2 * k - 1) ** 2 - 4 * nu * nu)) / (8 * k * a);
    if (Math.abs(next) >= Math.abs(term)) break;
    term = next;
    tail += term;
    if (Math.abs(term) <= 1e-18) break;
  }
  return 1 + tail;
}

const BESSEL_SWITCH = 17.5;

/** The modified Bessel function I0 (torch.i0); +inf at ±inf (PyTorch 1.13 gives NaN there). */
export function i0(x: number): number {
  const a = Math.abs(x);
  if (a !== a || a === Infinity) return a;
  if (a <= BESSEL_SWITCH) return besselSeries(a, 0);
  const e = Math.exp(a / 2); // e^a in two halves: I0 is finite a little past exp's overflow
  return e * ((e * besselAsymptotic(a, 0)) / Math.sqrt(2 * Math.PI * a));
}

/** exp(-|x|) I0(x) (torch.special.i0e). */
export function i0e(x: number): number {
  const a = Math.abs(x);
  if (a !== a) return a;
  if (a <= BESSEL_SWITCH) return Math.exp(-a) * besselSeries(a, 0);
  return besselAsymptotic(a, 0) / Math.sqrt(2 * Math.PI * a);
}

/** The modified Bessel function I1 (torch.special.i1), odd; ±inf at ±inf. */
export function i1(x: number): number {
  const a = Math.abs(x);
  if (a !== a) return a;
  let r: number;
  if (a === Infinity) r = a;
  else if (a <= BESSEL_SWITCH) r = (a / 2) * besselSeries(a, 1);
  else {
    const e = Math.exp(a / 2);
    r = e * ((e * besselAsymptotic(a, 1)) / Math.sqrt(2 * Math.PI * a));
  }
  return x < 0 ? -r : r;
}

/** exp(-|x|) I1(x) (torch.special.i1e), odd. */
export function i1e(x: number): number {
  const a = Math.abs(x);
  if (a !== a) return a;
  const r = a <= BESSEL_SWITCH ? Math.exp(-a) * (a / 2) * besselSeries(a, 1) : besselAsymptotic(a, 1) / Math.sqrt(2 * Math.PI * a);
  return x < 0 ? -r : r;
}

/** sqrt(2 pi), for the normal density in the derivatives. */
export { SQRT_2PI };

/** The helpers the elementwise table's expressions call (H.name). */
export const SPECIAL_HELPERS = { erf, erfc, erfcx, erfinv, ndtr, logNdtr, ndtri, zeta, lgamma, digamma, polygamma, i0, i0e, i1, i1e };

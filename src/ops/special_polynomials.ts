/**
 * The orthogonal polynomials of torch.special (chebyshev_polynomial_t/u/v/w and their shifted
 * forms, hermite_polynomial_h/he, laguerre_polynomial_l, legendre_polynomial_p) as scalar float64
 * functions of (x, n), which the elementwise table's loops call as H.name.
 *
 * PyTorch 1.13's algorithms (aten/src/ATen/native/Math.h): the three-term recurrence, and for
 * the Chebyshev kinds at large n inside (-1, 1) the trigonometric forms (cos(n acos x), ...), with
 * its values at x = ±1 (and 0, 1 for the shifted ones). n is truncated toward zero as C++'s
 * static_cast<int64_t> does: a fractional n is its integer part, and a negative n gives 0; so does
 * a NaN or infinite n, or one beyond 2^63, which x86 converts to INT64_MIN. The recurrence runs
 * n steps, as PyTorch's does; where it would run more than 2^22 (PyTorch takes minutes to years
 * over a degree like 1e12), the kernel raises an ArgumentError instead of hanging.
 */
import { ArgumentError } from "../errors.js";
import { fma } from "./special_fma.js";

/** The most recurrence steps one value may take (~0.2 s in these loops; PyTorch's C++ takes ~10 ms). */
const MAX_DEGREE = 2 ** 22;
/** Refuses a degree whose recurrence would run past MAX_DEGREE steps. */
function checkDegree(x: number, n: number): void {
  if (n > MAX_DEGREE) {
    throw new ArgumentError(`degree n = ${n} at x = ${x} needs n steps of the three-term recurrence (PyTorch runs them all, which takes minutes to years); Fluxion refuses degrees above 2^22 there`);
  }
}

/** n as PyTorch's static_cast<int64_t>(n): truncated; NaN, ±inf and |n| >= 2^63 give -1 (negative, as INT64_MIN). */
function order(n: number): number {
  return Math.abs(n) < 9223372036854775808 ? Math.trunc(n) : -1;
}
/** n even, for the sign of the values at -1 (n a truncated order, so % is exact). */
const even = (n: number) => n % 2 === 0;

/** T_n(x), the Chebyshev polynomial of the first kind (torch.special.chebyshev_polynomial_t). */
export function chebyshevT(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (Math.abs(x) === 1) return x > 0 || even(n) ? 1 : -1;
  if (n > 6 && Math.abs(x) < 1) return Math.cos(n * Math.acos(x));
  if (n === 0) return 1;
  if (n === 1) return x;
  checkDegree(x, n);
  return recurrence(x + x, 1, x, n);
}

/** U_n(x), of the second kind (torch.special.chebyshev_polynomial_u). */
export function chebyshevU(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (Math.abs(x) === 1) return x > 0 || even(n) ? n + 1 : -(n + 1);
  if (n > 8 && Math.abs(x) < 1) {
    const t = Math.acos(x);
    if (Math.sin(t) !== 0) return Math.sin((n + 1) * t) / Math.sin(t);
    return ((n + 1) * Math.cos((n + 1) * t)) / x;
  }
  if (n === 0) return 1;
  if (n === 1) return x + x;
  checkDegree(x, n);
  return recurrence(x + x, 1, x + x, n);
}

/** V_n(x), of the third kind (torch.special.chebyshev_polynomial_v). */
export function chebyshevV(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (Math.abs(x) === 1) return x > 0 ? 1 : even(n) ? n + n + 1 : -(n + n + 1);
  if (n > 8 && Math.abs(x) < 1) {
    const t = Math.acos(x);
    if (Math.sin(t / 2) !== 1) return Math.cos((n + 0.5) * t) / Math.cos(t / 2);
    return even(n) ? n + n + 1 : -(n + n + 1);
  }
  if (n === 0) return 1;
  if (n === 1) return x + x - 1;
  checkDegree(x, n);
  return recurrence(x + x, 1, x + x - 1, n);
}

/** W_n(x), of the fourth kind (torch.special.chebyshev_polynomial_w). */
export function chebyshevW(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (Math.abs(x) === 1) return x > 0 ? n + n + 1 : even(n) ? 1 : -1;
  if (n > 8 && Math.abs(x) < 1) {
    const t = Math.acos(x);
    if (Math.cos(t / 2) !== 1) return Math.sin((n + 0.5) * t) / Math.sin(t / 2);
    return x > 0 ? n + n + 1 : even(n) ? 1 : -1;
  }
  if (n === 0) return 1;
  if (n === 1) return x + x + 1;
  checkDegree(x, n);
  return recurrence(x + x, 1, x + x + 1, n);
}

/** r_k = c r_{k-1} - r_{k-2} for k = 2..n from r_0 = p, r_1 = q: the Chebyshev recurrences. */
function recurrence(c: number, p: number, q: number, n: number): number {
  let r = q;
  for (let k = 2; k <= n; k++) {
    r = fma(c, q, -p);
    p = q;
    q = r;
  }
  return r;
}

/** T*_n(x) = T_n(2x - 1) (torch.special.shifted_chebyshev_polynomial_t). */
export function shiftedChebyshevT(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (x === 1) return 1;
  if (x === 0) return even(n) ? 1 : -1;
  const y = x + x - 1;
  if (n > 6 && Math.abs(y) < 1) return Math.cos(n * Math.acos(y));
  if (n === 0) return 1;
  if (n === 1) return y;
  checkDegree(x, n);
  return recurrence(y + y, 1, y, n);
}

/** U*_n(x) = U_n(2x - 1) (torch.special.shifted_chebyshev_polynomial_u). */
export function shiftedChebyshevU(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (x === 1) return n + 1;
  if (x === 0) return even(n) ? n + 1 : -(n + 1);
  const y = x + x - 1;
  if (n > 6 && Math.abs(y) < 1) {
    const t = Math.acos(y);
    if (Math.sin(t) !== 0) return Math.sin((n + 1) * t) / Math.sin(t);
    return ((n + 1) * Math.cos((n + 1) * t)) / y;
  }
  if (n === 0) return 1;
  if (n === 1) return y + y;
  checkDegree(x, n);
  return recurrence(y + y, 1, y + y, n);
}

/** V*_n(x) = V_n(2x - 1) (torch.special.shifted_chebyshev_polynomial_v). */
export function shiftedChebyshevV(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (x === 1) return 1;
  if (x === 0) return even(n) ? n + n + 1 : -(n + n + 1);
  const y = x + x - 1;
  if (n > 6 && Math.abs(y) < 1) {
    const t = Math.acos(y);
    if (Math.sin(t / 2) !== 1) return Math.cos((n + 0.5) * t) / Math.cos(t / 2);
    return even(n) ? n + n + 1 : -(n + n + 1);
  }
  if (n === 0) return 1;
  if (n === 1) return y + y - 1;
  checkDegree(x, n);
  return recurrence(y + y, 1, y + y - 1, n);
}

/** W*_n(x) = W_n(2x - 1) (torch.special.shifted_chebyshev_polynomial_w; trigonometric from n > 4, as PyTorch). */
export function shiftedChebyshevW(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (x === 1) return n + n + 1;
  if (x === 0) return even(n) ? 1 : -1;
  const y = x + x - 1;
  if (n > 4 && Math.abs(y) < 1) {
    const t = Math.acos(y);
    if (Math.cos(t / 2) !== 1) return Math.sin((n + 0.5) * t) / Math.sin(t / 2);
    return even(n) ? 1 : -1;
  }
  if (n === 0) return 1;
  if (n === 1) return y + y + 1;
  checkDegree(x, n);
  return recurrence(y + y, 1, y + y + 1, n);
}

/** H_n(x), the physicists' Hermite polynomial (torch.special.hermite_polynomial_h). */
export function hermiteH(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (n === 0) return 1;
  if (n === 1) return x + x;
  checkDegree(x, n);
  let p = 1, q = x + x, r = q;
  for (let k = 2; k < n + n; k += 2) {
    r = fma(x + x, q, -(k * p));
    p = q;
    q = r;
  }
  return r;
}

/** He_n(x), the probabilists' Hermite polynomial (torch.special.hermite_polynomial_he). */
export function hermiteHe(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (n === 0) return 1;
  if (n === 1) return x;
  checkDegree(x, n);
  let p = 1, q = x, r = q;
  for (let k = 1; k < n; k++) {
    r = fma(x, q, -(k * p));
    p = q;
    q = r;
  }
  return r;
}

/** L_n(x), the Laguerre polynomial (torch.special.laguerre_polynomial_l): 1 at x = 0. */
export function laguerreL(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (Math.abs(x) === 0) return 1;
  if (n === 0) return 1;
  if (n === 1) return 1 - x;
  checkDegree(x, n);
  let p = 1, q = 1 - x, r = q;
  for (let k = 1; k < n; k++) {
    r = fma(k + k + (1 - x), q, -(k * p)) / (k + 1);
    p = q;
    q = r;
  }
  return r;
}

/** P_n(x), the Legendre polynomial (torch.special.legendre_polynomial_p). */
export function legendreP(x: number, nIn: number): number {
  const n = order(nIn);
  if (n < 0) return 0;
  if (Math.abs(x) === 1) return x > 0 || even(n) ? 1 : -1;
  if (n === 0) return 1;
  if (n === 1) return x;
  checkDegree(x, n);
  let p = 1, q = x, r = q;
  for (let k = 1; k < n; k++) {
    r = fma((k + k + 1) * x, q, -(k * p)) / (k + 1);
    p = q;
    q = r;
  }
  return r;
}

export const POLYNOMIAL_HELPERS = {
  chebyshevT, chebyshevU, chebyshevV, chebyshevW, shiftedChebyshevT, shiftedChebyshevU, shiftedChebyshevV, shiftedChebyshevW,
  hermiteH, hermiteHe, laguerreL, legendreP,
};

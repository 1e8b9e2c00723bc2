/**
 * a·b + c rounded once (a fused multiply-add) for the special functions' scalar code.
 *
 * PyTorch's CPU kernels are compiled with FMA contraction, so the Cephes-derived loops in its
 * Math.h (Horner and Clenshaw steps, three-term recurrences, continued fractions) compute
 * a·b - c·d as fma(a, b, -(c·d)); doing the same here reproduces its float64 values to the last
 * bit or two where plain arithmetic drifts by hundreds of ulps after a hundred steps near a root.
 * Dekker's exact product, then the sum with its rounding error carried; products of numbers
 * beyond 1e300 (whose split would overflow) round twice.
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  if (!Number.isFinite(p) || Math.abs(a) > 1e300 || Math.abs(b) > 1e300) return p + c;
  const ah = 134217729 * a - (134217729 * a - a), al = a - ah; // 2^27 + 1: 26-bit halves
  const bh = 134217729 * b - (134217729 * b - b), bl = b - bh;
  const pe = ah * bh - p + ah * bl + al * bh + al * bl; // p + pe = a·b exactly
  const s = p + c, bb = s - p;
  const se = p - (s - bb) + (c - bb); // s + se = p + c exactly
  return s + (se + pe);
}

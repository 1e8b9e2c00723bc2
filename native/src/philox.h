// Philox4x32-10 and the mapping of its words to values, exactly as src/tensor/philox.ts (the
// reference) defines them: the same operations in the same order in plain double arithmetic,
// no library calls but sqrt (correctly rounded everywhere), so every value is bit-identical to
// the TypeScript one. The file that includes it turns floating-point contraction off (an FMA
// would round differently). Read src/tensor/philox.ts for the definitions.
#pragma once

#include <cstdint>

namespace fluxion {
namespace philox {
// internal linkage: each unit that includes this (the portable binding and the per-ISA
// random_fill_<isa>.cc) keeps its own copies, compiled under its own flags (an inline
// function shared across units could resolve to another ISA's build)
namespace {

struct Words {
  uint32_t w[4];
};

inline Words block(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += 0x9e3779b9u;
      k1 += 0xbb67ae85u;
    }
    const uint64_t p0 = (uint64_t)0xd2511f53u * c0, p1 = (uint64_t)0xcd9e8d57u * c2;
    const uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  return Words{{c0, c1, c2, c3}};
}

inline double bits53(uint32_t a, uint32_t b) { return (double)(a >> 5) * 67108864.0 + (double)(b >> 6); }
inline double u53(uint32_t a, uint32_t b) { return bits53(a, b) * 0x1p-53; }
inline double u24(uint32_t a) { return (double)(a >> 8) * 0x1p-24; }

// floor((b 2^32 + a) span / 2^64) for an integer span in [1, 2^64)
inline uint64_t below64(uint32_t a, uint32_t b, uint64_t span) {
  const uint64_t r = ((uint64_t)b << 32) | a;
  // the high half of the 128-bit product r * span, from 32-bit pieces
  const uint64_t rl = (uint32_t)r, rh = r >> 32, sl = (uint32_t)span, sh = span >> 32;
  const uint64_t ll = rl * sl, lh = rl * sh, hl = rh * sl, hh = rh * sh;
  const uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
  return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

// ln(k 2^-bits) for an integer k in [1, 2^53] given as the double kd = k (exact) (fdlibm's
// e_log.c kernel). Branch-free, so that a loop over many k vectorises: the exponent and the
// mantissa m = k 2^-e in [1, 2) come from kd's bits, and the halving of m above sqrt(2) is a
// select.
inline double log_scaled(double kd, int bits) {
  uint64_t b;
  __builtin_memcpy(&b, &kd, 8);
  const int e0 = (int)(b >> 52) - 1023;
  const uint64_t mb = (b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
  double m;
  __builtin_memcpy(&m, &mb, 8);
  const bool big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  const int e = big ? e0 + 1 : e0;
  const double f = m - 1;
  const double dk = (double)(e - bits);
  const double s = f / (2 + f), z = s * s, w = z * z;
  const double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const double t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const double R = t2 + t1, hfsq = 0.5 * f * f;
  return dk * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + R) + dk * 1.90821492927058770002e-10)) - f);
}

// sin(2 pi v) and cos(2 pi v) for v in [0, 1) (fdlibm's k_sin.c / k_cos.c kernels); the
// quadrant and the reflection are selects and sign products (exact), not branches
inline void sin_cos_2pi(double v, double* sn, double* cs) {
  const double t = v * 4;
  const int q = (int)t;  // floor: t >= 0
  const double r0 = t - (double)q;
  const bool swap = r0 > 0.5;
  const double r = swap ? 1 - r0 : r0;
  const double x = r * 1.5707963267948966, z = x * x;
  const double s = x + z * x * (-1.66666666666666324348e-01 + z * (8.33333333332248946124e-03 + z * (-1.98412698298579493134e-04 +
                   z * (2.75573137070700676789e-06 + z * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10)))));
  const double c = 1 - (0.5 * z - z * (z * (4.16666666666666019037e-02 + z * (-1.38888888888741095749e-03 + z * (2.48015872894767294178e-05 +
                   z * (-2.75573143513906633035e-07 + z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11)))))));
  const double sq = swap ? c : s, cq = swap ? s : c;
  // quadrants 0..3: sin = sq, cq, -sq, -cq; cos = cq, -sq, -cq, sq
  *sn = ((q & 1) ? cq : sq) * ((q & 2) ? -1.0 : 1.0);
  *cs = ((q & 1) ? sq : cq) * (((q + 1) & 2) ? -1.0 : 1.0);
}

// Both normals of a Box-Muller pair (cos first, then sin): float32's pair p of a block uses
// words 2p and 2p+1 as 24-bit uniforms, float64's only pair all four words as 53-bit ones.
inline void normal_pair24(const Words& w, int p, double* even, double* odd) {
  const double r = __builtin_sqrt(-2 * log_scaled((double)((w.w[2 * p] >> 8) + 1), 24));
  double sn, cs;
  sin_cos_2pi(u24(w.w[2 * p + 1]), &sn, &cs);
  *even = r * cs;
  *odd = r * sn;
}
inline void normal_pair53(const Words& w, double* even, double* odd) {
  const double r = __builtin_sqrt(-2 * log_scaled(bits53(w.w[0], w.w[1]) + 1, 53));
  double sn, cs;
  sin_cos_2pi(u53(w.w[2], w.w[3]), &sn, &cs);
  *even = r * cs;
  *odd = r * sn;
}

}  // namespace
}  // namespace philox
}  // namespace fluxion

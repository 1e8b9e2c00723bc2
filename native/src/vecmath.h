// Vectorized float32 transcendental functions for the AVX-512 and AVX2 kernels: range
// reduction + polynomial approximations written once against the vector types of
// vecmath_avx512.h / vecmath_avx2.h (so both paths give bit-identical results). The
// portable kernels keep the float64 libm path (ewise_ops.inc); these replace it for
// float32 tensors only. Float64 tensors always take libm.
//
// Accuracy target: within 2 ulp (of float32) of the exact result over every float32 input,
// special values as the float64 reference gives them (NaN in -> NaN out, ±inf, ±0,
// subnormal inputs and results, overflow to ±inf). The polynomial coefficients are our
// own minimax fits (Lawson's iteration in float64, each coefficient rounded to float32 and
// the rest refitted); the reductions follow the classic Cody-Waite / Cephes scheme. Where a
// float32 evaluation cannot be accurate enough (sin/cos, pow, gelu's tails, the tanh form
// of gelu) the hard part runs on double lanes. The measured worst cases per function are
// in native/tools/vecmath_sweep.cc's header (a sweep over every float32).
//
// Included inside an ISA's anonymous namespace after its vecmath_<isa>.h; no state.
#pragma once

// ---- helpers --------------------------------------------------------------------------

constexpr float kInf = __builtin_inff();
constexpr float kNaN = __builtin_nanf("");

template <int N>
inline VF vpoly(VF x, const float (&c)[N]) {
  VF p = vset(c[N - 1]);
  for (int k = N - 2; k >= 0; k--) p = vfma(p, x, vset(c[k]));
  return p;
}
template <int N>
inline VD vpoly(VD x, const double (&c)[N]) {
  VD p = vsetd(c[N - 1]);
  for (int k = N - 2; k >= 0; k--) p = vfma(p, x, vsetd(c[k]));
  return p;
}

inline VF zero_f() { return vset(0.0f); }
inline VF vabs(VF x) { return vandnot(vset(-0.0f), x); }
inline VF vsignbit(VF x) { return vand(vset(-0.0f), x); }
// |m| with the sign of s (m non-negative)
inline VF vwithsign(VF m, VF s) { return vor(m, vsignbit(s)); }

// 2^n for integral float n in [-126, 127]
inline VF vpow2(VF n) { return vfrombits(vslli<23>(vaddi(vcvti(n), vseti(127)))); }
// y * 2^n for integral n in [-252, 254]: two exact steps, so the one rounding (into the
// subnormals, or to ±inf) happens at the last multiply
inline VF vldexp_wide(VF y, VF n) {
  const VF n1 = vfloor(n * vset(0.5f));
  return y * vpow2(n1) * vpow2(n - n1);
}

// Rounding to an integer through the float's own bits: t = x + 1.5*2^23 + B rounds x to
// the nearest integer n (ties to even, |x| < 2^22) and leaves B + n in t's low mantissa
// bits, so (bits(t) << 23) is 2^(n + B - 127) and t - (1.5*2^23 + B) is n.
constexpr float kRoundMagic = 12582912.0f;

// ---- exp and relatives ------------------------------------------------------------------

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;        // 9 bits: n * kLn2Hi is exact
constexpr float kLn2Lo = -2.12194440e-4f;     // ln 2 - kLn2Hi

// e^x = 2^n 2^(j/8) e^r with m = 8n + j = round(8x / ln 2) and |r| <= ln2/16: the table
// entry 2^(j/8) as float hi + lo, e^r - 1 = s = r + r^2 P(r) (relative error 5e-9 of s),
// so e^x = 2^n (th + (th s + tl)) is accurate to a few hundredths of an ulp before the last
// rounding, and s is small enough that its own rounding does not matter.
constexpr float kExpT[8] = {1.000000000e+00f, 1.090507746e+00f, 1.189207077e+00f, 1.296839595e+00f,
                            1.414213538e+00f, 1.542210817e+00f, 1.681792855e+00f, 1.834008098e+00f};
constexpr float kExpTLo[8] = {0.0f, -1.307753994e-08f, 3.797635273e-08f, -4.018999533e-08f,
                              2.420323497e-08f, 8.070904833e-09f, -2.475532668e-08f, -1.123927795e-08f};
constexpr float kLog2e8 = 11.5415602f;
constexpr float kLn2Hi8 = 0.086669921875f, kLn2Lo8 = -2.65243050e-05f;  // kLn2Hi / 8, kLn2Lo / 8
constexpr float kExpP[] = {5.000000000e-01f, 1.666796654e-01f, 4.166812450e-02f};

struct ExpParts {
  VF n;        // integral
  VF th, tl;   // 2^(j/8) = th + tl
  VF s;        // e^r - 1
  VF pow2n;    // 2^n, valid when n in [-126, 127] (pow2_fast(n): every lane is)
};
// e^(x - c) for |x| <= 150 (callers clamp) and a small correction c (0 for plain exp)
inline ExpParts exp_parts(VF x, VF c) {
  // t = x 8/ln2 + 1.5 2^23 + 8*127: its low bits hold 8*127 + m; j = m mod 8, 2^n = 2^(m >> 3)
  const VF t = vfma(x, vset(kLog2e8), vset(kRoundMagic + 1016.0f));
  const VF m = t - vset(kRoundMagic + 1016.0f);
  const VI b = vbits(t), j = vandi(b, vseti(7));
  const VF r = vfnma(m, vset(kLn2Hi8), x) - vfma(m, vset(kLn2Lo8), c);  // the first part is exact
  const VF s = vfma(r * r, vpoly(r, kExpP), r);
  return {vfloor(m * vset(0.125f)), vlut8(kExpT, j), vlut8(kExpTLo, j), s, vfrombits(vslli<23>(vsrai<3>(b)))};
}
inline ExpParts exp_parts(VF x) { return exp_parts(x, zero_f()); }
inline bool pow2_fast(VF n) { return !vany((n < vset(-126.0f)) | (n > vset(127.0f))); }
// 2^(j/8) e^r in [0.95, 1.92], one rounding
inline VF exp_mantissa(const ExpParts& e) { return e.th + vfma(e.th, e.s, e.tl); }

// the mantissa times 2^n, through the subnormals and to +inf where needed
inline VF exp_finish(const ExpParts& e) {
  const VF y = exp_mantissa(e);
  return pow2_fast(e.n) ? y * e.pow2n : vldexp_wide(y, e.n);
}

// |x| < 87 in every lane: e^x's n lies in [-126, 126] (8x/ln2 rounds to m >= -1004), so
// 2^n is e.pow2n. Checked on x, which saves exp_finish's floor and range test of n; where
// it says no, vldexp_wide gives the same bits for the lanes that were in range anyway.
inline bool exp_arg_fast(VF x) { return vall(vabs(x) < vset(87.0f)); }

inline VF vexp(VF x) {
  const VF xc = vmin(vmax(x, vset(-104.0f)), vset(89.0f));  // beyond: 0 and +inf
  const ExpParts e = exp_parts(xc);
  const VF y = exp_mantissa(e);
  const VF r = exp_arg_fast(x) ? y * e.pow2n : vldexp_wide(y, e.n);
  return vsel(visnan(x), x, r);
}

// 2^x: x = n + r exactly (|r| <= 1/2), 2^r = 1 + r Q(r)
constexpr float kExp2P[] = {6.931471825e-01f, 2.402265072e-01f, 5.550405011e-02f, 9.618086740e-03f,
                            1.333797234e-03f, 1.545209525e-04f, 1.432021418e-05f};
inline VF vexp2(VF x) {
  const VF xc = vmin(vmax(x, vset(-151.0f)), vset(129.0f));
  const VF n = vround(xc);
  const VF r = xc - n;
  const VF y = vfma(r, vpoly(r, kExp2P), vset(1.0f));
  const VF res = pow2_fast(n) ? y * vpow2(n) : vldexp_wide(y, n);
  return vsel(visnan(x), x, res);
}

// e^x - 1 = 2^n ((th - 2^-n) + (th s + tl)): for m = 0 (|x| < ln2/16) just s, accurate to
// the last bit of tiny x; otherwise th - 2^-n is exact (while -5 < n <= 23) and one rounding
// remains.
inline VF vexpm1(VF x) {
  const VF xc = vmin(vmax(x, vset(-18.0f)), vset(89.0f));  // below -17.4 the result rounds to -1
  const ExpParts e = exp_parts(xc);
  const VF c = e.th - vpow2(vmax(zero_f() - e.n, vset(-126.0f)));
  const VF y = c + vfma(e.th, e.s, e.tl);
  const VF res = pow2_fast(e.n) ? y * e.pow2n : vldexp_wide(y, e.n);
  // NaN passes; ±0 keeps its sign
  return vsel(visnan(x) | (x == vset(0.0f)), x, res);
}

// ---- log and relatives ------------------------------------------------------------------

// x = 2^e (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)), for finite x > 0 (subnormals too)
inline void log_parts(VF x, VF& e, VF& f) {
  const VB sub = x < vset(1.17549435e-38f);
  const VF xs = vsel(sub, x * vset(8388608.0f), x);  // 2^23
  const VI bits = vbits(xs);
  const VI k = vsrai<23>(vsubi(bits, vseti(0x3f3504f3)));  // 0x3f3504f3: sqrt(1/2)
  f = vfrombits(vsubi(bits, vslli<23>(k))) - vset(1.0f);    // exact
  e = vcvtf(k) - vsel(sub, vset(23.0f), vset(0.0f));
}
// log1p(f) = f - f^2/2 + f^3 P(f) on the range above, relative error 7.7e-10
constexpr float kLogP[] = {3.333331347e-01f, -2.500000894e-01f, 2.000207156e-01f, -1.666798890e-01f, 1.422035843e-01f,
                           -1.240623519e-01f, 1.188355237e-01f, -1.167008504e-01f, 6.749236584e-02f};
// log1p(f) - f
inline VF log1p_tail(VF f) {
  const VF z = f * f;
  const VF y = f * z * vpoly(f, kLogP);
  return vfnma(vset(0.5f), z, y);
}

// log(x) = e ln2 + log1p(f), with e ln2 split so that e * kLn2Hi is exact; `corr` is added
// to the small terms (log1p's rounding correction)
inline VF log_core(VF e, VF f, VF corr) {
  VF y = log1p_tail(f);
  y = vfma(e, vset(kLn2Lo), y + corr);
  return vfma(e, vset(kLn2Hi), f + y);
}

// NaN for x < lo, -inf at x == lo, +inf at +inf, NaN passes
inline VF log_specials(VF x, VF r, float lo) {
  r = vsel(x == vset(lo), vset(-kInf), r);
  r = vsel(x < vset(lo), vset(kNaN), r);
  r = vsel(x == vset(kInf), x, r);
  return vsel(visnan(x), x, r);
}

inline VF vlog(VF x) {
  VF e, f;
  log_parts(x, e, f);
  return log_specials(x, log_core(e, f, vset(0.0f)), 0.0f);
}

// log1p(x) = log(u) + c/u with u = 1 + x rounded and c its rounding error (exact)
inline VF vlog1p(VF x) {
  const VF one = vset(1.0f);
  const VF u = one + x;
  const VF c = vsel(x > one, one - (u - x), x - (u - one));
  VF e, f;
  log_parts(u, e, f);
  const VF r = log_core(e, f, c / u);
  return vsel(x == vset(0.0f), x, log_specials(x, r, -1.0f));
}

// log2(x) = e + log1p(f) log2(e): the product f * log2(e) kept exact (hi + lo)
constexpr float kL2e = 1.44269502163f, kL2eLo = 1.925963033e-8f;
inline VF vlog2(VF x) {
  VF e, f;
  log_parts(x, e, f);
  const VF y = log1p_tail(f);
  const VF p = f * vset(kL2e);
  const VF lo = vfma(y, vset(kL2e), vfma(f, vset(kL2eLo), vfms(f, vset(kL2e), p)));
  return log_specials(x, e + (p + lo), 0.0f);
}

// log10(x) = e log10(2) + log1p(f) log10(e)
constexpr float kLg2Hi = 0.301025390625f, kLg2Lo = 4.6050389811952113e-06f;  // kLg2Hi: 12 bits
constexpr float kL10e = 0.434294492f, kL10eLo = -1.01958748e-08f;
inline VF vlog10(VF x) {
  VF e, f;
  log_parts(x, e, f);
  const VF y = log1p_tail(f);
  const VF p = f * vset(kL10e);
  VF lo = vfma(y, vset(kL10e), vfma(f, vset(kL10eLo), vfms(f, vset(kL10e), p)));
  lo = vfma(e, vset(kLg2Lo), lo);
  return log_specials(x, vfma(e, vset(kLg2Hi), p + lo), 0.0f);
}

// ---- hyperbolic --------------------------------------------------------------------------

// tanh(x) = x + x^3 P(x^2) for |x| < 0.625, relative error 4.5e-9
constexpr float kTanhP[] = {-3.333328068e-01f, 1.333140582e-01f, -5.373651534e-02f, 2.062816732e-02f, -5.692296661e-03f};
inline VF vtanh(VF x) {
  const VF ax = vabs(x);
  const VB small = ax < vset(0.625f);
  VF r;
  if (vall(small)) {
    const VF z = x * x;
    r = vfma(x * z, vpoly(z, kTanhP), x);
  } else {
    // 1 - 2 / (e^{2|x|} + 1); e^19 is the last value that does not round tanh to 1
    const ExpParts p = exp_parts(vmin(ax + ax, vset(19.0f)));
    const VF e = exp_mantissa(p) * p.pow2n;  // n in [0, 28]: no range check (NaN lanes are replaced below)
    const VF big = vwithsign(vset(1.0f) - vset(2.0f) / (e + vset(1.0f)), x);
    const VF z = x * x;
    r = vsel(small, vfma(x * z, vpoly(z, kTanhP), x), big);
  }
  return vsel(visnan(x) | (x == vset(0.0f)), x, r);  // NaN, and ±0 keeps its sign
}

// sinh(x) = x + x^3 P(x^2) for |x| < 1; else e^|x|/2 - 1/(2 e^|x|) with e^|x|/2 scaled once
constexpr float kSinhP[] = {1.666666716e-01f, 8.333310485e-03f, 1.984289411e-04f, 2.782229785e-06f};
// e^a / 2 for 0 <= a <= 90 (overflowing to +inf)
inline VF exp_half(VF a) {
  const ExpParts e = exp_parts(a);
  const VF y = exp_mantissa(e);
  const VF n1 = e.n - vset(1.0f);
  return pow2_fast(n1) ? y * vpow2(n1) : vldexp_wide(y, n1);
}
inline VF vsinh(VF x) {
  const VF ax = vabs(x);
  const VF h = exp_half(vmin(ax, vset(90.0f)));
  const VF big = vwithsign(h - vset(0.25f) / h, x);
  const VF z = x * x;
  const VF small = vfma(x * z, vpoly(z, kSinhP), x);
  return vsel(visnan(x), x, vsel(ax < vset(1.0f), small, big));
}
inline VF vcosh(VF x) {
  const VF h = exp_half(vmin(vabs(x), vset(90.0f)));
  return vsel(visnan(x), x, h + vset(0.25f) / h);
}

// sigmoid and silu share t = e^{-|x|} = y 2^n (n <= 0) and d = 1 + t with its rounding
// error dl. For x >= 0 the result is num / d with num = 1 (sigmoid) or x (silu); for x < 0
// it is num y / d scaled by 2^n at the very end (so a subnormal result is rounded once).
// The quotient is refined by one exact residual step, q + (num - q d - q dl) / d, which
// leaves e^x's error and the last rounding.
//
// Split in two for the blocked rows of vecmath_rows.h: sigmoid_head, the exponential, and
// sigmoid_tail, the rest. Fast: |x| < 87 in every lane, so n is in [-126, 0] and 2^n is
// `pow2`; otherwise 2^n is applied through vldexp_wide and `pow2` is 2^max(n, -126) (inv_d
// needs only a few bits).
struct SigmoidHead {
  ExpParts e;
  VF y;  // e^{-|x|} = y 2^n
};
inline SigmoidHead sigmoid_head(VF x) {
  const ExpParts e = exp_parts(vmax(zero_f() - vabs(x), vset(-150.0f)));  // n >= -217: vldexp_wide
  return {e, exp_mantissa(e)};
}
template <bool Silu, bool Fast>
inline VF sigmoid_tail(VF x, VF y, VF pow2, VF n) {
  const VF one = vset(1.0f), zero = vset(0.0f);
  const VF t = Fast ? y * pow2 : vldexp_wide(y, n);
  const VF d = one + t, dl = (one - d) + t;  // exact: t <= 1
  const VB neg = x < zero;
  VF num = vsel(neg, y, one), num_lo = zero;
  if (Silu) {
    num_lo = vfms(x, num, x * num);
    num = x * num;
  }
  const VF q = num / d;
  // ~1/d (to a few bits is plenty): sigmoid has it for free, 1 - q 2^n below 0 and q above
  const VF inv_d = Silu ? one / d : vsel(neg, vfnma(q, pow2, one), q);
  const VF res = vfma(vfnma(q, dl, vfnma(q, d, num) + num_lo), inv_d, q);
  VF scaled = Fast ? res * pow2 : vldexp_wide(res, n);
  // silu: x e^x underflows to -0 long before e^x does (the reference: x * 0 = -0)
  if (Silu) scaled = vsel(x < vset(-150.0f), x * zero, scaled);
  const VF r = vsel(neg, scaled, res);
  if (Fast && !Silu) return r;  // no NaN among fast lanes
  // silu: +inf (x * 1 gives inf - inf in num_lo) and ±0 pass through
  return vsel(visnan(x) | (Silu ? (x == zero) | (x == vset(kInf)) : VB{}), x, r);
}
template <bool Silu>
inline VF sigmoid_like(VF x) {
  const SigmoidHead h = sigmoid_head(x);
  if (exp_arg_fast(x)) return sigmoid_tail<Silu, true>(x, h.y, h.e.pow2n, h.e.n);
  return sigmoid_tail<Silu, false>(x, h.y, vpow2(vmax(h.e.n, vset(-126.0f))), h.e.n);
}
inline VF vsigmoid(VF x) { return sigmoid_like<false>(x); }
inline VF vsilu(VF x) { return sigmoid_like<true>(x); }

// softplus with beta 1: max(x, 0) + log1p(e^-|x|), or x above the threshold
inline VF vsoftplus(VF x, VF threshold) {
  const VF one = vset(1.0f);
  const VF t = vexp(vset(0.0f) - vabs(x));
  const VF u = one + t;
  const VF c = t - (u - one);  // 1 + t's rounding error (exact: t <= 1)
  VF e, f;
  log_parts(u, e, f);
  const VF l = log_core(e, f, c / u);
  const VF r = vsel(x > threshold, x, vmax(x, vset(0.0f)) + l);
  return vsel(visnan(x), x, r);
}

// ---- atan ----------------------------------------------------------------------------------

// atan(t) = t + t^3 P(t^2) for |t| <= tan(pi/8), relative error 7e-10 (Cephes' reduction)
constexpr float kAtanP[] = {-3.333331645e-01f, 1.999852657e-01f, -1.424434632e-01f, 1.059875414e-01f, -6.088843197e-02f};
inline VF vatan(VF x) {
  const VF ax = vabs(x), one = vset(1.0f);
  const VB big = ax > vset(2.414213562f), mid = ax > vset(0.414213562f);
  // t = num / den: -1/|x|, (|x| - 1)/(|x| + 1) or |x|, with num's and den's rounding
  // errors (Fast2Sum, exact) and the quotient's (an fma residual) carried to first order
  const VF num = vsel(big, vset(-1.0f), vsel(mid, ax - one, ax));
  const VF den = vsel(big, ax, vsel(mid, ax + one, one));
  const VF num_lo = vsel(mid & ~big, vsel(ax > one, zero_f(), ax - (num + one)), zero_f());
  const VF den_lo = vsel(mid & ~big, vsel(ax > one, one - (den - ax), ax - (den - one)), zero_f());
  const VF t = num / den;
  const VF t_lo = (vfnma(t, den, num) + vfnma(t, den_lo, num_lo)) / den;
  const VF z = t * t;
  // atan(t + t_lo) = atan(t) + t_lo / (1 + t^2), the latter to 1% is plenty
  const VF r = vfma(t * z, vpoly(z, kAtanP), t) + t_lo * vfnma(z, vfnma(z, z, one), one);
  // + pi/2 or pi/4 as hi + lo
  const VF hi = vsel(big, vset(1.57079637f), vsel(mid, vset(0.785398185f), zero_f()));
  const VF lo = vsel(big, vset(-4.37113883e-08f), vsel(mid, vset(-2.18556941e-08f), zero_f()));
  const VF res = vsel(ax == vset(kInf), vset(1.57079637f), hi + (r + lo));  // t_lo is NaN at ±inf (0 * inf)
  return vsel(visnan(x), x, vwithsign(res, x));
}

// ---- erf and gelu ----------------------------------------------------------------------------

// erf(x) = x (c0 + x^2 P(x^2)) for |x| < 1, c0 = 2/sqrt(pi) as hi + lo (relative 1.5e-9)
constexpr float kErfC0 = 1.12837923f, kErfC0Lo = -5.86353834e-08f;
constexpr float kErfP[] = {-3.761262894e-01f, 1.128360331e-01f, -2.685420215e-02f, 5.188598298e-03f, -8.009398589e-04f, 7.842548803e-05f};
// erfc(x) e^{x^2} on [1,2), [2,3), [3,4], each a polynomial in x - (1.5, 2.5, 3.5)
constexpr float kErfcQ[9][4] = {
    {3.215854168e-01f, 2.108063698e-01f, 1.552936584e-01f, 0.0f},
    {-1.636229157e-01f, -7.434734702e-02f, -4.132357985e-02f, 0.0f},
    {7.615102828e-02f, 2.493729442e-02f, 1.066079363e-02f, 0.0f},
    {-3.293127194e-02f, -8.001456968e-03f, -2.672957955e-03f, 0.0f},
    {1.337760314e-02f, 2.480515046e-03f, 6.591985584e-04f, 0.0f},
    {-5.139148794e-03f, -7.351542590e-04f, -1.567722938e-04f, 0.0f},
    {1.883060206e-03f, 1.282458688e-04f, -3.818822734e-06f, 0.0f},
    {-7.020009216e-04f, -5.486169903e-05f, -4.572447779e-06f, 0.0f},
    {2.380257356e-04f, 1.752136159e-04f, 7.872908463e-05f, 0.0f},
};
constexpr float kErfcCenter[4] = {1.5f, 2.5f, 3.5f, 0.0f};

template <int N>
inline VF vpoly_lut(VF z, VI idx, const float (&c)[N][4]) {
  VF p = vlut4(c[N - 1], idx);
  for (int k = N - 2; k >= 0; k--) p = vfma(p, z, vlut4(c[k], idx));
  return p;
}

inline VF verf(VF x) {
  const VF ax = vabs(x);
  const VF z = x * x;
  const VF small = vfma(x, vset(kErfC0), x * vfma(z, vpoly(z, kErfP), vset(kErfC0Lo)));
  const VB is_small = ax < vset(1.0f);
  if (vall(is_small)) return vsel(visnan(x) | (x == vset(0.0f)), x, small);
  // 1 - e^{-x^2} Q(|x|); beyond 4 the result rounds to 1
  const VF a = vmin(vmax(ax, vset(1.0f)), vset(4.0f));
  const VI idx = vsubi(vcvti(vmin(a, vset(3.0f))), vseti(1));
  const VF q = vpoly_lut(a - vlut4(kErfcCenter, idx), idx, kErfcQ);
  const VF big = vset(1.0f) - vexp(vset(0.0f) - a * a) * q;
  return vsel(visnan(x) | (x == vset(0.0f)), x, vsel(is_small, small, vwithsign(big, x)));
}

// gelu(x) = x Phi(x). With P = Phi(-u), u = |x|: w = x P is gelu(x) for x < 0 and
// x - gelu(x) for x >= 0. For |x| < 4 in float: P from one of 8 polynomial pieces
// ([k/2, (k+1)/2), degree 7 in z = u - c_k, c_0 = 0, c_k = (k + 1/2)/2: z is exact), with
// the constant and linear coefficients as float hi + lo. Eight pieces, not more, because a
// coefficient is then one in-register permute on AVX2 as on AVX-512 (16 took two permutes
// and a blend per coefficient on AVX2: twice gelu's time). The fit (native/tools/gelu_fit.py 8 7:
// relative minimax, the coefficients rounded to float32 from the top, the lower ones refitted
// each time) is within 7.1e-9 of P (0.12 ulp); with the last two Horner steps carried exactly
// P = ph + pl is within about 0.6 ulp, and x P is rounded once.
constexpr float kGeluCenter8[8] = {0.0f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3.25f, 3.75f};
// rows: c0, c0 lo, c1, c1 lo, c2 .. c7; columns: the pieces
constexpr float kGeluPhi[10][8] = {
    {5.000000000e-01f, 2.266273499e-01f, 1.056497768e-01f, 4.005915672e-02f, 1.222447306e-02f, 2.979763318e-03f, 5.770250573e-04f, 8.841728413e-05f},
    {4.695988043e-11f, 2.530941678e-09f, -3.036439544e-09f, 1.040078232e-10f, -3.676152438e-10f, -8.599960327e-11f, -1.397355148e-11f, 8.164495555e-13f},
    {-3.989422917e-01f, -3.011374176e-01f, -1.826490909e-01f, -8.627732098e-02f, -3.173965216e-02f, -9.093562141e-03f, -2.029048046e-03f, -3.525957000e-04f},
    {2.527577925e-09f, -1.433530716e-08f, 5.456366914e-09f, 1.781870873e-09f, 3.821123418e-10f, -3.004771154e-10f, 5.268591813e-11f, 1.353157343e-11f},
    {3.309795318e-07f, 1.129265204e-01f, 1.141556799e-01f, 7.549266517e-02f, 3.570710868e-02f, 1.250364631e-02f, 3.297201823e-03f, 6.611169083e-04f},
    {6.648544967e-02f, 2.195790596e-02f, -1.712332852e-02f, -2.965779044e-02f, -2.149038576e-02f, -9.946099482e-03f, -3.233803436e-03f, -7.676298264e-04f},
    {3.611716966e-05f, -2.293679677e-02f, -1.367519703e-02f, 3.923474869e-04f, 6.137005519e-03f, 4.754208960e-03f, 2.078040503e-03f, 6.094681448e-04f},
    {-1.011492591e-02f, 1.478769263e-04f, 5.986269563e-03f, 4.309890326e-03f, 4.618355015e-04f, -1.122260699e-03f, -8.653424447e-04f, -3.419766144e-04f},
    {2.925674780e-04f, 3.003756283e-03f, 5.838777288e-04f, -1.287688967e-03f, -9.874785319e-04f, -1.251460199e-04f, 1.886533864e-04f, 1.324424666e-04f},
    {9.193064761e-04f, -3.462747845e-04f, -8.012117469e-04f, -1.763958862e-04f, 2.610357769e-04f, 1.754800905e-04f, 1.241525479e-05f, -2.981952457e-05f},
};

// The double-lane version for any x (|x| >= 4 somewhere in the vector: rare in practice):
// Q(u) as a polynomial in t = 1 / (1 + u/4) - 1/2 over u in [0, 15] (relative 3.8e-12)
constexpr double kGeluQd[] = {0.18882128260409226, 0.6815908862216356, 0.9950340426806245, 1.1473185102225416,
                              0.9876737315371011, 0.543494640171236, 0.06496780523084843, -0.16355344827383322,
                              -0.09582400111039921, 0.04692288814483448, 0.05825423503253596, -0.021062746341517394,
                              -0.03034135637009155, 0.018373867123990188};
// e^a for a in [-700, 700] on double lanes, for results that end as float32: Cody-Waite with
// fdlibm's ln2 split, Taylor to degree 9 (|r| <= ln2/2: relative error below 1e-11, far under
// a float ulp; degree 12 cost a fifth of gelu's tanh form)
constexpr double kExpD[] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
                            1.0 / 362880};
inline VD vexpd(VD a) {
  const VD n = vround(a * vsetd(1.4426950408889634));
  VD r = vfnma(n, vsetd(6.93147180369123816490e-01), a);
  r = vfnma(n, vsetd(1.90821492927058770002e-10), r);
  return vpoly(r, kExpD) * vpow2d(n);
}
// x E Q / 2 on doubles, for |x| <= 15 (u = |x|)
inline VD gelu_w(VD x, VD u) {
  const VD t = vsetd(1.0) / (vsetd(1.0) + u * vsetd(0.25));
  const VD q = vpoly(t - vsetd(0.5), kGeluQd);
  const VD e = vexpd(x * x * vsetd(-0.5));
  return x * e * q * vsetd(0.5);
}
inline VF gelu_erf_wide(VF x) {
  const VF xc = vwithsign(vmin(vabs(x), vset(15.0f)), x);  // beyond 15, w is 0 in float
  const VF u = vabs(xc);
  const VD xl = vlo(xc), xh = vhi(xc);
  const VD wl = gelu_w(xl, vlo(u)), wh = gelu_w(xh, vhi(u));
  const VF w = vpack(wl, wh);
  const VF pos = vpack(vlo(x) - wl, vhi(x) - wh);  // x - w, rounded once
  VF r = vsel(x == vset(0.0f), x, vsel(x < vset(0.0f), w, pos));  // ±0 keeps its sign
  r = vsel(x == vset(-kInf), vset(kNaN), r);  // the reference: -inf * 0
  return vsel(visnan(x), x, r);
}

inline VF gelu_erf_fast(VF x, VF u);
// The float path for |x| < 4, the double one elsewhere (also NaN), chosen lane by lane so a
// value's result does not depend on its neighbours
inline VF vgelu_erf(VF x) {
  const VF u = vabs(x);
  const VB fast = u < vset(4.0f);
  if (vall(fast)) return gelu_erf_fast(x, u);
  const VF xs = vsel(fast, x, vset(1.0f));
  return vsel(fast, gelu_erf_fast(xs, vabs(xs)), gelu_erf_wide(x));
}
// The fast path in two halves, so a row kernel can run a block of vectors through the first
// (the table lookups and the Horner steps in plain float) before the second (the carried last
// steps): see vecmath_rows.h's Staged.
struct GeluMid { VF z, r2; VI idx; };
inline GeluMid gelu_erf_head(VF u) {
  const VI idx = vcvti(u * vset(2.0f));
  const VF z = u - vlut8(kGeluCenter8, idx);
  constexpr int kTop = sizeof(kGeluPhi) / sizeof(kGeluPhi[0]) - 1;
  VF r = vlut8(kGeluPhi[kTop], idx);
  for (int j = kTop - 1; j >= 5; j--) r = vfma(r, z, vlut8(kGeluPhi[j], idx));
  return {z, vfma(r, z, vlut8(kGeluPhi[4], idx)), idx};
}
inline VF gelu_erf_tail(VF x, const GeluMid& m) {
  const VF z = m.z, r2 = m.r2;
  const VI idx = m.idx;
  // The last two Horner steps carry their rounding errors (near u = 4 the terms cancel:
  // z R reaches 1.6 |c0|): q = z R2 as a product pair, t = c1 + q and P = c0 + z t by
  // TwoSum, the small parts (c0 lo, c1 lo, the errors) summed apart and added once.
  const VF q = z * r2, q_lo = vfms(z, r2, q);
  const VF c1 = vlut8(kGeluPhi[2], idx);
  const VF t = c1 + q, tv = t - c1;
  const VF t_lo = ((c1 - (t - tv)) + (q - tv)) + (q_lo + vlut8(kGeluPhi[3], idx));
  const VF zr = z * t, zr_lo = vfms(z, t, zr);
  const VF c0 = vlut8(kGeluPhi[0], idx);
  const VF ph = c0 + zr, zv = ph - c0;
  const VF pl = ((c0 - (ph - zv)) + (zr - zv)) + vfma(z, t_lo, zr_lo + vlut8(kGeluPhi[1], idx));
  // w = x P: x ph exact as xp + xp_lo, one rounding for the sum
  const VF xp = x * ph;
  const VF w = xp + vfma(x, pl, vfms(x, ph, xp));
  return vsel(x < vset(0.0f), w, x - w);  // ±0: w is +0, so x - w keeps x's sign
}
inline VF gelu_erf_fast(VF x, VF u) { return gelu_erf_tail(x, gelu_erf_head(u)); }

// gelu, tanh form: x sigmoid(2v) with v = sqrt(2/pi) (x + 0.044715 x^3), on doubles (v's
// rounding would be magnified by |2v| in the tail): x / (1 + e) for x >= 0 and
// x e / (1 + e) below, e = e^{-|2v|}; h is 1 for x < 0, else 0.
// In two halves for vecmath_rows.h's Staged: e (the exponential on double lanes), then the
// quotient. h is 1 for x < 0, else 0.
struct GeluTanhMid { VD el, eh; };
inline VD gelu_tanh_e(VD xc, VD h) {
  const VD v2 = vsetd(2 * 0.7978845608028654) * vfma(vsetd(0.044715) * xc, xc * xc, xc);  // 2v, sign of x
  return vexpd((vsetd(2.0) * h - vsetd(1.0)) * v2);                                        // -|2v| >= -700
}
inline VD gelu_tanh_q(VD x, VD e, VD h) { return x * vfma(h, e, vsetd(1.0) - h) / (vsetd(1.0) + e); }
inline VF gelu_tanh_h(VF x) { return vsel(x < vset(0.0f), vset(1.0f), vset(0.0f)); }
inline GeluTanhMid gelu_tanh_head(VF x) {
  const VF xc = vwithsign(vmin(vabs(x), vset(20.0f)), x);  // |2v| <= 604; beyond, the result is x or -0
  const VF h = gelu_tanh_h(x);
  return {gelu_tanh_e(vlo(xc), vlo(h)), gelu_tanh_e(vhi(xc), vhi(h))};
}
inline VF gelu_tanh_tail(VF x, const GeluTanhMid& m) {
  const VF h = gelu_tanh_h(x);
  const VF r = vpack(gelu_tanh_q(vlo(x), m.el, vlo(h)), gelu_tanh_q(vhi(x), m.eh, vhi(h)));
  return vsel(visnan(x), x, vsel(x == vset(-kInf), vset(kNaN), r));  // the reference: -inf * 0
}
inline VF vgelu_tanh(VF x) { return gelu_tanh_tail(x, gelu_tanh_head(x)); }

// ---- sin, cos, tan (double lanes) -------------------------------------------------------------

// x = n pi/2 + r, |r| <= pi/4 (a little more at the rounding edge), exact to ~2^-100 for
// |x| <= 2^20 (fdlibm's three-part pi/2); n returned as a double integer
inline VD trig_reduce(VD x, VD& n) {
  n = vround(x * vsetd(0.63661977236758134308));
  VD r = vfnma(n, vsetd(1.57079632673412561417e+00), x);  // exact
  r = vfnma(n, vsetd(6.07710050630396597660e-11), r);
  return vfnma(n, vsetd(2.02226624879595063154e-21), r);
}
constexpr double kSinD[] = {-1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880, -1.0 / 39916800, 1.0 / 6227020800.0};
constexpr double kCosD[] = {1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800, 1.0 / 479001600, -1.0 / 87178291200.0};
inline void sincos_d(VD r, VD& s, VD& c) {
  const VD z = r * r;
  s = vfma(r * z, vpoly(z, kSinD), r);
  c = vfma(z * z, vpoly(z, kCosD), vfnma(vsetd(0.5), z, vsetd(1.0)));
}

// Lanes the double reduction does not cover (|x| > 2^20, inf, NaN) take libm, as the
// portable kernels compute them; the other lanes keep the vector result, so a value's
// result never depends on its neighbours (or on the ISA's vector width).
template <class Scalar>
inline VF patch_lanes(VB bad, VF x, VF r, Scalar f) {
  alignas(64) float v[kVF], out[kVF];
  vstore(v, x);
  vstore(out, r);
  const unsigned m = vmaskbits(bad);
  for (int i = 0; i < kVF; i++)
    if (m >> i & 1) out[i] = (float)f((double)v[i]);
  return vload(out);
}
inline VB trig_slow_lanes(VF x) { return ~(vabs(x) <= vset(1048576.0f)); }

// quadrant q = n mod 4 as a float in {0, 1, 2, 3}
inline VF trig_quadrant(VF n) { return n - vset(4.0f) * vfloor(n * vset(0.25f)); }

enum class Trig { sin, cos, tan };
template <Trig T>
inline VF vtrig(VF x) {
  const VB slow = trig_slow_lanes(x);
  if (vany(slow)) {
    const VF r = vtrig<T>(vsel(slow, vset(1.0f), x));
    if (T == Trig::sin) return patch_lanes(slow, x, r, [](double v) { return std::sin(v); });
    if (T == Trig::cos) return patch_lanes(slow, x, r, [](double v) { return std::cos(v); });
    return patch_lanes(slow, x, r, [](double v) { return std::tan(v); });
  }
  VD nl, nh;
  const VD rl = trig_reduce(vlo(x), nl), rh = trig_reduce(vhi(x), nh);
  VD sl, cl, sh, ch;
  sincos_d(rl, sl, cl);
  sincos_d(rh, sh, ch);
  const VF q = trig_quadrant(vpack(nl, nh));  // n is an integer below 2^20: exact
  const VB odd = (q == vset(1.0f)) | (q == vset(3.0f));
  const VB zero = x == vset(0.0f);  // ±0 keeps its sign (sin, tan)
  if (T == Trig::tan) {
    // tan = s / c, or -c / s in odd quadrants: one division in double, then one rounding
    return vsel(zero, x, vsel(odd, vpack(vsetd(0.0) - cl / sl, vsetd(0.0) - ch / sh), vpack(sl / cl, sh / ch)));
  }
  const VF s = vpack(sl, sh), c = vpack(cl, ch);
  const VB neg = T == Trig::sin ? q >= vset(2.0f) : (q == vset(1.0f)) | (q == vset(2.0f));
  const VF v = T == Trig::sin ? vsel(odd, c, s) : vsel(odd, s, c);
  const VF r = vxor(v, vsel(neg, vset(-0.0f), vset(0.0f)));
  return T == Trig::sin ? vsel(zero, x, r) : r;
}

// ---- pow ------------------------------------------------------------------------------------

// log2 of 2^e m on doubles (m in [sqrt(1/2), sqrt(2)), exact from the float): 2 atanh(s) /
// ln 2 with s = (m - 1)/(m + 1), the series to s^19 (|s| <= 0.172: relative 2e-17)
constexpr double kAtanhD[] = {1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19};
inline VD log2_d(VD e, VD m) {
  const VD s = (m - vsetd(1.0)) / (m + vsetd(1.0));
  const VD z = s * s;
  const VD ln = vfma(s * z, vpoly(z, kAtanhD), s) * vsetd(2.0);
  return vfma(ln, vsetd(1.4426950408889634), e);
}
// 2^t for t in [-300, 300] on doubles: 2^n e^{r ln 2}, the series to degree 13
constexpr double kExp2D[] = {1.0, 0.6931471805599453, 0.2402265069591007, 0.05550410866482158, 0.009618129107628477,
                             0.0013333558146428443, 1.5403530393381606e-4, 1.525273380405984e-5, 1.3215486790144307e-6,
                             1.0178086009239699e-7, 7.054911620801123e-9, 4.445538271870811e-10, 2.567843599348821e-11,
                             1.3691488853904124e-12};
inline VD exp2_d(VD t) {
  const VD n = vround(t);
  return vpoly(t - n, kExp2D) * vpow2d(n);
}
// |x|^y for finite x != 0 (y as doubles, finite): one rounding to float at the end
inline VF pow_abs(VF ax, VD yl, VD yh) {
  VF e, f;
  log_parts(ax, e, f);
  const VF m = f + vset(1.0f);  // exact
  const VD lim = vsetd(300.0);  // far beyond float's range: the result is 0 or inf there
  const VD tl = vmin(vmax(yl * log2_d(vlo(e), vlo(m)), vsetd(0.0) - lim), lim);
  const VD th = vmin(vmax(yh * log2_d(vhi(e), vhi(m)), vsetd(0.0) - lim), lim);
  return vpack(exp2_d(tl), exp2_d(th));
}

// lanes that are zero, infinite or NaN (pow takes the scalar function there)
inline VB pow_special_lanes(VF x) { return ~((vabs(x) < vset(kInf)) & (x != vset(0.0f))); }

// Negative bases: an integral exponent gives +-|x|^y (odd: negative), any other NaN.
inline VF pow_sign(VF x, VF y, VF r) {
  const VB neg = x < vset(0.0f);
  if (!vany(neg)) return r;
  const VB integral = vtrunc(y) == y;
  const VF hy = y * vset(0.5f);
  const VB odd = integral & (vtrunc(hy) != hy);
  return vsel(neg & ~integral, vset(kNaN), vsel(neg & odd, vxor(r, vset(-0.0f)), r));
}

// pow(x, y) elementwise (the reference's js_pow: C's pow, 1^y = 1, (-1)^+-inf = 1). Lanes
// with a zero, infinite or NaN operand take the scalar function.
inline VF vpow(VF x, VF y) {
  const VB special = pow_special_lanes(x) | ~(vabs(y) < vset(kInf));
  if (vany(special)) {
    const VF one = vset(1.0f);
    const VF r = vpow(vsel(special, one, x), vsel(special, one, y));
    alignas(64) float a[kVF], b[kVF], out[kVF];
    vstore(a, x);
    vstore(b, y);
    vstore(out, r);
    const unsigned m = vmaskbits(special);
    for (int i = 0; i < kVF; i++)
      if (m >> i & 1) out[i] = (float)js_pow((double)a[i], (double)b[i]);
    return vload(out);
  }
  return pow_sign(x, y, pow_abs(vabs(x), vlo(y), vhi(y)));
}

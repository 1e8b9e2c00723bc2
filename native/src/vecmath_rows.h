// The float32 elementwise row kernels built on vecmath.h (transcendental unary ops, pow)
// and the memory-bound float32 add/sub/mul/div, for the AVX-512 and AVX2 drivers: same
// row signature as ewise_driver.inc's RowFn, picked by vec_unary_row / vec_binary_row
// (null: the generic row runs).
//
// Contiguous rows run whole vectors plus one buffered partial vector; strided rows go
// through a small buffer, so a value's result never depends on the layout or on how the
// op is split over threads. When EwArgs::stream is set (the operands are larger than the
// last-level cache, so the output would be evicted before anyone reads it) contiguous
// outputs are written with non-temporal stores, which skip reading the lines first.
//
// Included inside an ISA's anonymous namespace after vecmath.h and ewise_ops.inc.
#pragma once

using VecRow = void (*)(long n, char* o, long so, const char* a, long sa, const char* b, long sb, const char* c, long sc,
                        const EwArgs* g);

// out[i] = f(a[i]) (and f(a[i], b[i]) for binary F) over a contiguous row
template <class F, int Arity>
struct Apply {
  static inline VF one(const F& f, const float* a, const float* b, long i, long sb) {
    if constexpr (Arity == 1) {
      (void)b; (void)sb;
      return f(vload(a + i));
    } else {
      return f(vload(a + i), sb == 0 ? vset(b[0]) : vload(b + i));
    }
  }
};

// Elements [0, n) with unit stride for out and a (and b: unit or 0), n < kVF, through a buffer
template <class F, int Arity>
inline void partial(const F& f, float* o, const float* a, const float* b, long sb, long n) {
  alignas(64) float x[kVF] = {}, y[kVF] = {};
  for (long i = 0; i < n; i++) {
    x[i] = a[i];
    if constexpr (Arity == 2) y[i] = b[sb * i];
  }
  VF r;
  if constexpr (Arity == 1) r = f(vload(x));
  else r = f(vload(x), vload(y));
  vstore(x, r);
  for (long i = 0; i < n; i++) o[i] = x[i];
}

// A unary functor with two stages (F::Mid, head, tail) runs a block of vectors through its
// head, then through its tail. Why: sigmoid's dependency chain (exp, then a division and a
// residual step: ~80 cycles) is longer than Zen 3's FP scheduler can overlap across
// iterations of one loop, so one fused loop runs at latency, not throughput; two loops with
// half the chain each keep twice the iterations in flight (sigmoid 1.6x faster on Zen 3).
// head(x, mid) returns the lanes the tail handles; a block where any lane is outside them
// runs the plain functor (the same bits for the other lanes).
template <class F, class = void> struct Staged : std::false_type {};
template <class F> struct Staged<F, std::void_t<typename F::Mid>> : std::true_type {};

constexpr long kStageBlock = 256 / kVF > 8 ? 256 / kVF : 8;  // vectors per block (1 KiB of floats)

// Whole blocks of contiguous elements from i on; returns where it stopped.
template <class F>
long staged_blocks(const F& f, long i, long n, float* o, const float* a, bool nt) {
  using Mid = typename F::Mid;
  Mid mid[kStageBlock];
  for (; i + kStageBlock * kVF <= n; i += kStageBlock * kVF) {
    VB ok = vset(0.0f) == vset(0.0f);
    for (long k = 0; k < kStageBlock; k++) ok = ok & f.head(vload(a + i + k * kVF), mid[k]);
    if (vall(ok)) {
      for (long k = 0; k < kStageBlock; k++) {
        const VF r = f.tail(vload(a + i + k * kVF), mid[k]);
        if (nt) vstream(o + i + k * kVF, r);
        else vstore(o + i + k * kVF, r);
      }
    } else {
      for (long k = 0; k < kStageBlock; k++) {
        const VF r = f(vload(a + i + k * kVF));
        if (nt) vstream(o + i + k * kVF, r);
        else vstore(o + i + k * kVF, r);
      }
    }
  }
  return i;
}

template <class F, int Arity>
void contiguous_row(const F& f, long n, float* o, const float* a, const float* b, long sb, bool stream) {
  long i = 0;
  const bool nt = stream && n >= 4 * kVF;
  if (nt) {
    const long head = (long)((kStreamAlign - ((uintptr_t)o & (kStreamAlign - 1))) & (kStreamAlign - 1)) / 4;
    if (head > 0) partial<F, Arity>(f, o, a, b, sb, head);
    i = head;
  }
  if constexpr (Arity == 1 && Staged<F>::value) i = staged_blocks(f, i, n, o, a, nt);
  if (nt) {
    for (; i + kVF <= n; i += kVF) vstream(o + i, Apply<F, Arity>::one(f, a, b, i, sb));
    vstream_fence();
  }
  for (; i + kVF <= n; i += kVF) vstore(o + i, Apply<F, Arity>::one(f, a, b, i, sb));
  if (i < n) partial<F, Arity>(f, o + i, a + i, sb == 0 ? b : b + i, sb, n - i);
}

template <class F>
void vec_unary(long n, char* o_, long so, const char* a_, long sa, const char*, long, const char*, long, const EwArgs* g) {
  const F f(*g);
  float* o = (float*)o_;
  const float* a = (const float*)a_;
  if (so == 1 && sa == 1) return contiguous_row<F, 1>(f, n, o, a, nullptr, 0, g->stream);
  alignas(64) float x[kVF];
  for (long i0 = 0; i0 < n; i0 += kVF) {
    const long m = n - i0 < kVF ? n - i0 : kVF;
    for (long i = 0; i < m; i++) x[i] = a[(i0 + i) * sa];
    for (long i = m; i < kVF; i++) x[i] = 0;
    vstore(x, f(vload(x)));
    for (long i = 0; i < m; i++) o[(i0 + i) * so] = x[i];
  }
}

template <class F>
void vec_binary(long n, char* o_, long so, const char* a_, long sa, const char* b_, long sb, const char*, long, const EwArgs* g) {
  const F f(*g);
  float* o = (float*)o_;
  const float* a = (const float*)a_;
  const float* b = (const float*)b_;
  if (so == 1 && sa == 1 && (sb == 1 || sb == 0)) return contiguous_row<F, 2>(f, n, o, a, b, sb, g->stream);
  if (so == 1 && sa == 0 && sb == 1) {
    // a scalar first operand: swap roles through a flipped functor
    const struct { const F& f; VF operator()(VF y, VF x) const { return f(x, y); } } flip{f};
    return contiguous_row<decltype(flip), 2>(flip, n, o, b, a, 0, g->stream);
  }
  alignas(64) float x[kVF], y[kVF];
  for (long i0 = 0; i0 < n; i0 += kVF) {
    const long m = n - i0 < kVF ? n - i0 : kVF;
    for (long i = 0; i < m; i++) {
      x[i] = a[(i0 + i) * sa];
      y[i] = b[(i0 + i) * sb];
    }
    for (long i = m; i < kVF; i++) x[i] = y[i] = 0;
    vstore(x, f(vload(x), vload(y)));
    for (long i = 0; i < m; i++) o[(i0 + i) * so] = x[i];
  }
}

// ---- the ops --------------------------------------------------------------------------------

#define VEC_UNARY(Name, expr)                          \
  struct Name {                                        \
    explicit Name(const EwArgs&) {}                    \
    VF operator()(VF x) const { return expr; }         \
  };
VEC_UNARY(VExp, vexp(x))
VEC_UNARY(VExp2, vexp2(x))
VEC_UNARY(VExpm1, vexpm1(x))
VEC_UNARY(VLog, vlog(x))
VEC_UNARY(VLog1p, vlog1p(x))
VEC_UNARY(VLog2, vlog2(x))
VEC_UNARY(VLog10, vlog10(x))
VEC_UNARY(VTanh, vtanh(x))
VEC_UNARY(VSinh, vsinh(x))
VEC_UNARY(VCosh, vcosh(x))
VEC_UNARY(VAtan, vatan(x))
VEC_UNARY(VErf, verf(x))
VEC_UNARY(VSin, vtrig<Trig::sin>(x))
VEC_UNARY(VCos, vtrig<Trig::cos>(x))
VEC_UNARY(VTan, vtrig<Trig::tan>(x))
#undef VEC_UNARY

// sigmoid and silu in two stages (see Staged): e^{-|x|}, then the quotient
template <bool Silu>
struct VSigmoidLike {
  struct Mid { VF y, pow2n; };
  explicit VSigmoidLike(const EwArgs&) {}
  VB head(VF x, Mid& m) const {
    const SigmoidHead h = sigmoid_head(x);
    m = {h.y, h.e.pow2n};
    return vabs(x) < vset(87.0f);  // exp_arg_fast's lanes
  }
  VF tail(VF x, const Mid& m) const { return sigmoid_tail<Silu, true>(x, m.y, m.pow2n, m.pow2n); }  // n unused
  VF operator()(VF x) const { return sigmoid_like<Silu>(x); }
};
using VSigmoid = VSigmoidLike<false>;
// gelu (erf form) in two stages: the float path's lookups and Horner steps, then its carried tail
struct VGeluErf {
  using Mid = GeluMid;
  explicit VGeluErf(const EwArgs&) {}
  VB head(VF x, Mid& m) const {
    const VF u = vabs(x);
    m = gelu_erf_head(u);
    return u < vset(4.0f);  // gelu_erf_fast's lanes (not NaN)
  }
  VF tail(VF x, const Mid& m) const { return gelu_erf_tail(x, m); }
  VF operator()(VF x) const { return vgelu_erf(x); }
};
// gelu (tanh form) in two stages: the exponential, then the quotient (every lane)
struct VGeluTanh {
  using Mid = GeluTanhMid;
  explicit VGeluTanh(const EwArgs&) {}
  VB head(VF x, Mid& m) const {
    m = gelu_tanh_head(x);
    return vset(0.0f) == vset(0.0f);
  }
  VF tail(VF x, const Mid& m) const { return gelu_tanh_tail(x, m); }
  VF operator()(VF x) const { return vgelu_tanh(x); }
};
using VSilu = VSigmoidLike<true>;

// softplus with beta 1: `x > threshold` in double is `x > t` for t the largest float <= threshold
struct VSoftplus {
  VF threshold;
  explicit VSoftplus(const EwArgs& g) {
    float t = (float)g.p1;
    if ((double)t > g.p1) t = std::nextafter(t, -kInf);
    threshold = vset(t);
  }
  VF operator()(VF x) const { return vsoftplus(x, threshold); }
};

// pow with a scalar exponent p (not +-1/2, which are sqrt and rsqrt, nor infinite or NaN)
struct VPowScalar {
  double p;
  VF pf;
  int small;  // p for integral |p| <= 4 (multiplications on doubles), else 99
  explicit VPowScalar(const EwArgs& g) : p(g.p0), pf(vset((float)g.p0)) {
    small = (p == std::trunc(p) && std::fabs(p) <= 4) ? (int)p : 99;
  }
  static VD ipow(VD x, int k) {
    const int m = k < 0 ? -k : k;
    VD r = m == 0 ? vsetd(1.0) : x;
    if (m >= 2) r = x * x;  // exact
    if (m == 3) r = r * x;
    if (m == 4) r = r * r;
    return k < 0 ? vsetd(1.0) / r : r;
  }
  VF operator()(VF x) const {
    if (small != 99) return vpack(ipow(vlo(x), small), ipow(vhi(x), small));
    const VB special = pow_special_lanes(x);
    if (vany(special)) {
      const VF r = (*this)(vsel(special, vset(1.0f), x));
      alignas(64) float a[kVF], out[kVF];
      vstore(a, x);
      vstore(out, r);
      const unsigned m = vmaskbits(special);
      for (int i = 0; i < kVF; i++)
        if (m >> i & 1) out[i] = (float)js_pow((double)a[i], p);
      return vload(out);
    }
    // the exponent's integrality and parity come from the double p (pf may be rounded)
    const bool integral = p == std::trunc(p), odd = integral && std::fabs(p) < 9007199254740992.0 && std::fmod(p, 2.0) != 0;
    const VF r = pow_abs(vabs(x), vsetd(p), vsetd(p));
    const VB neg = x < vset(0.0f);
    if (!vany(neg)) return r;
    return vsel(neg, integral ? (odd ? vxor(r, vset(-0.0f)) : r) : vset(kNaN), r);
  }
};

struct VPow {
  explicit VPow(const EwArgs&) {}
  VF operator()(VF x, VF y) const { return vpow(x, y); }
};

#define VEC_BINARY(Name, expr)                         \
  struct Name {                                        \
    explicit Name(const EwArgs&) {}                    \
    VF operator()(VF x, VF y) const { return expr; }   \
  };
VEC_BINARY(VAdd, x + y)
VEC_BINARY(VSub, x - y)
VEC_BINARY(VMul, x * y)
VEC_BINARY(VDiv, x / y)
#undef VEC_BINARY

// The vector row for a float32 -> float32 unary op with these params, or null.
VecRow vec_unary_row(UnaryOp op, double p0, double p1) {
  (void)p1;
  switch (op) {
    case UnaryOp::exp: return &vec_unary<VExp>;
    case UnaryOp::exp2: return &vec_unary<VExp2>;
    case UnaryOp::expm1: return &vec_unary<VExpm1>;
    case UnaryOp::log: return &vec_unary<VLog>;
    case UnaryOp::log1p: return &vec_unary<VLog1p>;
    case UnaryOp::log2: return &vec_unary<VLog2>;
    case UnaryOp::log10: return &vec_unary<VLog10>;
    case UnaryOp::tanh: return &vec_unary<VTanh>;
    case UnaryOp::sinh: return &vec_unary<VSinh>;
    case UnaryOp::cosh: return &vec_unary<VCosh>;
    case UnaryOp::sigmoid: return &vec_unary<VSigmoid>;
    case UnaryOp::silu: return &vec_unary<VSilu>;
    case UnaryOp::atan: return &vec_unary<VAtan>;
    case UnaryOp::erf: return &vec_unary<VErf>;
    case UnaryOp::gelu_erf: return &vec_unary<VGeluErf>;
    case UnaryOp::gelu_tanh: return &vec_unary<VGeluTanh>;
    case UnaryOp::sin: return &vec_unary<VSin>;
    case UnaryOp::cos: return &vec_unary<VCos>;
    case UnaryOp::tan: return &vec_unary<VTan>;
    // beta 1 only: another beta scales x in double first, which float lanes cannot reproduce
    case UnaryOp::softplus: return p0 == 1 && !std::isnan(p1) ? &vec_unary<VSoftplus> : nullptr;
    case UnaryOp::pow_scalar:
      return std::isfinite(p0) && p0 != 0.5 && p0 != -0.5 ? &vec_unary<VPowScalar> : nullptr;
    default: return nullptr;
  }
}

// The vector row for a float32 binary op (pow, and the memory-bound arithmetic), or null.
VecRow vec_binary_row(BinaryOp op, double p0) {
  switch (op) {
    case BinaryOp::pow: return &vec_binary<VPow>;
    case BinaryOp::add: return &vec_binary<VAdd>;
    case BinaryOp::sub: return &vec_binary<VSub>;
    case BinaryOp::mul: return &vec_binary<VMul>;
    case BinaryOp::div: return p0 == 0 ? &vec_binary<VDiv> : nullptr;  // a rounding mode: its own kernel
    default: return nullptr;
  }
}

// The vector types vecmath.h is written against, for AVX-512 (F/DQ/BW/VL): VF holds 16
// floats, VI 16 int32, VB a lane mask, VD 8 doubles (half a VF). vecmath_avx2.h defines
// the same names for AVX2 with half the lanes, so the math is written once and both paths
// compute bit-identical results (only operations that exist in both are used: no
// vscalefps/vgetexpps/vfixupimmps, no approximate reciprocals).
//
// Included inside namespace isa_avx512's anonymous namespace by ewise_avx512.cc (after
// <immintrin.h>), never by portable code: native/check_isa.mjs checks that.
#pragma once

constexpr int kVF = 16;  // floats per VF

struct VF { __m512 v; };
struct VI { __m512i v; };
struct VB { __mmask16 m; };
struct VD { __m512d v; };

// ---- float ---------------------------------------------------------------------------
inline VF vset(float x) { return {_mm512_set1_ps(x)}; }
inline VF vload(const float* p) { return {_mm512_loadu_ps(p)}; }
inline void vstore(float* p, VF a) { _mm512_storeu_ps(p, a.v); }
// A non-temporal store (p 64-byte aligned): the line goes to memory without being read
// first; vstream_fence() orders such stores before the task reports completion.
inline void vstream(float* p, VF a) { _mm512_stream_ps(p, a.v); }
inline void vstream_fence() { _mm_sfence(); }
constexpr long kStreamAlign = 64;  // bytes

inline VF operator+(VF a, VF b) { return {_mm512_add_ps(a.v, b.v)}; }
inline VF operator-(VF a, VF b) { return {_mm512_sub_ps(a.v, b.v)}; }
inline VF operator*(VF a, VF b) { return {_mm512_mul_ps(a.v, b.v)}; }
inline VF operator/(VF a, VF b) { return {_mm512_div_ps(a.v, b.v)}; }
inline VF vfma(VF a, VF b, VF c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }    // a*b + c, one rounding
inline VF vfms(VF a, VF b, VF c) { return {_mm512_fmsub_ps(a.v, b.v, c.v)}; }    // a*b - c
inline VF vfnma(VF a, VF b, VF c) { return {_mm512_fnmadd_ps(a.v, b.v, c.v)}; }  // c - a*b
inline VF vsqrt(VF a) { return {_mm512_sqrt_ps(a.v)}; }
// x86 min/max: the second operand when either is NaN (callers put NaN handling around them)
inline VF vmin(VF a, VF b) { return {_mm512_min_ps(a.v, b.v)}; }
inline VF vmax(VF a, VF b) { return {_mm512_max_ps(a.v, b.v)}; }
inline VF vround(VF a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
inline VF vfloor(VF a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)}; }
inline VF vtrunc(VF a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC)}; }

inline VF vand(VF a, VF b) { return {_mm512_and_ps(a.v, b.v)}; }
inline VF vor(VF a, VF b) { return {_mm512_or_ps(a.v, b.v)}; }
inline VF vxor(VF a, VF b) { return {_mm512_xor_ps(a.v, b.v)}; }
inline VF vandnot(VF a, VF b) { return {_mm512_andnot_ps(a.v, b.v)}; }  // ~a & b

inline VB operator<(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ)}; }
inline VB operator<=(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LE_OQ)}; }
inline VB operator>(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ)}; }
inline VB operator>=(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GE_OQ)}; }
inline VB operator==(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_EQ_OQ)}; }
inline VB operator!=(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_NEQ_UQ)}; }
inline VB visnan(VF a) { return {_mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q)}; }

inline VB operator&(VB a, VB b) { return {(__mmask16)(a.m & b.m)}; }
inline VB operator|(VB a, VB b) { return {(__mmask16)(a.m | b.m)}; }
inline VB operator~(VB a) { return {(__mmask16)~a.m}; }
inline bool vany(VB a) { return a.m != 0; }
inline bool vall(VB a) { return a.m == 0xFFFF; }
inline unsigned vmaskbits(VB a) { return a.m; }  // bit i: lane i
// m ? a : b, lane by lane
inline VF vsel(VB m, VF a, VF b) { return {_mm512_mask_blend_ps(m.m, b.v, a.v)}; }

// ---- int32 lanes and bit patterns -----------------------------------------------------
inline VI vbits(VF a) { return {_mm512_castps_si512(a.v)}; }
inline VF vfrombits(VI a) { return {_mm512_castsi512_ps(a.v)}; }
inline VI vseti(int x) { return {_mm512_set1_epi32(x)}; }
inline VI vaddi(VI a, VI b) { return {_mm512_add_epi32(a.v, b.v)}; }
inline VI vsubi(VI a, VI b) { return {_mm512_sub_epi32(a.v, b.v)}; }
inline VI vandi(VI a, VI b) { return {_mm512_and_si512(a.v, b.v)}; }
template <int S> inline VI vslli(VI a) { return {_mm512_slli_epi32(a.v, S)}; }
template <int S> inline VI vsrai(VI a) { return {_mm512_srai_epi32(a.v, S)}; }
inline VI vcvti(VF a) { return {_mm512_cvttps_epi32(a.v)}; }  // truncates (callers pass integral values)
inline VF vcvtf(VI a) { return {_mm512_cvtepi32_ps(a.v)}; }

// ---- double halves (sin/cos/pow reductions and the few sums that need the width) --------
inline VD vlo(VF a) { return {_mm512_cvtps_pd(_mm512_castps512_ps256(a.v))}; }
inline VD vhi(VF a) { return {_mm512_cvtps_pd(_mm512_extractf32x8_ps(a.v, 1))}; }
// rounds each double to float once (overflow to inf, gradual underflow) and joins the halves
inline VF vpack(VD lo, VD hi) { return {_mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo.v)), _mm512_cvtpd_ps(hi.v), 1)}; }
inline VD vsetd(double x) { return {_mm512_set1_pd(x)}; }
inline VD operator+(VD a, VD b) { return {_mm512_add_pd(a.v, b.v)}; }
inline VD operator-(VD a, VD b) { return {_mm512_sub_pd(a.v, b.v)}; }
inline VD operator*(VD a, VD b) { return {_mm512_mul_pd(a.v, b.v)}; }
inline VD operator/(VD a, VD b) { return {_mm512_div_pd(a.v, b.v)}; }
inline VD vfma(VD a, VD b, VD c) { return {_mm512_fmadd_pd(a.v, b.v, c.v)}; }
inline VD vfnma(VD a, VD b, VD c) { return {_mm512_fnmadd_pd(a.v, b.v, c.v)}; }
inline VD vmin(VD a, VD b) { return {_mm512_min_pd(a.v, b.v)}; }
inline VD vmax(VD a, VD b) { return {_mm512_max_pd(a.v, b.v)}; }
inline VD vround(VD a) { return {_mm512_roundscale_pd(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
// 2^n for integral n in [-1022, 1023]: (n + 1023) << 52 built from the double's own bits
inline VD vpow2d(VD n) {
  const __m512d t = _mm512_add_pd(n.v, _mm512_set1_pd(6755399441055744.0 + 1023.0));  // 0x1.8p52 + bias
  return {_mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(t), 52))};
}

// t[idx] per lane, idx in 0..3
inline VF vlut4(const float (&t)[4], VI idx) {
  return {_mm512_permutexvar_ps(idx.v, _mm512_setr_ps(t[0], t[1], t[2], t[3], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))};
}
inline VF vlut8(const float (&t)[8], VI idx) {
  return {_mm512_permutexvar_ps(idx.v, _mm512_setr_ps(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], 0, 0, 0, 0, 0, 0, 0, 0))};
}

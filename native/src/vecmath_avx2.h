// The vector types vecmath.h is written against, for AVX2 + FMA: VF holds 8 floats, VI 8
// int32, VB a lane mask (all-ones lanes), VD 4 doubles (half a VF). The same names as
// vecmath_avx512.h, which has the semantics notes; results are bit-identical to it.
//
// Included inside namespace isa_avx2's anonymous namespace by ewise_avx2.cc (after
// <immintrin.h>), never by portable code: native/check_isa.mjs checks that.
#pragma once

constexpr int kVF = 8;

struct VF { __m256 v; };
struct VI { __m256i v; };
struct VB { __m256 m; };
struct VD { __m256d v; };

// ---- float ---------------------------------------------------------------------------
inline VF vset(float x) { return {_mm256_set1_ps(x)}; }
inline VF vload(const float* p) { return {_mm256_loadu_ps(p)}; }
inline void vstore(float* p, VF a) { _mm256_storeu_ps(p, a.v); }
inline void vstream(float* p, VF a) { _mm256_stream_ps(p, a.v); }
inline void vstream_fence() { _mm_sfence(); }
constexpr long kStreamAlign = 32;

inline VF operator+(VF a, VF b) { return {_mm256_add_ps(a.v, b.v)}; }
inline VF operator-(VF a, VF b) { return {_mm256_sub_ps(a.v, b.v)}; }
inline VF operator*(VF a, VF b) { return {_mm256_mul_ps(a.v, b.v)}; }
inline VF operator/(VF a, VF b) { return {_mm256_div_ps(a.v, b.v)}; }
inline VF vfma(VF a, VF b, VF c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
inline VF vfms(VF a, VF b, VF c) { return {_mm256_fmsub_ps(a.v, b.v, c.v)}; }
inline VF vfnma(VF a, VF b, VF c) { return {_mm256_fnmadd_ps(a.v, b.v, c.v)}; }
inline VF vsqrt(VF a) { return {_mm256_sqrt_ps(a.v)}; }
inline VF vmin(VF a, VF b) { return {_mm256_min_ps(a.v, b.v)}; }
inline VF vmax(VF a, VF b) { return {_mm256_max_ps(a.v, b.v)}; }
inline VF vround(VF a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
inline VF vfloor(VF a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)}; }
inline VF vtrunc(VF a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC)}; }

inline VF vand(VF a, VF b) { return {_mm256_and_ps(a.v, b.v)}; }
inline VF vor(VF a, VF b) { return {_mm256_or_ps(a.v, b.v)}; }
inline VF vxor(VF a, VF b) { return {_mm256_xor_ps(a.v, b.v)}; }
inline VF vandnot(VF a, VF b) { return {_mm256_andnot_ps(a.v, b.v)}; }

inline VB operator<(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ)}; }
inline VB operator<=(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LE_OQ)}; }
inline VB operator>(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)}; }
inline VB operator>=(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GE_OQ)}; }
inline VB operator==(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_EQ_OQ)}; }
inline VB operator!=(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_NEQ_UQ)}; }
inline VB visnan(VF a) { return {_mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q)}; }

inline VB operator&(VB a, VB b) { return {_mm256_and_ps(a.m, b.m)}; }
inline VB operator|(VB a, VB b) { return {_mm256_or_ps(a.m, b.m)}; }
inline VB operator~(VB a) { return {_mm256_xor_ps(a.m, _mm256_castsi256_ps(_mm256_set1_epi32(-1)))}; }
inline bool vany(VB a) { return _mm256_movemask_ps(a.m) != 0; }
inline bool vall(VB a) { return _mm256_movemask_ps(a.m) == 0xFF; }
inline unsigned vmaskbits(VB a) { return (unsigned)_mm256_movemask_ps(a.m); }
inline VF vsel(VB m, VF a, VF b) { return {_mm256_blendv_ps(b.v, a.v, m.m)}; }

// ---- int32 lanes and bit patterns -----------------------------------------------------
inline VI vbits(VF a) { return {_mm256_castps_si256(a.v)}; }
inline VF vfrombits(VI a) { return {_mm256_castsi256_ps(a.v)}; }
inline VI vseti(int x) { return {_mm256_set1_epi32(x)}; }
inline VI vaddi(VI a, VI b) { return {_mm256_add_epi32(a.v, b.v)}; }
inline VI vsubi(VI a, VI b) { return {_mm256_sub_epi32(a.v, b.v)}; }
inline VI vandi(VI a, VI b) { return {_mm256_and_si256(a.v, b.v)}; }
template <int S> inline VI vslli(VI a) { return {_mm256_slli_epi32(a.v, S)}; }
template <int S> inline VI vsrai(VI a) { return {_mm256_srai_epi32(a.v, S)}; }
inline VI vcvti(VF a) { return {_mm256_cvttps_epi32(a.v)}; }
inline VF vcvtf(VI a) { return {_mm256_cvtepi32_ps(a.v)}; }

// ---- double halves --------------------------------------------------------------------
inline VD vlo(VF a) { return {_mm256_cvtps_pd(_mm256_castps256_ps128(a.v))}; }
inline VD vhi(VF a) { return {_mm256_cvtps_pd(_mm256_extractf128_ps(a.v, 1))}; }
inline VF vpack(VD lo, VD hi) { return {_mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo.v)), _mm256_cvtpd_ps(hi.v), 1)}; }
inline VD vsetd(double x) { return {_mm256_set1_pd(x)}; }
inline VD operator+(VD a, VD b) { return {_mm256_add_pd(a.v, b.v)}; }
inline VD operator-(VD a, VD b) { return {_mm256_sub_pd(a.v, b.v)}; }
inline VD operator*(VD a, VD b) { return {_mm256_mul_pd(a.v, b.v)}; }
inline VD operator/(VD a, VD b) { return {_mm256_div_pd(a.v, b.v)}; }
inline VD vfma(VD a, VD b, VD c) { return {_mm256_fmadd_pd(a.v, b.v, c.v)}; }
inline VD vfnma(VD a, VD b, VD c) { return {_mm256_fnmadd_pd(a.v, b.v, c.v)}; }
inline VD vmin(VD a, VD b) { return {_mm256_min_pd(a.v, b.v)}; }
inline VD vmax(VD a, VD b) { return {_mm256_max_pd(a.v, b.v)}; }
inline VD vround(VD a) { return {_mm256_round_pd(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
inline VD vpow2d(VD n) {
  const __m256d t = _mm256_add_pd(n.v, _mm256_set1_pd(6755399441055744.0 + 1023.0));
  return {_mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(t), 52))};
}

inline VF vlut4(const float (&t)[4], VI idx) {
  return {_mm256_permutevar8x32_ps(_mm256_setr_ps(t[0], t[1], t[2], t[3], 0, 0, 0, 0), idx.v)};
}
inline VF vlut8(const float (&t)[8], VI idx) {
  return {_mm256_permutevar8x32_ps(_mm256_setr_ps(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]), idx.v)};
}

// Channel-last copies of one image of a convolution for the AVX-512 float32 weight passes
// (conv_weight_avx512.cc: direct; conv_winograd_weight_avx512.cc: Winograd): dy[n] as
// [positions][O] and x[n] as a zero-bordered [Hp][Wp][C], by 16x16 transposes in registers,
// with the bias gradient summed from dy on the way. Only for translation units compiled
// with the AVX-512 flags; everything has internal linkage in isa_avx512 (see
// native/check_isa.mjs), so each such file has its own scratch.
#pragma once

#include <immintrin.h>

#include <algorithm>

#include "avx512_util.h"
#include "conv.h"

namespace fluxion {
namespace isa_avx512 {
namespace {

// In-register transpose of a 16x16 block: r[i][j] <-> r[j][i].
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
  }
  // r[4q + m] now holds, in each 128-bit lane L, the elements (4L + 0..3) of rows 4q + {0..3}
  // for column m: rows 4q..4q+3 x columns 4L + m. Gather the lanes across groups.
  for (int m = 0; m < 4; m++) {
    const __m512 a = r[m], b = r[4 + m], c = r[8 + m], d = r[12 + m];
    const __m512 ab_lo = _mm512_shuffle_f32x4(a, b, 0x44), ab_hi = _mm512_shuffle_f32x4(a, b, 0xEE);
    const __m512 cd_lo = _mm512_shuffle_f32x4(c, d, 0x44), cd_hi = _mm512_shuffle_f32x4(c, d, 0xEE);
    t[m] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0x88);       // lane 0 of a, b, c, d
    t[4 + m] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0xDD);   // lane 1
    t[8 + m] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0x88);   // lane 2
    t[12 + m] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0xDD);  // lane 3
  }
  for (int i = 0; i < 16; i++) r[i] = t[i];
}

// dst[s·ldd + r] = src[r·lds + s] for r < R, s < S (16x16 blocks in registers).
inline void transpose(const float* src, long lds, long R, long S, float* dst, long ldd) {
  const __m512 zero = _mm512_setzero_ps();
  for (long r0 = 0; r0 < R; r0 += 16) {
    const long rn = std::min(16L, R - r0);
    const __mmask16 rmask = first_lanes(rn);
    for (long s0 = 0; s0 < S; s0 += 16) {
      const long sn = std::min(16L, S - s0);
      const __mmask16 smask = first_lanes(sn);
      __m512 v[16];
      for (int r = 0; r < 16; r++) v[r] = r < rn ? _mm512_maskz_loadu_ps(smask, src + (r0 + r) * lds + s0) : zero;
      transpose16(v);
      for (int s = 0; s < sn; s++) _mm512_mask_storeu_ps(dst + (s0 + s) * ldd + r0, rmask, v[s]);
    }
  }
}

struct ChannelLast {
  const float* x;   // [Hp][Wp][C], zero border of ph rows and pw columns
  const float* dy;  // [oh·ow][O]
  long Hp, Wp;
};

// Image n's channel-last copies (thread-local scratch, valid until the thread's next call);
// db[o] += Σ dy[n][o] (O a multiple of 16).
inline ChannelLast channel_last(const ConvArgs& a, long n, float* db) {
  const long C = a.C, O = a.O, L = a.oh * a.ow;
  thread_local Scratch<float> dy_scratch;
  float* const dyT = dy_scratch.get(L * O);
  transpose((const float*)a.dy + n * O * L, L, O, L, dyT, O);
  for (long o = 0; o < O; o += 16) {
    __m512 s = _mm512_setzero_ps();
    for (long l = 0; l < L; l++) s = _mm512_add_ps(s, _mm512_loadu_ps(dyT + l * O + o));
    _mm512_storeu_ps(db + o, _mm512_add_ps(_mm512_loadu_ps(db + o), s));
  }
  // the border is zeroed when the layout changes and never written
  const long Hp = a.H + 2 * a.ph, Wp = a.W + 2 * a.pw;
  thread_local Scratch<float> x_scratch;
  thread_local long layout[3] = {-1, -1, -1};
  const long size = Hp * Wp * C;
  float* const xT = layout[0] != Hp || layout[1] != Wp || layout[2] != C ? x_scratch.zeroed(size) : x_scratch.p;
  layout[0] = Hp, layout[1] = Wp, layout[2] = C;
  const float* img = (const float*)a.x + n * C * a.H * a.W;
  for (long y = 0; y < a.H; y++) transpose(img + y * a.W, a.H * a.W, C, a.W, xT + ((y + a.ph) * Wp + a.pw) * C, C);
  return {xT, dyT, Hp, Wp};
}

}  // namespace
}  // namespace isa_avx512
}  // namespace fluxion

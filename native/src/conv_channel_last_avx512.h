// Channel-last copies of one image of a convolution for the AVX-512 float32 weight passes
// (conv_weight_avx512.cc: direct; conv_winograd_weight_avx512.cc: Winograd): dy[n] as
// [positions][O] and x[n] as a zero-bordered [Hp][Wp][C], by 8x8 transposes in registers,
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

// In-register transpose of an 8x8 block: r[i][j] <-> r[j][i]. 256-bit shuffles: Zen 4
// runs a 512-bit shuffle at half their rate, and a 16x16 block in zmm registers took about
// 200 cycles against 110 for its four 8x8 blocks here.
inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// dst[s·ldd + r] = src[r·lds + s] for r < R, s < S (8x8 blocks in registers).
inline void transpose(const float* src, long lds, long R, long S, float* dst, long ldd) {
  const __m256 zero = _mm256_setzero_ps();
  for (long r0 = 0; r0 < R; r0 += 8) {
    const long rn = std::min(8L, R - r0);
    const __mmask8 rmask = (__mmask8)first_lanes(rn);
    for (long s0 = 0; s0 < S; s0 += 8) {
      const long sn = std::min(8L, S - s0);
      __m256 v[8];
      if (rn == 8 && sn == 8) {
        for (int r = 0; r < 8; r++) v[r] = _mm256_loadu_ps(src + (r0 + r) * lds + s0);
        transpose8(v);
        for (int s = 0; s < 8; s++) _mm256_storeu_ps(dst + (s0 + s) * ldd + r0, v[s]);
        continue;
      }
      const __mmask8 smask = (__mmask8)first_lanes(sn);
      for (int r = 0; r < 8; r++) v[r] = r < rn ? _mm256_maskz_loadu_ps(smask, src + (r0 + r) * lds + s0) : zero;
      transpose8(v);
      for (int s = 0; s < sn; s++) _mm256_mask_storeu_ps(dst + (s0 + s) * ldd + r0, rmask, v[s]);
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

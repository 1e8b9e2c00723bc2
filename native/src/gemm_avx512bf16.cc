// bfloat16 GEMM with AVX512-BF16: vdpbf16ps multiplies 32 bf16 pairs and accumulates
// into 16 float32 lanes, twice the MACs of a float32 FMA. Panels therefore hold K in
// pairs: A as one 32-bit (a[i][2p], a[i][2p+1]) word per row, B as (b[2p][j], b[2p+1][j])
// pairs per column; an odd K is padded with a zero. Output, beta and epilogue go through
// the shared driver (float32 workspace, rounded to bf16 once).
// Compiled with -mavx512bf16 and only called when the CPU has it.
#include <immintrin.h>

#include "kernel_prelude.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx512bf16 (or ends in _avx512bf16),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx512bf16 {
namespace {

#include "pack.inc"

struct BF16Pairs {
  using Tin = uint16_t;
  using T = float;
  static constexpr int MR = 12, NR = 32, KC = 512, MC = 480, NC = 4096;
  static size_t a_panel_bytes(long kc) { return (size_t)MR * ((kc + 1) / 2) * 4; }
  static size_t b_panel_bytes(long kc) { return (size_t)NR * ((kc + 1) / 2) * 4; }

  // A is packed as 32-bit (k, k+1) pairs too (B: pack_b_pairs); `pair(src, s)` reads src[0] and
  // src[s] (s = the K stride), zero past K.
  static uint32_t pair(const uint16_t* src, long s, bool second) {
    return (uint32_t)src[0] | (second ? (uint32_t)src[s] << 16 : 0u);
  }

  static void pack_a(long mc, long kc, const uint16_t* A, long rsA, long csA, void* out) {
    uint32_t* o = (uint32_t*)out;
    const long kp = (kc + 1) / 2, kfull = kc / 2;
    for (long p = 0; p < mc; p += MR, o += MR * kp) {
      const long rows = mc - p < MR ? mc - p : MR;
      for (int i = 0; i < MR; i++) {
        const uint16_t* src = A + (p + i) * rsA;
        if (i >= rows) {
          for (long q = 0; q < kp; q++) o[q * MR + i] = 0;
          continue;
        }
        for (long q = 0; q < kfull; q++) o[q * MR + i] = pair(src + 2 * q * csA, csA, true);
        if (kc & 1) o[kfull * MR + i] = pair(src + 2 * kfull * csA, csA, false);
      }
    }
  }

  static void pack_b(long kc, long nc, const uint16_t* B, long rsB, long csB, void* out) {
    pack_b_pairs<NR>(kc, nc, B, rsB, csB, (uint32_t*)out, (kc + 1) / 2);
  }

  static void kernel(long kc, const void* a_, const void* b_, float* tile) {
    const uint32_t* a = (const uint32_t*)a_;
    const __m512i* b = (const __m512i*)b_;
    __m512 acc[MR][2];
#pragma GCC unroll 64
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    const long kp = (kc + 1) / 2;
    for (long p = 0; p < kp; p++) {
      const __m512bh b0 = (__m512bh)_mm512_load_si512(b), b1 = (__m512bh)_mm512_load_si512(b + 1);
      _mm_prefetch((const char*)(b + 16), _MM_HINT_T0);
#pragma GCC unroll 64
      for (int i = 0; i < MR; i++) {
        const __m512bh av = (__m512bh)_mm512_set1_epi32((int)a[i]);
        acc[i][0] = _mm512_dpbf16_ps(acc[i][0], av, b0);
        acc[i][1] = _mm512_dpbf16_ps(acc[i][1], av, b1);
      }
      a += MR;
      b += 2;
    }
#pragma GCC unroll 64
    for (int i = 0; i < MR; i++) {
      _mm512_store_ps(tile + i * NR, acc[i][0]);
      _mm512_store_ps(tile + i * NR + 16, acc[i][1]);
    }
  }
};

#include "driver.inc"

}  // namespace
}  // namespace isa_avx512bf16

using namespace isa_avx512bf16;  // the entry points below

void gemm_bf16_avx512bf16(const GemmArgs& g) {
  gemm_bf16<BF16Pairs>(g);
}

}  // namespace fluxion

// GEMM for AVX-512 (F/BW/DQ/VL): 12 x 32 float32 and 12 x 16 float64 tiles, 24 zmm
// accumulators. Compiled with -mavx512f ... and only called when the CPU has them.
#include <immintrin.h>

#include "conv.h"
#include "kernel_prelude.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx512 (or ends in _avx512),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx512 {
namespace {

struct V16f {
  using T = float;
  using R = __m512;
  static constexpr int W = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const float* p) { return _mm512_load_ps(p); }
  static R loadu(const float* p) { return _mm512_loadu_ps(p); }
  static R bcast(const float* p) { return _mm512_set1_ps(*p); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static void prefetch(const float* p) { _mm_prefetch((const char*)p, _MM_HINT_T0); }
};

struct V8d {
  using T = double;
  using R = __m512d;
  static constexpr int W = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R load(const double* p) { return _mm512_load_pd(p); }
  static R loadu(const double* p) { return _mm512_loadu_pd(p); }
  static R bcast(const double* p) { return _mm512_set1_pd(*p); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static void store(double* p, R v) { _mm512_storeu_pd(p, v); }
  static void prefetch(const double* p) { _mm_prefetch((const char*)p, _MM_HINT_T0); }
};

#include "microkernel.inc"
#include "pack.inc"

// float32 K blocks of 1024: every K block re-reads and re-writes the tile of C it adds to,
// and for n >= 1024 those C rows miss cache (C is 4-16 MiB); halving the passes over C
// took a 2048^3 product from ~117 to ~136 GF/s on one core. The 128 KiB B panel then
// streams from L2, which this kernel tolerates (bare kernel: 171 vs 175 GF/s at KC 256).
using F32 = DefaultFamily<Micro<V16f, 12, 2>, float, 1024, 144, 2048>;
using F32x8 = DefaultFamily<Micro<V16f, 8, 2>, float, 1024, 144, 2048>;  // M a multiple of 8
using F64 = DefaultFamily<Micro<V8d, 12, 2>, double, 256, 240, 2048>;
using BF16 = DefaultFamily<Micro<V16f, 12, 2>, uint16_t, 512, 144, 2048>;

#include "driver.inc"
#include "conv_gemm.inc"

}  // namespace
}  // namespace isa_avx512

using namespace isa_avx512;  // the entry points below

void gemm_avx512(const GemmArgs& g) { gemm_dispatch<F32, F64, BF16, F32x8>(g); }

size_t conv_weight_panel_floats_avx512(const ConvArgs& a) {
  return conv_uses_rows8(a.O) ? conv_weight_floats<F32x8>(a) : conv_weight_floats<F32>(a);
}
void conv_pack_weights_avx512(const ConvArgs& a, float* panels) {
  if (conv_uses_rows8(a.O)) conv_pack_weights<F32x8>(a, panels);
  else conv_pack_weights<F32>(a, panels);
}
void conv_forward_image_avx512(const ConvArgs& a, const float* panels, long n, float* y) {
  if (conv_uses_rows8(a.O)) conv_forward_image<F32x8>(a, panels, n, y);
  else conv_forward_image<F32>(a, panels, n, y);
}

}  // namespace fluxion

// GEMM for AVX2 + FMA: 6 x 16 float32 and 6 x 8 float64 tiles, 12 ymm accumulators.
// Compiled with -mavx2 -mfma and only called when the CPU has them.
#include <immintrin.h>

#include "kernel_prelude.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx2 (or ends in _avx2),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx2 {
namespace {

struct V8f {
  using T = float;
  using R = __m256;
  static constexpr int W = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const float* p) { return _mm256_load_ps(p); }
  static R loadu(const float* p) { return _mm256_loadu_ps(p); }
  static R bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static void prefetch(const float* p) { _mm_prefetch((const char*)p, _MM_HINT_T0); }
};

struct V4d {
  using T = double;
  using R = __m256d;
  static constexpr int W = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R load(const double* p) { return _mm256_load_pd(p); }
  static R loadu(const double* p) { return _mm256_loadu_pd(p); }
  static R bcast(const double* p) { return _mm256_broadcast_sd(p); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static void store(double* p, R v) { _mm256_storeu_pd(p, v); }
  static void prefetch(const double* p) { _mm_prefetch((const char*)p, _MM_HINT_T0); }
};

#include "microkernel.inc"
#include "pack.inc"

using F32 = DefaultFamily<Micro<V8f, 6, 2>, float, 256, 480, 4096>;
using F64 = DefaultFamily<Micro<V4d, 6, 2>, double, 256, 240, 2048>;
using BF16 = DefaultFamily<Micro<V8f, 6, 2>, uint16_t, 256, 480, 4096>;

#include "driver.inc"

}  // namespace
}  // namespace isa_avx2

using namespace isa_avx2;  // the entry points below

void gemm_avx2(const GemmArgs& g) { gemm_dispatch<F32, F64, BF16>(g); }

}  // namespace fluxion

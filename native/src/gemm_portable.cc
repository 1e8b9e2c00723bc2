// GEMM for any CPU: the same blocked driver over GCC/Clang vector extensions (16-byte
// vectors: SSE2 on x86-64, NEON on arm64), 4 x 8 float32 and 4 x 4 float64 tiles.
// Compiled with no ISA flags; always available.
#include "kernel_prelude.h"

namespace fluxion {
namespace {

typedef float v4f __attribute__((vector_size(16), aligned(16)));
typedef double v2d __attribute__((vector_size(16), aligned(16)));

struct V4f {
  using T = float;
  using R = v4f;
  static constexpr int W = 4;
  static R zero() { return R{0, 0, 0, 0}; }
  static R load(const float* p) { return *(const R*)p; }
  static R loadu(const float* p) { R r; std::memcpy(&r, p, sizeof r); return r; }
  static R bcast(const float* p) { return R{*p, *p, *p, *p}; }
  static R fma(R a, R b, R c) { return a * b + c; }
  static void store(float* p, R v) { std::memcpy(p, &v, sizeof v); }
  static void prefetch(const float* p) { __builtin_prefetch(p); }
};

struct V2d {
  using T = double;
  using R = v2d;
  static constexpr int W = 2;
  static R zero() { return R{0, 0}; }
  static R load(const double* p) { return *(const R*)p; }
  static R loadu(const double* p) { R r; std::memcpy(&r, p, sizeof r); return r; }
  static R bcast(const double* p) { return R{*p, *p}; }
  static R fma(R a, R b, R c) { return a * b + c; }
  static void store(double* p, R v) { std::memcpy(p, &v, sizeof v); }
  static void prefetch(const double* p) { __builtin_prefetch(p); }
};

#include "microkernel.inc"
#include "pack.inc"

using F32 = DefaultFamily<Micro<V4f, 4, 2>, float, 256, 256, 2048>;
using F64 = DefaultFamily<Micro<V2d, 4, 2>, double, 256, 128, 2048>;
using BF16 = DefaultFamily<Micro<V4f, 4, 2>, uint16_t, 256, 256, 2048>;

#include "driver.inc"

}  // namespace

void gemm_portable(const GemmArgs& g) { gemm_dispatch<F32, F64, BF16>(g); }

}  // namespace fluxion

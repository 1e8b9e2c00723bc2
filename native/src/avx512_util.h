// Small AVX-512 helpers shared by the convolution kernels (conv_direct_avx512.cc,
// conv_winograd_avx512.cc). Only for translation units compiled with the AVX-512 flags.
// Everything here has internal linkage and lives in isa_avx512 (see native/check_isa.mjs):
// an inline function with external linkage would be a weak symbol that the linker could
// pick for a portable caller too.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace fluxion {
namespace isa_avx512 {
namespace {

// max that lets a NaN through from either side, as torch's relu and max_pool2d do (vmaxps
// returns its second operand when one is NaN): there a + b, which is NaN exactly then.
inline __m512 max_nan(__m512 a, __m512 b) {
  const __mmask16 ordered = _mm512_cmp_ps_mask(a, b, _CMP_ORD_Q);
  return _mm512_mask_max_ps(_mm512_add_ps(a, b), ordered, a, b);
}

// The first n lanes (none for n <= 0, all for n >= 16).
inline __mmask16 first_lanes(long n) { return n <= 0 ? 0 : (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1); }

// Per-thread scratch of T that only grows, 64-byte aligned (in place of std::vector, whose
// member functions are weak symbols shared with every other object that uses them).
template <class T>
struct Scratch {
  T* p = nullptr;
  size_t cap = 0;  // in elements
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(p); }
  // At least n elements; their values are whatever the last user left.
  T* get(size_t n) {
    if (n > cap) {
      std::free(p);
      const size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
      p = (T*)std::aligned_alloc(64, bytes);
      if (!p) std::abort();
      cap = bytes / sizeof(T);
    }
    return p;
  }
  // n elements set to zero.
  T* zeroed(size_t n) {
    T* q = get(n);
    std::memset((void*)q, 0, n * sizeof(T));
    return q;
  }
};

}  // namespace
}  // namespace isa_avx512
}  // namespace fluxion

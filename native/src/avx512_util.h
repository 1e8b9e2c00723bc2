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

#include "scratch.inc"

}  // namespace
}  // namespace isa_avx512
}  // namespace fluxion

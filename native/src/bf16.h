// bfloat16 compute paths (issue 13): elementwise ops, casts and reductions on tensors whose
// 16-bit storage holds bfloat16. The float32 kernels do the math: bfloat16 operands are
// widened (exactly) into float32 blocks, the active ISA's float32 elementwise kernel runs on
// them, and bfloat16 results are rounded back to nearest-even (NaN kept, as a quiet NaN).
// Rounding float32 results once more to bfloat16 is exact for add/sub/mul/div/sqrt (float32
// carries more than 2 * 8 + 2 significant bits); transcendental ops can differ from a direct
// float64 -> bfloat16 rounding by one bfloat16 ulp in rare near-tie cases.
// Reductions accumulate in float64 (as the TypeScript kernels) and round once.
#pragma once

#include <cstdint>
#include <cstring>

#include "ewise.h"

namespace fluxion {

inline float bf16_to_f32(uint16_t h) {
  const uint32_t u = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Round to nearest even; NaN stays NaN (quiet bit set), infinities stay infinities.
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// Vector (auto-vectorised) block conversions, strided in the 16-bit side.
void bf16_widen(long n, const uint16_t* src, long stride, float* dst);
void bf16_narrow(long n, const float* src, uint16_t* dst, long stride);

// Elementwise (unary, binary, convert) where operands of type u16 hold bfloat16. Answers
// false, doing nothing, for ops/types it does not handle (the caller runs TypeScript).
bool bf16_ew_supported(const EwArgs& g);
void bf16_elementwise(const EwArgs& g);

// Reductions (sum, prod, max, min over a u16 = bfloat16 input into bfloat16; argmax/argmin
// into int32), float64 accumulation, one rounding.
bool bf16_reduce_supported(const ReduceArgs& r);
void bf16_reduce(const ReduceArgs& r);

}  // namespace fluxion

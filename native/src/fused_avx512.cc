// The fused kernels (softmax, cross entropy, batch and group norm: fused.h) for the avx512
// path: the shared sources (fused_vec.inc, fused_softmax.inc, fused_norm.inc) compiled under
// this translation unit's flags, so their vectors are this instruction set's width.
// Compiled with the AVX-512 F/BW/DQ/VL flags; only called when the CPU has them.
#include "fused.h"
#include "kernel_prelude.h"

#if defined(__SSE2__)
#include <immintrin.h>  // the non-temporal stores of fused_vec.inc
#endif

// Fused multiply-adds allowed (unlike the elementwise kernels, nothing here reproduces
// JavaScript's rounding step by step): they make the exp polynomial and the sums tighter.
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")
#endif

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx512 (or ends in _avx512),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx512 {
namespace {

#include "local_array.inc"
#include "fused_vec.inc"
#include "fused_softmax.inc"
#include "fused_norm.inc"

}  // namespace
}  // namespace isa_avx512

using namespace isa_avx512;  // the entry points below

void softmax_avx512(const SoftmaxArgs& a) { a.dtype == DType::f64 ? softmax_impl<double>(a) : softmax_impl<float>(a); }
void softmax_backward_avx512(const SoftmaxBackwardArgs& a) { a.dtype == DType::f64 ? softmax_backward_impl<double>(a) : softmax_backward_impl<float>(a); }
long cross_entropy_avx512(const CrossEntropyArgs& a) { return a.dtype == DType::f64 ? cross_entropy_impl<double>(a) : cross_entropy_impl<float>(a); }
long cross_entropy_backward_avx512(const CrossEntropyArgs& a) { return a.dtype == DType::f64 ? cross_entropy_backward_impl<double>(a) : cross_entropy_backward_impl<float>(a); }
void batch_norm_avx512(const BatchNormArgs& a) { a.dtype == DType::f64 ? batch_norm_impl<double>(a) : batch_norm_impl<float>(a); }
void batch_norm_backward_avx512(const BatchNormBackwardArgs& a) { a.dtype == DType::f64 ? batch_norm_backward_impl<double>(a) : batch_norm_backward_impl<float>(a); }
void group_norm_avx512(const GroupNormArgs& a) { a.dtype == DType::f64 ? group_norm_impl<double>(a) : group_norm_impl<float>(a); }
void group_norm_backward_avx512(const GroupNormBackwardArgs& a) { a.dtype == DType::f64 ? group_norm_backward_impl<double>(a) : group_norm_backward_impl<float>(a); }
void exp_f32_avx512(const float* x, float* y, long n) {
  constexpr int L = Simd<float>::L;
  long i = 0;
  for (; i + L <= n; i += L) store(y + i, exp_v(load(x + i)));
  for (; i < n; i++) y[i] = exp_of(x[i]);
}

}  // namespace fluxion

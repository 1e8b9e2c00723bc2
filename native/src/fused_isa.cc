// The fused kernels' per-ISA choice (fused.h): the entry of the instruction set isa.cc
// made active. Compiled without ISA flags: it only decides.
#include "fused.h"
#include "isa.h"

namespace fluxion {

#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
#define FLUXION_FUSED_CALL(name, arg)                                  \
  do {                                                                 \
    if (active_isa() == Isa::avx512) return name##_avx512(arg);        \
    if (active_isa() == Isa::avx2) return name##_avx2(arg);            \
    return name##_portable(arg);                                       \
  } while (0)
#else
#define FLUXION_FUSED_CALL(name, arg) return name##_portable(arg)
#endif

void softmax(const SoftmaxArgs& a) { FLUXION_FUSED_CALL(softmax, a); }
void softmax_backward(const SoftmaxBackwardArgs& a) { FLUXION_FUSED_CALL(softmax_backward, a); }
long cross_entropy(const CrossEntropyArgs& a) { FLUXION_FUSED_CALL(cross_entropy, a); }
long cross_entropy_backward(const CrossEntropyArgs& a) { FLUXION_FUSED_CALL(cross_entropy_backward, a); }
void batch_norm(const BatchNormArgs& a) { FLUXION_FUSED_CALL(batch_norm, a); }
void batch_norm_backward(const BatchNormBackwardArgs& a) { FLUXION_FUSED_CALL(batch_norm_backward, a); }
void group_norm(const GroupNormArgs& a) { FLUXION_FUSED_CALL(group_norm, a); }
void group_norm_backward(const GroupNormBackwardArgs& a) { FLUXION_FUSED_CALL(group_norm_backward, a); }

void exp_f32(const float* x, float* y, long n) {
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
  if (active_isa() == Isa::avx512) return exp_f32_avx512(x, y, n);
  if (active_isa() == Isa::avx2) return exp_f32_avx2(x, y, n);
#endif
  exp_f32_portable(x, y, n);
}

#undef FLUXION_FUSED_CALL

}  // namespace fluxion

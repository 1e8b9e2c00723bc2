// The fused-program interpreter (fused_program.h, fused_program.inc) for the portable path
// (no ISA flags; transcendentals by the double libm formulas, as the portable eager kernels)
// and the per-ISA choice.
#include "fused_program.h"
#include "isa.h"
#include "kernel_prelude.h"

FLUXION_NO_FP_CONTRACT  // the rounding of JavaScript's arithmetic (kernel_prelude.h)

namespace fluxion {
namespace {

#include "fused_program.inc"

}  // namespace

void fused_program_portable(const FusedProgramArgs& a) { fused_program_impl(a); }

void fused_program(const FusedProgramArgs& a) {
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
  if (active_isa() == Isa::avx512) return fused_program_avx512(a);
  if (active_isa() == Isa::avx2) return fused_program_avx2(a);
#endif
  fused_program_portable(a);
}

}  // namespace fluxion

// The fused-program interpreter (fused_program.h, fused_program.inc) for the avx512 path,
// with vecmath's float32 transcendentals on this instruction set's vectors.
// Compiled with the avx512 flags; only called when the CPU has them.
#include <immintrin.h>

#include "ewise.h"
#include "fused_program.h"
#include "kernel_prelude.h"

FLUXION_NO_FP_CONTRACT  // the rounding of JavaScript's arithmetic (kernel_prelude.h)

namespace fluxion {
namespace isa_avx512 {
namespace {

// js_pow and friends, which vecmath.h's pow falls back on
#include "local_array.inc"
#include "ewise_ops.inc"
#include "vecmath_avx512.h"
#include "vecmath.h"
#define FLUXION_VECMATH 1
#include "fused_program.inc"
#undef FLUXION_VECMATH

}  // namespace
}  // namespace isa_avx512

void fused_program_avx512(const FusedProgramArgs& a) { isa_avx512::fused_program_impl(a); }

}  // namespace fluxion

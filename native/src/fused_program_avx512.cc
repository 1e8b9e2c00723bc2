// The fused-program interpreter (fused_program.h, fused_program.inc) for the avx512 path,
// with vecmath's float32 transcendentals on this instruction set's vectors.
// Compiled with the avx512 flags; only called when the CPU has them.
#include <immintrin.h>

#include "ewise.h"
#include "fused_program.h"
#include "kernel_prelude.h"

// No fused multiply-adds: the programs reproduce the eager elementwise kernels' rounding
// (ewise_avx512.cc is compiled the same way).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

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

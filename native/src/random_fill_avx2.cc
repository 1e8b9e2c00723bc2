// The random fill (random_fill.inc) compiled for avx2 (binding.gyp's kernels_avx2 library): the
// batched Philox rounds and the value loops vectorise on its 256-bit lanes. Only called
// when the CPU has the instructions.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <immintrin.h>

#include <cstdint>

#include "philox.h"
#include "random_fill.h"
#include "thread_pool.h"

namespace fluxion {
// Everything compiled under this file's flags is named isa_avx2 (see native/check_isa.mjs).
namespace isa_avx2 {
namespace {

#include "random_fill.inc"

}  // namespace
}  // namespace isa_avx2

void random_fill_avx2(const RandomFill& f) { isa_avx2::random_fill_impl(f); }

}  // namespace fluxion

// The random fill (random_fill.inc) compiled with no ISA flags (SSE2 on x86-64): always available,
// and the path on CPUs without AVX2.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <cstdint>

#include "philox.h"
#include "random_fill.h"
#include "thread_pool.h"

namespace fluxion {

namespace {

#include "random_fill.inc"

}  // namespace


void random_fill_portable(const RandomFill& f) { random_fill_impl(f); }

}  // namespace fluxion

// The fused recurrent-cell kernels (rnn_cell.inc) compiled for avx512: the loops over the
// hidden units vectorise under this translation unit's -m flags (binding.gyp's
// kernels_avx512 library). Only called when the CPU has the instructions.
// Comparisons may not trap (we never read the FP exception flags): GCC then turns the
// clamps and selects of the float32 math into blends, and the loops vectorise.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <cmath>
#include <cstdint>
#include <cstring>

#include "rnn_cell.h"
#include "thread_pool.h"

namespace fluxion {
// Everything compiled under this file's flags is named isa_avx512 (see native/check_isa.mjs).
namespace isa_avx512 {
namespace {

#include "rnn_cell.inc"

}  // namespace
}  // namespace isa_avx512

void rnn_cell_avx512(const RnnCellArgs& a) { isa_avx512::rnn_cell_impl(a); }

}  // namespace fluxion

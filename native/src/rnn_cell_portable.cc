// The fused recurrent-cell kernels (rnn_cell.inc) compiled with no ISA flags (SSE2 on
// x86-64): always available, and the path on CPUs without AVX2.
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
namespace {

#include "rnn_cell.inc"

}  // namespace

void rnn_cell_portable(const RnnCellArgs& a) { rnn_cell_impl(a); }

}  // namespace fluxion

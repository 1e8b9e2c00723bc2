// Elementwise, reduction and im2col kernels for the portable path: the shared sources
// (ewise_ops.inc, ewise_driver.inc, reduce.inc, im2col.inc) compiled under this
// translation unit's flags, so the compiler vectorises their loops for the ISA.
// Compiled with no ISA flags; always available.
#include <type_traits>

#include "ewise.h"
#include "kernel_prelude.h"

FLUXION_NO_FP_CONTRACT  // the rounding of JavaScript's arithmetic (kernel_prelude.h)

namespace fluxion {
namespace {

#include "local_array.inc"
#include "ewise_ops.inc"
#include "scratch.inc"
#include "ewise_driver.inc"
#include "reduce.inc"
#include "im2col.inc"
#include "pool.inc"
#include "scatter.inc"

}  // namespace

void elementwise_portable(const EwArgs& g) { elementwise_impl(g); }
void reduce_portable(const ReduceArgs& r) { reduce_impl(r); }
void unfold_portable(const Im2colArgs& a) { unfold_impl(a); }
void fold_portable(const Im2colArgs& a) { fold_impl(a); }
void maxpool_portable(const Im2colArgs& a) { maxpool_impl(a); }
void scatter_portable(const ScatterArgs& s) { scatter_impl(s); }

}  // namespace fluxion

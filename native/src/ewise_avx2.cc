// Elementwise, reduction and im2col kernels for the avx2 path: the shared sources
// (ewise_ops.inc, ewise_driver.inc, reduce.inc, im2col.inc) compiled under this
// translation unit's flags, so the compiler vectorises their loops for the ISA.
// Compiled with -mavx2 -mfma; only called when the CPU has them.
#include <immintrin.h>
#include <type_traits>

#include "ewise.h"
#include "kernel_prelude.h"

FLUXION_NO_FP_CONTRACT  // the rounding of JavaScript's arithmetic (kernel_prelude.h)

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx2 (or ends in _avx2),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx2 {
namespace {

#include "local_array.inc"
#include "ewise_ops.inc"
// float32 transcendentals on vector lanes, picked by ewise_driver.inc
#include "vecmath_avx2.h"
#include "vecmath.h"
#include "vecmath_rows.h"
#define FLUXION_VECMATH 1
#include "scratch.inc"
#include "ewise_driver.inc"
#include "reduce.inc"
#include "im2col.inc"
#include "pool.inc"
#include "scatter.inc"

}  // namespace
}  // namespace isa_avx2

using namespace isa_avx2;  // the entry points below

void elementwise_avx2(const EwArgs& g) { elementwise_impl(g); }
void reduce_avx2(const ReduceArgs& r) { reduce_impl(r); }
void unfold_avx2(const Im2colArgs& a) { unfold_impl(a); }
void fold_avx2(const Im2colArgs& a) { fold_impl(a); }
void maxpool_avx2(const Im2colArgs& a) { maxpool_impl(a); }
void scatter_avx2(const ScatterArgs& s) { scatter_impl(s); }

}  // namespace fluxion

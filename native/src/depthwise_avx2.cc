// The depthwise convolution's loops (depthwise.inc) for the avx2 path.
// Compiled with the avx2 flags; only called when the CPU has them.
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "depthwise.h"
#include "thread_pool.h"

namespace fluxion {
namespace isa_avx2 {
namespace {

#define FLUXION_DW_VEC_BYTES 32
#include "depthwise.inc"
#undef FLUXION_DW_VEC_BYTES

}  // namespace
}  // namespace isa_avx2

bool depthwise_conv2d_avx2(const DepthwiseArgs& a) { return isa_avx2::depthwise_impl(a); }

}  // namespace fluxion

// The depthwise convolution's loops (depthwise.inc) for the avx512 path.
// Compiled with the avx512 flags; only called when the CPU has them.
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "depthwise.h"
#include "thread_pool.h"

namespace fluxion {
namespace isa_avx512 {
namespace {

#define FLUXION_DW_VEC_BYTES 64
#include "depthwise.inc"
#undef FLUXION_DW_VEC_BYTES

}  // namespace
}  // namespace isa_avx512

bool depthwise_conv2d_avx512(const DepthwiseArgs& a) { return isa_avx512::depthwise_impl(a); }

}  // namespace fluxion

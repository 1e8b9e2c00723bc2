// The depthwise convolution's loops (depthwise.inc) for the portable path.
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "depthwise.h"
#include "thread_pool.h"

namespace fluxion {
namespace {

#define FLUXION_DW_VEC_BYTES 16
#include "depthwise.inc"
#undef FLUXION_DW_VEC_BYTES

}  // namespace

bool depthwise_conv2d_portable(const DepthwiseArgs& a) { return depthwise_impl(a); }

}  // namespace fluxion

// Depthwise 2-D convolution (groups = channels, channel multiplier m): the three passes of
// the depthwiseConv2d primitive (src/backend/primitives.ts) as direct loops per channel
// plane. depthwise.inc holds the loops; depthwise_<isa>.cc compile them per instruction set
// (the compiler vectorises the inner loops over the output width), binding_depthwise.cc
// checks the arguments and picks the active ISA's entry.
#pragma once

namespace fluxion {

struct DepthwiseArgs {
  int f64;   // 0: float32, 1: float64
  int pass;  // 0: forward [x, w, bias?] -> y; 1: input [dy, w] -> dx; 2: weight [x, dy] -> [dw, db]
  long N, C, m, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
  const void* a;     // x (forward, weight) or dy (input)
  const void* b;     // w (forward, input) or dy (weight)
  const void* bias;  // forward only; may be null
  void* out0;        // y, dx or dw
  void* out1;        // db (weight pass)
};

// Each returns false when it could not allocate its scratch (the outputs are then incomplete).

bool depthwise_conv2d_portable(const DepthwiseArgs& a);
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
bool depthwise_conv2d_avx2(const DepthwiseArgs& a);
bool depthwise_conv2d_avx512(const DepthwiseArgs& a);
#endif

}  // namespace fluxion

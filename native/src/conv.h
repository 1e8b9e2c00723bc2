// Convolution over contiguous NCHW tensors, one image per task: each image's columns are
// built in thread-local scratch (im2col) and multiplied at once (GEMM), so the column
// matrix of the whole batch never exists and what one GEMM reads is still in cache. (On
// AVX-512 the float32 forward skips the column matrix: a direct or Winograd convolution
// reads the image itself, or conv_gemm.inc gathers the GEMM's packed panels from it.)
//   forward: y[n] = act(W · cols(x[n]) + bias)                  W as [O, C·kh·kw]
//   input:   dx[n] = col2im(Wᵀ · dy[n])
//   weight:  dW = Σn dy[n] · cols(x[n])ᵀ,  db = Σn,l dy[n]      (per-thread partial sums)
#pragma once

#include <cstddef>
#include <cstdint>

#include "gemm.h"

namespace fluxion {

enum class ConvPass : int { forward = 0, input = 1, weight = 2 };

struct ConvArgs {
  ConvPass pass;
  DType dtype;                          // f32, f64 or bf16 (the bfloat16 GEMM's; conv.cc)
  long N, C, H, W, O, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
  const void* x;                        // forward, weight: [N, C, H, W]
  const void* w;                        // forward, input: [O, C, kh, kw]
  const void* bias;                     // forward: [O] or null
  Act act;                              // forward
  long pkh, pkw, psh, psw, poh, pow;    // forward: max-pool y (window, stride, pooled size); pkh 0: none
  int32_t* pool_indices;                // forward, pooled: positions of the maxima, or null
  const void* dy;                       // input, weight: [N, O, oh, ow]
  void* y;                              // forward: [N, O, oh, ow]
  void* dx;                             // input: [N, C, H, W]
  void* dweight;                        // weight: [O, C, kh, kw]
  void* dbias;                          // weight: [O]
  int threads;
};

void conv2d(const ConvArgs& a);

// The AVX-512 float32 forward as an implicit GEMM (conv_gemm.inc), for conv.cc: the
// weights packed once into panels (this many floats), then image n's output [O, oh, ow]
// computed into y from panels gathered straight out of the image. Only on AVX-512 CPUs.
size_t conv_weight_panel_floats_avx512(const ConvArgs& a);
void conv_pack_weights_avx512(const ConvArgs& a, float* panels);
void conv_forward_image_avx512(const ConvArgs& a, const float* panels, long n, float* y);

// The AVX-512 float32 direct convolutions (conv_direct_avx512.cc), for forwards with x
// stride 1 and relu or no activation: lanes over output positions (few taps, C·kh·kw) or
// over output channels (O a multiple of 16). The weights and bias packed once
// (O·(C·kh·kw + 1) floats, 64-byte aligned), then image n's output computed into y,
// [O, oh, ow], or with pool set (a 2x2 stride-2 max pool without indices) [O, poh, pow];
// only part `part` of `parts` near-equal bands of output row pairs.
void conv_direct_pack_weights_avx512(const ConvArgs& a, bool channel_lanes, float* packed);
void conv_direct_image_avx512(const ConvArgs& a, bool channel_lanes, const float* packed, long n, float* y, bool pool,
                              long part, long parts);

// The weight pass of one image as a direct convolution (conv_direct_avx512.cc), AVX-512
// float32, x stride 1, for few taps (C·kh·kw; a first layer's K of 9 leaves the GEMM's
// tiles mostly empty): dWᵀ [K, O] and db [O] set (first) or added to.
void conv_direct_weight_image_avx512(const ConvArgs& a, long n, float* dwt, float* db, bool first);

// Winograd F(2x2, 3x3) (conv_winograd_avx512.cc), AVX-512 float32, for a 3x3 stride-1
// undilated forward with relu or no activation whose output is max-pooled 2x2 (with or
// without pool_indices): the weights transformed once (this many floats; in `parts` parts
// that can run at once), then image n's pooled output [O, poh, pow] computed into y, only
// part `part` of `parts` near-equal sets of channels. (The size is computed in conv.cc:
// portable code must not call into an AVX-512 object before the ISA check.)
size_t conv_winograd_weight_floats(const ConvArgs& a);
void conv_winograd_pack_weights_avx512(const ConvArgs& a, float* packed, long part, long parts);
void conv_winograd_image_avx512(const ConvArgs& a, const float* packed, long n, float* y, long part, long parts);

// The input pass as direct convolutions of dy (conv_input_avx512.cc), AVX-512 float32, for
// C a multiple of 16, any stride, dilation and padding: the weights packed once, phase by
// phase of the stride (O·C·kh·kw + C floats, 64-byte aligned), with each tap's offset in
// the zero-bordered dy (O·kh·kw longs); then image n's dx [C, H, W] computed, only part
// `part` of `parts` near-equal bands of rows.
void conv_input_pack_avx512(const ConvArgs& a, float* packed, long* taps);
void conv_input_image_avx512(const ConvArgs& a, const float* packed, const long* taps, long n, long part, long parts);

// The weight pass of one image over channel-last copies of it (conv_weight_avx512.cc),
// AVX-512 float32, O a multiple of 16, any stride, dilation and padding: dWᵀ [K, O] and
// db [O] set to zero first (first) and added to.
void conv_weight_image_avx512(const ConvArgs& a, long n, float* dwt, float* db, bool first);

// The same for any output (no pooling; oh and ow even): image n's output [O, oh, ow] into y,
// weights packed by conv_winograd_pack_weights_avx512.
void conv_winograd_full_image_avx512(const ConvArgs& a, const float* packed, long n, float* y, long part, long parts);

// The full-output Winograd forward on AVX2 + FMA (conv_winograd_avx2.cc): the contract of
// conv_winograd_pack_weights_avx512 / conv_winograd_full_image_avx512 (the packed size too:
// conv_winograd_weight_floats) with 8 lanes, for any oh and ow.
void conv_winograd_pack_weights_avx2(const ConvArgs& a, float* packed, long part, long parts);
void conv_winograd_full_image_avx2(const ConvArgs& a, const float* packed, long n, float* y, long part, long parts);
// ... and its weight pass, the contract of the AVX-512 one below for any C, O, oh and ow.
void conv_winograd_weight_images_avx2(const ConvArgs& a, long n0, long n1, float* M, float* db);
void conv_winograd_weight_finish_avx2(const ConvArgs& a, const float* M, float* dw);

// The weight pass of a 3x3 stride-1 undilated layer as Winograd F(2x2, 3x3)
// (conv_winograd_weight_avx512.cc), AVX-512 float32, C and O multiples of 16, oh and ow
// even: images [n0, n1) summed into M [16, O, C] and db [O] (both set, not added to); then,
// with the threads' M added up, dW [O, C, 3, 3] from M.
void conv_winograd_weight_images_avx512(const ConvArgs& a, long n0, long n1, float* M, float* db);
void conv_winograd_weight_finish_avx512(const ConvArgs& a, const float* M, float* dw);

// Image n of x (float32), or with padding a zero-bordered copy of it in thread-local scratch
// ([C, H + 2 ph, W + 2 pw]; valid until the thread's next call).
const float* conv_padded_image(const ConvArgs& a, long n);

}  // namespace fluxion

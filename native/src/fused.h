// The fused kernels' interface (softmax, cross entropy, batch and group norm, forward and
// backward: the optional "fused primitives" of src/backend/primitives.ts), shared by the
// binding (binding_fused.cc), the per-ISA translation units (fused_<isa>.cc, which compile
// fused_softmax.inc and fused_norm.inc under their flags) and the ISA choice (fused_isa.cc).
// Every operand is contiguous (the caller copies strided ones) and float32 or float64;
// per-channel vectors (weights, biases, saved statistics read by a backward) are float64.
// Kernels compute in the dtype with float64 row statistics; they are tested against the
// TypeScript loops (src/backend/cpu/fused.ts, fused_norm.ts) and PyTorch.
#pragma once

#include "gemm.h"  // DType

namespace fluxion {

// x, y [outer, size, inner]: softmax (log: logSoftmax) over `size` (stride inner).
struct SoftmaxArgs {
  DType dtype;
  long outer, size, inner;
  bool log;
  const void* x;
  void* y;
  int threads;
};

// dx = y · (g - Σ g·y), or with log g - exp(y) · Σ g, over `size`.
struct SoftmaxBackwardArgs {
  DType dtype;
  long outer, size, inner;
  bool log;
  const void* g;
  const void* y;
  void* dx;
  int threads;
};

enum class Reduction : int { none = 0, sum = 1, mean = 2 };

// Logits x [outer, size = C, inner]; target [outer, inner] int32 or int64; weight [C] or
// null. Forward: loss ([outer·inner] for none, else [1]) and lse [outer·inner]. Backward:
// dx from g ([outer·inner] for none, else [1]) and the saved lse. See primitives.ts.
struct CrossEntropyArgs {
  DType dtype;
  long outer, size, inner;
  const void* x;
  const void* target;
  bool target64;
  const double* weight;
  long ignore_index;
  double smoothing;
  Reduction reduction;
  void* loss;         // forward
  void* lse;          // forward: written; backward: read
  const void* g;      // backward
  void* dx;           // backward
  int threads;
};

// x, y [N, C, S]; weight, bias [C] or null; running_mean/var (dtype, strided) or null.
// Training: batch statistics (mean, invstd out), running stats updated; else running ones.
struct BatchNormArgs {
  DType dtype;
  long N, C, S;
  bool training;
  double momentum, eps;
  const void* x;
  const double* weight;
  const double* bias;
  void* running_mean; long rm_stride;
  void* running_var; long rv_stride;
  void* y;
  void* mean;         // [C] out
  void* invstd;       // [C] out
  int threads;
};

// dx [N, C, S], dweight, dbias [C] from g, x and the saved mean, invstd (float64 [C]).
struct BatchNormBackwardArgs {
  DType dtype;
  long N, C, S;
  bool training;
  const void* g;
  const void* x;
  const double* mean;
  const double* invstd;
  const double* weight;
  void* dx;
  void* dweight;
  void* dbias;
  int threads;
};

// x, y [N, C, S] in G groups of C/G channels; mean, rstd [N, G] out.
struct GroupNormArgs {
  DType dtype;
  long N, C, S, G;
  double eps;
  const void* x;
  const double* weight;
  const double* bias;
  void* y;
  void* mean;
  void* rstd;
  int threads;
  bool stream;  // y with non-temporal stores (binding::stream_min_bytes)
};

// dx [N, C, S], dweight, dbias [C] from g, x and the saved mean, rstd (float64 [N, G]).
struct GroupNormBackwardArgs {
  DType dtype;
  long N, C, S, G;
  const void* g;
  const void* x;
  const double* mean;
  const double* rstd;
  const double* weight;
  void* dx;
  void* dweight;
  void* dbias;
  int threads;
  bool stream;  // dx with non-temporal stores
};

// Cross-entropy kernels return -1, or the position (in target) of the first target that is
// neither ignore_index nor in [0, C): the outputs are then not all written.
#define FLUXION_DECLARE_FUSED(isa)                                  \
  void softmax_##isa(const SoftmaxArgs& a);                         \
  void softmax_backward_##isa(const SoftmaxBackwardArgs& a);        \
  long cross_entropy_##isa(const CrossEntropyArgs& a);              \
  long cross_entropy_backward_##isa(const CrossEntropyArgs& a);     \
  void batch_norm_##isa(const BatchNormArgs& a);                    \
  void batch_norm_backward_##isa(const BatchNormBackwardArgs& a);   \
  void group_norm_##isa(const GroupNormArgs& a);                    \
  void group_norm_backward_##isa(const GroupNormBackwardArgs& a);   \
  void exp_f32_##isa(const float* x, float* y, long n);
FLUXION_DECLARE_FUSED(portable)
FLUXION_DECLARE_FUSED(avx2)
FLUXION_DECLARE_FUSED(avx512)
#undef FLUXION_DECLARE_FUSED

// The active ISA's entries (fused_isa.cc).
void softmax(const SoftmaxArgs& a);
void softmax_backward(const SoftmaxBackwardArgs& a);
long cross_entropy(const CrossEntropyArgs& a);
long cross_entropy_backward(const CrossEntropyArgs& a);
void batch_norm(const BatchNormArgs& a);
void batch_norm_backward(const BatchNormBackwardArgs& a);
void group_norm(const GroupNormArgs& a);
void group_norm_backward(const GroupNormBackwardArgs& a);
// The kernels' float32 exp (fused_vec.inc) over n elements: exposed for its accuracy test.
void exp_f32(const float* x, float* y, long n);

}  // namespace fluxion

// The interface of the non-GEMM kernels (elementwise, reductions, im2col/col2im) shared
// by the binding and the per-ISA translation units (ewise_<isa>.cc). Operands are
// addressed by element strides over a shape that the caller has already collapsed (dims
// contiguous for every operand merged, size-1 dims dropped), so one loop shape covers
// contiguous, broadcast (stride 0) and transposed operands alike.
//
// Semantics follow the TypeScript kernels exactly (src/ops/elementwise_table.ts): every op
// computes what JavaScript computes in float64 and rounds once to the output dtype, except
// where computing in float32 is provably identical (a single add/sub/mul/div/sqrt, compares).
#pragma once

#include <cstdint>

namespace fluxion {

// Element types as stored; u16 (bfloat16/float16 bits) is only moved, never computed on.
// u8 is bool (arithmetic stores value != 0); u8i is the uint8 dtype (arithmetic wraps), i8
// int8 and i64 int64 (a BigInt64Array in JavaScript): these three run C integer arithmetic
// in their own type (add/sub/mul wrap, compares, max/min, neg/abs) and every cast.
enum class EType : int { f32 = 0, f64 = 1, i32 = 2, u8 = 3, u16 = 4, u8i = 5, i8 = 6, i64 = 7 };
constexpr int kMaxDims = 6;

// Op codes, in the order of the name lists in src/backend/cpu/native.ts (keep in sync).
enum class UnaryOp : int {
  neg, abs, sign, floor, ceil, round, trunc, exp, log, log1p, expm1, sqrt, rsqrt, reciprocal,
  sin, cos, tan, tanh, sigmoid, erf, relu, leaky_relu, gelu_erf, gelu_tanh, silu, softplus,
  clamp, pow_scalar, logical_not, isnan, isfinite, isinf, log2, log10, exp2, asin, acos, atan,
  sinh, cosh, asinh, acosh, atanh, sinc, frac, logit, bitwise_not, count
};
enum class BinaryOp : int {
  add, sub, mul, div, pow, maximum, minimum, atan2, remainder, eq, ne, lt, le, gt, ge,
  logical_and, logical_or, logical_xor, add_scaled, relu_grad, fmod, copysign, logaddexp, logaddexp2,
  hypot, xlogy, lerp, bitwise_and, bitwise_or, bitwise_xor, left_shift, right_shift, sigmoid_grad, count
};
// unary/binary: math ops; where(c, a, b); convert: out = in[0] converted to out's type
// (cast, copy and assign; a plain move when the types are equal).
enum class EwKind : int { unary = 0, binary = 1, where = 2, convert = 3 };

struct EwOperand {
  char* data;               // at the operand's element offset
  EType type;
  long stride[kMaxDims];    // in elements, over EwArgs::shape
};

struct EwArgs {
  EwKind kind;
  int op;
  int ndim;                 // 0..kMaxDims (0: one element)
  long shape[kMaxDims];
  EwOperand out, in[3];
  double p0, p1;            // params (leakyRelu slope, clamp bounds, lerp weight, ...)
  int threads;
  // The operands together are larger than the last-level cache: contiguous float32 outputs
  // may be written with non-temporal stores (vecmath_rows.h), as they would be evicted anyway.
  bool stream;
};

enum class ReduceOp : int { sum = 0, prod = 1, max = 2, min = 3, argmax = 4, argmin = 5 };

// out[k] = reduce over j < R of a[base(k) + j * rs], for k over the kept dims (out is
// contiguous over them; base(k) = sum kept_idx[d] * kept_stride[d]). Accumulates in float64.
struct ReduceArgs {
  ReduceOp op;
  EType in, out;            // in: f32/f64/i32; out: in's type, or i32 for argmax/argmin
  int ndim;
  long kept[kMaxDims], kept_stride[kMaxDims];
  const char* a;
  long R, rs;
  char* o;
  int threads;
};

// im2col / col2im over a contiguous [N, C, H, W] image and [N, C*kh*kw, oh*ow] columns.
struct Im2colArgs {
  EType type;               // f32 or f64; unfold also u16 (16-bit floats, copied as bits)
  long N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
  const char* src;
  char* dst;                // fold: must hold zeros (it accumulates)
  char* indices;            // maxpool only: int32 positions of the maxima, like dst (null: values only)
  int threads;
};

// Dense scatter along an axis: out[o, index[o, a, e], e] = (or +=) src[o, a, e] for
// out [outer, size, inner], index and src [outer, len, inner], all contiguous; every index
// already checked to lie in [0, size). With `fill`, out's blocks are first set to fill_value.
struct ScatterArgs {
  EType type;               // f32 or f64
  long outer, size, len, inner;
  bool add;
  bool fill;                // out starts as fill_value everywhere (else it holds x already)
  double fill_value;
  char* out;
  const int32_t* index;
  const char* src;
  int threads;
};

// Whether the kernels handle this op on these types (the binding checks before calling).
bool ew_supported(const EwArgs& g);
bool reduce_supported(const ReduceArgs& r);

// One entry per instruction set, each in its own translation unit with that ISA's flags.
#define FLUXION_DECLARE_EWISE(isa)         \
  void elementwise_##isa(const EwArgs& g); \
  void reduce_##isa(const ReduceArgs& r);  \
  void unfold_##isa(const Im2colArgs& a);  \
  void fold_##isa(const Im2colArgs& a);    \
  void maxpool_##isa(const Im2colArgs& a); \
  void scatter_##isa(const ScatterArgs& s);
FLUXION_DECLARE_EWISE(portable)
FLUXION_DECLARE_EWISE(avx2)
FLUXION_DECLARE_EWISE(avx512)
#undef FLUXION_DECLARE_EWISE

// The active ISA's entries (isa.cc).
void elementwise(const EwArgs& g);
void reduce(const ReduceArgs& r);
void unfold(const Im2colArgs& a);
void fold(const Im2colArgs& a);
// Max pooling: dst gets [N, C, oh, ow] maxima, indices their positions in each input plane.
void maxpool(const Im2colArgs& a);
void scatter(const ScatterArgs& s);

}  // namespace fluxion

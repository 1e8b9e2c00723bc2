// The N-API binding of the elementwise, reduction and im2col kernels: argument checking
// and marshalling only. Each call takes a Float64Array of parameters (slot layouts below,
// mirrored in src/backend/cpu/native.ts) and the typed arrays, read and written in place.
// Calls answer false when the kernels do not handle the op/type combination (the caller
// then runs its TypeScript kernel); malformed arguments throw.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "bf16.h"
#include "binding_util.h"
#include "ewise.h"
#include "thread_pool.h"

namespace fluxion {

namespace {

using binding::Throw;

// ---- what the kernels support (independent of the ISA) ------------------------------

bool unary_pred(int op) {
  return op == (int)UnaryOp::logical_not || op == (int)UnaryOp::isnan || op == (int)UnaryOp::isfinite || op == (int)UnaryOp::isinf;
}
bool math_type(EType t) { return t == EType::f32 || t == EType::f64 || t == EType::i32 || t == EType::u8; }
// bitwise ops and shifts: integer and bool operands only (the kernels compute them in int32)
bool integer_op(EwKind kind, int op) {
  if (kind == EwKind::unary) return op == (int)UnaryOp::bitwise_not;
  return kind == EwKind::binary && op >= (int)BinaryOp::bitwise_and && op <= (int)BinaryOp::right_shift;
}
bool integer_type(EType t) { return t == EType::i32 || t == EType::u8; }
// uint8, int8, int64: integer arithmetic of their own (ewise_driver.inc), and every cast
bool int_type(EType t) { return t == EType::u8i || t == EType::i8 || t == EType::i64; }
bool cast_type(EType t) { return math_type(t) || int_type(t); }
bool int_unary(int op) { return op == (int)UnaryOp::neg || op == (int)UnaryOp::abs; }
bool int_binary(int op) {
  return op == (int)BinaryOp::add || op == (int)BinaryOp::sub || op == (int)BinaryOp::mul || op == (int)BinaryOp::maximum ||
         op == (int)BinaryOp::minimum || (op >= (int)BinaryOp::eq && op <= (int)BinaryOp::ge);
}

}  // namespace

bool ew_supported(const EwArgs& g) {
  if (integer_op(g.kind, g.op) && !integer_type(g.in[0].type)) return false;
  if ((g.kind == EwKind::unary || g.kind == EwKind::binary) && int_type(g.in[0].type)) {
    if (g.kind == EwKind::unary) return int_unary(g.op) && g.out.type == g.in[0].type;
    const bool pred = g.op >= (int)BinaryOp::eq && g.op <= (int)BinaryOp::ge;
    return int_binary(g.op) && g.in[1].type == g.in[0].type && g.out.type == (pred ? EType::u8 : g.in[0].type);
  }
  switch (g.kind) {
    case EwKind::unary:
      return g.op >= 0 && g.op < (int)UnaryOp::count && math_type(g.in[0].type) &&
             g.out.type == (unary_pred(g.op) ? EType::u8 : g.in[0].type);
    case EwKind::binary:
      // int32 pow overflows to ToInt32 of a huge float64 whose low bits differ between
      // libm and V8's Math.pow: left to TypeScript
      if (g.op == (int)BinaryOp::pow && g.in[0].type == EType::i32) return false;
      return g.op >= 0 && g.op < (int)BinaryOp::count && math_type(g.in[0].type) && g.in[1].type == g.in[0].type &&
             g.out.type == (g.op >= (int)BinaryOp::eq && g.op <= (int)BinaryOp::logical_xor ? EType::u8 : g.in[0].type);
    case EwKind::where:
      return g.in[0].type == EType::u8 && g.in[1].type == g.out.type && g.in[2].type == g.out.type;
    case EwKind::convert:
      return g.in[0].type == g.out.type || (cast_type(g.in[0].type) && cast_type(g.out.type));
  }
  return false;
}

bool reduce_supported(const ReduceArgs& r) {
  if ((int)r.op < 0 || (int)r.op > 5) return false;
  const bool arg = r.op == ReduceOp::argmax || r.op == ReduceOp::argmin;
  if (r.in != EType::f32 && r.in != EType::f64 && r.in != EType::i32) return false;
  return r.out == (arg ? EType::i32 : r.in);
}

namespace {

bool etype_of(double code, EType* t) {
  if (!(code >= 0 && code <= 7) || code != std::floor(code)) return false;
  *t = (EType)(int)code;
  return true;
}

// Resolves argument `i` as a typed array of type t; ptr points at element `offset`, after
// checking that offset + the strided extent stays inside it.
bool bind_operand(const Napi::CallbackInfo& info, size_t i, EType t, long offset, int ndim, const long* shape, const long* stride, char** ptr) {
  napi_typedarray_type at;
  void* data;
  size_t len;
  if (info.Length() <= i || !binding::typed_array_info(info.Env(), info[i], &at, &data, &len) || at != binding::etype_array(t)) return false;
  if (offset < 0 || (size_t)offset > len || !binding::strided_in_bounds(len, offset, ndim, shape, stride)) return false;
  *ptr = (char*)data + offset * (long)binding::etype_size(t);
  return true;
}

// Integer division (remainder, fmod, div with a rounding mode) by zero raises ZeroDivisionError in
// PyTorch. The kernels answer false for it, before writing anything, so the TypeScript
// kernel runs and raises the error (one message, one place).
bool integer_division(const EwArgs& g) {
  return g.kind == EwKind::binary && (g.in[0].type == EType::i32 || g.in[0].type == EType::u8) &&
         (g.op == (int)BinaryOp::remainder || g.op == (int)BinaryOp::fmod || (g.op == (int)BinaryOp::div && g.p0 != 0));
}

template <class T>
bool any_zero(const char* data, int ndim, const long* shape, const long* stride) {
  long n = 1;
  for (int d = 0; d < ndim; d++) n *= shape[d];
  if (n == 0) return false;
  long idx[kMaxDims] = {0};
  long off = 0;
  for (long k = 0; k < n; k++) {
    if (((const T*)data)[off] == 0) return true;
    for (int d = ndim - 1; d >= 0; d--) {
      off += stride[d];
      if (++idx[d] < shape[d]) break;
      off -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return false;
}

bool zero_divisor(const EwArgs& g) {
  const EwOperand& b = g.in[1];
  return b.type == EType::i32 ? any_zero<int32_t>(b.data, g.ndim, g.shape, b.stride) : any_zero<uint8_t>(b.data, g.ndim, g.shape, b.stride);
}

// The bytes [lo, hi) an operand's elements span.
void operand_span(const EwArgs& g, const EwOperand& o, const char** lo, const char** hi) {
  const long es = (long)binding::etype_size(o.type);
  long first = 0, last = 0;
  for (int d = 0; d < g.ndim; d++) {
    if (g.shape[d] == 0) { *lo = *hi = o.data; return; }
    const long reach = (g.shape[d] - 1) * o.stride[d];
    (reach < 0 ? first : last) += reach;
  }
  *lo = o.data + first * es;
  *hi = o.data + (last + 1) * es;
}

// Whether the output shares memory with an input (an in-place op: x.add_(y) reads the lines
// it writes, so they are in cache already, and non-temporal stores would only push them out
// to memory: 2x slower on a 16 MB add_).
bool output_overlaps_input(const EwArgs& g, int nin) {
  const char *olo, *ohi;
  operand_span(g, g.out, &olo, &ohi);
  for (int k = 0; k < nin; k++) {
    const char *lo, *hi;
    operand_span(g, g.in[k], &lo, &hi);
    if (lo < ohi && olo < hi) return true;
  }
  return false;
}

// Bytes the op touches: each operand's elements along its non-broadcast dims.
double touched_bytes(const EwArgs& g, int nin) {
  const EwOperand* ops[4] = {&g.out, &g.in[0], &g.in[1], &g.in[2]};
  double total = 0;
  for (int k = 0; k <= nin; k++) {
    double n = (double)binding::etype_size(ops[k]->type);
    for (int d = 0; d < g.ndim; d++)
      if (ops[k]->stride[d] != 0) n *= (double)g.shape[d];
    total += n;
  }
  return total;
}

// elementwise(params, out, a, b, c) -> boolean. Slots:
//   0 kind, 1 op, 2 ndim, 3 p0, 4 p1, 5 number of inputs,
//   6 + 2k, 7 + 2k: type and element offset of operand k (0 out, 1..3 inputs),
//   14..19 shape, 20 + 6k .. 25 + 6k: strides of operand k.
constexpr size_t kEwSlots = 44;

Napi::Value Elementwise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, kEwSlots);
  if (!p) return Throw(env, "elementwise(params, out, a, b, c) expects a Float64Array of parameters");
  EwArgs g{};
  int kind, nin;
  long op;
  if (!binding::code_slot(p[0], 3, &kind) || !binding::code_slot(p[2], kMaxDims, &g.ndim) || !binding::code_slot(p[5], 3, &nin) ||
      nin < 1 || !binding::whole(p[1], 0, 1 << 20, &op) || (int)info.Length() < 1 + 1 + nin)
    return Throw(env, "elementwise: bad kind, op, rank or operand count");
  g.kind = (EwKind)kind;
  g.op = (int)op;
  g.p0 = p[3];
  g.p1 = p[4];
  const int want = g.kind == EwKind::binary ? 2 : g.kind == EwKind::where ? 3 : 1;
  if (nin != want) return Throw(env, "elementwise: wrong number of inputs for the kind");
  for (int d = 0; d < g.ndim; d++)
    if (!binding::count_slot(p[14 + d], &g.shape[d])) return Throw(env, "elementwise: sizes must be whole numbers from 0 to 2^53");
  EwOperand* ops[4] = {&g.out, &g.in[0], &g.in[1], &g.in[2]};
  long offs[4];
  for (int k = 0; k <= nin; k++) {
    if (!etype_of(p[6 + 2 * k], &ops[k]->type)) return Throw(env, "elementwise: unknown type code");
    if (!binding::count_slot(p[7 + 2 * k], &offs[k])) return Throw(env, "elementwise: offsets must be whole numbers from 0 to 2^53");
    for (int d = 0; d < g.ndim; d++)
      if (!binding::stride_slot(p[20 + 6 * k + d], &ops[k]->stride[d])) return Throw(env, "elementwise: strides must be whole numbers of magnitude at most 2^53");
  }
  // a true 6th argument: 16-bit operands hold bfloat16 to compute with (bf16_ewise.cc)
  const bool bf16 = info.Length() > 5 && info[5].IsBoolean() && info[5].As<Napi::Boolean>().Value();
  if (bf16 ? !bf16_ew_supported(g) : !ew_supported(g)) return Napi::Boolean::New(env, false);
  for (int k = 0; k <= nin; k++) {
    if (!bind_operand(info, 1 + k, ops[k]->type, offs[k], g.ndim, g.shape, ops[k]->stride, &ops[k]->data))
      return Throw(env, "elementwise: operand " + std::to_string(k) + " is not a typed array of its type or its strides reach outside it");
  }
  if (integer_division(g) && zero_divisor(g)) return Napi::Boolean::New(env, false);
  g.threads = num_threads();
  g.stream = touched_bytes(g, nin) >= (double)binding::stream_min_bytes() && !output_overlaps_input(g, nin);
  if (bf16) bf16_elementwise(g);
  else elementwise(g);
  return Napi::Boolean::New(env, true);
}

// reduce(params, out, a) -> boolean. Slots: 0 op, 1 in type, 2 out type, 3 ndim,
// 4 offset of a, 5 R, 6 run stride, 7..12 kept sizes, 13..18 kept strides.
constexpr size_t kReduceSlots = 19;

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, kReduceSlots);
  if (!p || info.Length() < 3) return Throw(env, "reduce(params, out, a) expects a Float64Array of parameters and two typed arrays");
  ReduceArgs r{};
  int op;
  if (!binding::code_slot(p[0], 5, &op)) return Throw(env, "reduce: unknown op code");
  r.op = (ReduceOp)op;
  if (!etype_of(p[1], &r.in) || !etype_of(p[2], &r.out)) return Throw(env, "reduce: unknown type code");
  if (!binding::code_slot(p[3], kMaxDims, &r.ndim)) return Throw(env, "reduce: bad rank");
  const bool bf16 = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();  // as Elementwise's
  if (bf16 ? !bf16_reduce_supported(r) : !reduce_supported(r)) return Napi::Boolean::New(env, false);
  long offset;
  if (!binding::count_slot(p[4], &offset) || !binding::count_slot(p[5], &r.R) || !binding::stride_slot(p[6], &r.rs))
    return Throw(env, "reduce: offset, run length and run stride must be whole numbers (offset and length from 0 to 2^53)");
  double nout = 1;
  long dims[kMaxDims + 1], strides[kMaxDims + 1];
  for (int d = 0; d < r.ndim; d++) {
    if (!binding::count_slot(p[7 + d], &r.kept[d]) || !binding::stride_slot(p[13 + d], &r.kept_stride[d]))
      return Throw(env, "reduce: kept sizes and strides must be whole numbers (sizes from 0 to 2^53)");
    dims[d] = r.kept[d];
    strides[d] = r.kept_stride[d];
    nout *= (double)r.kept[d];
  }
  if (nout > binding::kMaxSlot) return Throw(env, "reduce: the output is larger than any array");
  dims[r.ndim] = r.R;
  strides[r.ndim] = r.rs;
  char* a;
  char* o;
  const long one = (long)nout, unit = 1;
  if (!bind_operand(info, 2, r.in, offset, r.ndim + 1, dims, strides, &a) ||
      !bind_operand(info, 1, r.out, 0, 1, &one, &unit, &o))
    return Throw(env, "reduce: an operand is not a typed array of its type or is too short");
  r.a = a;
  r.o = o;
  r.threads = num_threads();
  if (bf16) bf16_reduce(r);
  else reduce(r);
  return Napi::Boolean::New(env, true);
}

// Sliding windows along one axis: floor((size + 2p - d(k-1) - 1) / s) + 1, or 0 when the
// kernel is larger than the padded input.
long window_count(long size, long k, long s, long p, long d) {
  const long span = size + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

// Geometry slots (sizes, kernel, stride, padding, dilation) fit in 31 bits, so the window
// arithmetic above cannot overflow a long.
constexpr double kMaxGeometry = 2147483647.0;

// unfold(params, image, cols) / fold(params, cols, image) / maxPool(params, image, values,
// indices) -> boolean. Slots: 0 type, 1..14 N C H W kh kw sh sw ph pw dh dw oh ow, 15 source
// element offset. All contiguous; maxPool's indices are an Int32Array like values.
constexpr size_t kIm2colSlots = 16;
enum class Windows { unfold, fold, maxpool };

Napi::Value Im2col(const Napi::CallbackInfo& info, Windows mode) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, kIm2colSlots);
  if (!p || info.Length() < (mode == Windows::maxpool ? 4u : 3u))
    return Throw(env, "unfold/fold/maxPool(params, src, dst[, indices]) expects a Float64Array of parameters and typed arrays");
  const char* name = mode == Windows::unfold ? "unfold" : mode == Windows::fold ? "fold" : "maxPool";
  auto fail = [&](const std::string& why) { return Throw(env, std::string(name) + ": " + why); };
  Im2colArgs a{};
  if (!etype_of(p[0], &a.type)) return fail("unknown type code");
  if (a.type != EType::f32 && a.type != EType::f64) return Napi::Boolean::New(env, false);
  long* f[14] = {&a.N, &a.C, &a.H, &a.W, &a.kh, &a.kw, &a.sh, &a.sw, &a.ph, &a.pw, &a.dh, &a.dw, &a.oh, &a.ow};
  long offset;
  for (int i = 0; i < 14; i++)
    if (!binding::whole(p[1 + i], 0, kMaxGeometry, f[i])) return fail("sizes must be whole numbers from 0 to 2^31 - 1");
  if (!binding::count_slot(p[15], &offset)) return fail("the source offset must be a whole number from 0 to 2^53");
  if (a.kh < 1 || a.kw < 1 || a.sh < 1 || a.sw < 1 || a.dh < 1 || a.dw < 1) return fail("kernel, stride and dilation must be positive");
  // unfold/fold: the output size must be the one the geometry gives (the columns are laid
  // out by it). Max pooling clips every window to the input, so any size is safe there (a
  // window wholly outside gives -inf at index -1); the dispatcher refuses sizes torch would not make.
  const bool pool = mode == Windows::maxpool;
  if (!pool && (a.oh != window_count(a.H, a.kh, a.sh, a.ph, a.dh) || a.ow != window_count(a.W, a.kw, a.sw, a.pw, a.dw) || a.oh < 1 || a.ow < 1))
    return fail("the output size " + std::to_string(a.oh) + "x" + std::to_string(a.ow) + " does not follow from the input size, kernel, stride, padding and dilation");
  const double img = binding::product({a.N, a.C, a.H, a.W}), cols = binding::product({a.N, a.C, a.kh, a.kw, a.oh, a.ow});
  const double pooled = binding::product({a.N, a.C, a.oh, a.ow});
  if (img > binding::kMaxSlot || cols > binding::kMaxSlot) return fail("sizes larger than any array");
  // max pooling's per-window work and scratch are not bounded by its arrays: a window of
  // 2^24 elements or more is left to the TypeScript kernel
  if (pool && binding::product({a.kh, a.kw}) >= 16777216.0) return Napi::Boolean::New(env, false);
  // every index the loops form lies inside the image: they clip to [0, H) x [0, W)
  const long src_n = (long)(mode == Windows::fold ? cols : img);
  const long dst_n = (long)(mode == Windows::fold ? img : pool ? pooled : cols), unit = 1, pooled_n = (long)pooled;
  char* src;
  char* dst;
  char* indices = nullptr;
  if (!bind_operand(info, 1, a.type, offset, 1, &src_n, &unit, &src) || !bind_operand(info, 2, a.type, 0, 1, &dst_n, &unit, &dst) ||
      (pool && !bind_operand(info, 3, EType::i32, 0, 1, &pooled_n, &unit, &indices)))
    return fail("an operand is not a typed array of the type or is too short");
  if (pooled == 0) return Napi::Boolean::New(env, true);  // no planes or no windows: nothing to do
  a.src = src;
  a.dst = dst;
  a.indices = indices;
  a.threads = num_threads();
  if (mode == Windows::fold) fold(a);
  else if (mode == Windows::unfold) unfold(a);
  else maxpool(a);
  return Napi::Boolean::New(env, true);
}

Napi::Value Unfold(const Napi::CallbackInfo& info) { return Im2col(info, Windows::unfold); }
Napi::Value Fold(const Napi::CallbackInfo& info) { return Im2col(info, Windows::fold); }
Napi::Value MaxPool(const Napi::CallbackInfo& info) { return Im2col(info, Windows::maxpool); }

// scatter(params, out, index, src) -> -1 when done, false when the type is not handled, or
// the position of the first index outside [0, size) (then nothing is written). Slots:
// 0 type, 1..4 outer size len inner, 5 add, 6 index offset, 7 src offset, 8 fill (0/1),
// 9 fill value. out, index (Int32Array) and src are contiguous.
constexpr size_t kScatterSlots = 10;

Napi::Value Scatter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, kScatterSlots);
  if (!p || info.Length() < 4) return Throw(env, "scatter(params, out, index, src) expects a Float64Array of parameters and three typed arrays");
  ScatterArgs s{};
  if (!etype_of(p[0], &s.type)) return Throw(env, "scatter: unknown type code");
  if (s.type != EType::f32 && s.type != EType::f64) return Napi::Boolean::New(env, false);
  long index_offset, src_offset;
  int add, fill;
  if (!binding::count_slot(p[1], &s.outer) || !binding::count_slot(p[2], &s.size) || !binding::count_slot(p[3], &s.len) ||
      !binding::count_slot(p[4], &s.inner) || !binding::count_slot(p[6], &index_offset) || !binding::count_slot(p[7], &src_offset) ||
      !binding::code_slot(p[5], 1, &add) || !binding::code_slot(p[8], 1, &fill))
    return Throw(env, "scatter: sizes and offsets must be whole numbers from 0 to 2^53, flags 0 or 1");
  s.add = add != 0;
  s.fill = fill != 0;
  s.fill_value = p[9];
  const double out_d = binding::product({s.outer, s.size, s.inner}), in_d = binding::product({s.outer, s.len, s.inner});
  if (out_d > binding::kMaxSlot || in_d > binding::kMaxSlot) return Throw(env, "scatter: sizes larger than any array");
  const long out_n = (long)out_d, in_n = (long)in_d, unit = 1;
  char* out;
  char* index;
  char* src;
  if (!bind_operand(info, 1, s.type, 0, 1, &out_n, &unit, &out) || !bind_operand(info, 2, EType::i32, index_offset, 1, &in_n, &unit, &index) ||
      !bind_operand(info, 3, s.type, src_offset, 1, &in_n, &unit, &src))
    return Throw(env, "scatter: an operand is not a typed array of its type or is too short");
  // every index checked before anything is written: a block at a time without branches
  // (so the compiler vectorizes it), then the first bad one found in a bad block
  const int32_t* idx = (const int32_t*)index;
  // as unsigned, negative indices are >= 2^31: at or past any size an int32 can index
  const uint32_t size = s.size > 0x7FFFFFFFL ? 0x80000000u : (uint32_t)s.size;
  for (long k0 = 0; k0 < in_n; k0 += 4096) {
    const long k1 = k0 + 4096 < in_n ? k0 + 4096 : in_n;
    bool bad = false;
    for (long k = k0; k < k1; k++) bad |= (uint32_t)idx[k] >= size;
    if (bad)
      for (long k = k0; k < k1; k++)
        if ((uint32_t)idx[k] >= size) return Napi::Number::New(env, (double)k);
  }
  s.out = out;
  s.index = idx;
  s.src = src;
  s.threads = num_threads();
  scatter(s);
  return Napi::Number::New(env, -1);
}

}  // namespace

void register_ewise(Napi::Env env, Napi::Object exports) {
  exports.Set("elementwise", Napi::Function::New(env, Elementwise, "elementwise"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("unfold", Napi::Function::New(env, Unfold, "unfold"));
  exports.Set("fold", Napi::Function::New(env, Fold, "fold"));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool, "maxPool"));
  exports.Set("scatter", Napi::Function::New(env, Scatter, "scatter"));
}

}  // namespace fluxion

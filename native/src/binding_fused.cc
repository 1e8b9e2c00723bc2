// The N-API binding of the fused kernels (fused.h): argument checking and marshalling only.
// Each call takes a Float64Array of parameters (slot order mirrored in
// src/backend/cpu/native_fused.ts) and typed arrays: inputs contiguous from an element
// offset, outputs from element 0; per-channel vectors (weights, saved statistics) are
// Float64Arrays. Every count is decoded as a whole number and every range checked against
// its array before a kernel runs, so a bad size throws instead of touching foreign memory.
//   softmax(p, x, y)                                     p: dt outer size inner log xOff
//   softmaxBackward(p, g, y, dx)                         p: dt outer size inner log gOff yOff
//   crossEntropy(p, x, target, weight|null, loss, lse) -> -1 or a bad target's position
//                                                        p: dt outer size inner xOff tOff t64 ignoreIndex smoothing reduction
//   crossEntropyBackward(p, g, x, target, lse, weight|null, dx) -> the same
//                                                        p: ... as crossEntropy, then gOff lseOff
//   batchNorm(p, x, w|null, b|null, rm|null, rv|null, y, mean, invstd)
//                                                        p: dt N C S G xOff training momentum eps rmOff rmStride rvOff rvStride
//   batchNormBackward(p, g, x, mean, invstd, w|null, dx, dw, db)   p: dt N C S G gOff xOff training
//   groupNorm(p, x, w|null, b|null, y, mean, rstd)       p: dt N C S G xOff eps
//   groupNormBackward(p, g, x, mean, rstd, w|null, dx, dw, db)     p: dt N C S G gOff xOff
//   expF32(x, y): y = the kernels' float32 exp of x (Float32Arrays of one length; for tests)
#include <cmath>

#include "binding_util.h"
#include "fused.h"
#include "thread_pool.h"

namespace fluxion {
namespace {

using binding::Throw;

// Argument i as a typed array of `type` with elements [offset, offset + count) inside it.
bool bind_typed(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, size_t elem, long offset, long count, void** ptr) {
  napi_typedarray_type t;
  void* data;
  size_t len;
  if (info.Length() <= i || !binding::typed_array_info(info.Env(), info[i], &t, &data, &len) || t != type || offset < 0 ||
      (size_t)offset > len || (count > 0 && !binding::strided_in_bounds(len, offset, {{count, 1}})))
    return false;
  *ptr = (char*)data + offset * elem;
  return true;
}

// ... of the kernel dtype (Float32Array / Float64Array).
bool bind(const Napi::CallbackInfo& info, size_t i, DType dt, long offset, long count, void** ptr) {
  const bool f64 = dt == DType::f64;
  return bind_typed(info, i, f64 ? napi_float64_array : napi_float32_array, f64 ? 8 : 4, offset, count, ptr);
}
// ... a Float64Array of `count` per-channel values; `optional`: null is allowed (ptr null).
bool bind_vector(const Napi::CallbackInfo& info, size_t i, long count, bool optional, const double** ptr) {
  if (optional && info.Length() > i && info[i].IsNull()) {
    *ptr = nullptr;
    return true;
  }
  void* p;
  if (!bind_typed(info, i, napi_float64_array, 8, 0, count, &p)) return false;
  *ptr = (const double*)p;
  return true;
}

// Sizes in slots [first, first + n): whole numbers whose product fits 2^53.
bool sizes(const double* p, int first, int n, long* out, double* product) {
  *product = 1;
  for (int k = 0; k < n; k++) {
    if (!binding::count_slot(p[first + k], &out[k])) return false;
    *product *= (double)out[k];
  }
  return *product <= binding::kMaxSlot;
}

bool dtype_slot(double v, DType* dt) {
  int code;
  if (!binding::code_slot(v, 1, &code)) return false;
  *dt = code == 1 ? DType::f64 : DType::f32;
  return true;
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 6);
  SoftmaxArgs a{};
  long s[3], off;
  double n;
  int log;
  if (!p || !dtype_slot(p[0], &a.dtype) || !sizes(p, 1, 3, s, &n) || !binding::code_slot(p[4], 1, &log) || !binding::count_slot(p[5], &off))
    return Throw(env, "softmax: bad parameters (expected dtype, outer, size, inner, log, offset)");
  a.outer = s[0]; a.size = s[1]; a.inner = s[2]; a.log = log == 1;
  void *x, *y;
  if (!bind(info, 1, a.dtype, off, (long)n, &x) || !bind(info, 2, a.dtype, 0, (long)n, &y))
    return Throw(env, "softmax: x and y must be typed arrays of the dtype holding the tensor");
  a.x = x; a.y = y; a.threads = num_threads();
  softmax(a);
  return Napi::Boolean::New(env, true);
}

Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 7);
  SoftmaxBackwardArgs a{};
  long s[3], go, yo;
  double n;
  int log;
  if (!p || !dtype_slot(p[0], &a.dtype) || !sizes(p, 1, 3, s, &n) || !binding::code_slot(p[4], 1, &log) || !binding::count_slot(p[5], &go) ||
      !binding::count_slot(p[6], &yo))
    return Throw(env, "softmaxBackward: bad parameters");
  a.outer = s[0]; a.size = s[1]; a.inner = s[2]; a.log = log == 1;
  void *g, *y, *dx;
  if (!bind(info, 1, a.dtype, go, (long)n, &g) || !bind(info, 2, a.dtype, yo, (long)n, &y) || !bind(info, 3, a.dtype, 0, (long)n, &dx))
    return Throw(env, "softmaxBackward: g, y and dx must be typed arrays of the dtype holding the tensor");
  a.g = g; a.y = y; a.dx = dx; a.threads = num_threads();
  softmax_backward(a);
  return Napi::Boolean::New(env, true);
}

// The parameters and operands crossEntropy and its backward share (x, target, weight).
bool cross_entropy_common(const Napi::CallbackInfo& info, const double* p, size_t xi, size_t ti, size_t wi, CrossEntropyArgs* a, std::string* err) {
  long s[3], xo, to, ignore;
  double n;
  int t64, red;
  if (!dtype_slot(p[0], &a->dtype) || !sizes(p, 1, 3, s, &n) || !binding::count_slot(p[4], &xo) || !binding::count_slot(p[5], &to) ||
      !binding::code_slot(p[6], 1, &t64) || !binding::stride_slot(p[7], &ignore) || !(p[8] >= 0 && p[8] <= 1) || !binding::code_slot(p[9], 2, &red)) {
    *err = "bad parameters (dtype, outer, size, inner, offsets, target type, ignoreIndex, smoothing in [0, 1], reduction)";
    return false;
  }
  a->outer = s[0]; a->size = s[1]; a->inner = s[2];
  if ((double)a->outer * (double)a->inner > binding::kMaxSlot) {
    *err = "too many positions";
    return false;
  }
  a->target64 = t64 == 1; a->ignore_index = ignore; a->smoothing = p[8]; a->reduction = (Reduction)red;
  const long positions = a->outer * a->inner;
  void *x, *t;
  if (!bind(info, xi, a->dtype, xo, (long)n, &x)) {
    *err = "x must be a typed array of the dtype holding the logits";
    return false;
  }
  if (!bind_typed(info, ti, a->target64 ? napi_bigint64_array : napi_int32_array, a->target64 ? 8 : 4, to, positions, &t)) {
    *err = "target must be an Int32Array or BigInt64Array (as flagged) holding one class per position";
    return false;
  }
  if (!bind_vector(info, wi, a->size, true, &a->weight)) {
    *err = "weight must be null or a Float64Array of one value per class";
    return false;
  }
  a->x = x; a->target = t; a->threads = num_threads();
  return true;
}

Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 10);
  if (!p) return Throw(env, "crossEntropy: expects a Float64Array of parameters");
  CrossEntropyArgs a{};
  std::string err;
  if (!cross_entropy_common(info, p, 1, 2, 3, &a, &err)) return Throw(env, "crossEntropy: " + err);
  const long positions = a.outer * a.inner;
  void *loss, *lse;
  if (!bind(info, 4, a.dtype, 0, a.reduction == Reduction::none ? positions : 1, &loss) || !bind(info, 5, a.dtype, 0, positions, &lse))
    return Throw(env, "crossEntropy: loss and lse must be typed arrays of the dtype with room for the result");
  a.loss = loss; a.lse = lse;
  return Napi::Number::New(env, (double)cross_entropy(a));
}

Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 12);
  if (!p) return Throw(env, "crossEntropyBackward: expects a Float64Array of parameters");
  CrossEntropyArgs a{};
  std::string err;
  if (!cross_entropy_common(info, p, 2, 3, 5, &a, &err)) return Throw(env, "crossEntropyBackward: " + err);
  long go, lo;
  if (!binding::count_slot(p[10], &go) || !binding::count_slot(p[11], &lo)) return Throw(env, "crossEntropyBackward: bad offsets");
  const long positions = a.outer * a.inner;
  void *g, *lse, *dx;
  if (!bind(info, 1, a.dtype, go, a.reduction == Reduction::none ? positions : 1, &g) || !bind(info, 4, a.dtype, lo, positions, &lse) ||
      !bind(info, 6, a.dtype, 0, positions * a.size, &dx))
    return Throw(env, "crossEntropyBackward: g, lse and dx must be typed arrays of the dtype holding the tensors");
  a.g = g; a.lse = lse; a.dx = dx;
  return Napi::Number::New(env, (double)cross_entropy_backward(a));
}

// dt N C S G: the norms' shared slots; G >= 1 divides C.
bool norm_sizes(const double* p, DType* dt, long* N, long* C, long* S, long* G, double* total) {
  long s[4];
  if (!dtype_slot(p[0], dt) || !sizes(p, 1, 4, s, total)) return false;
  *N = s[0]; *C = s[1]; *S = s[2]; *G = s[3];
  *total = (double)s[0] * (double)s[1] * (double)s[2];
  return *total <= binding::kMaxSlot && *G >= 1 && *C % *G == 0;
}

// A running statistic: null (when allowed) or a typed array of the dtype, strided over C.
bool bind_running(const Napi::CallbackInfo& info, size_t i, DType dt, long C, long offset, long stride, void** ptr) {
  if (info.Length() > i && info[i].IsNull()) {
    *ptr = nullptr;
    return true;
  }
  napi_typedarray_type t;
  void* data;
  size_t len;
  if (info.Length() <= i || !binding::typed_array_info(info.Env(), info[i], &t, &data, &len) ||
      t != (dt == DType::f64 ? napi_float64_array : napi_float32_array) || !binding::strided_in_bounds(len, offset, {{C, stride}}))
    return false;
  *ptr = (char*)data + offset * (dt == DType::f64 ? 8 : 4);
  return true;
}

Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 13);
  BatchNormArgs a{};
  long G, xo, rmo, rms, rvo, rvs;
  double total;
  int training;
  if (!p || !norm_sizes(p, &a.dtype, &a.N, &a.C, &a.S, &G, &total) || !binding::count_slot(p[5], &xo) || !binding::code_slot(p[6], 1, &training) ||
      !std::isfinite(p[7]) || !std::isfinite(p[8]) || !binding::count_slot(p[9], &rmo) || !binding::stride_slot(p[10], &rms) ||
      !binding::count_slot(p[11], &rvo) || !binding::stride_slot(p[12], &rvs))
    return Throw(env, "batchNorm: bad parameters");
  a.training = training == 1; a.momentum = p[7]; a.eps = p[8]; a.rm_stride = rms; a.rv_stride = rvs;
  void *x, *y, *mean, *invstd;
  if (!bind(info, 1, a.dtype, xo, (long)total, &x) || !bind(info, 6, a.dtype, 0, (long)total, &y) || !bind(info, 7, a.dtype, 0, a.C, &mean) ||
      !bind(info, 8, a.dtype, 0, a.C, &invstd))
    return Throw(env, "batchNorm: x, y, mean and invstd must be typed arrays of the dtype holding the tensors");
  if (!bind_vector(info, 2, a.C, true, &a.weight) || !bind_vector(info, 3, a.C, true, &a.bias))
    return Throw(env, "batchNorm: weight and bias must be null or Float64Arrays of one value per channel");
  if (!bind_running(info, 4, a.dtype, a.C, rmo, rms, &a.running_mean) || !bind_running(info, 5, a.dtype, a.C, rvo, rvs, &a.running_var) ||
      (a.running_mean == nullptr) != (a.running_var == nullptr) || (!a.training && a.running_mean == nullptr))
    return Throw(env, "batchNorm: the running statistics must be both null (training only) or typed arrays of the dtype over the channels");
  a.x = x; a.y = y; a.mean = mean; a.invstd = invstd; a.threads = num_threads();
  batch_norm(a);
  return Napi::Boolean::New(env, true);
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 8);
  BatchNormBackwardArgs a{};
  long G, go, xo;
  double total;
  int training;
  if (!p || !norm_sizes(p, &a.dtype, &a.N, &a.C, &a.S, &G, &total) || !binding::count_slot(p[5], &go) || !binding::count_slot(p[6], &xo) ||
      !binding::code_slot(p[7], 1, &training))
    return Throw(env, "batchNormBackward: bad parameters");
  a.training = training == 1;
  void *g, *x, *dx, *dw, *db;
  if (!bind(info, 1, a.dtype, go, (long)total, &g) || !bind(info, 2, a.dtype, xo, (long)total, &x) || !bind(info, 6, a.dtype, 0, (long)total, &dx) ||
      !bind(info, 7, a.dtype, 0, a.C, &dw) || !bind(info, 8, a.dtype, 0, a.C, &db))
    return Throw(env, "batchNormBackward: g, x, dx, dweight and dbias must be typed arrays of the dtype holding the tensors");
  if (!bind_vector(info, 3, a.C, false, &a.mean) || !bind_vector(info, 4, a.C, false, &a.invstd) || !bind_vector(info, 5, a.C, true, &a.weight))
    return Throw(env, "batchNormBackward: mean, invstd (and weight, or null) must be Float64Arrays of one value per channel");
  a.g = g; a.x = x; a.dx = dx; a.dweight = dw; a.dbias = db; a.threads = num_threads();
  batch_norm_backward(a);
  return Napi::Boolean::New(env, true);
}

Napi::Value GroupNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 7);
  GroupNormArgs a{};
  long xo;
  double total;
  if (!p || !norm_sizes(p, &a.dtype, &a.N, &a.C, &a.S, &a.G, &total) || !binding::count_slot(p[5], &xo) || !std::isfinite(p[6]))
    return Throw(env, "groupNorm: bad parameters (groups must divide the channels)");
  a.eps = p[6];
  void *x, *y, *mean, *rstd;
  const long stats = a.N * a.G;
  if (!bind(info, 1, a.dtype, xo, (long)total, &x) || !bind(info, 4, a.dtype, 0, (long)total, &y) || !bind(info, 5, a.dtype, 0, stats, &mean) ||
      !bind(info, 6, a.dtype, 0, stats, &rstd))
    return Throw(env, "groupNorm: x, y, mean and rstd must be typed arrays of the dtype holding the tensors");
  if (!bind_vector(info, 2, a.C, true, &a.weight) || !bind_vector(info, 3, a.C, true, &a.bias))
    return Throw(env, "groupNorm: weight and bias must be null or Float64Arrays of one value per channel");
  a.x = x; a.y = y; a.mean = mean; a.rstd = rstd; a.threads = num_threads();
  a.stream = 2 * total * (a.dtype == DType::f64 ? 8 : 4) >= (double)binding::stream_min_bytes();  // x read, y written
  group_norm(a);
  return Napi::Boolean::New(env, true);
}

Napi::Value GroupNormBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 7);
  GroupNormBackwardArgs a{};
  long go, xo;
  double total;
  if (!p || !norm_sizes(p, &a.dtype, &a.N, &a.C, &a.S, &a.G, &total) || !binding::count_slot(p[5], &go) || !binding::count_slot(p[6], &xo))
    return Throw(env, "groupNormBackward: bad parameters (groups must divide the channels)");
  void *g, *x, *dx, *dw, *db;
  if (!bind(info, 1, a.dtype, go, (long)total, &g) || !bind(info, 2, a.dtype, xo, (long)total, &x) || !bind(info, 6, a.dtype, 0, (long)total, &dx) ||
      !bind(info, 7, a.dtype, 0, a.C, &dw) || !bind(info, 8, a.dtype, 0, a.C, &db))
    return Throw(env, "groupNormBackward: g, x, dx, dweight and dbias must be typed arrays of the dtype holding the tensors");
  const long stats = a.N * a.G;
  if (!bind_vector(info, 3, stats, false, &a.mean) || !bind_vector(info, 4, stats, false, &a.rstd) || !bind_vector(info, 5, a.C, true, &a.weight))
    return Throw(env, "groupNormBackward: mean, rstd ([N, groups]) and weight (or null, [C]) must be Float64Arrays");
  a.g = g; a.x = x; a.dx = dx; a.dweight = dw; a.dbias = db; a.threads = num_threads();
  a.stream = 3 * total * (a.dtype == DType::f64 ? 8 : 4) >= (double)binding::stream_min_bytes();  // g, x read, dx written
  group_norm_backward(a);
  return Napi::Boolean::New(env, true);
}

Napi::Value ExpF32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_typedarray_type tx, ty;
  void *x, *y;
  size_t nx, ny;
  if (info.Length() < 2 || !binding::typed_array_info(env, info[0], &tx, &x, &nx) || !binding::typed_array_info(env, info[1], &ty, &y, &ny) ||
      tx != napi_float32_array || ty != napi_float32_array || nx != ny)
    return Throw(env, "expF32(x, y) expects two Float32Arrays of one length");
  exp_f32((const float*)x, (float*)y, (long)nx);
  return env.Undefined();
}

}  // namespace

void register_fused(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward, "softmaxBackward"));
  exports.Set("crossEntropy", Napi::Function::New(env, CrossEntropy, "crossEntropy"));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, CrossEntropyBackward, "crossEntropyBackward"));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm, "batchNorm"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
  exports.Set("groupNorm", Napi::Function::New(env, GroupNorm, "groupNorm"));
  exports.Set("groupNormBackward", Napi::Function::New(env, GroupNormBackward, "groupNormBackward"));
  exports.Set("expF32", Napi::Function::New(env, ExpF32, "expF32"));
}

}  // namespace fluxion

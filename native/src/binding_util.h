// Helpers shared by the N-API binding files: typed-array access and bounds checks. Every
// range a kernel will touch is checked here against the typed array's length first, so a
// bad stride from JavaScript throws instead of touching memory it does not own.
#pragma once

#include <napi.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "gemm.h"

namespace fluxion {
namespace binding {

inline Napi::Value Throw(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, "fluxion native: " + msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Whether offset + sum over dims of idx*stride stays inside [0, length) for all indices.
inline bool strided_in_bounds(size_t length, long offset, int ndim, const long* size, const long* stride) {
  long lo = offset, hi = offset;
  for (int d = 0; d < ndim; d++) {
    if (size[d] <= 0) return true;  // nothing is accessed
    long span = (size[d] - 1) * stride[d];
    if (span < 0) lo += span; else hi += span;
  }
  return lo >= 0 && (size_t)hi < length;
}

// The same for (size, stride) pairs written inline.
inline bool strided_in_bounds(size_t length, long offset, std::initializer_list<std::pair<long, long>> dims) {
  long lo = offset, hi = offset;
  for (auto [size, stride] : dims) {
    if (size <= 0) return true;  // nothing is accessed
    long span = (size - 1) * stride;
    if (span < 0) lo += span; else hi += span;
  }
  return lo >= 0 && (size_t)hi < length;
}

// The data pointer, element count and element type of a typed array (false otherwise).
inline bool typed_array_info(napi_env env, napi_value v, napi_typedarray_type* type, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  return napi_get_typedarray_info(env, v, type, length, data, nullptr, nullptr) == napi_ok;
}

// Argument `i` as the typed array of a GEMM dtype (Float32Array, Float64Array, Uint16Array
// for bfloat16): its data and element count; false for anything else.
inline bool dtype_array(const Napi::CallbackInfo& info, size_t i, DType dt, void** data, size_t* length) {
  napi_typedarray_type t;
  if (info.Length() <= i || !typed_array_info(info.Env(), info[i], &t, data, length)) return false;
  return t == (dt == DType::f32 ? napi_float32_array : dt == DType::f64 ? napi_float64_array : napi_uint16_array);
}

// Float64Array parameter block at argument `i`, with at least `count` entries.
inline const double* params_of(const Napi::CallbackInfo& info, size_t i, size_t count) {
  napi_typedarray_type t;
  void* data;
  size_t n;
  if (info.Length() <= i || !typed_array_info(info.Env(), info[i], &t, &data, &n)) return nullptr;
  if (t != napi_float64_array || n < count) return nullptr;
  return (const double*)data;
}

}  // namespace binding
}  // namespace fluxion

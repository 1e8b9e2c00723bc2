// Helpers shared by the N-API binding files: parameter decoding, typed-array access and
// bounds checks. Every parameter slot is decoded as a whole number in a stated range before
// any cast (a NaN or 1e300 cast to long is undefined behaviour), and every range a kernel
// will touch is checked against the typed array's length first, so bad sizes, strides or
// offsets from JavaScript throw instead of touching memory the arrays do not own.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>

#include "ewise.h"
#include "gemm.h"

namespace fluxion {
namespace binding {

// The last-level cache's size in bytes, from sysfs (glibc's sysconf misreports it in some
// VMs); 32 MiB where unknown. FLUXION_STREAM_MIN_BYTES overrides the streaming threshold
// (tests force the non-temporal path on small tensors with it). Kernels whose operands pass it
// write their outputs with non-temporal stores: the output would be evicted before anyone
// reads it, and the stores skip reading the lines first.
inline long stream_min_bytes() {
  static const long bytes = [] {
    if (const char* e = std::getenv("FLUXION_STREAM_MIN_BYTES")) return std::atol(e);
    long best = 0;
    for (int i = 0; i < 8; i++) {
      char path[96];
      std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
      FILE* f = std::fopen(path, "r");
      if (!f) continue;
      long v = 0;
      char unit = 0;
      if (std::fscanf(f, "%ld%c", &v, &unit) >= 1) {
        if (unit == 'K') v <<= 10;
        else if (unit == 'M') v <<= 20;
        if (v > best) best = v;
      }
      std::fclose(f);
    }
    return best > 0 ? best : 32L << 20;
  }();
  return bytes;
}

inline Napi::Value Throw(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, "fluxion native: " + msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

// The largest magnitude a size, stride or offset slot may hold: 2^53, where doubles stop
// being exact. Products of such values are formed in double (below), never in long, so
// they cannot wrap around; anything past an array's length fails the bounds checks.
constexpr double kMaxSlot = 9007199254740992.0;

// Slot value v as a whole number in [lo, hi]; false for NaN, infinities, fractions and
// values out of range (checked before the cast).
inline bool whole(double v, double lo, double hi, long* out) {
  if (!(v >= lo && v <= hi) || v != std::floor(v)) return false;
  *out = (long)v;
  return true;
}
// ... a count or offset: [0, 2^53]; a stride: [-2^53, 2^53]; a code: [0, max].
inline bool count_slot(double v, long* out) { return whole(v, 0, kMaxSlot, out); }
inline bool stride_slot(double v, long* out) { return whole(v, -kMaxSlot, kMaxSlot, out); }
inline bool code_slot(double v, int max, int* out) {
  long l;
  if (!whole(v, 0, max, &l)) return false;
  *out = (int)l;
  return true;
}

// Whether offset + sum over dims of idx*stride stays inside [0, length) for all indices
// (in double: exact for in-range operands, and any overflow lands far past the length).
inline bool strided_in_bounds(size_t length, long offset, int ndim, const long* size, const long* stride) {
  double lo = (double)offset, hi = (double)offset;
  for (int d = 0; d < ndim; d++) {
    if (size[d] <= 0) return true;  // nothing is accessed
    const double span = (double)(size[d] - 1) * (double)stride[d];
    if (span < 0) lo += span; else hi += span;
  }
  return lo >= 0 && hi < (double)length;
}

// The same for (size, stride) pairs written inline.
inline bool strided_in_bounds(size_t length, long offset, std::initializer_list<std::pair<long, long>> dims) {
  double lo = (double)offset, hi = (double)offset;
  for (auto [size, stride] : dims) {
    if (size <= 0) return true;  // nothing is accessed
    const double span = (double)(size - 1) * (double)stride;
    if (span < 0) lo += span; else hi += span;
  }
  return lo >= 0 && hi < (double)length;
}

// The product of counts, in double (so it cannot wrap around).
inline double product(std::initializer_list<long> counts) {
  double p = 1;
  for (long c : counts) p *= (double)c;
  return p;
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
// Argument i as a typed array of kind `want`: its data and length.
inline bool typed_array_arg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type want, void** data, size_t* length) {
  napi_typedarray_type t;
  return i < info.Length() && typed_array_info(info.Env(), info[i], &t, data, length) && t == want;
}

// The typed-array kind and the element size of a native element type (ewise.h's EType).
inline napi_typedarray_type etype_array(EType t) {
  switch (t) {
    case EType::f32: return napi_float32_array;
    case EType::f64: return napi_float64_array;
    case EType::i32: return napi_int32_array;
    case EType::u8: case EType::u8i: return napi_uint8_array;
    case EType::i8: return napi_int8_array;
    case EType::i64: return napi_bigint64_array;
    default: return napi_uint16_array;
  }
}
inline size_t etype_size(EType t) {
  switch (t) {
    case EType::f64: case EType::i64: return 8;
    case EType::f32: case EType::i32: return 4;
    case EType::u16: return 2;
    default: return 1;
  }
}

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

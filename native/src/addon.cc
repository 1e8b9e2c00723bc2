// The N-API binding: argument checking and marshalling only, no math. Kernels read and
// write the tensors' ArrayBuffers in place; every access range is checked here against
// the typed array's length first, so a bad stride from JavaScript throws instead of
// touching memory it does not own.
#include <napi.h>

#include <string>

#include "binding_util.h"
#include "gemm.h"
#include "isa.h"
#include "thread_pool.h"

namespace fluxion {
// binding_ewise.cc: elementwise, reduce, unfold, fold
void register_ewise(Napi::Env env, Napi::Object exports);
// binding_conv.cc: convolution
void register_conv(Napi::Env env, Napi::Object exports);
// binding_fused.cc: softmax, cross entropy, batch and group norm
void register_fused(Napi::Env env, Napi::Object exports);
// binding_rnn.cc: the fused recurrent cells
void register_rnn(Napi::Env env, Napi::Object exports);
// binding_fused_program.cc: compile()'s fused elementwise programs
void register_fused_program(Napi::Env env, Napi::Object exports);
// binding_random.cc: Philox random fills
void register_random(Napi::Env env, Napi::Object exports);
// sort.cc: sort and top-k along an axis
void register_sort(Napi::Env env, Napi::Object exports);
// scan.cc: prefix sums and products along an axis
void register_scan(Napi::Env env, Napi::Object exports);
// gather.cc: the general gather / scatter (any strides, int32/int64 indices)
void register_gather(Napi::Env env, Napi::Object exports);
// binding_depthwise.cc: depthwise convolution
void register_depthwise(Napi::Env env, Napi::Object exports);
}  // namespace fluxion

namespace {

using namespace fluxion;

using binding::Throw;
using binding::strided_in_bounds;

struct Operand {
  void* data = nullptr;
  size_t length = 0;  // in elements
};

bool typed_array(const Napi::CallbackInfo& info, size_t i, DType dt, Operand* out) {
  return binding::dtype_array(info, i, dt, &out->data, &out->length);
}

// Parameter slots of gemm()'s Float64Array (kept in sync with src/backend/cpu/native.ts).
enum P {
  kDType, kM, kN, kK, kBatch,
  kOffA, kRsA, kCsA, kBsA,
  kOffB, kRsB, kCsB, kBsB,
  kOffC, kRsC, kCsC, kBsC,
  kAlpha, kBeta, kOffBias, kBiasStride, kBiasKind, kAct,
  kParamCount
};

// gemm(params: Float64Array, a, b, c, bias | null): C = act(alpha A B + beta C + bias)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    return Throw(env, "gemm(params, a, b, c, bias) expects a Float64Array of parameters");
  Napi::Float64Array pa = info[0].As<Napi::Float64Array>();
  if (pa.ElementLength() < kParamCount) return Throw(env, "gemm: too few parameters");
  const double* p = pa.Data();
  // every slot decoded as a whole number in range before use: sizes and offsets >= 0
  long v[kParamCount] = {0};
  for (int i : {kM, kN, kK, kBatch, kOffA, kOffB, kOffC, kOffBias})
    if (!binding::count_slot(p[i], &v[i])) return Throw(env, "gemm: sizes and offsets must be whole numbers from 0 to 2^53");
  for (int i : {kRsA, kCsA, kBsA, kRsB, kCsB, kBsB, kRsC, kCsC, kBsC, kBiasStride})
    if (!binding::stride_slot(p[i], &v[i])) return Throw(env, "gemm: strides must be whole numbers of magnitude at most 2^53");
  int dt, bias_kind, act;
  if (!binding::code_slot(p[kDType], 2, &dt)) return Throw(env, "gemm: unknown dtype code");
  if (!binding::code_slot(p[kBiasKind], 2, &bias_kind) || !binding::code_slot(p[kAct], 3, &act)) return Throw(env, "gemm: bad epilogue code");
  auto L = [&](int i) { return v[i]; };
  GemmArgs g{};
  g.dtype = (DType)dt;
  g.M = L(kM); g.N = L(kN); g.K = L(kK); g.batch = L(kBatch);
  Operand a, b, c, bias;
  if (!typed_array(info, 1, g.dtype, &a) || !typed_array(info, 2, g.dtype, &b) || !typed_array(info, 3, g.dtype, &c))
    return Throw(env, "gemm: operands must be typed arrays of the dtype (Float32Array, Float64Array, Uint16Array for bfloat16)");
  g.rsA = L(kRsA); g.csA = L(kCsA); g.bsA = L(kBsA);
  g.rsB = L(kRsB); g.csB = L(kCsB); g.bsB = L(kBsB);
  g.rsC = L(kRsC); g.csC = L(kCsC); g.bsC = L(kBsC);
  g.alpha = p[kAlpha]; g.beta = p[kBeta];
  g.biasKind = (BiasKind)bias_kind;
  g.act = (Act)act;
  // every element an operand addresses lies inside its array (and offsets at most at its end)
  if (!strided_in_bounds(a.length, L(kOffA), {{g.batch, g.bsA}, {g.M, g.rsA}, {g.K, g.csA}}) ||
      !strided_in_bounds(b.length, L(kOffB), {{g.batch, g.bsB}, {g.K, g.rsB}, {g.N, g.csB}}) ||
      !strided_in_bounds(c.length, L(kOffC), {{g.batch, g.bsC}, {g.M, g.rsC}, {g.N, g.csC}}) ||
      (size_t)L(kOffA) > a.length || (size_t)L(kOffB) > b.length || (size_t)L(kOffC) > c.length)
    return Throw(env, "gemm: an operand's sizes and strides reach outside its array");
  if (g.biasKind != BiasKind::none) {
    if (!typed_array(info, 4, g.dtype, &bias)) return Throw(env, "gemm: bias must be a typed array of the dtype");
    g.biasStride = L(kBiasStride);
    long n = g.biasKind == BiasKind::row ? g.M : g.N;
    if (!strided_in_bounds(bias.length, L(kOffBias), {{n, g.biasStride}}) || (size_t)L(kOffBias) > bias.length)
      return Throw(env, "gemm: bias reaches outside its array");
  }
  const size_t es = g.dtype == DType::f64 ? 8 : g.dtype == DType::f32 ? 4 : 2;
  g.A = (char*)a.data + L(kOffA) * es;
  g.B = (char*)b.data + L(kOffB) * es;
  g.C = (char*)c.data + L(kOffC) * es;
  g.bias = bias.data ? (char*)bias.data + L(kOffBias) * es : nullptr;
  g.threads = num_threads();
  gemm(g);
  return env.Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return Throw(info.Env(), "setNumThreads(n) expects a number");
  set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

// setIsa(name) -> boolean (false when unknown or unsupported; nothing changes then)
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) return Throw(info.Env(), "setIsa(name) expects a string");
  return Napi::Boolean::New(info.Env(), set_isa(info[0].As<Napi::String>().Utf8Value().c_str()));
}

// setBf16Mode("amx" | "dot" | "convert" | "auto") -> boolean
Napi::Value SetBf16Mode(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) return Throw(info.Env(), "setBf16Mode(mode) expects a string");
  return Napi::Boolean::New(info.Env(), set_bf16_mode(info[0].As<Napi::String>().Utf8Value().c_str()));
}

// info() -> { isa, bf16Dot, bf16Mode, supported: string[], defaultThreads }
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", isa_name(active_isa()));
  o.Set("bf16Dot", bf16_dot_active());
  o.Set("bf16Mode", bf16_mode());
  Napi::Array s = Napi::Array::New(env);
  const CpuFeatures& f = cpu_features();
  uint32_t n = 0;
  s.Set(n++, "portable");
  if (f.avx2_fma) s.Set(n++, "avx2");
  if (f.avx512) s.Set(n++, "avx512");
  o.Set("supported", s);
  // the integer dtypes uint8/int8/int64 (type codes 5-7) and PyTorch's float -> int casts
  o.Set("intTypes", true);
  o.Set("avx512bf16", f.avx512_bf16);
  o.Set("defaultThreads", default_num_threads());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("setBf16Mode", Napi::Function::New(env, SetBf16Mode, "setBf16Mode"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  register_ewise(env, exports);
  register_conv(env, exports);
  register_fused(env, exports);
  register_rnn(env, exports);
  register_fused_program(env, exports);
  register_random(env, exports);
  register_sort(env, exports);
  register_scan(env, exports);
  register_gather(env, exports);  // gather.cc
  register_depthwise(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(fluxion_native, Init)

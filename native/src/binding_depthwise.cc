// The depthwise convolution's binding (depthwise.h): argument checks and the active ISA's
// entry. Compiled without ISA flags.
//
// depthwiseConv2d(params: Float64Array, a, b, bias | null, out0, out1 | null) -> boolean:
// params [dtype (0 float32, 1 float64), pass (0 forward, 1 input, 2 weight), N, C, m, H, W,
// kh, kw, sh, sw, ph, pw, dh, dw, offA, offB, offBias]; a, b, bias read from their offsets,
// the outputs written from 0 (see src/backend/cpu/depthwise.ts). False when the dtype's
// arrays are not what the kernel takes.
#include <napi.h>

#include "binding_util.h"
#include "depthwise.h"
#include "isa.h"

namespace fluxion {
namespace {

using binding::Throw;

enum Slot { kDType, kPass, kN, kC, kM, kH, kW, kKh, kKw, kSh, kSw, kPh, kPw, kDh, kDw, kOffA, kOffB, kOffBias, kSlots };


Napi::Value DepthwiseConv2d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, kSlots);
  if (!p) return Throw(env, "depthwiseConv2d(params, a, b, bias, out0, out1) expects a Float64Array of 18 parameters");
  int f64, pass;
  if (!binding::code_slot(p[kDType], 1, &f64) || !binding::code_slot(p[kPass], 2, &pass)) return Throw(env, "depthwiseConv2d: bad dtype or pass code");
  long v[kSlots] = {0};
  for (int i = kN; i < kSlots; i++)
    if (!binding::count_slot(p[i], &v[i])) return Throw(env, "depthwiseConv2d: sizes and offsets must be whole numbers from 0 to 2^53");
  DepthwiseArgs a{};
  a.f64 = f64; a.pass = pass;
  a.N = v[kN]; a.C = v[kC]; a.m = v[kM]; a.H = v[kH]; a.W = v[kW]; a.kh = v[kKh]; a.kw = v[kKw];
  a.sh = v[kSh]; a.sw = v[kSw]; a.ph = v[kPh]; a.pw = v[kPw]; a.dh = v[kDh]; a.dw = v[kDw];
  if (a.m < 1 || a.kh < 1 || a.kw < 1 || a.sh < 1 || a.sw < 1 || a.dh < 1 || a.dw < 1 || a.H < 1 || a.W < 1)
    return Throw(env, "depthwiseConv2d: multiplier, kernel, stride, dilation and image size must be >= 1");
  const long eh = a.dh * (a.kh - 1) + 1, ew = a.dw * (a.kw - 1) + 1;
  if (eh > a.H + 2 * a.ph || ew > a.W + 2 * a.pw) return Throw(env, "depthwiseConv2d: the kernel is larger than the padded image");
  a.oh = (a.H + 2 * a.ph - eh) / a.sh + 1;
  a.ow = (a.W + 2 * a.pw - ew) / a.sw + 1;
  const napi_typedarray_type want = f64 ? napi_float64_array : napi_float32_array;
  void *pa, *pb, *pbias = nullptr, *po0, *po1 = nullptr;
  size_t la, lb, lbias = 0, lo0, lo1 = 0;
  if (!binding::typed_array_arg(info, 1, want, &pa, &la) || !binding::typed_array_arg(info, 2, want, &pb, &lb) || !binding::typed_array_arg(info, 4, want, &po0, &lo0))
    return Napi::Boolean::New(env, false);
  const bool has_bias = pass == 0 && info.Length() > 3 && !info[3].IsNull() && !info[3].IsUndefined();
  if (has_bias && !binding::typed_array_arg(info, 3, want, &pbias, &lbias)) return Throw(env, "depthwiseConv2d: bias must be a typed array of the dtype");
  if (pass == 2 && !binding::typed_array_arg(info, 5, want, &po1, &lo1)) return Throw(env, "depthwiseConv2d: the weight pass needs a bias-gradient array");
  const long O = a.C * a.m, K = a.kh * a.kw;
  const double image = binding::product({a.N, a.C, a.H, a.W}), out = binding::product({a.N, O, a.oh, a.ow}), filters = binding::product({O, K});
  const double na = pass == 1 ? out : image, nb = pass == 2 ? out : filters, n0 = pass == 0 ? out : pass == 1 ? image : filters;
  if ((double)v[kOffA] + na > (double)la || (double)v[kOffB] + nb > (double)lb || n0 > (double)lo0 ||
      (has_bias && (double)v[kOffBias] + O > (double)lbias) || (pass == 2 && (double)O > (double)lo1))
    return Throw(env, "depthwiseConv2d: an operand reaches outside its array");
  const size_t es = f64 ? 8 : 4;
  a.a = (const char*)pa + v[kOffA] * es;
  a.b = (const char*)pb + v[kOffB] * es;
  a.bias = has_bias ? (const char*)pbias + v[kOffBias] * es : nullptr;
  a.out0 = po0;
  a.out1 = po1;
  bool ok;
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
  if (active_isa() == Isa::avx512) ok = depthwise_conv2d_avx512(a);
  else if (active_isa() == Isa::avx2) ok = depthwise_conv2d_avx2(a);
  else ok = depthwise_conv2d_portable(a);
#else
  ok = depthwise_conv2d_portable(a);
#endif
  if (!ok) return Throw(env, "depthwiseConv2d: out of memory for the scratch planes");
  return Napi::Boolean::New(env, true);
}

}  // namespace

void register_depthwise(Napi::Env env, Napi::Object exports) {
  exports.Set("depthwiseConv2d", Napi::Function::New(env, DepthwiseConv2d, "depthwiseConv2d"));
}

}  // namespace fluxion

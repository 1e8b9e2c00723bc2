// The N-API binding of the convolution driver (conv.h): argument checking and marshalling
// only. conv2d(params, a, b, c, out0, out1) -> boolean, with operands by pass:
//   forward: a = x, b = w, c = bias | null, out0 = y (max-pooled when asked), out1 = the
//            pooled maxima's int32 positions | null
//   input:   a = dy, b = w, out0 = dx
//   weight:  a = x, b = dy, out0 = dw, out1 = db
// Params (Float64Array, mirrored in src/backend/cpu/native.ts): 0 pass, 1 dtype (0 f32,
// 1 f64, 2 bf16 as Uint16Array bits; the pool indices stay Int32Array), 2..16 N C H W O kh kw sh sw ph pw dh dw oh ow, 17 activation, 18..20 element
// offsets of a, b, c, 21..26 the forward's max pooling: window kh kw, stride sh sw, pooled
// size oh ow (window 0: none). Every operand is contiguous; outputs start at element 0.
// The output size must be the one the geometry gives (the direct and Winograd kernels index
// the image by it without clipping), every array must hold what the sizes say, and a call
// whose scratch (columns, a padded image) would exceed 2^31 elements answers false, leaving
// it to the TypeScript kernels, whose allocator refuses what cannot be allocated.
#include "binding_util.h"
#include "conv.h"
#include "thread_pool.h"

namespace fluxion {
namespace {

using binding::Throw;
constexpr size_t kConvSlots = 27;

// Argument i as a typed array of `type` holding `count` elements from `offset`.
bool bind_array(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, size_t elem, long offset, long count, void** ptr) {
  napi_typedarray_type t;
  void* data;
  size_t len;
  if (info.Length() <= i || !binding::typed_array_info(info.Env(), info[i], &t, &data, &len) || t != type || offset < 0 ||
      (size_t)offset > len || !binding::strided_in_bounds(len, offset, {{count, 1}}))
    return false;
  *ptr = (char*)data + offset * elem;
  return true;
}

// ... a Float32Array/Float64Array/Uint16Array (bfloat16) of dt; an Int32Array (the pooled forward's indices).
bool bind(const Napi::CallbackInfo& info, size_t i, DType dt, long offset, long count, void** ptr) {
  if (dt == DType::bf16) return bind_array(info, i, napi_uint16_array, 2, offset, count, ptr);
  const bool f64 = dt == DType::f64;
  return bind_array(info, i, f64 ? napi_float64_array : napi_float32_array, f64 ? 8 : 4, offset, count, ptr);
}
bool bind_int32(const Napi::CallbackInfo& info, size_t i, long count, void** ptr) {
  return bind_array(info, i, napi_int32_array, 4, 0, count, ptr);
}

// Windows of a convolution along one axis: floor((size + 2p - d(k-1) - 1) / s) + 1, or 0
// when the kernel is larger than the padded input.
long window_count(long size, long k, long s, long p, long d) {
  const long span = size + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

// Sizes, kernel, stride, padding and dilation fit in 31 bits: window_count cannot overflow.
constexpr double kMaxGeometry = 2147483647.0;
constexpr double kMaxScratch = 2147483648.0;

Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, kConvSlots);
  if (!p) return Throw(env, "conv2d(params, a, b, c, out0, out1) expects a Float64Array of parameters");
  ConvArgs a{};
  int pass, dt, act;
  if (!binding::code_slot(p[0], 2, &pass) || !binding::code_slot(p[1], 2, &dt) || !binding::code_slot(p[17], 3, &act))
    return Throw(env, "conv2d: bad pass, dtype or activation code");
  a.pass = (ConvPass)pass;
  a.dtype = dt == 2 ? DType::bf16 : dt == 1 ? DType::f64 : DType::f32;
  a.act = (Act)act;
  long* f[15] = {&a.N, &a.C, &a.H, &a.W, &a.O, &a.kh, &a.kw, &a.sh, &a.sw, &a.ph, &a.pw, &a.dh, &a.dw, &a.oh, &a.ow};
  for (int i = 0; i < 15; i++)
    if (!binding::whole(p[2 + i], 0, kMaxGeometry, f[i])) return Throw(env, "conv2d: sizes must be whole numbers from 0 to 2^31 - 1");
  if (a.kh < 1 || a.kw < 1 || a.sh < 1 || a.sw < 1 || a.dh < 1 || a.dw < 1) return Throw(env, "conv2d: kernel, stride and dilation must be positive");
  if (a.oh != window_count(a.H, a.kh, a.sh, a.ph, a.dh) || a.ow != window_count(a.W, a.kw, a.sw, a.pw, a.dw) || a.oh < 1 || a.ow < 1)
    return Throw(env, "conv2d: the output size " + std::to_string(a.oh) + "x" + std::to_string(a.ow) +
                          " does not follow from the input size, kernel, stride, padding and dilation");
  long* q[6] = {&a.pkh, &a.pkw, &a.psh, &a.psw, &a.poh, &a.pow};
  for (int i = 0; i < 6; i++)
    if (!binding::whole(p[21 + i], 0, kMaxGeometry, q[i])) return Throw(env, "conv2d: pooling sizes must be whole numbers from 0 to 2^31 - 1");
  const bool pooled = a.pass == ConvPass::forward && a.pkh > 0;
  if (pooled && (a.pkw < 1 || a.psh < 1 || a.psw < 1 || a.poh < 0 || a.pow < 0 ||
                 (a.poh > 0 && (a.poh - 1) * a.psh + a.pkh > a.oh) || (a.pow > 0 && (a.pow - 1) * a.psw + a.pkw > a.ow)))
    return Throw(env, "conv2d: the pooling window does not fit the output");
  if (!pooled) a.pkh = 0;
  long oa, ob, oc;
  if (!binding::count_slot(p[18], &oa) || !binding::count_slot(p[19], &ob) || !binding::count_slot(p[20], &oc))
    return Throw(env, "conv2d: offsets must be whole numbers from 0 to 2^53");
  const double img_d = binding::product({a.N, a.C, a.H, a.W}), wts_d = binding::product({a.O, a.C, a.kh, a.kw});
  const double out_d = binding::product({a.N, a.O, a.oh, a.ow}), pooled_d = binding::product({a.N, a.O, a.poh, a.pow});
  if (img_d > binding::kMaxSlot || wts_d > binding::kMaxSlot || out_d > binding::kMaxSlot) return Throw(env, "conv2d: sizes larger than any array");
  // per-image scratch: the columns [C·kh·kw, oh·ow], the output before pooling, a padded copy of the image
  if (binding::product({a.C, a.kh, a.kw, a.oh, a.ow}) > kMaxScratch || binding::product({a.O, a.oh, a.ow}) > kMaxScratch ||
      binding::product({a.C, a.H + 2 * a.ph, a.W + 2 * a.pw}) > kMaxScratch || binding::product({a.O, a.C, a.kh, a.kw + 1}) > kMaxScratch)
    return Napi::Boolean::New(env, false);
  const long img = (long)img_d, wts = (long)wts_d, out = (long)out_d;
  const long yout = pooled ? (long)pooled_d : out;
  void *pa = nullptr, *pb = nullptr, *pc = nullptr, *o0 = nullptr, *o1 = nullptr;
  bool ok = false;
  switch (a.pass) {
    case ConvPass::forward:
      ok = bind(info, 1, a.dtype, oa, img, &pa) && bind(info, 2, a.dtype, ob, wts, &pb) &&
           (info[3].IsNull() || bind(info, 3, a.dtype, oc, a.O, &pc)) && bind(info, 4, a.dtype, 0, yout, &o0) &&
           (info[5].IsNull() || (pooled && bind_int32(info, 5, yout, &o1)));
      a.x = pa; a.w = pb; a.bias = pc; a.y = o0; a.pool_indices = (int32_t*)o1;
      break;
    case ConvPass::input:
      ok = bind(info, 1, a.dtype, oa, out, &pa) && bind(info, 2, a.dtype, ob, wts, &pb) && bind(info, 4, a.dtype, 0, img, &o0);
      a.dy = pa; a.w = pb; a.dx = o0;
      break;
    case ConvPass::weight:
      ok = bind(info, 1, a.dtype, oa, img, &pa) && bind(info, 2, a.dtype, ob, out, &pb) &&
           bind(info, 4, a.dtype, 0, wts, &o0) && bind(info, 5, a.dtype, 0, a.O, &o1);
      a.x = pa; a.dy = pb; a.dweight = o0; a.dbias = o1;
      break;
  }
  if (!ok) return Throw(env, "conv2d: an operand is not a typed array of the dtype or is too short");
  a.threads = num_threads();
  conv2d(a);
  return Napi::Boolean::New(env, true);
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
}

}  // namespace fluxion

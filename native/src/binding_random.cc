// The N-API binding of the native random fill: argument checking only. The kernel, Philox4x32-10
// draws (philox.h) spread over the thread pool, each chunk of blocks computed on its own
// (counter-based: no state passes between them), bit-identical to the TypeScript loops in
// src/backend/cpu/random.ts, is random_fill.inc, compiled per ISA (random_fill_<isa>.cc).
//
//   randomFill(params: Float64Array, out: TypedArray, p: TypedArray | null) -> boolean
//   params: [kind (0 uniform, 1 normal, 2 randint, 3 bernoulli), out type (0 float32,
//            1 float64, 2 int32), n, key0, key1, offset0, offset1, a, b, p type (0 float32,
//            1 float64)] with (a, b) = (low, high - low) for uniform and randint, (mean, std)
//            for normal; p (bernoulli) holds n probabilities, already checked to lie in [0, 1].
// False (nothing written) for a combination it does not handle.
#include <cstdint>

#include "binding_util.h"
#include "isa.h"
#include "random_fill.h"

namespace fluxion {

namespace {

using binding::Throw;

bool word_slot(double v, uint32_t* out) {
  long l;
  if (!binding::whole(v, 0, 4294967295.0, &l)) return false;
  *out = (uint32_t)l;
  return true;
}

Napi::Value RandomFillBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 10);
  if (!p) return Throw(env, "randomFill(params, out, p) expects a Float64Array of 10 parameters");
  RandomFill f{};
  if (!binding::code_slot(p[0], 3, &f.kind) || !binding::code_slot(p[1], 2, &f.out_type) || !binding::code_slot(p[9], 1, &f.p_type))
    return Throw(env, "randomFill: bad distribution or type code");
  if (!binding::count_slot(p[2], &f.n)) return Throw(env, "randomFill: n must be a whole number from 0 to 2^53");
  if (!word_slot(p[3], &f.key0) || !word_slot(p[4], &f.key1) || !word_slot(p[5], &f.off0) || !word_slot(p[6], &f.off1))
    return Throw(env, "randomFill: key and offset words must be unsigned 32-bit integers");
  f.a = p[7];
  f.b = p[8];
  if (f.kind == kRandint && !(f.b >= 1 && f.b < 18446744073709551616.0 && f.b == __builtin_floor(f.b)))
    return Throw(env, "randomFill: randint's span must be a whole number from 1 to 2^64");
  napi_typedarray_type t;
  size_t len;
  if (info.Length() < 3 || !binding::typed_array_info(env, info[1], &t, &f.out, &len))
    return Throw(env, "randomFill: out must be a typed array");
  const napi_typedarray_type want = f.out_type == 0 ? napi_float32_array : f.out_type == 1 ? napi_float64_array : napi_int32_array;
  if (t != want || (size_t)f.n > len) return Throw(env, "randomFill: out is not a typed array of the type with n elements");
  if (f.kind == kBernoulli) {
    void* pd;
    if (!binding::typed_array_info(env, info[2], &t, &pd, &len) || t != (f.p_type == 1 ? napi_float64_array : napi_float32_array) || (size_t)f.n > len)
      return Throw(env, "randomFill: bernoulli needs n probabilities in a typed array of the p type");
    f.p = pd;
  }
  const bool f64 = f.kind == kUniform || f.kind == kNormal ? f.out_type == 1 : f.kind == kBernoulli ? f.p_type == 1 : true;
  f.k = f64 ? 2 : 4;
  // chunks of 2048 blocks (8192 float32 values) spread over the pool; small draws run inline
  f.chunk_blocks = 2048;
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
  if (active_isa() == Isa::avx512) random_fill_avx512(f);
  else if (active_isa() == Isa::avx2) random_fill_avx2(f);
  else
#endif
    random_fill_portable(f);
  return Napi::Boolean::New(env, true);
}

}  // namespace

void register_random(Napi::Env env, Napi::Object exports) {
  exports.Set("randomFill", Napi::Function::New(env, RandomFillBinding, "randomFill"));
}

}  // namespace fluxion

// The native random fill: Philox4x32-10 draws (philox.h) spread over the thread pool, each
// chunk of blocks computed on its own (counter-based: no state passes between them), bit-
// identical to the TypeScript loops in src/backend/cpu/random.ts. The N-API binding checks
// every argument before the kernel touches memory.
//
//   randomFill(params: Float64Array, out: TypedArray, p: TypedArray | null) -> boolean
//   params: [kind (0 uniform, 1 normal, 2 randint, 3 bernoulli), out type (0 float32,
//            1 float64, 2 int32), n, key0, key1, offset0, offset1, a, b, p type (0 float32,
//            1 float64)] with (a, b) = (low, high - low) for uniform and randint, (mean, std)
//            for normal; p (bernoulli) holds n probabilities, already checked to lie in [0, 1].
// False (nothing written) for a combination it does not handle.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <cstdint>

#include "binding_util.h"
#include "philox.h"
#include "thread_pool.h"

namespace fluxion {

namespace {

using binding::Throw;

enum Kind { kUniform, kNormal, kRandint, kBernoulli };

struct Fill {
  int kind, out_type, p_type;
  long n;
  uint32_t key0, key1, off0, off1;
  double a, b;
  const void* p;
  void* out;
  long k;  // elements per block
  long chunk_blocks;
};

template <typename T>
inline void store(void* out, long i, double v) { static_cast<T*>(out)[i] = (T)v; }

// Normals of kB consecutive whole blocks at once, in arrays: Philox's rounds, the logs and
// the sines and cosines are straight-line code over them, which the compiler vectorises
// (philox.h's log_scaled and sin_cos_2pi are branch-free for this). The same operations in
// the same order as philox::normal_pair24/53, so the values are the same bits.
constexpr int kB = 8;

template <typename T>
void normal_batch(const Fill& f, uint64_t c, long i0) {
  uint32_t w0[kB], w1[kB], w2[kB], w3[kB];
  for (int i = 0; i < kB; i++) {
    const uint64_t ci = c + (uint64_t)i;
    w0[i] = (uint32_t)ci;
    w1[i] = (uint32_t)(ci >> 32);
    w2[i] = 0;
    w3[i] = 0;
  }
  uint32_t k0 = f.key0, k1 = f.key1;
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += 0x9e3779b9u;
      k1 += 0xbb67ae85u;
    }
    for (int i = 0; i < kB; i++) {
      const uint64_t p0 = (uint64_t)0xd2511f53u * w0[i], p1 = (uint64_t)0xcd9e8d57u * w2[i];
      const uint32_t n0 = (uint32_t)(p1 >> 32) ^ w1[i] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ w3[i] ^ k1;
      w1[i] = (uint32_t)p1;
      w3[i] = (uint32_t)p0;
      w0[i] = n0;
      w2[i] = n2;
    }
  }
  const bool f64 = f.out_type == 1;
  constexpr int kP = 2 * kB;  // pairs: two per float32 block, one per float64 block
  const int np = f64 ? kB : kP;
  double kd[kP], u[kP], zc[kP], zs[kP];
  if (f64) {
    for (int i = 0; i < kB; i++) {
      kd[i] = philox::bits53(w0[i], w1[i]) + 1;
      u[i] = philox::u53(w2[i], w3[i]);
    }
  } else {
    for (int i = 0; i < kB; i++) {
      kd[2 * i] = (double)((w0[i] >> 8) + 1);
      u[2 * i] = philox::u24(w1[i]);
      kd[2 * i + 1] = (double)((w2[i] >> 8) + 1);
      u[2 * i + 1] = philox::u24(w3[i]);
    }
  }
  const int bits = f64 ? 53 : 24;
  for (int j = 0; j < np; j++) {
    const double r = __builtin_sqrt(-2 * philox::log_scaled(kd[j], bits));
    double sn, cs;
    philox::sin_cos_2pi(u[j], &sn, &cs);
    zc[j] = r * cs;
    zs[j] = r * sn;
  }
  for (int j = 0; j < np; j++) {
    store<T>(f.out, i0 + 2 * j, f.a + f.b * zc[j]);
    store<T>(f.out, i0 + 2 * j + 1, f.a + f.b * zs[j]);
  }
}

template <typename T>
void fill_blocks(const Fill& f, long b0, long b1) {
  const uint64_t base = ((uint64_t)f.off1 << 32) | f.off0;
  const bool f64 = f.out_type == 1;
  if (f.kind == kNormal) {
    // whole batches of whole blocks; the rest (and a last partial block) one block at a time
    while (b0 + kB <= b1 && (b0 + kB) * f.k <= f.n) {
      normal_batch<T>(f, base + (uint64_t)b0, b0 * f.k);
      b0 += kB;
    }
  }
  for (long b = b0; b < b1; b++) {
    const uint64_t c = base + (uint64_t)b;
    const philox::Words w = philox::block((uint32_t)c, (uint32_t)(c >> 32), 0, 0, f.key0, f.key1);
    const long i0 = b * f.k;
    const long m = f.n - i0 < f.k ? f.n - i0 : f.k;
    if (f.kind == kNormal) {
      // a Box-Muller pair's two values share one ln, sqrt and sin/cos reduction
      double z[4] = {0, 0, 0, 0};
      if (f64) philox::normal_pair53(w, &z[0], &z[1]);
      else {
        philox::normal_pair24(w, 0, &z[0], &z[1]);
        philox::normal_pair24(w, 1, &z[2], &z[3]);
      }
      for (int s = 0; s < m; s++) store<T>(f.out, i0 + s, f.a + f.b * z[s]);
      continue;
    }
    for (int s = 0; s < m; s++) {
      double v;
      switch (f.kind) {
        case kUniform: v = f.a + f.b * (f64 ? philox::u53(w.w[2 * s], w.w[2 * s + 1]) : philox::u24(w.w[s])); break;
        case kRandint: v = f.a + (double)philox::below64(w.w[2 * s], w.w[2 * s + 1], (uint64_t)f.b); break;
        default: {
          const double p = f.p_type == 1 ? static_cast<const double*>(f.p)[i0 + s] : (double)static_cast<const float*>(f.p)[i0 + s];
          const double u = f.p_type == 1 ? philox::u53(w.w[2 * s], w.w[2 * s + 1]) : philox::u24(w.w[s]);
          v = u < p ? 1 : 0;
        }
      }
      store<T>(f.out, i0 + s, v);
    }
  }
}

void run_chunk(void* ctx, long chunk) {
  const Fill& f = *static_cast<const Fill*>(ctx);
  const long blocks = (f.n + f.k - 1) / f.k;
  const long b0 = chunk * f.chunk_blocks;
  const long b1 = b0 + f.chunk_blocks < blocks ? b0 + f.chunk_blocks : blocks;
  if (f.out_type == 0) fill_blocks<float>(f, b0, b1);
  else if (f.out_type == 1) fill_blocks<double>(f, b0, b1);
  else fill_blocks<int32_t>(f, b0, b1);
}

bool word_slot(double v, uint32_t* out) {
  long l;
  if (!binding::whole(v, 0, 4294967295.0, &l)) return false;
  *out = (uint32_t)l;
  return true;
}

Napi::Value RandomFill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 10);
  if (!p) return Throw(env, "randomFill(params, out, p) expects a Float64Array of 10 parameters");
  Fill f{};
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
  const long blocks = (f.n + f.k - 1) / f.k;
  // chunks of 2048 blocks (8192 float32 values) spread over the pool; small draws run inline
  f.chunk_blocks = 2048;
  const long chunks = (blocks + f.chunk_blocks - 1) / f.chunk_blocks;
  if (chunks <= 1) {
    if (chunks == 1) run_chunk(&f, 0);
  } else {
    parallel_for(chunks, run_chunk, &f);
  }
  return Napi::Boolean::New(env, true);
}

}  // namespace

void register_random(Napi::Env env, Napi::Object exports) {
  exports.Set("randomFill", Napi::Function::New(env, RandomFill, "randomFill"));
}

}  // namespace fluxion

// The native prefix sum / product of the `scan` primitive (src/backend/cpu/reduce.ts's
// generated loop is the reference it is tested against): float32 and float64 rows along an
// axis of a contiguous [outer, R, inner] tensor, accumulated in double and each prefix
// rounded to the dtype on store, exactly as the reference (and PyTorch's CPU cumsum, whose
// accumulator type for float is double) computes them.
//
// A prefix is a chain of dependent additions (~4 cycles each), so the kernel runs kLanes
// chains side by side: kLanes consecutive positions of the inner dim when it has them (one
// contiguous vector per step), else kLanes consecutive rows (a scan along the last dim).
//
//   scanRows(params: Float64Array, x: TypedArray, out: TypedArray) -> boolean
//   params: [type (0 float32, 1 float64), op (0 sum, 1 prod), outer, R, inner, x offset]
//   x: [outer, R, inner] contiguous from the offset; out: [outer, R, inner] contiguous.
//   False (nothing written) for another type.
#include <algorithm>
#include <cstdint>

#include "binding_util.h"
#include "thread_pool.h"

namespace fluxion {

namespace {

using binding::Throw;

constexpr long kLanes = 16;
constexpr long kTile = 64;

struct Job {
  int type, op;
  long outer, R, inner;
  const void* x;
  void* out;
  long items;  // work items: (outer row, block of kLanes inner positions), or blocks of kLanes rows
};

template <class T, bool Prod>
void scan_item(const Job& j, long item) {
  const T* x = static_cast<const T*>(j.x);
  T* o = static_cast<T*>(j.out);
  double acc[kLanes];
  const double init = Prod ? 1 : 0;
  if (j.inner == 1) {
    // kLanes rows side by side, a tile of kTile positions at a time: the tile is copied in
    // transposed (each row read as one contiguous piece: rows R apart would map to the same
    // cache sets if walked together), scanned across with one chain per row, copied back
    const long r0 = item * kLanes, n = j.outer - r0 < kLanes ? j.outer - r0 : kLanes;
    const T* xs = x + r0 * j.R;
    T* os = o + r0 * j.R;
    if (n == 1) {
      double a = init;
      for (long t = 0; t < j.R; t++) {
        a = Prod ? a * (double)xs[t] : a + (double)xs[t];
        os[t] = (T)a;
      }
      return;
    }
    double tile[kTile][kLanes];
    for (long t = 0; t < kTile; t++)
      for (long l = n; l < kLanes; l++) tile[t][l] = 0;  // lanes past the last row: scanned, never stored
    for (long l = 0; l < kLanes; l++) acc[l] = init;
    for (long t0 = 0; t0 < j.R; t0 += kTile) {
      const long m = j.R - t0 < kTile ? j.R - t0 : kTile;
      for (long l = 0; l < n; l++)
        for (long t = 0; t < m; t++) tile[t][l] = (double)xs[l * j.R + t0 + t];
      for (long t = 0; t < m; t++) {
        for (long l = 0; l < kLanes; l++) {
          acc[l] = Prod ? acc[l] * tile[t][l] : acc[l] + tile[t][l];
          tile[t][l] = acc[l];
        }
      }
      for (long l = 0; l < n; l++)
        for (long t = 0; t < m; t++) os[l * j.R + t0 + t] = (T)tile[t][l];
    }
    return;
  }
  // kLanes consecutive inner positions of one outer row: one contiguous vector per step
  const long blocks = (j.inner + kLanes - 1) / kLanes;
  const long row = item / blocks, i0 = (item % blocks) * kLanes;
  const long n = j.inner - i0 < kLanes ? j.inner - i0 : kLanes;
  const T* xs = x + row * j.R * j.inner + i0;
  T* os = o + row * j.R * j.inner + i0;
  for (long l = 0; l < n; l++) acc[l] = init;
  for (long t = 0; t < j.R; t++) {
    for (long l = 0; l < n; l++) {
      const double v = (double)xs[t * j.inner + l];
      acc[l] = Prod ? acc[l] * v : acc[l] + v;
      os[t * j.inner + l] = (T)acc[l];
    }
  }
}

struct Chunks {
  const Job* job;
  long per_chunk;
};

void run_chunk(void* ctx, long chunk) {
  const Chunks& c = *static_cast<const Chunks*>(ctx);
  const Job& j = *c.job;
  const long i0 = chunk * c.per_chunk, i1 = i0 + c.per_chunk < j.items ? i0 + c.per_chunk : j.items;
  for (long i = i0; i < i1; i++) {
    if (j.type == 0) j.op == 0 ? scan_item<float, false>(j, i) : scan_item<float, true>(j, i);
    else j.op == 0 ? scan_item<double, false>(j, i) : scan_item<double, true>(j, i);
  }
}

Napi::Value ScanRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 6);
  if (!p) return Throw(env, "scanRows(params, x, out) expects a Float64Array of 6 parameters");
  Job j{};
  long off;
  if (!binding::code_slot(p[0], 7, &j.type) || !binding::code_slot(p[1], 1, &j.op)) return Throw(env, "scanRows: bad type or op code");
  if (j.type > 1) return Napi::Boolean::New(env, false);
  if (!binding::count_slot(p[2], &j.outer) || !binding::count_slot(p[3], &j.R) || !binding::count_slot(p[4], &j.inner) || !binding::count_slot(p[5], &off))
    return Throw(env, "scanRows: sizes and offsets must be whole numbers from 0 to 2^53");
  const napi_typedarray_type want = j.type == 0 ? napi_float32_array : napi_float64_array;
  napi_typedarray_type t;
  void *x, *out;
  size_t xl, ol;
  if (info.Length() < 3 || !binding::typed_array_info(env, info[1], &t, &x, &xl) || t != want) return Throw(env, "scanRows: x must be a typed array of the type");
  if (!binding::typed_array_info(env, info[2], &t, &out, &ol) || t != want) return Throw(env, "scanRows: out must be a typed array of the type");
  const double n = binding::product({j.outer, j.R, j.inner});
  if ((double)off + n > (double)xl || n > (double)ol) return Throw(env, "scanRows: the rows reach outside an array");
  if (n == 0) return Napi::Boolean::New(env, true);
  j.x = static_cast<const char*>(x) + off * (j.type == 0 ? 4 : 8);
  j.out = out;
  j.items = j.inner == 1 ? (j.outer + kLanes - 1) / kLanes : j.outer * ((j.inner + kLanes - 1) / kLanes);
  // items spread over the pool (each item's chains are its own: the same bits at any
  // thread count); small scans run inline
  const int threads = num_threads();
  long chunks = threads > 1 && j.items > 1 && n >= 65536 ? std::min<long>(j.items, 4L * threads) : 1;
  Chunks c{&j, (j.items + chunks - 1) / chunks};
  chunks = (j.items + c.per_chunk - 1) / c.per_chunk;
  if (chunks == 1) run_chunk(&c, 0);
  else parallel_for(chunks, run_chunk, &c);
  return Napi::Boolean::New(env, true);
}

}  // namespace

void register_scan(Napi::Env env, Napi::Object exports) {
  exports.Set("scanRows", Napi::Function::New(env, ScanRows, "scanRows"));
}

}  // namespace fluxion

// The native sort and top-k of the `sort` and `topk` primitives (src/backend/cpu/sort.ts
// holds the TypeScript reference they are tested against): rows along an axis of a
// contiguous [outer, R, inner] tensor, each row read with stride `inner` into a buffer.
//
// Order: each value becomes an unsigned key that orders like the number (floats: -0 as 0,
// every NaN one key above +inf; signed integers: the sign bit flipped), complemented for
// descending (NaN first then). A row is sorted by (key, position): a stable sort by key,
// so equal values keep their order and the indices are deterministic. Full sorts run an
// LSD radix sort over the key's bytes (stable by construction; a byte equal in every key
// skips its pass); top-k (k well below R) selects with std::partial_sort / nth_element on
// the same (key, position) order, which is total, so it picks exactly the first k of the
// stable sort. Values are copied from the input (NaN payloads and -0 kept).
//
//   sortRows(params: Float64Array, x: TypedArray, values: TypedArray, indices: Int32Array) -> boolean
//   params: [type (native EType: 0 float32, 1 float64, 2 int32, 3 bool, 5 uint8, 6 int8,
//            7 int64), outer, R, inner, k, descending (0/1), x offset]
//   x: [outer, R, inner] contiguous from the offset; values, indices: [outer, k, inner]
//   contiguous, the first k of each sorted row. False (nothing written) for a type it does
//   not handle (the 16-bit floats).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "binding_util.h"
#include "thread_pool.h"

namespace fluxion {

namespace {

using binding::Throw;

enum EType { kF32 = 0, kF64 = 1, kI32 = 2, kBool = 3, kU8 = 5, kI8 = 6, kI64 = 7 };

// ---- order-preserving keys ------------------------------------------------------------

// Integer operations only (no float compares: those cost about 4x in the selection loop):
// -0 becomes +0's bits, any NaN (exponent all ones, mantissa not 0) the largest key.
inline uint32_t key_of(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  u = u == 0x80000000u ? 0 : u;
  const uint32_t k = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return (u & 0x7fffffffu) > 0x7f800000u ? 0xffffffffu : k;
}
inline uint64_t key_of(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  u = u == (1ull << 63) ? 0 : u;
  const uint64_t k = (u >> 63) ? ~u : (u | (1ull << 63));
  return (u & ~(1ull << 63)) > 0x7ff0000000000000ull ? ~0ull : k;
}
inline uint32_t key_of(int32_t v) { return (uint32_t)v ^ 0x80000000u; }
inline uint64_t key_of(int64_t v) { return (uint64_t)v ^ (1ull << 63); }
inline uint32_t key_of(uint8_t v) { return v; }
inline uint32_t key_of(int8_t v) { return (uint32_t)(uint8_t)((uint8_t)v ^ 0x80u); }

// ---- items: a key with its position, ordered by (key, position) --------------------------

// 32-bit keys: key << 32 | position in one word, so comparisons and moves are single words.
struct Item32 {
  uint64_t w;
  static constexpr int kKeyBytes = 4;
  static Item32 make(uint32_t key, uint32_t pos) { return {((uint64_t)key << 32) | pos}; }
  uint32_t pos() const { return (uint32_t)w; }
  unsigned byte(int b) const { return (unsigned)(w >> (32 + 8 * b)) & 0xff; }
  bool operator<(const Item32& o) const { return w < o.w; }
};

struct Item64 {
  uint64_t key;
  uint32_t p;
  static constexpr int kKeyBytes = 8;
  static Item64 make(uint64_t key, uint32_t pos) { return {key, pos}; }
  uint32_t pos() const { return p; }
  unsigned byte(int b) const { return (unsigned)(key >> (8 * b)) & 0xff; }
  bool operator<(const Item64& o) const { return key < o.key || (key == o.key && p < o.p); }
};

template <typename T> struct ItemFor { using type = Item32; };
template <> struct ItemFor<double> { using type = Item64; };
template <> struct ItemFor<int64_t> { using type = Item64; };

// Sorts a[0..n) by (key, position), given that positions ascend in a (they do: rows are
// read in order). Returns the array holding the result (a or tmp).
template <typename Item>
Item* sort_items(Item* a, Item* tmp, long n) {
  if (n <= 48) {
    for (long i = 1; i < n; i++) {
      const Item v = a[i];
      long j = i - 1;
      while (j >= 0 && v < a[j]) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = v;
    }
    return a;
  }
  constexpr int B = Item::kKeyBytes;
  uint32_t count[B][256];
  std::memset(count, 0, sizeof count);
  for (long i = 0; i < n; i++)
    for (int b = 0; b < B; b++) count[b][a[i].byte(b)]++;
  Item* src = a;
  Item* dst = tmp;
  for (int b = 0; b < B; b++) {
    uint32_t* c = count[b];
    if (c[src[0].byte(b)] == (uint32_t)n) continue;  // one digit everywhere: nothing moves
    uint32_t sum = 0;
    for (int d = 0; d < 256; d++) {
      const uint32_t t = c[d];
      c[d] = sum;
      sum += t;
    }
    for (long i = 0; i < n; i++) dst[c[src[i].byte(b)]++] = src[i];
    std::swap(src, dst);
  }
  return src;
}

// ---- the kernel ---------------------------------------------------------------------------

struct Job {
  int type;
  long outer, R, inner, k;
  bool descending;
  const void* x;
  void* values;
  int32_t* indices;
  long rows, rows_per_chunk;
};

// Whether the first k of a row are selected (partial sort) rather than the row sorted.
inline bool selects(long k, long R) { return k < R && k * 8 <= R; }

// The first k (>= 1) items of a row in order into heap[0..k), via a max-heap of the best seen.
template <typename Item, bool kDescending, typename T>
inline void heap_select(const T* src, long stride, long R, long k, Item* heap) {
  auto item = [&](long r) {
    const auto key = key_of(src[r * stride]);
    return Item::make(kDescending ? ~key : key, (uint32_t)r);
  };
  for (long r = 0; r < k; r++) heap[r] = item(r);
  std::make_heap(heap, heap + k);
  for (long r = k; r < R; r++) {
    const Item v = item(r);
    if (!(v < heap[0])) continue;
    // sift v down from the root
    long c = 0;
    for (;;) {
      long m = 2 * c + 1;
      if (m >= k) break;
      if (m + 1 < k && heap[m] < heap[m + 1]) m++;
      if (!(v < heap[m])) break;
      heap[c] = heap[m];
      c = m;
    }
    heap[c] = v;
  }
  std::sort_heap(heap, heap + k);
}

// One contiguous row of R values: its first k in order into contiguous vd / id.
template <typename T, typename Item>
void sort_row(const Job& j, const T* src, Item* a, Item* tmp, T* vd, int32_t* id) {
  const long R = j.R, k = j.k;
  const Item* out = a;
  if (selects(k, R) && k <= 64) {
    // a max-heap of the k best so far; an item enters only when it orders before the
    // worst of them, which for most of a row is one comparison
    if (j.descending) heap_select<Item, true>(src, 1, R, k, a);
    else heap_select<Item, false>(src, 1, R, k, a);
  } else {
    if (j.descending) {
      for (long r = 0; r < R; r++) a[r] = Item::make(~key_of(src[r]), (uint32_t)r);
    } else {
      for (long r = 0; r < R; r++) a[r] = Item::make(key_of(src[r]), (uint32_t)r);
    }
    if (selects(k, R)) {
      // (key, position) is a total order: any selection picks the stable sort's first k
      std::nth_element(a, a + k, a + R);
      std::sort(a, a + k);
    } else {
      out = sort_items(a, tmp, R);
    }
  }
  for (long r = 0; r < k; r++) {
    const uint32_t p = out[r].pos();
    vd[r] = src[p];
    id[r] = (int32_t)p;
  }
}

// Rows r0..r1 (row = o * inner + i). Strided rows (inner > 1) go through tiles of up to
// kTile neighbouring columns, copied in and out a cache line at a time.
template <typename T>
void run_rows(const Job& j, long r0, long r1) {
  using Item = typename ItemFor<T>::type;
  constexpr long kTile = 64 / sizeof(T) < 16 ? 16 : 64 / sizeof(T);
  const T* x = static_cast<const T*>(j.x);
  T* values = static_cast<T*>(j.values);
  const long R = j.R, inner = j.inner, k = j.k;
  std::vector<Item> buf(2 * R);
  Item* a = buf.data();
  Item* tmp = a + R;
  if (inner == 1) {
    for (long row = r0; row < r1; row++) sort_row<T, Item>(j, x + row * R, a, tmp, values + row * k, j.indices + row * k);
    return;
  }
  std::vector<T> in(kTile * R), vt(kTile * k);
  std::vector<int32_t> it(kTile * k);
  for (long row = r0; row < r1;) {
    const long o = row / inner, i = row % inner;
    const long w = std::min(kTile, std::min(inner - i, r1 - row));
    const T* src = x + o * R * inner + i;
    for (long r = 0; r < R; r++)
      for (long c = 0; c < w; c++) in[c * R + r] = src[r * inner + c];
    for (long c = 0; c < w; c++) sort_row<T, Item>(j, in.data() + c * R, a, tmp, vt.data() + c * k, it.data() + c * k);
    T* vd = values + o * k * inner + i;
    int32_t* id = j.indices + o * k * inner + i;
    for (long r = 0; r < k; r++)
      for (long c = 0; c < w; c++) {
        vd[r * inner + c] = vt[c * k + r];
        id[r * inner + c] = it[c * k + r];
      }
    row += w;
  }
}

void run_chunk(void* ctx, long chunk) {
  const Job& j = *static_cast<const Job*>(ctx);
  const long r0 = chunk * j.rows_per_chunk;
  const long r1 = std::min(j.rows, r0 + j.rows_per_chunk);
  switch (j.type) {
    case kF32: run_rows<float>(j, r0, r1); break;
    case kF64: run_rows<double>(j, r0, r1); break;
    case kI32: run_rows<int32_t>(j, r0, r1); break;
    case kI64: run_rows<int64_t>(j, r0, r1); break;
    case kI8: run_rows<int8_t>(j, r0, r1); break;
    default: run_rows<uint8_t>(j, r0, r1); break;  // uint8, bool
  }
}

bool array_type(int type, napi_typedarray_type* t) {
  switch (type) {
    case kF32: *t = napi_float32_array; return true;
    case kF64: *t = napi_float64_array; return true;
    case kI32: *t = napi_int32_array; return true;
    case kBool: case kU8: *t = napi_uint8_array; return true;
    case kI8: *t = napi_int8_array; return true;
    case kI64: *t = napi_bigint64_array; return true;
    default: return false;
  }
}

Napi::Value SortRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 7);
  if (!p) return Throw(env, "sortRows(params, x, values, indices) expects a Float64Array of 7 parameters");
  int type, desc;
  if (!binding::code_slot(p[0], 7, &type) || !binding::code_slot(p[5], 1, &desc)) return Throw(env, "sortRows: bad type or order code");
  Job j{};
  long off;
  if (!binding::count_slot(p[1], &j.outer) || !binding::count_slot(p[2], &j.R) || !binding::count_slot(p[3], &j.inner) ||
      !binding::count_slot(p[4], &j.k) || !binding::count_slot(p[6], &off))
    return Throw(env, "sortRows: sizes and offsets must be whole numbers from 0 to 2^53");
  napi_typedarray_type want;
  if (!array_type(type, &want)) return Napi::Boolean::New(env, false);
  if (j.k > j.R) return Throw(env, "sortRows: k is larger than the row");
  if (j.R > 2147483647) return Throw(env, "sortRows: rows longer than 2^31 - 1 do not fit int32 indices");
  const double n_in = binding::product({j.outer, j.R, j.inner}), n_out = binding::product({j.outer, j.k, j.inner});
  napi_typedarray_type t;
  void *x, *values, *indices;
  size_t xl, vl, il;
  if (info.Length() < 4 || !binding::typed_array_info(env, info[1], &t, &x, &xl) || t != want)
    return Throw(env, "sortRows: x must be a typed array of the type");
  if (!binding::typed_array_info(env, info[2], &t, &values, &vl) || t != want) return Throw(env, "sortRows: values must be a typed array of the type");
  if (!binding::typed_array_info(env, info[3], &t, &indices, &il) || t != napi_int32_array) return Throw(env, "sortRows: indices must be an Int32Array");
  if ((double)off + n_in > (double)xl || n_out > (double)vl || n_out > (double)il)
    return Throw(env, "sortRows: the rows reach outside an array");
  if (n_out == 0) return Napi::Boolean::New(env, true);
  const size_t es = type == kF64 || type == kI64 ? 8 : type == kF32 || type == kI32 ? 4 : 1;
  j.type = type;
  j.descending = desc == 1;
  j.x = (const char*)x + off * es;
  j.values = values;
  j.indices = static_cast<int32_t*>(indices);
  j.rows = j.outer * j.inner;
  // rows spread over the pool in chunks (a few per thread, so uneven rows balance); small
  // jobs run inline
  const int threads = num_threads();
  const double work = n_in * (selects(j.k, j.R) ? 1.0 : 4.0);
  long chunks = 1;
  if (threads > 1 && j.rows > 1 && work >= 65536) chunks = std::min<long>(j.rows, 4L * threads);
  j.rows_per_chunk = (j.rows + chunks - 1) / chunks;
  chunks = (j.rows + j.rows_per_chunk - 1) / j.rows_per_chunk;
  if (chunks == 1) run_chunk(&j, 0);
  else parallel_for(chunks, run_chunk, &j);
  return Napi::Boolean::New(env, true);
}

}  // namespace

void register_sort(Napi::Env env, Napi::Object exports) {
  exports.Set("sortRows", Napi::Function::New(env, SortRows, "sortRows"));
}

}  // namespace fluxion

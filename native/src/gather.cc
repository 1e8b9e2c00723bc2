// The general gather / scatter along one axis (the TypeScript kernels' gather and scatter in
// src/backend/cpu/structure.ts), for any strides: an index tensor of int32 or int64 (expanded
// and transposed views included), a table (gather's x, scatter's output) and a dense operand
// (gather's output, scatter's src) that follow the index's shape. With c a coordinate of the
// index and c|v that coordinate with the axis replaced by v = index[c]:
//
//   gather:       dense[c] = table[c|v]
//   scatter set:  table[c|v] = dense[c]
//   scatter add:  table[c|v] += dense[c]
//
// Every index is checked (negative ones counted from the end where allowed) while the
// kernel runs; a bad one stops the work and the binding answers the row-major position of the
// first bad index, so the caller raises its IndexError (its output, a fresh tensor, is
// discarded). Work is split over one dim of the index; a scatter never splits the axis, so
// each destination receives its values in the reference's (row-major) order, from one thread:
// sums are identical to the TypeScript loop's at any thread count. Elements are moved as bits
// of their size; only the add mode does arithmetic (float32/float64, and wrapping integers as
// JavaScript's typed arrays store them). Portable code: nothing ISA-specific.
//
//   gather(params: Float64Array, index, table, dense) -> -1 when done, the position of the
//   first bad index, or false when the types are not handled. Slots: 0 mode (0 gather,
//   1 scatter set, 2 scatter add), 1 element type (EType), 2 index type (2 int32, 7 int64),
//   3 negative (0/1), 4 ndim (1..12), 5 axis, 6 size (the table's length along the axis),
//   7 index offset, 8 table offset, 9 dense offset, 10.. shape, 22.. index strides,
//   34.. table strides, 46.. dense strides (12 slots each).
// products are rounded before they are summed, as the composed ops round them
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <atomic>
#include <cstdint>
#include <cstring>

#include "binding_util.h"
#include "ewise.h"
#include "thread_pool.h"

namespace fluxion {

namespace {

using binding::Throw;

constexpr int kMaxGatherDims = 12;
constexpr size_t kGatherSlots = 10 + 4 * kMaxGatherDims;
enum Mode : int { kGather = 0, kSet = 1, kAdd = 2 };

struct Geometry {
  int ndim, axis;
  long size;
  long shape[kMaxGatherDims], is[kMaxGatherDims], ts[kMaxGatherDims], ds[kMaxGatherDims];
};

struct IndexedArgs {
  int mode;
  EType type;
  bool idx64, negative;
  Geometry g;
  const char* idx;  // at their offsets
  char* table;
  char* dense;
  int threads;
  // threading: the dim split over tasks, and the chunk each task takes
  int split;
  long per;
  std::atomic<bool> bad{false};
};

// Drops size-1 dims (but the axis) and merges neighbours (neither the axis) that are one run in
// all three operands: row-major positions are unchanged, so a bad index's position still is.
void collapse(Geometry& g) {
  Geometry o{};
  o.size = g.size;
  o.ndim = 0;
  o.axis = -1;
  for (int d = 0; d < g.ndim; d++) {
    if (g.shape[d] == 1 && d != g.axis) continue;
    const int k = o.ndim;
    if (k > 0 && d != g.axis && o.axis != k - 1 && o.is[k - 1] == g.is[d] * g.shape[d] && o.ts[k - 1] == g.ts[d] * g.shape[d] &&
        o.ds[k - 1] == g.ds[d] * g.shape[d]) {
      o.shape[k - 1] *= g.shape[d];
      o.is[k - 1] = g.is[d];
      o.ts[k - 1] = g.ts[d];
      o.ds[k - 1] = g.ds[d];
      continue;
    }
    if (d == g.axis) o.axis = k;
    o.shape[k] = g.shape[d];
    o.is[k] = g.is[d];
    o.ts[k] = g.ts[d];
    o.ds[k] = g.ds[d];
    o.ndim++;
  }
  g = o;
}

// index value at p, negative ones counted from the end when neg_size is the size (else 0):
// branch-free, so the row loops vectorize or use conditional moves
template <class I>
inline long resolve(const I* idx, long p, long neg_size) {
  const long v = (long)idx[p];
  return v + ((v >> 63) & neg_size);
}

// d[j] = t[idx[j]] for j < n, four at a time; false when an index is bad (then a bad one
// reads position 0 instead). NEG: negative indices count from the end.
template <class I, class T, bool NEG>
bool gather_row(const I* __restrict ix, const T* __restrict t, T* __restrict d, long n, unsigned long size) {
  auto at = [&](long j, bool& bad) {
    long v = (long)ix[j];
    if (NEG) v += (v >> 63) & (long)size;
    const bool b = (unsigned long)v >= size;
    bad |= b;
    return t[b ? 0 : v];
  };
  bool b0 = false, b1 = false, b2 = false, b3 = false;
  long j = 0;
  for (; j + 4 <= n; j += 4) {
    const T x0 = at(j, b0), x1 = at(j + 1, b1), x2 = at(j + 2, b2), x3 = at(j + 3, b3);
    d[j] = x0;
    d[j + 1] = x1;
    d[j + 2] = x2;
    d[j + 3] = x3;
  }
  for (; j < n; j++) d[j] = at(j, b0);
  return !(b0 | b1 | b2 | b3);
}

// t[idx[j]] = (or +=) d[j] for j < n, in order; false when an index is bad (a bad one writes
// position 0 instead: the caller discards the output then).
template <class I, class T, int M, bool NEG>
bool scatter_row(const I* __restrict ix, T* __restrict t, const T* __restrict d, long n, unsigned long size) {
  bool bad = false;
  for (long j = 0; j < n; j++) {
    long v = (long)ix[j];
    if (NEG) v += (v >> 63) & (long)size;
    const bool b = (unsigned long)v >= size;
    bad |= b;
    T& dst = t[b ? 0 : v];
    dst = M == kSet ? d[j] : (T)(dst + d[j]);
  }
  return !bad;
}

// One row: the last dim of a (sub)range, from element positions ip, tp, dp. False on a bad index.
template <class I, class T, int M>
bool row(const IndexedArgs& a, const Geometry& g, long n, long ip, long tp, long dp) {
  const int last = g.ndim - 1;
  const I* __restrict idx = (const I*)a.idx;
  T* __restrict table = (T*)a.table;
  T* __restrict dense = (T*)a.dense;
  const long isL = g.is[last], dsL = g.ds[last], tsA = g.ts[g.axis];
  const unsigned long size = (unsigned long)g.size;
  const long neg = a.negative ? g.size : 0;
  if (last != g.axis && isL == 0) {
    // one index for the whole row (indexSelect, interpolate's taps along an outer axis)
    const long v = resolve(idx, ip, neg);
    if ((unsigned long)v >= size) return false;
    T* __restrict t = table + tp + v * tsA;
    T* __restrict d = dense + dp;
    const long tsL = g.ts[last];
    if (tsL == 1 && dsL == 1) {
      if (M == kGather) std::memcpy(d, t, (size_t)n * sizeof(T));
      else if (M == kSet) std::memcpy(t, d, (size_t)n * sizeof(T));
      else for (long j = 0; j < n; j++) t[j] = (T)(t[j] + d[j]);
      return true;
    }
    for (long j = 0; j < n; j++) {
      if (M == kGather) d[j * dsL] = t[j * tsL];
      else if (M == kSet) t[j * tsL] = d[j * dsL];
      else t[j * tsL] = (T)(t[j * tsL] + d[j * dsL]);
    }
    return true;
  }
  const long tsL = last == g.axis ? 0 : g.ts[last];
  if (M == kGather) {
    // one pass: a bad index reads position 0 instead and fails the row afterwards
    bool bad = false;
    const T* __restrict t = table + tp;
    T* __restrict d = dense + dp;
    if (isL == 1 && dsL == 1 && tsL == 0 && tsA == 1) {  // torch.gather along a contiguous last axis
      return neg ? gather_row<I, T, true>(idx + ip, t, d, n, size) : gather_row<I, T, false>(idx + ip, t, d, n, size);
    } else if (isL == 1 && dsL == 1 && tsL == 0) {
      for (long j = 0; j < n; j++) {
        const unsigned long v = (unsigned long)resolve(idx, ip + j, neg);
        const bool b = v >= size;
        bad |= b;
        d[j] = t[(long)(b ? 0 : v) * tsA];
      }
    } else {
      for (long j = 0; j < n; j++) {
        const unsigned long v = (unsigned long)resolve(idx, ip + j * isL, neg);
        const bool b = v >= size;
        bad |= b;
        d[j * dsL] = t[j * tsL + (long)(b ? 0 : v) * tsA];
      }
    }
    return !bad;
  }
  if (isL == 1 && dsL == 1 && tsL == 0 && tsA == 1)  // along a contiguous last axis (scatter_add of gather's gradient)
    return neg ? scatter_row<I, T, M, true>(idx + ip, table + tp, dense + dp, n, size) : scatter_row<I, T, M, false>(idx + ip, table + tp, dense + dp, n, size);
  // a scatter checks the row's indices first (a branch-free loop), then writes
  bool bad = false;
  for (long j = 0; j < n; j++) bad |= (unsigned long)resolve(idx, ip + j * isL, neg) >= size;
  if (bad) return false;
  for (long j = 0; j < n; j++) {
    const long v = resolve(idx, ip + j * isL, neg);
    T& t = table[tp + j * tsL + v * tsA];
    const T& d = dense[dp + j * dsL];
    if (M == kSet) t = d;
    else t = (T)(t + d);
  }
  return true;
}

// Every row of geometry g (sizes `shape`) from the given base positions, in row-major order.
template <class I, class T, int M>
bool run(const IndexedArgs& a, const Geometry& g, const long* shape, long ip, long tp, long dp) {
  const int nd = g.ndim, last = nd - 1;
  long outer = 1;
  for (int d = 0; d < last; d++) outer *= shape[d];
  if (outer == 0 || shape[last] == 0) return true;
  long c[kMaxGatherDims] = {0};
  // table coordinates along the axis come from the index, never from the loop
  long ts[kMaxGatherDims];
  for (int d = 0; d < nd; d++) ts[d] = d == g.axis ? 0 : g.ts[d];
  for (long o = 0; o < outer; o++) {
    if (a.bad.load(std::memory_order_relaxed)) return false;  // another task found one
    if (!row<I, T, M>(a, g, shape[last], ip, tp, dp)) return false;
    for (int d = last - 1; d >= 0; d--) {
      ip += g.is[d];
      tp += ts[d];
      dp += g.ds[d];
      if (++c[d] < shape[d]) break;
      c[d] = 0;
      ip -= g.is[d] * shape[d];
      tp -= ts[d] * shape[d];
      dp -= g.ds[d] * shape[d];
    }
  }
  return true;
}

template <class I, class T, int M>
void task(void* ctx, long t) {
  IndexedArgs& a = *(IndexedArgs*)ctx;
  const Geometry& g = a.g;
  const int p = a.split;
  const long s0 = t * a.per, s1 = s0 + a.per < g.shape[p] ? s0 + a.per : g.shape[p];
  if (s0 >= s1) return;
  long shape[kMaxGatherDims];
  for (int d = 0; d < g.ndim; d++) shape[d] = g.shape[d];
  shape[p] = s1 - s0;
  const long tsp = p == g.axis ? 0 : g.ts[p];
  if (!run<I, T, M>(a, g, shape, s0 * g.is[p], s0 * tsp, s0 * g.ds[p])) a.bad.store(true, std::memory_order_relaxed);
}

// The row-major position of the first bad index (after a task found one).
template <class I>
long first_bad(const IndexedArgs& a) {
  const Geometry& g = a.g;
  const I* idx = (const I*)a.idx;
  long n = 1;
  for (int d = 0; d < g.ndim; d++) n *= g.shape[d];
  long c[kMaxGatherDims] = {0}, p = 0;
  for (long k = 0; k < n; k++) {
    if ((unsigned long)resolve(idx, p, a.negative ? g.size : 0) >= (unsigned long)g.size) return k;
    for (int d = g.ndim - 1; d >= 0; d--) {
      p += g.is[d];
      if (++c[d] < g.shape[d]) break;
      c[d] = 0;
      p -= g.is[d] * g.shape[d];
    }
  }
  return -1;
}

// Which dim to split over threads (-1: run on one): the outermost with a few chunks per
// thread, else the largest. A scatter never splits the axis (its destinations would be shared)
// nor a dim its table does not advance along.
int split_dim(const IndexedArgs& a, long numel) {
  const Geometry& g = a.g;
  if (a.threads < 2 || numel < (1L << 15)) return -1;
  int best = -1;
  for (int d = 0; d < g.ndim; d++) {
    if (a.mode != kGather && (d == g.axis || g.ts[d] == 0)) continue;
    if (g.shape[d] >= 4L * a.threads) return d;
    if (g.shape[d] >= 2 && (best < 0 || g.shape[d] > g.shape[best])) best = d;
  }
  return best;
}

template <class I, class T, int M>
long execute(IndexedArgs& a) {
  const Geometry& g = a.g;
  long numel = 1;
  for (int d = 0; d < g.ndim; d++) numel *= g.shape[d];
  if (numel == 0) return -1;
  a.split = split_dim(a, numel);
  bool ok;
  if (a.split >= 0) {
    const long n = g.shape[a.split];
    const long tasks = n < 4L * a.threads ? n : 4L * a.threads;  // a few chunks each: rows differ in cost
    a.per = (n + tasks - 1) / tasks;
    parallel_for((n + a.per - 1) / a.per, &task<I, T, M>, (void*)&a);
    ok = !a.bad.load();
  } else {
    ok = run<I, T, M>(a, g, g.shape, 0, 0, 0);
  }
  return ok ? -1 : first_bad<I>(a);
}

template <class I, int M>
long by_type(IndexedArgs& a) {
  if (M == kAdd) {
    switch (a.type) {
      case EType::f32: return execute<I, float, M>(a);
      case EType::f64: return execute<I, double, M>(a);
      case EType::i32: return execute<I, uint32_t, M>(a);  // wraps as Int32Array stores
      case EType::i64: return execute<I, uint64_t, M>(a);
      default: return execute<I, uint8_t, M>(a);  // uint8, int8
    }
  }
  switch (a.type) {
    case EType::f64: case EType::i64: return execute<I, uint64_t, M>(a);
    case EType::f32: case EType::i32: return execute<I, uint32_t, M>(a);
    case EType::u16: return execute<I, uint16_t, M>(a);
    default: return execute<I, uint8_t, M>(a);
  }
}

template <class I>
long by_mode(IndexedArgs& a) {
  if (a.mode == kGather) return by_type<I, kGather>(a);
  if (a.mode == kSet) return by_type<I, kSet>(a);
  return by_type<I, kAdd>(a);
}



Napi::Value Gather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, kGatherSlots);
  if (!p || info.Length() < 4) return Throw(env, "gather(params, index, table, dense) expects a Float64Array of parameters and three typed arrays");
  IndexedArgs a;
  int mode, type, itype, neg, ndim;
  if (!binding::code_slot(p[0], 2, &mode) || !binding::code_slot(p[1], 7, &type) || !binding::code_slot(p[2], 7, &itype) ||
      !binding::code_slot(p[3], 1, &neg) || !binding::code_slot(p[4], kMaxGatherDims, &ndim) || ndim < 1)
    return Throw(env, "gather: bad mode, type, rank or flag code");
  if (itype != (int)EType::i32 && itype != (int)EType::i64) return Napi::Boolean::New(env, false);
  a.mode = mode;
  a.type = (EType)type;
  // add: float32/float64 and the wrapping integers; bool (logical or) and 16-bit floats are the TypeScript kernel's
  if (mode == kAdd && (a.type == EType::u8 || a.type == EType::u16)) return Napi::Boolean::New(env, false);
  a.idx64 = itype == (int)EType::i64;
  a.negative = neg != 0;
  Geometry& g = a.g;
  g.ndim = ndim;
  long axis, ioff, toff, doff;
  if (!binding::whole(p[5], 0, ndim - 1, &axis) || !binding::count_slot(p[6], &g.size) || !binding::count_slot(p[7], &ioff) ||
      !binding::count_slot(p[8], &toff) || !binding::count_slot(p[9], &doff))
    return Throw(env, "gather: the axis must be a dim, the size and offsets whole numbers from 0 to 2^53");
  g.axis = (int)axis;
  for (int d = 0; d < ndim; d++) {
    if (!binding::count_slot(p[10 + d], &g.shape[d]) || !binding::stride_slot(p[10 + kMaxGatherDims + d], &g.is[d]) ||
        !binding::stride_slot(p[10 + 2 * kMaxGatherDims + d], &g.ts[d]) || !binding::stride_slot(p[10 + 3 * kMaxGatherDims + d], &g.ds[d]))
      return Throw(env, "gather: sizes must be whole numbers from 0 to 2^53, strides of magnitude at most 2^53");
  }
  void *idata, *tdata, *ddata;
  size_t ilen, tlen, dlen;
  const napi_typedarray_type at = binding::etype_array(a.type);
  if (!binding::typed_array_arg(info, 1, a.idx64 ? napi_bigint64_array : napi_int32_array, &idata, &ilen) || !binding::typed_array_arg(info, 2, at, &tdata, &tlen) ||
      !binding::typed_array_arg(info, 3, at, &ddata, &dlen))
    return Throw(env, "gather: the index must be an Int32Array or BigInt64Array, the table and dense operand typed arrays of the type");
  // every element reached lies inside its array: the index and dense operand over the shape,
  // the table over the shape outside the axis and [0, size) along it
  long tshape[kMaxGatherDims];
  for (int d = 0; d < ndim; d++) tshape[d] = d == g.axis ? g.size : g.shape[d];
  if ((size_t)ioff > ilen || (size_t)toff > tlen || (size_t)doff > dlen || !binding::strided_in_bounds(ilen, ioff, ndim, g.shape, g.is) ||
      !binding::strided_in_bounds(dlen, doff, ndim, g.shape, g.ds))
    return Throw(env, "gather: the index or dense operand reaches outside its array");
  double numel = 1;
  for (int d = 0; d < ndim; d++) numel *= (double)g.shape[d];
  if (numel == 0) return Napi::Number::New(env, -1);
  if (!binding::strided_in_bounds(tlen, toff, ndim, tshape, g.ts)) {
    // nothing can be read along an empty axis: every index is bad, the first at 0
    if (g.size == 0) return Napi::Number::New(env, 0);
    return Throw(env, "gather: the table reaches outside its array");
  }
  if (g.size == 0) return Napi::Number::New(env, 0);
  const size_t es = binding::etype_size(a.type);
  a.idx = (const char*)idata + ioff * (a.idx64 ? 8 : 4);
  a.table = (char*)tdata + toff * es;
  a.dense = (char*)ddata + doff * es;
  a.threads = num_threads();
  collapse(g);
  const long bad = a.idx64 ? by_mode<int64_t>(a) : by_mode<int32_t>(a);
  return Napi::Number::New(env, (double)bad);
}

// ---- resample: separable taps along one axis (F.interpolate, adaptive average pooling) ----
//
//   resample(params: Float64Array, x, index: Int32Array, weight | null, y) -> -1 when done,
//   the position in index of its first value outside [0, size), or false (types not handled).
//   Slots: 0 type (0 float32, 1 float64), 1 outer, 2 size, 3 out, 4 inner, 5 K, 6 transpose
//   (0/1), 7 x offset, 8 index offset, 9 weight offset. x, index [K, out], weight [K, out]
//   and y are contiguous; y is fresh.
//   forward: x [outer, size, inner] -> y [outer, out, inner],
//     y[b, o, e] = Σ_k (T)(w[k, o] · x[b, index[k, o], e]), summed in double from 0 (as the
//     reduce kernel sums a product tensor) and rounded once; no weight: K = 1, a copy.
//   transpose (the gradient): x [outer, out, inner] -> y [outer, size, inner], zeros and then,
//     for k, then o, in that order, y[b, index[k, o], e] += (T)(w[k, o] · x[b, o, e]) in T
//     (the scatter-add of the weighted gradient, bit for bit). Blocks b split over threads.
constexpr size_t kResampleSlots = 10;

struct ResampleArgs {
  long outer, size, out, inner, K;
  bool transpose;
  const void* x;
  const int32_t* index;
  const void* weight;  // null: K = 1, weight 1
  void* y;
  int threads;
  long per;
};

// The forward's weighted taps for one block b: y[o, e] = Σ_k (T)(w[k, o] · x[index[k, o], e]),
// accumulated in A from 0 in tap order.
template <class T, class A>
void weighted_block(const ResampleArgs& r, const T* __restrict x, T* __restrict y) {
  const long out = r.out, inner = r.inner, K = r.K;
  const int32_t* __restrict idx = r.index;
  const T* __restrict w = (const T*)r.weight;
  constexpr long kChunk = 256;
  A acc[kChunk];
  if (inner == 1) {
    for (long o0 = 0; o0 < out; o0 += kChunk) {
      const long n = out - o0 < kChunk ? out - o0 : kChunk;
      for (long o = 0; o < n; o++) acc[o] = 0;
      for (long k = 0; k < K; k++) {
        const int32_t* __restrict ik = idx + k * out + o0;
        const T* __restrict wk = w + k * out + o0;
        for (long o = 0; o < n; o++) acc[o] += (A)(T)(wk[o] * x[ik[o]]);
      }
      for (long o = 0; o < n; o++) y[o0 + o] = (T)acc[o];
    }
    return;
  }
  for (long o = 0; o < out; o++) {
    for (long e0 = 0; e0 < inner; e0 += kChunk) {
      const long n = inner - e0 < kChunk ? inner - e0 : kChunk;
      for (long e = 0; e < n; e++) acc[e] = 0;
      for (long k = 0; k < K; k++) {
        const T wk = w[k * out + o];
        const T* __restrict src = x + (long)idx[k * out + o] * inner + e0;
        for (long e = 0; e < n; e++) acc[e] += (A)(T)(wk * src[e]);
      }
      T* __restrict dst = y + o * inner + e0;
      for (long e = 0; e < n; e++) dst[e] = (T)acc[e];
    }
  }
}

template <class T>
void resample_blocks(const ResampleArgs& r, long b0, long b1) {
  const long size = r.size, out = r.out, inner = r.inner, K = r.K;
  const int32_t* __restrict idx = r.index;
  const T* __restrict w = (const T*)r.weight;
  for (long b = b0; b < b1; b++) {
    if (r.transpose) {
      const T* __restrict g = (const T*)r.x + b * out * inner;
      T* __restrict y = (T*)r.y + b * size * inner;
      for (long i = 0; i < size * inner; i++) y[i] = T(0);
      if (inner == 1) {
        // along the last axis: runs of outputs that read one position (upsampling) sum in a
        // register, in the same order as the memory accumulation
        for (long k = 0; k < K; k++) {
          const int32_t* __restrict ik = idx + k * out;
          const T* __restrict wk = w ? w + k * out : nullptr;
          for (long o = 0; o < out;) {
            const int32_t i = ik[o];
            T acc = y[i];
            do {
              acc = wk ? (T)(acc + (T)(wk[o] * g[o])) : (T)(acc + g[o]);
              o++;
            } while (o < out && ik[o] == i);
            y[i] = acc;
          }
        }
        continue;
      }
      for (long k = 0; k < K; k++) {
        for (long o = 0; o < out; o++) {
          T* __restrict dst = y + (long)idx[k * out + o] * inner;
          const T* __restrict src = g + o * inner;
          if (!w) {
            for (long e = 0; e < inner; e++) dst[e] = (T)(dst[e] + src[e]);
          } else {
            const T wk = w[k * out + o];
            for (long e = 0; e < inner; e++) dst[e] = (T)(dst[e] + (T)(wk * src[e]));
          }
        }
      }
      continue;
    }
    const T* __restrict x = (const T*)r.x + b * size * inner;
    T* __restrict y = (T*)r.y + b * out * inner;
    if (!w) {
      if (inner == 1)
        gather_row<int32_t, T, false>(idx, x, y, out, (unsigned long)size);  // in range (checked)
      else
        for (long o = 0; o < out; o++) std::memcpy(y + o * inner, x + (long)idx[o] * inner, (size_t)inner * sizeof(T));
      continue;
    }
    // float32 with at most two taps sums in float: the sum of two floats rounded to double and
    // then to float is their float sum (no double rounding can reach a float midpoint), so
    // the result is the reduce kernel's bit for bit; more taps sum in double
    if (sizeof(T) == 4 && K <= 2) weighted_block<T, T>(r, x, y);
    else weighted_block<T, double>(r, x, y);
  }
}

template <class T>
void resample_task(void* ctx, long t) {
  const ResampleArgs& r = *(const ResampleArgs*)ctx;
  const long b0 = t * r.per, b1 = b0 + r.per < r.outer ? b0 + r.per : r.outer;
  if (b0 < b1) resample_blocks<T>(r, b0, b1);
}

template <class T>
void resample_run(ResampleArgs& r) {
  const double work = (double)r.outer * (double)(r.size + r.out * r.K) * (double)r.inner;
  if (r.threads > 1 && r.outer >= 2 && work >= (double)(1L << 15)) {
    const long tasks = r.outer < r.threads ? r.outer : r.threads;
    r.per = (r.outer + tasks - 1) / tasks;
    parallel_for((r.outer + r.per - 1) / r.per, &resample_task<T>, (void*)&r);
    return;
  }
  resample_blocks<T>(r, 0, r.outer);
}

Napi::Value Resample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, kResampleSlots);
  if (!p || info.Length() < 5) return Throw(env, "resample(params, x, index, weight, y) expects a Float64Array of parameters and four arrays (weight may be null)");
  int type, transpose;
  ResampleArgs r{};
  long xoff, ioff, woff;
  if (!binding::code_slot(p[0], 7, &type) || !binding::code_slot(p[6], 1, &transpose)) return Throw(env, "resample: bad type or flag code");
  if (type != (int)EType::f32 && type != (int)EType::f64) return Napi::Boolean::New(env, false);
  if (!binding::count_slot(p[1], &r.outer) || !binding::count_slot(p[2], &r.size) || !binding::count_slot(p[3], &r.out) ||
      !binding::count_slot(p[4], &r.inner) || !binding::count_slot(p[5], &r.K) || !binding::count_slot(p[7], &xoff) ||
      !binding::count_slot(p[8], &ioff) || !binding::count_slot(p[9], &woff))
    return Throw(env, "resample: sizes and offsets must be whole numbers from 0 to 2^53");
  r.transpose = transpose != 0;
  const bool weighted = !info[3].IsNull() && !info[3].IsUndefined();
  if (!weighted && r.K != 1) return Throw(env, "resample: without weights there is one tap (K = 1)");
  const napi_typedarray_type at = type == (int)EType::f32 ? napi_float32_array : napi_float64_array;
  void *xd, *id, *wd = nullptr, *yd;
  size_t xl, il, wl = 0, yl;
  if (!binding::typed_array_arg(info, 1, at, &xd, &xl) || !binding::typed_array_arg(info, 2, napi_int32_array, &id, &il) || !binding::typed_array_arg(info, 4, at, &yd, &yl) ||
      (weighted && !binding::typed_array_arg(info, 3, at, &wd, &wl)))
    return Throw(env, "resample: x, weight and y must be typed arrays of the type, index an Int32Array");
  const double in_n = binding::product({r.outer, r.transpose ? r.out : r.size, r.inner});
  const double out_n = binding::product({r.outer, r.transpose ? r.size : r.out, r.inner});
  const double taps = binding::product({r.K, r.out});
  if ((double)xoff + in_n > (double)xl || out_n > (double)yl || (double)ioff + taps > (double)il || (weighted && (double)woff + taps > (double)wl))
    return Throw(env, "resample: an operand is shorter than its sizes");
  const int32_t* idx = (const int32_t*)id + ioff;
  // every tap inside [0, size) before anything is read
  for (long k = 0; k < (long)taps; k++)
    if (idx[k] < 0 || idx[k] >= r.size) return Napi::Number::New(env, (double)k);
  if (out_n == 0) return Napi::Number::New(env, -1);
  const size_t es = type == (int)EType::f32 ? 4 : 8;
  r.x = (const char*)xd + xoff * es;
  r.index = idx;
  r.weight = weighted ? (const char*)wd + woff * es : nullptr;
  r.y = yd;
  r.threads = num_threads();
  if (type == (int)EType::f32) resample_run<float>(r);
  else resample_run<double>(r);
  return Napi::Number::New(env, -1);
}

}  // namespace

void register_gather(Napi::Env env, Napi::Object exports) {
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("resample", Napi::Function::New(env, Resample, "resample"));
}

}  // namespace fluxion

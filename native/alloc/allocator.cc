// The caching allocator for CPU tensor storage (see allocator.h): the optional second addon,
// fluxion_alloc.node. The kernels addon (native/src) is pure N-API and loads on any Node
// version (and Bun, Deno); this one calls V8's C++ API, so it is built per Node major and
// only loaded where it was built for the running Node (src/backend/cpu/native.ts checks
// `abi` against process.versions.modules). Without it tensors use plain typed arrays.
//
// Why: a fresh `new Float32Array(n)` of a few hundred KB costs more than the kernel that
// fills it — glibc mmaps such blocks, so every allocation page-faults freshly zeroed pages,
// and munmaps them again on free. Here freed blocks wait in free lists keyed by a rounded
// size (4 classes per power of two), and the next allocation of that class reuses the
// already-mapped pages. Users still never free anything: a block is the backing store of
// an ArrayBuffer whose deleter (run by V8 when the ArrayBuffer is collected) gives it back.
//
// Not N-API's napi_create_external_arraybuffer: Node defers its finalizers to the event
// loop, which never turns inside a synchronous training loop, so nothing would ever come
// back. V8's own BackingStore deleter runs right when the GC frees the buffer (usually on a
// background sweeper thread, hence the mutex). V8 counts the byte length as external
// memory, so GC pressure works as for plain typed arrays.
#include "allocator.h"

#include <node_version.h>
#include <v8.h>

#include <napi.h>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define FLUXION_ALLOC_MMAP 1
#endif

#include <cstdlib>
#include <cstring>
#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>


namespace fluxion {
namespace storage_alloc {

namespace {

constexpr size_t kAlign = 64;                       // cache line / widest SIMD register
constexpr size_t kMinCapacity = 4096;
constexpr size_t kDefaultLimit = size_t(256) << 20;  // cached (free) bytes at most; FLUXION_ALLOC_CACHE_MB

struct Bucket {
  std::vector<void*> blocks;  // LIFO: the most recently freed block is warmest in cache
  uint64_t last_used = 0;     // tick of the last acquire, for trimming the coldest first
};

struct State {
  std::mutex mu;
  std::unordered_map<size_t, Bucket> buckets;  // by capacity
  size_t cached = 0, live = 0, limit = kDefaultLimit;
  uint64_t tick = 0, hits = 0, misses = 0, trimmed = 0;
  bool poison = false;
};

// Never destroyed: V8 may free ArrayBuffers (and call release) after static destructors run.
State& state() {
  static State* s = new State();
  return *s;
}

using Blocks = std::vector<std::pair<void*, size_t>>;  // (block, capacity)

// Moves one block of the least recently used non-empty bucket into `out`; false if none.
bool evict_coldest(State& s, Blocks& out) {
  Bucket* coldest = nullptr;
  size_t cap = 0;
  for (auto& [c, b] : s.buckets) {
    if (!b.blocks.empty() && (!coldest || b.last_used < coldest->last_used)) coldest = &b, cap = c;
  }
  if (!coldest) return false;
  out.emplace_back(coldest->blocks.back(), cap);
  coldest->blocks.pop_back();
  s.cached -= cap;
  s.trimmed++;
  return true;
}

// Large blocks are mapped directly, so that a block the cache lets go of (over its cap, or
// emptyAllocatorCache) returns its pages to the system: through malloc, glibc raises its mmap
// threshold after the first such free and keeps later ones in its heap, so RSS never drops.
constexpr size_t kMapMin = size_t(256) << 10;
constexpr size_t kHugeMin = size_t(4) << 20;

void* system_alloc(size_t capacity) {
#ifdef FLUXION_ALLOC_MMAP
  if (capacity >= kMapMin) {
    void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
    // big tensors stream through memory: 2 MB pages (where the kernel gives them only on
    // request) cut TLB misses; the 2 MB-aligned parts of the block get them
    if (capacity >= kHugeMin) madvise(p, capacity, MADV_HUGEPAGE);
#endif
    return p;
  }
#endif
  return std::aligned_alloc(kAlign, capacity);
}

void system_free(void* p, size_t capacity) {
#ifdef FLUXION_ALLOC_MMAP
  if (capacity >= kMapMin) {
    munmap(p, capacity);
    return;
  }
#endif
  std::free(p);
}


}  // namespace

size_t bucket_capacity(size_t bytes) {
  if (bytes <= kMinCapacity) return kMinCapacity;
  // 2^k <= bytes - 1 < 2^(k+1): round up to a multiple of 2^(k-2), i.e. 1.25, 1.5, 1.75 or 2 × 2^k
  int k = 63 - __builtin_clzll((unsigned long long)(bytes - 1));
  size_t step = size_t(1) << (k - 2);
  return (bytes + step - 1) / step * step;
}

void* acquire(size_t bytes, bool zero, size_t* capacity) {
  State& s = state();
  const size_t cap = bucket_capacity(bytes);
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    Bucket& b = s.buckets[cap];
    b.last_used = ++s.tick;
    if (!b.blocks.empty()) {
      p = b.blocks.back();
      b.blocks.pop_back();
      s.cached -= cap;
      s.live += cap;  // a hit takes the lock once
      s.hits++;
    } else {
      s.misses++;
    }
  }
  if (!p) {
    p = system_alloc(cap);
    if (!p) {  // the cache may hold what the system lacks
      empty_cache();
      p = system_alloc(cap);
      if (!p) return nullptr;
    }
    std::lock_guard<std::mutex> lock(s.mu);
    s.live += cap;
  }
  // reused blocks hold old values, and fresh ones are not guaranteed zero either
  if (zero) std::memset(p, 0, bytes);
  *capacity = cap;
  return p;
}

void release(void* block, size_t capacity) {
  State& s = state();
  Blocks to_free;
  bool poison;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.live -= capacity;
    poison = s.poison;
    if (capacity > s.limit) {
      to_free.emplace_back(block, capacity);
      block = nullptr;
    } else {
      while (s.cached + capacity > s.limit && evict_coldest(s, to_free)) {}
    }
  }
  // debugging aid (tests): a block still read after release shows NaNs, not stale values
  if (block && poison) std::memset(block, 0xff, capacity);
  if (block) {
    std::lock_guard<std::mutex> lock(s.mu);
    s.buckets[capacity].blocks.push_back(block);
    s.cached += capacity;
  }
  // munmap outside the lock: it can take tens of µs
  for (auto [q, c] : to_free) system_free(q, c);
}

Stats stats() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return {s.cached, s.live, s.limit, s.hits, s.misses, s.trimmed};
}

void set_cache_limit(size_t bytes) {
  State& s = state();
  Blocks to_free;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.limit = bytes;
    while (s.cached > s.limit && evict_coldest(s, to_free)) {}
  }
  for (auto [q, c] : to_free) system_free(q, c);
}

void empty_cache() {
  State& s = state();
  Blocks to_free;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& [cap, b] : s.buckets) {
      for (void* q : b.blocks) to_free.emplace_back(q, cap);
      b.blocks.clear();
    }
    s.cached = 0;
    s.buckets.clear();
  }
  for (auto [q, c] : to_free) system_free(q, c);
}

// ---- N-API binding -------------------------------------------------------------------

namespace {

Napi::Value Throw(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, "fluxion native: " + msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

// GC pressure: V8 starts a mark-compact once its external memory (our buffers included) has
// grown some 64 MB past what the last one left. Tensors saved for backward live long enough to
// reach the old generation, so after backward they wait for that mark-compact: ~100 MB more
// than PyTorch, which frees them by refcount. With pressure p each such block is also reported
// as p × its size of extra external memory, so the mark-compact comes p + 1 times sooner (more
// GC time, less memory).
//
// Only blocks that survive a GC are reported: an eager op's temporaries die young and come
// back through the young-generation check in AllocBuffer, and reporting them too (the old
// behaviour, `eager` in setAllocatorGcPressure) kept V8's external count over its limit, so
// incremental marking ran all the time (add of two [64,128] tensors 2-3x the CPU time). Each
// tracked block has a Record; a GC's epilogue reports the blocks born before the previous GC
// that are still alive. Not those born since: V8 sweeps dead array buffers after a GC, on a
// background thread, and completes that sweep only when the next GC starts, so until then
// "not yet freed" does not mean "survived". A Record holds what was reported for its block,
// and the deleter takes back exactly that, so the counter stays balanced whatever p does.
// The changes wait in one counter and are told to V8 on the next allocation (never from
// inside the GC, where a positive adjustment could start another). Only the first isolate
// that allocates under pressure (Node's main thread) gets it.
struct Record {
  Record* prev = nullptr;     // in the unreported list while reported < 0
  Record* next = nullptr;
  size_t cap = 0;
  uint64_t epoch = 0;        // GCs of the pressure isolate seen before the block was made
  int64_t reported = -1;     // bytes reported for the block; -1: not yet (in the list)
};

struct Tracking {
  std::mutex mu;              // the list and the records' fields: the deleter runs on any thread
  Record* head = nullptr;     // unreported records, oldest first
  Record* tail = nullptr;
  uint64_t epoch = 0;         // GC epilogues seen
  size_t unreported = 0;      // blocks waiting to be reported (allocatorStats)
  int64_t reported = 0;       // bytes reported and not yet taken back (allocatorStats)
};

Tracking& tracking() {
  static Tracking* t = new Tracking();  // never destroyed, like State
  return *t;
}

void unlink(Tracking& t, Record* r) {
  (r->prev ? r->prev->next : t.head) = r->next;
  (r->next ? r->next->prev : t.tail) = r->prev;
  r->prev = r->next = nullptr;
}

std::atomic<unsigned> g_pressure_quarters{0};
std::atomic<bool> g_pressure_eager{false};
std::atomic<int64_t> g_unreported_change{0};  // reported minus taken back, not yet told to V8
std::atomic<v8::Isolate*> g_pressure_isolate{nullptr};

int64_t pressure_bytes(size_t cap, unsigned quarters) { return (int64_t)(cap / 4 * quarters); }

// Reports the still-alive blocks born before the previous GC (see above). Main thread, in the GC.
void on_gc_epilogue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void*) {
  Tracking& t = tracking();
  const unsigned quarters = g_pressure_quarters.load();
  int64_t change = 0;
  std::lock_guard<std::mutex> lock(t.mu);
  const uint64_t epoch = ++t.epoch;
  while (t.head && t.head->epoch + 2 <= epoch) {
    Record* r = t.head;
    unlink(t, r);
    r->reported = pressure_bytes(r->cap, quarters);
    change += r->reported;
    t.unreported--;
  }
  t.reported += change;
  if (change) g_unreported_change += change;
}

// deleter_data: a block's capacity (a multiple of 1024), or its Record's address | 1 when
// it is tracked for pressure.
void on_buffer_freed(void* data, size_t /*byte_length*/, void* deleter_data) {
  const uintptr_t d = (uintptr_t)deleter_data;
  size_t cap = d;
  if (d & 1) {
    Record* r = (Record*)(d & ~uintptr_t(1));
    cap = r->cap;  // set before the buffer existed, never changed
    Tracking& t = tracking();
    {
      std::lock_guard<std::mutex> lock(t.mu);
      if (r->reported < 0) {
        unlink(t, r);
        t.unreported--;
      } else {
        t.reported -= r->reported;
        if (r->reported) g_unreported_change -= r->reported;  // any thread: told to V8 on the next allocation
      }
    }
    delete r;
  }
  release(data, cap);
}

// A Record for a block handed out to the pressure isolate, or nullptr when none is needed.
Record* track(v8::Isolate* isolate, size_t cap) {
  const unsigned quarters = g_pressure_quarters.load();
  if (!quarters) return nullptr;
  v8::Isolate* expected = nullptr;
  if (g_pressure_isolate.compare_exchange_strong(expected, isolate)) {
    // not kGCTypeIncrementalMarking or ProcessWeakCallbacks: no sweep of array buffers follows those
    isolate->AddGCEpilogueCallback(on_gc_epilogue, nullptr,
                                   v8::GCType(v8::kGCTypeScavenge | v8::kGCTypeMinorMarkCompact | v8::kGCTypeMarkSweepCompact));
  } else if (expected != isolate) {
    return nullptr;
  }
  Record* r = new Record();
  r->cap = cap;
  Tracking& t = tracking();
  std::lock_guard<std::mutex> lock(t.mu);
  if (g_pressure_eager.load()) {
    r->reported = pressure_bytes(cap, quarters);
    g_unreported_change += r->reported;
    t.reported += r->reported;
    return r;
  }
  r->epoch = t.epoch;
  r->prev = t.tail;
  (t.tail ? t.tail->next : t.head) = r;
  t.tail = r;
  t.unreported++;
  return r;
}

// Bytes handed out on this thread since the last young-generation check (AllocBuffer).
constexpr size_t kCheckEvery = size_t(1) << 20;
thread_local size_t t_unchecked_bytes = 0;

// allocBuffer(byteLength, zero) -> ArrayBuffer backed by a pooled block
Napi::Value AllocBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBoolean()) return Throw(env, "allocBuffer(byteLength, zero) expects a number and a boolean");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 9.007199254740991e15)) return Throw(env, "allocBuffer: byteLength must be a positive integer");
  const size_t bytes = (size_t)n;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (!isolate) return Throw(env, "allocBuffer: no V8 isolate (not running in Node.js)");
  // A plain typed array's memory comes from V8's own allocator, which first runs a cheap
  // young-generation GC once 32 MB of young buffers are outstanding. Ours bypass that check,
  // so only the external-memory limit would collect them, with a full mark-compact each time
  // (measured: 95 mark-compacts vs 17 scavenges in a 3 s relu loop). A 1-byte V8-allocated
  // buffer runs the check, which counts our young buffers too. Before taking the block, as
  // V8 does: the buffers that GC frees are back in the free lists for this very request.
  // The check itself costs a JS object, a 1-byte backing store and their sweeping: run it
  // once per kCheckEvery bytes handed out (V8's own 32 MB threshold is then passed by at
  // most that much), and before every large buffer.
  if (t_unchecked_bytes + bytes >= kCheckEvery) {
    t_unchecked_bytes = 0;
    v8::ArrayBuffer::New(isolate, 1);
  } else {
    t_unchecked_bytes += bytes;
  }
  size_t cap = 0;
  void* p = acquire(bytes, info[1].As<Napi::Boolean>().Value(), &cap);
  if (!p) {
    Napi::RangeError::New(env, "fluxion native: out of memory allocating " + std::to_string(bytes) + " bytes of tensor storage").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Record* record = track(isolate, cap);
  void* deleter_data = record ? (void*)((uintptr_t)record | 1) : (void*)(uintptr_t)cap;
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(p, bytes, on_buffer_freed, deleter_data);
  v8::Local<v8::Value> buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  if (isolate == g_pressure_isolate.load() && g_unreported_change.load(std::memory_order_relaxed) != 0) {
    const int64_t change = g_unreported_change.exchange(0);
    if (change != 0) isolate->AdjustAmountOfExternalAllocatedMemory(change);
  }
  // Node's napi_value is a v8::Local's slot pointer (v8impl::JsValueFromV8LocalValue); the
  // Local lives in the HandleScope Node opened around this callback.
  return Napi::Value(env, reinterpret_cast<napi_value>(*buffer));
}

// releaseBuffer(arrayBuffer) -> boolean: detaches the ArrayBuffer (its typed arrays then have
// length 0), so V8 drops its backing store now: a pooled block goes back to its free list at
// once instead of when the GC collects the buffer. For buffers the caller knows are dead
// (autograd's own gradient buffers). False when the buffer cannot be detached.
Napi::Value ReleaseBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) return Throw(env, "releaseBuffer(arrayBuffer) expects an ArrayBuffer");
  napi_value ab = info[0];
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok || detached) return Napi::Boolean::New(env, false);
  return Napi::Boolean::New(env, napi_detach_arraybuffer(env, ab) == napi_ok);
}

// allocatorStats() -> { cachedBytes, liveBytes, cacheLimit, hits, misses, trimmed,
//   pressureBytes (GC pressure reported for live blocks), pressurePendingBlocks (not yet),
//   v8ExternalBytes (V8's external-memory count of this isolate, which the pressure is added to) }
Napi::Value AllocatorStats(const Napi::CallbackInfo& info) {
  Stats st = stats();
  int64_t reported;
  size_t pending;
  {
    Tracking& t = tracking();
    std::lock_guard<std::mutex> lock(t.mu);
    reported = t.reported;
    pending = t.unreported;
  }
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("cachedBytes", (double)st.cached_bytes);
  o.Set("liveBytes", (double)st.live_bytes);
  o.Set("cacheLimit", (double)st.cache_limit);
  o.Set("hits", (double)st.hits);
  o.Set("misses", (double)st.misses);
  o.Set("trimmed", (double)st.trimmed);
  o.Set("pressureBytes", (double)reported);
  o.Set("pressurePendingBlocks", (double)pending);
  // a change of 0 only reads the count
  if (v8::Isolate* isolate = v8::Isolate::GetCurrent()) o.Set("v8ExternalBytes", (double)isolate->AdjustAmountOfExternalAllocatedMemory(0));
  return o;
}

Napi::Value SetAllocatorCacheLimit(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber() || !(info[0].As<Napi::Number>().DoubleValue() >= 0))
    return Throw(info.Env(), "setAllocatorCacheLimit(bytes) expects a non-negative number");
  set_cache_limit((size_t)info[0].As<Napi::Number>().DoubleValue());
  return info.Env().Undefined();
}

Napi::Value EmptyAllocatorCache(const Napi::CallbackInfo& info) {
  empty_cache();
  return info.Env().Undefined();
}

// setAllocatorGcPressure(p, eager = false): see Record; p in [0, 63.75], rounded to quarters.
// eager: report every block when it is handed out (the old behaviour, for comparison). Blocks
// already handed out keep what they were reported with.
Napi::Value SetAllocatorGcPressure(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber() || (info.Length() > 1 && !info[1].IsBoolean() && !info[1].IsUndefined()))
    return Throw(info.Env(), "setAllocatorGcPressure(p, eager) expects a number and a boolean");
  const double p = info[0].As<Napi::Number>().DoubleValue();
  if (!(p >= 0 && p <= 63.75)) return Throw(info.Env(), "setAllocatorGcPressure: p must be between 0 and 63.75, got " + std::to_string(p));
  g_pressure_quarters = (unsigned)(p * 4 + 0.5);
  g_pressure_eager = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  return info.Env().Undefined();
}

// setAllocatorPoison(on): fill released blocks with 0xff bytes (tests)
Napi::Value SetAllocatorPoison(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) return Throw(info.Env(), "setAllocatorPoison(on) expects a boolean");
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.poison = info[0].As<Napi::Boolean>().Value();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // the NODE_MODULE_VERSION of the headers this was built against: the loader compares it
  // with process.versions.modules before calling anything that touches V8
  exports.Set("abi", Napi::Number::New(env, NODE_MODULE_VERSION));
  exports.Set("allocBuffer", Napi::Function::New(env, AllocBuffer, "allocBuffer"));
  exports.Set("allocatorStats", Napi::Function::New(env, AllocatorStats, "allocatorStats"));
  exports.Set("releaseBuffer", Napi::Function::New(env, ReleaseBuffer, "releaseBuffer"));
  exports.Set("setAllocatorCacheLimit", Napi::Function::New(env, SetAllocatorCacheLimit, "setAllocatorCacheLimit"));
  exports.Set("emptyAllocatorCache", Napi::Function::New(env, EmptyAllocatorCache, "emptyAllocatorCache"));
  exports.Set("setAllocatorGcPressure", Napi::Function::New(env, SetAllocatorGcPressure, "setAllocatorGcPressure"));
  exports.Set("setAllocatorPoison", Napi::Function::New(env, SetAllocatorPoison, "setAllocatorPoison"));
  return exports;
}

}  // namespace

}  // namespace storage_alloc
}  // namespace fluxion

static Napi::Object InitAllocator(Napi::Env env, Napi::Object exports) { return fluxion::storage_alloc::Init(env, exports); }

NODE_API_MODULE(fluxion_alloc, InitAllocator)

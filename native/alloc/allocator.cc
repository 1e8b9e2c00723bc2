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

#include <cstdlib>
#include <cstring>
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

// Moves one block of the least recently used non-empty bucket into `out`; false if none.
bool evict_coldest(State& s, std::vector<void*>& out) {
  Bucket* coldest = nullptr;
  size_t cap = 0;
  for (auto& [c, b] : s.buckets) {
    if (!b.blocks.empty() && (!coldest || b.last_used < coldest->last_used)) coldest = &b, cap = c;
  }
  if (!coldest) return false;
  out.push_back(coldest->blocks.back());
  coldest->blocks.pop_back();
  s.cached -= cap;
  s.trimmed++;
  return true;
}

void* system_alloc(size_t capacity) { return std::aligned_alloc(kAlign, capacity); }

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
  }
  {
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
  std::vector<void*> to_free;
  bool poison;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.live -= capacity;
    poison = s.poison;
    if (capacity > s.limit) {
      to_free.push_back(block);
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
  for (void* q : to_free) std::free(q);
}

Stats stats() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return {s.cached, s.live, s.limit, s.hits, s.misses, s.trimmed};
}

void set_cache_limit(size_t bytes) {
  State& s = state();
  std::vector<void*> to_free;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.limit = bytes;
    while (s.cached > s.limit && evict_coldest(s, to_free)) {}
  }
  for (void* q : to_free) std::free(q);
}

void empty_cache() {
  State& s = state();
  std::vector<void*> to_free;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& [cap, b] : s.buckets) {
      to_free.insert(to_free.end(), b.blocks.begin(), b.blocks.end());
      b.blocks.clear();
    }
    s.cached = 0;
    s.buckets.clear();
  }
  for (void* q : to_free) std::free(q);
}

// ---- N-API binding -------------------------------------------------------------------

namespace {

Napi::Value Throw(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, "fluxion native: " + msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Called by V8 when the ArrayBuffer's backing store dies; deleter_data carries the capacity.
void on_buffer_freed(void* data, size_t /*byte_length*/, void* deleter_data) {
  release(data, (size_t)(uintptr_t)deleter_data);
}

// allocBuffer(byteLength, zero) -> ArrayBuffer backed by a pooled block
Napi::Value AllocBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBoolean()) return Throw(env, "allocBuffer(byteLength, zero) expects a number and a boolean");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 9.007199254740991e15)) return Throw(env, "allocBuffer: byteLength must be a positive integer");
  const size_t bytes = (size_t)n;
  size_t cap = 0;
  void* p = acquire(bytes, info[1].As<Napi::Boolean>().Value(), &cap);
  if (!p) {
    Napi::RangeError::New(env, "fluxion native: out of memory allocating " + std::to_string(bytes) + " bytes of tensor storage").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (!isolate) {
    release(p, cap);
    return Throw(env, "allocBuffer: no V8 isolate (not running in Node.js)");
  }
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(p, bytes, on_buffer_freed, (void*)(uintptr_t)cap);
  v8::Local<v8::Value> buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  // A plain typed array's memory comes from V8's own allocator, which starts a cheap young-
  // generation GC once 32 MB of young buffers are outstanding. Ours bypass that check, so
  // only the external-memory limit would collect them, with a full mark-compact each time
  // (measured: 95 mark-compacts vs 17 scavenges in a 3 s relu loop). A 1-byte V8-allocated
  // buffer runs the check, which counts our young buffers too.
  v8::ArrayBuffer::New(isolate, 1);
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

// allocatorStats() -> { cachedBytes, liveBytes, cacheLimit, hits, misses, trimmed }
Napi::Value AllocatorStats(const Napi::CallbackInfo& info) {
  Stats st = stats();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("cachedBytes", (double)st.cached_bytes);
  o.Set("liveBytes", (double)st.live_bytes);
  o.Set("cacheLimit", (double)st.cache_limit);
  o.Set("hits", (double)st.hits);
  o.Set("misses", (double)st.misses);
  o.Set("trimmed", (double)st.trimmed);
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
  exports.Set("setAllocatorPoison", Napi::Function::New(env, SetAllocatorPoison, "setAllocatorPoison"));
  return exports;
}

}  // namespace

}  // namespace storage_alloc
}  // namespace fluxion

static Napi::Object InitAllocator(Napi::Env env, Napi::Object exports) { return fluxion::storage_alloc::Init(env, exports); }

NODE_API_MODULE(fluxion_alloc, InitAllocator)

// The caching allocator behind CPU tensor storage (allocator.cc): size-bucketed free lists
// of 64-byte-aligned blocks. JavaScript never frees anything: each block is handed out as
// the backing store of an ArrayBuffer, and V8 gives it back here when the ArrayBuffer is
// garbage-collected (possibly on a background sweeper thread; the lists are locked).
#pragma once

#include <cstddef>
#include <cstdint>

namespace fluxion {
namespace storage_alloc {

struct Stats {
  size_t cached_bytes;  // capacity held in the free lists
  size_t live_bytes;    // capacity handed out and not yet given back by the GC
  size_t cache_limit;   // cap on cached_bytes
  uint64_t hits;        // acquires served from a free list
  uint64_t misses;      // acquires that went to malloc
  uint64_t trimmed;     // blocks returned to the system to stay under the cap
};

// The capacity a request of `bytes` is rounded up to (its bucket).
size_t bucket_capacity(size_t bytes);
// A block of at least `bytes` (its capacity in *capacity), zero-filled when asked; nullptr
// when the system is out of memory.
void* acquire(size_t bytes, bool zero, size_t* capacity);
// Gives a block back to its bucket (or to the system when the cache is full). Thread-safe.
void release(void* block, size_t capacity);
Stats stats();
void set_cache_limit(size_t bytes);
// Returns every cached block to the system (torch.cuda.empty_cache's counterpart).
void empty_cache();

}  // namespace storage_alloc
}  // namespace fluxion

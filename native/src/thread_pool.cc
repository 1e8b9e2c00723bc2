// The fork-join pool behind parallel_for. A job hands out indices through an atomic
// counter, so uneven tasks balance themselves, and the caller works too.
//
// Hand-off cost is what decides whether mid-sized ops (an MLP layer: ~100 µs) gain from a
// second thread: waking a sleeping thread through a condition variable takes 10-50 µs and
// much more on a busy machine. So workers spin for a while (FLUXION_SPIN_US, default
// 200 µs) after each job before they sleep, and the caller spins for the workers' share.
// A worker joins a job by taking one of its `seats`; the caller closes the job when its
// own loop runs dry, so it never waits for a worker that has not woken up yet.
#include "thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() {}
#endif

namespace fluxion {
namespace {

using Clock = std::chrono::steady_clock;

long spin_us() {
  static const long us = [] {
    const char* s = std::getenv("FLUXION_SPIN_US");
    return s ? std::atol(s) : 200L;
  }();
  return us;
}

class Pool {
 public:
  ~Pool() { resize(0); }

  // Runs the job on up to `helpers` workers plus the calling thread.
  void run(long n, TaskFn fn, void* ctx, int helpers) {
    std::lock_guard<std::mutex> serial(run_mutex_);  // one job at a time
    if ((int)workers_.size() < helpers) resize(helpers);
    fn_ = fn;
    ctx_ = ctx;
    n_ = n;
    next_.store(0, std::memory_order_relaxed);
    finished_.store(0, std::memory_order_relaxed);
    seats_.store(helpers, std::memory_order_release);  // publishes the fields above
    generation_.fetch_add(1);
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lk(m_);  // a sleeper is inside wait() or sees the new generation
      cv_.notify_all();
    }
    work();
    // close the job: seats left are workers that never came; wait for the ones that did
    const int left = seats_.exchange(kClosed);
    const int joined = helpers - (left > 0 ? left : 0);
    for (long spins = 0; finished_.load(std::memory_order_acquire) < joined; spins++) {
      if (spins < 20000) cpu_relax();
      else std::this_thread::yield();
    }
  }

  void resize(int count) {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_.store(true);
      generation_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_.store(false);
    for (int i = 0; i < count; i++) workers_.emplace_back([this] { loop(); });
  }

 private:
  static constexpr int kClosed = -(1 << 30);

  void work() {
    for (;;) {
      const long i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= n_) return;
      fn_(ctx_, i);
    }
  }

  // Waits until the generation moves past `seen`: spinning first, then asleep.
  unsigned long wait_for_job(unsigned long seen) {
    const auto deadline = Clock::now() + std::chrono::microseconds(spin_us());
    for (long spins = 0;; spins++) {
      const unsigned long g = generation_.load(std::memory_order_acquire);
      if (g != seen) return g;
      if ((spins & 255) == 255 && Clock::now() > deadline) break;
      cpu_relax();
    }
    std::unique_lock<std::mutex> lk(m_);
    sleepers_.fetch_add(1);
    cv_.wait(lk, [&] { return stop_.load() || generation_.load() != seen; });
    sleepers_.fetch_sub(1);
    return generation_.load();
  }

  void loop() {
    inside_ = true;
    unsigned long seen = 0;
    for (;;) {
      seen = wait_for_job(seen);
      if (stop_.load()) return;
      // a seat of whatever job is open now (a late wake-up may land in a newer job: fine)
      if (seats_.fetch_sub(1, std::memory_order_acq_rel) <= 0) continue;
      work();
      finished_.fetch_add(1, std::memory_order_release);
    }
  }

  std::mutex run_mutex_, m_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  // the current job; written by run() only while no worker holds a seat
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  long n_ = 0;
  std::atomic<long> next_{0};
  std::atomic<int> seats_{kClosed}, finished_{0}, sleepers_{0};
  std::atomic<unsigned long> generation_{0};
  std::atomic<bool> stop_{false};

 public:
  static thread_local bool inside_;  // true on worker threads and inside a running job
};

thread_local bool Pool::inside_ = false;

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers must not be joined at exit
  return *p;
}

int initial_threads() {
  if (const char* s = std::getenv("FLUXION_NUM_THREADS")) {
    int n = std::atoi(s);
    if (n >= 1) return n;
  }
  return default_num_threads();
}

// Per calling thread: Node's main thread and each Worker keep their own setting (a worker
// calling setNumThreads does not change the main thread's); 0 until set: the default.
thread_local int t_threads = 0;

}  // namespace

int default_num_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (int)n;
}

int num_threads() {
  if (t_threads == 0) {
    static const int initial = initial_threads();
    t_threads = initial;
  }
  return t_threads;
}

void set_num_threads(int n) { t_threads = n < 1 ? 1 : n; }

void parallel_for(long n, TaskFn fn, void* ctx) {
  if (n <= 0) return;
  int threads = num_threads();
  if (threads <= 1 || n == 1 || Pool::inside_) {
    for (long i = 0; i < n; i++) fn(ctx, i);
    return;
  }
  int helpers = (int)(n < threads ? n : threads) - 1;
  Pool::inside_ = true;
  pool().run(n, fn, ctx, helpers);
  Pool::inside_ = false;
}

}  // namespace fluxion

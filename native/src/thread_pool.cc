// The fork-join pool behind parallel_for. Workers sleep on a condition variable between
// jobs; a job hands out indices through an atomic counter, so uneven tasks balance
// themselves, and the caller works too instead of waiting idle.
#include "thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace fluxion {
namespace {

struct Job {
  TaskFn fn = nullptr;
  void* ctx = nullptr;
  long n = 0;
  std::atomic<long> next{0};
  std::atomic<long> done{0};
};

class Pool {
 public:
  ~Pool() { resize(0); }

  // Runs the job on `helpers` workers plus the calling thread.
  void run(long n, TaskFn fn, void* ctx, int helpers) {
    std::lock_guard<std::mutex> serial(run_mutex_);  // one job at a time
    if ((int)workers_.size() < helpers) resize(helpers);
    {
      // a worker that woke late for the previous job may still be leaving it
      std::unique_lock<std::mutex> lk(m_);
      done_cv_.wait(lk, [&] { return busy_ == 0; });
      job_.fn = fn;
      job_.ctx = ctx;
      job_.n = n;
      job_.next.store(0);
      job_.done.store(0);
      active_ = helpers;
      ++generation_;
    }
    cv_.notify_all();
    work(true);
    // wait for the tasks taken by workers, and for the workers to leave the job
    std::unique_lock<std::mutex> lk(m_);
    done_cv_.wait(lk, [&] { return job_.done.load() == job_.n && busy_ == 0; });
  }

  void resize(int count) {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
      ++generation_;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    for (int i = 0; i < count; i++) workers_.emplace_back([this, i] { loop(i); });
  }

 private:
  void work(bool caller) {
    (void)caller;
    for (;;) {
      long i = job_.next.fetch_add(1);
      if (i >= job_.n) return;
      job_.fn(job_.ctx, i);
      if (job_.done.fetch_add(1) + 1 == job_.n) {
        std::lock_guard<std::mutex> lk(m_);
        done_cv_.notify_all();
      }
    }
  }

  void loop(int id) {
    inside_ = true;
    unsigned long seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        if (id >= active_) continue;  // this job asked for fewer workers
        ++busy_;
      }
      work(false);
      std::lock_guard<std::mutex> lk(m_);
      if (--busy_ == 0) done_cv_.notify_all();
    }
  }

  std::mutex run_mutex_, m_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  Job job_;
  unsigned long generation_ = 0;
  int active_ = 0, busy_ = 0;
  bool stop_ = false;

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

std::atomic<int> g_threads{0};

}  // namespace

int default_num_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (int)n;
}

int num_threads() {
  int n = g_threads.load();
  if (n == 0) {
    n = initial_threads();
    g_threads.store(n);
  }
  return n;
}

void set_num_threads(int n) { g_threads.store(n < 1 ? 1 : n); }

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

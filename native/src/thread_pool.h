// A small fork-join thread pool for the native kernels: `parallel_for(n, fn, ctx)` runs
// fn(ctx, i) for i in [0, n) on the calling thread plus the pool's workers and returns when
// all are done. Kernels decide themselves whether an op is large enough to be worth it.
//
// The interface is a plain function pointer + context (no std::function, no templates) so
// that ISA-specific translation units can call it without instantiating shared inline code
// under different -m flags (which the linker could then mix up).
#pragma once

namespace fluxion {

using TaskFn = void (*)(void* ctx, long index);

// Number of threads ops called from this thread may use (the caller included); 1 means
// everything runs inline. Each calling thread (Node's main thread, each Worker) has its own
// setting, starting at FLUXION_NUM_THREADS or the number of cores. The pool itself is one
// per process: jobs from different threads run one after the other.
int num_threads();
// Sets it for the calling thread (clamped to >= 1); workers are started lazily.
void set_num_threads(int n);
// Hardware concurrency, the default for num_threads().
int default_num_threads();

// Runs fn(ctx, i) for every i < n, spreading indices over up to num_threads() threads.
// Nested calls (from inside a task) run inline.
void parallel_for(long n, TaskFn fn, void* ctx);

}  // namespace fluxion

// The native random fill's kernel interface (random_fill.inc, compiled per ISA as
// random_fill_<isa>.cc; binding_random.cc checks the arguments and picks the active one).
#pragma once

#include <cstdint>

namespace fluxion {

enum RandomKind { kUniform, kNormal, kRandint, kBernoulli };

// One call's draw: n values of `kind` into `out` (out_type 0 float32, 1 float64, 2 int32),
// from Philox blocks at counter (off1 << 32 | off0) + b under key (key0, key1); (a, b) =
// (low, span) for uniform and randint, (mean, std) for normal; bernoulli reads n
// probabilities from p (p_type 0 float32, 1 float64). k values per block; the blocks are
// spread over the thread pool in chunks of chunk_blocks.
struct RandomFill {
  int kind, out_type, p_type;
  long n;
  uint32_t key0, key1, off0, off1;
  double a, b;
  const void* p;
  void* out;
  long k;
  long chunk_blocks;
};

void random_fill_portable(const RandomFill& f);
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
void random_fill_avx2(const RandomFill& f);
void random_fill_avx512(const RandomFill& f);
#endif

}  // namespace fluxion

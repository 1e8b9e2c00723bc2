// A/B timing of two builds of the AVX2 GEMM in one process (alternating calls, best of 200
// each), for kernel changes too small to see through a shared machine's noise: the working
// tree's native/src against a variant copy of gemm_avx2.cc and its .inc files in DIR, renamed
// by the preprocessor. Also prints the largest relative difference of their results.
//   F="-std=c++17 -O3 -fno-math-errno -mavx2 -mfma -Inative/src"
//   g++ $F -c native/src/gemm_avx2.cc -o /tmp/ga.o
//   g++ $F -Disa_avx2=isa_vb -Dgemm_avx2=gemm_vb -c DIR/gemm_avx2.cc -o /tmp/gb.o
//   g++ -std=c++17 -O2 -Inative/src -c native/src/thread_pool.cc -o /tmp/tp.o
//   g++ -std=c++17 -O2 -Inative/src native/tools/gemm_ab.cc /tmp/ga.o /tmp/gb.o /tmp/tp.o -o /tmp/gemm_ab -lpthread
// (A A/A run, both sides gemm_avx2, stays within 0.5%.) Measured with it (Zen 3, 1 thread,
// 2026-12-07): folding a Linear layer's column bias into the micro-kernel's accumulators,
// x[1024,128]·W[512,128]ᵀ + b 82 -> 91 GF/s; products without a bias unchanged. Full tiles of
// products of several K blocks (K > 480) accumulating straight into C instead of through the
// scratch tile: [1024,512]·[512,128] 85 -> 91, gᵀ·x [512,1024]ᵀ·[1024,128] 82 -> 87 GF/s,
// with the same float64-checked error (the block sums still start from zero).
#include <chrono>
#include <cstdio>
#include <vector>
#include <random>
#include <algorithm>
#include <cmath>
#include "gemm.h"
#include "thread_pool.h"
namespace fluxion { void gemm_vb(const GemmArgs& g); }
using namespace fluxion;
int main(int argc, char** argv) {
  struct Case { long M, N, K; bool bt; bool at; bool bias; };
  std::vector<Case> cases = {{1024, 512, 128, true, false, true}, {1024, 512, 128, true, false, false}, {1024, 512, 128, false, false, true}, {1024, 512, 128, false, false, false}, {1024, 128, 512, true, false, true}, {512, 128, 1024, false, true, false}, {128, 512, 1024, false, true, false}, {1024, 1000, 128, true, false, true}, {1024, 128, 512, false, false, true}, {1000, 130, 600, true, false, true}, {37, 45, 1000, true, false, true}, {100, 7, 50, false, false, true}};
  std::mt19937 rng(1); std::uniform_real_distribution<float> d(-1, 1);
  for (auto c : cases) {
    std::vector<float> A(c.M * c.K), B(c.K * c.N), C(c.M * c.N), bias(c.N);
    for (auto& v : A) v = d(rng); for (auto& v : B) v = d(rng); for (auto& v : bias) v = d(rng);
    GemmArgs g{};
    g.dtype = DType::f32; g.M = c.M; g.N = c.N; g.K = c.K; g.batch = 1;
    g.A = A.data(); if (c.at) { g.rsA = 1; g.csA = c.M; } else { g.rsA = c.K; g.csA = 1; }
    g.B = B.data(); if (c.bt) { g.rsB = 1; g.csB = c.K; } else { g.rsB = c.N; g.csB = 1; }
    g.C = C.data(); g.rsC = c.N; g.csC = 1; g.alpha = 1; g.beta = 0;
    g.bias = c.bias ? bias.data() : nullptr; g.biasStride = 1; g.biasKind = c.bias ? BiasKind::col : BiasKind::none; g.act = Act::none; g.threads = 1;
    auto tm = [&](void (*f)(const GemmArgs&)) { auto t0 = std::chrono::steady_clock::now(); f(g); return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(); };
    gemm_avx2(g); std::vector<float> CA = C; gemm_vb(g);
    double maxd = 0; for (size_t i = 0; i < C.size(); i++) maxd = std::max(maxd, (double)std::fabs(C[i] - CA[i]) / (1e-3 + std::fabs(CA[i])));
    printf("max rel diff %.2e  ", maxd);
    if (c.M * c.N * c.K <= 1024L * 1000 * 1000) {  // float64 reference: the larger error of A and B
      double ea = 0, eb = 0;
      for (long i = 0; i < c.M; i++) for (long j = 0; j < c.N; j++) {
        double r = c.bias ? bias[j] : 0;
        for (long k = 0; k < c.K; k++) r += (double)((const float*)g.A)[i * g.rsA + k * g.csA] * ((const float*)g.B)[k * g.rsB + j * g.csB];
        ea = std::max(ea, std::fabs(CA[i * c.N + j] - r)); eb = std::max(eb, std::fabs(C[i * c.N + j] - r));
      }
      printf("abs err A %.2e B %.2e  ", ea, eb);
    }
    double a = 1e9, b = 1e9;
    for (int r = 0; r < 200; r++) { a = std::min(a, tm(gemm_avx2)); b = std::min(b, tm(gemm_vb)); }
    double fl = 2.0 * c.M * c.N * c.K;
    printf("M%ld N%ld K%ld bt%d at%d bias%d: A %.1f GF/s  B %.1f GF/s  (B/A %.3f)\n", c.M, c.N, c.K, c.bt, c.at, c.bias, fl / a / 1e6, fl / b / 1e6, a / b);
  }
}

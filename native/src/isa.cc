// CPU feature detection and the per-ISA kernel dispatch. Compiled without ISA flags: it
// only decides, the kernels live in gemm_<isa>.cc and ewise_<isa>.cc.
#include "isa.h"

#include "ewise.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace fluxion {

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = [] {
    CpuFeatures c;
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0)
    c.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    c.avx512 = c.avx2_fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    c.avx512_bf16 = c.avx512 && __builtin_cpu_supports("avx512bf16");
#endif
    return c;
  }();
  return f;
}

// Here, not in gemm_amx.cc: it runs on any CPU, so it must not be compiled with AMX flags.
bool amx_bf16_available() {
  static const bool ok = [] {
#if defined(__x86_64__) && defined(__linux__) && defined(SYS_arch_prctl)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("amx-tile") || !__builtin_cpu_supports("amx-bf16")) return false;
    constexpr int kArchGetXcompPerm = 0x1022, kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
    unsigned long bitmask = 0;
    return syscall(SYS_arch_prctl, kArchGetXcompPerm, &bitmask) == 0 && (bitmask & (1ul << kXfeatureXtiledata));
#else
    return false;
#endif
  }();
  return ok;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "portable";
  }
}

Isa best_isa() {
  const CpuFeatures& f = cpu_features();
  return f.avx512 ? Isa::avx512 : f.avx2_fma ? Isa::avx2 : Isa::portable;
}

static bool supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  return isa == Isa::portable || (isa == Isa::avx2 && f.avx2_fma) || (isa == Isa::avx512 && f.avx512);
}

static bool parse(const char* name, Isa* out) {
  if (!std::strcmp(name, "auto")) *out = best_isa();
  else if (!std::strcmp(name, "portable")) *out = Isa::portable;
  else if (!std::strcmp(name, "avx2")) *out = Isa::avx2;
  else if (!std::strcmp(name, "avx512")) *out = Isa::avx512;
  else return false;
  return true;
}

static Isa g_isa = [] {
  Isa isa;
  const char* env = std::getenv("FLUXION_NATIVE_ISA");
  if (env && parse(env, &isa) && supported(isa)) return isa;
  return best_isa();
}();

Isa active_isa() { return g_isa; }

bool set_isa(const char* name) {
  Isa isa;
  if (!parse(name, &isa) || !supported(isa)) return false;
  g_isa = isa;
  return true;
}

// bfloat16 GEMM: AMX tiles where the CPU and OS allow them (several times the float32
// kernel's speed). Otherwise vdpbf16ps does twice the work of an FMA, but not every CPU
// issues it at the FMA's rate (Zen 4 does; Sapphire Rapids runs it at half that, slower
// than converting to float32 and using the float32 kernel), so then the first bfloat16
// GEMM times both on a small product and keeps the faster.
enum class Bf16Mode : int { undecided = -1, convert = 0, dot = 1, amx = 2 };
static Bf16Mode g_bf16_mode = Bf16Mode::undecided;

#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
static double time_bf16(void (*fn)(const GemmArgs&)) {
  const long M = 96, N = 96, K = 512;
  static uint16_t a[M * K], b[K * N], c[M * N];
  for (long i = 0; i < M * K; i++) a[i] = b[i % (K * N)] = 0x3f80;  // 1.0
  GemmArgs g{};
  g.dtype = DType::bf16; g.M = M; g.N = N; g.K = K; g.batch = 1;
  g.A = a; g.rsA = K; g.csA = 1; g.B = b; g.rsB = N; g.csB = 1; g.C = c; g.rsC = N; g.csC = 1;
  g.alpha = 1; g.threads = 1;
  double best = 1e30;
  for (int r = 0; r < 5; r++) {
    auto t0 = std::chrono::steady_clock::now();
    fn(g);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}
#endif

// Whether this CPU (and OS) can run mode m at all; it runs only while AVX-512 is active.
static bool cpu_can(Bf16Mode m) {
  if (m == Bf16Mode::convert) return true;
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
  if (!cpu_features().avx512_bf16) return false;
  return m == Bf16Mode::dot || (m == Bf16Mode::amx && amx_bf16_available());
#else
  return false;
#endif
}
static bool mode_supported(Bf16Mode m) { return cpu_can(m) && (m == Bf16Mode::convert || g_isa == Isa::avx512); }

static bool parse_bf16(const char* s, Bf16Mode* out) {
  if (!std::strcmp(s, "amx")) *out = Bf16Mode::amx;
  else if (!std::strcmp(s, "dot")) *out = Bf16Mode::dot;
  else if (!std::strcmp(s, "convert")) *out = Bf16Mode::convert;
  else if (!std::strcmp(s, "auto")) *out = Bf16Mode::undecided;
  else return false;
  return true;
}

// The mode in effect for the active ISA (a forced mode the ISA cannot run falls back).
static Bf16Mode current_bf16_mode() {
  if (g_bf16_mode == Bf16Mode::undecided) {
    const char* env = std::getenv("FLUXION_NATIVE_BF16");
    Bf16Mode m;
    if (env && parse_bf16(env, &m) && m != Bf16Mode::undecided && mode_supported(m)) g_bf16_mode = m;
    else if (mode_supported(Bf16Mode::amx)) g_bf16_mode = Bf16Mode::amx;
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
    else if (mode_supported(Bf16Mode::dot))
      g_bf16_mode = time_bf16(gemm_bf16_avx512bf16) < time_bf16(gemm_avx512) ? Bf16Mode::dot : Bf16Mode::convert;
#endif
    else g_bf16_mode = Bf16Mode::convert;
  }
  return mode_supported(g_bf16_mode) ? g_bf16_mode : Bf16Mode::convert;
}

const char* bf16_mode() {
  switch (current_bf16_mode()) {
    case Bf16Mode::amx: return "amx";
    case Bf16Mode::dot: return "dot";
    default: return "convert";
  }
}

bool bf16_dot_active() { return current_bf16_mode() != Bf16Mode::convert; }

bool set_bf16_mode(const char* mode) {
  Bf16Mode m;
  if (!parse_bf16(mode, &m) || (m != Bf16Mode::undecided && !cpu_can(m))) return false;
  g_bf16_mode = m;
  return true;
}

void gemm(const GemmArgs& g) {
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
  if (g.dtype == DType::bf16) {
    const Bf16Mode m = current_bf16_mode();
    if (m == Bf16Mode::amx) return gemm_bf16_amx(g);
    if (m == Bf16Mode::dot) return gemm_bf16_avx512bf16(g);
  }
  if (g_isa == Isa::avx512) return gemm_avx512(g);
  if (g_isa == Isa::avx2) return gemm_avx2(g);
#endif
  gemm_portable(g);
}

// ---- elementwise, reductions, im2col: the same per-ISA choice --------------------------

#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
#define FLUXION_ISA_CALL(name, arg)                    \
  do {                                                 \
    if (g_isa == Isa::avx512) return name##_avx512(arg); \
    if (g_isa == Isa::avx2) return name##_avx2(arg);     \
    return name##_portable(arg);                       \
  } while (0)
#else
#define FLUXION_ISA_CALL(name, arg) return name##_portable(arg)
#endif

void elementwise(const EwArgs& g) { FLUXION_ISA_CALL(elementwise, g); }
void reduce(const ReduceArgs& r) { FLUXION_ISA_CALL(reduce, r); }
void unfold(const Im2colArgs& a) { FLUXION_ISA_CALL(unfold, a); }
void fold(const Im2colArgs& a) { FLUXION_ISA_CALL(fold, a); }
void maxpool(const Im2colArgs& a) { FLUXION_ISA_CALL(maxpool, a); }
void scatter(const ScatterArgs& s) { FLUXION_ISA_CALL(scatter, s); }

#undef FLUXION_ISA_CALL

}  // namespace fluxion

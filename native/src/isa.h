// Runtime choice of instruction set: what this CPU supports, which kernels are active,
// and the override used by tests (env FLUXION_NATIVE_ISA=portable|avx2|avx512 at load, or
// set_isa()) to keep every path honest on a machine that has them all.
#pragma once

#include "gemm.h"

namespace fluxion {

enum class Isa : int { portable = 0, avx2 = 1, avx512 = 2 };

struct CpuFeatures {
  bool avx2_fma = false;
  bool avx512 = false;       // F + BW + DQ + VL
  bool avx512_bf16 = false;  // vdpbf16ps
};

const CpuFeatures& cpu_features();
const char* isa_name(Isa isa);
// Best ISA the CPU supports.
Isa best_isa();
// Active ISA (initially FLUXION_NATIVE_ISA if set and supported, else best_isa()).
Isa active_isa();
// Selects `name` ("portable", "avx2", "avx512" or "auto"); returns false, changing
// nothing, when the name is unknown or the CPU lacks it.
bool set_isa(const char* name);
// How bfloat16 GEMM runs: "amx" (AMX tiles), "dot" (vdpbf16ps) or "convert" (to float32
// while packing, then the float32 kernel). Decided on first use: AMX when the active ISA
// is AVX-512 and the CPU and OS allow it, else the faster of dot and convert, measured;
// FLUXION_NATIVE_BF16=amx|dot|convert forces one.
const char* bf16_mode();
// Whether bfloat16 GEMM uses vdpbf16ps or AMX (the native dot-product instructions).
bool bf16_dot_active();
// Forces "amx", "dot" or "convert", or "auto" to decide again; false (changing nothing)
// for an unknown mode or one this CPU cannot run.
bool set_bf16_mode(const char* mode);

// The GEMM entry of the active ISA.
void gemm(const GemmArgs& g);

}  // namespace fluxion

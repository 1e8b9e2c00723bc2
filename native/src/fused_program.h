// The fused-program interpreter's interface (the primitive `fusedProgram` of
// src/backend/fused_program.ts): a straight-line program of float32 elementwise
// instructions over one strided iteration space, run over L1-sized blocks. Shared by the
// binding (binding_fused_program.cc), the per-ISA translation units (fused_program_<isa>.cc,
// which compile fused_program.inc under their flags) and the ISA choice (fused_program_isa.cc).
#pragma once

namespace fluxion {

constexpr int kFpMaxDims = 8;
constexpr int kFpMaxOperands = 64;
constexpr int kFpMaxRegs = 64;

// Instruction kinds (code[6k]): 0 load input a; 1 unary op(a); 2 binary op(a, b); 3 store
// register a into output b. Slots 4, 5: the scalar indices of p0, p1 (-1: none).
struct FusedProgramArgs {
  int nd;
  long shape[kFpMaxDims];
  int nin, nout;
  float* data[kFpMaxOperands];  // inputs then outputs, at their element offsets
  long strides[kFpMaxOperands][kFpMaxDims];
  const int* code;
  int ninstr;  // instructions before the stores
  int nstore;
  const double* scalars;
  int threads;
};

void fused_program(const FusedProgramArgs& a);
void fused_program_portable(const FusedProgramArgs& a);
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
void fused_program_avx2(const FusedProgramArgs& a);
void fused_program_avx512(const FusedProgramArgs& a);
#endif

}  // namespace fluxion

// The GEMM interface shared by the binding and the per-ISA kernels:
//   C[b] = act(alpha * A[b] @ B[b] + beta * C[b] + bias)      for b < batch
// with every operand addressed by element strides (so transposed, sliced and stride-0
// broadcast operands need no copies), float32/float64 math, and bfloat16 inputs and
// output (or float32 output: f32_out) with float32 accumulation.
#pragma once

#include <cstdint>

namespace fluxion {

enum class DType : int { f32 = 0, f64 = 1, bf16 = 2 };
enum class Act : int { none = 0, relu = 1, gelu = 2, gelu_tanh = 3 };
// row: bias[i] added to row i (conv channels); col: bias[j] added to column j (nn.Linear).
enum class BiasKind : int { none = 0, row = 1, col = 2 };

struct GemmArgs {
  DType dtype;
  long M, N, K, batch;
  const void* A; long rsA, csA, bsA;  // row, column and batch strides, in elements
  const void* B; long rsB, csB, bsB;
  void* C; long rsC, csC, bsC;        // C must not overlap A or B
  double alpha, beta;                 // beta == 0 never reads C (NaN in C does not leak)
  const void* bias; long biasStride; BiasKind biasKind;
  Act act;
  int threads;                        // upper bound chosen by the caller (1 = inline)
  bool f32_out;                       // bf16 only: C is float32 (beta reads it so), left
                                      // unrounded (a convolution's passes sum products further)
};

// One entry point per instruction set; each lives in its own translation unit compiled
// with that ISA's flags and must only be called when the CPU supports it.
void gemm_portable(const GemmArgs& g);
void gemm_avx2(const GemmArgs& g);
void gemm_avx512(const GemmArgs& g);
// bfloat16 with vdpbf16ps (AVX512-BF16); other dtypes are not handled there.
void gemm_bf16_avx512bf16(const GemmArgs& g);
// bfloat16 with AMX tiles (tdpbf16ps); only after amx_bf16_available() returned true.
void gemm_bf16_amx(const GemmArgs& g);
// Whether the CPU has AMX-BF16 and the OS granted this process the tile state (asked
// once). Call only when the CPU has AVX512-BF16.
bool amx_bf16_available();

}  // namespace fluxion

// The fused recurrent-cell kernels (rnn_cell.inc, compiled per ISA as rnn_cell_<isa>.cc):
// one timestep's gate nonlinearities and state update of an LSTM, GRU or Elman RNN, and
// their gradient, over N rows of H hidden units. The semantics are those of the rnnCell /
// rnnCellBackward primitives (src/backend/rnn_cell.ts); the TypeScript kernel
// (src/backend/cpu/rnn_cell.ts) is the reference. Rows are addressed by a row stride; the
// columns of every operand are contiguous. float32 uses polynomial exp/tanh that the
// compiler vectorises (within a few ulp of the float64 result); float64 uses libm.
#pragma once

namespace fluxion {

enum class RnnMode : int { lstm = 0, gru = 1, tanh = 2, relu = 3 };

struct RnnCellArgs {
  RnnMode mode;
  bool backward;
  bool f64;                 // else float32
  long N, H;
  // inputs and outputs in the primitive's order (rnn_cell.ts), each at its first element
  const char* in[6];
  long in_rs[6];            // row strides, in elements
  char* out[3];
  long out_rs[3];
  int threads;
};

// The entry of each ISA (rnn_cell_<isa>.cc); binding_rnn.cc picks the active one.
void rnn_cell_portable(const RnnCellArgs& a);
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
void rnn_cell_avx2(const RnnCellArgs& a);
void rnn_cell_avx512(const RnnCellArgs& a);
#endif

}  // namespace fluxion

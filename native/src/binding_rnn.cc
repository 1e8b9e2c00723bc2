// The N-API binding of the fused recurrent-cell kernels (rnn_cell.h): argument checking and
// marshalling only, and the per-ISA choice.
//
//   rnnCell(params: Float64Array, inputs: TypedArray[], outputs: TypedArray[]) -> undefined
//   params: [mode (0 lstm, 1 gru, 2 tanh, 3 relu), backward (0/1), dtype (0 float32,
//            1 float64), N, H, then (offset, rowStride) of each input, then of each output]
//
// Inputs and outputs follow the rnnCell / rnnCellBackward primitives (src/backend/rnn_cell.ts);
// columns are contiguous; every row range is checked against its array before any kernel runs.
#include "binding_util.h"
#include "isa.h"
#include "rnn_cell.h"
#include "thread_pool.h"

namespace fluxion {

namespace {

using binding::Throw;

struct Layout {
  int n_in, n_out;
  int in_width[6], out_width[3];  // in units of H
};

// The operands of each mode and pass, as in src/backend/rnn_cell.ts.
Layout layout_of(RnnMode mode, bool backward) {
  switch (mode) {
    case RnnMode::lstm: return backward ? Layout{6, 2, {1, 1, 1, 4, 1, 1}, {4, 1}} : Layout{3, 3, {4, 4, 1}, {1, 1, 4}};
    case RnnMode::gru: return backward ? Layout{4, 3, {1, 1, 4, 1}, {3, 3, 1}} : Layout{3, 2, {3, 3, 1}, {1, 4}};
    default: return backward ? Layout{3, 1, {1, 1, 1}, {1}} : Layout{2, 1, {1, 1}, {1}};
  }
}

void run(const RnnCellArgs& a) {
#if defined(__x86_64__) && defined(FLUXION_X86_KERNELS)
  if (active_isa() == Isa::avx512) return rnn_cell_avx512(a);
  if (active_isa() == Isa::avx2) return rnn_cell_avx2(a);
#endif
  rnn_cell_portable(a);
}

Napi::Value RnnCell(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      !info[1].IsArray() || !info[2].IsArray())
    return Throw(env, "rnnCell(params, inputs, outputs) expects a Float64Array and two arrays of typed arrays");
  Napi::Float64Array pa = info[0].As<Napi::Float64Array>();
  const double* p = pa.Data();
  if (pa.ElementLength() < 5) return Throw(env, "rnnCell: too few parameters");
  int mode, backward, dt;
  long N, H;
  if (!binding::code_slot(p[0], 3, &mode) || !binding::code_slot(p[1], 1, &backward) || !binding::code_slot(p[2], 1, &dt))
    return Throw(env, "rnnCell: bad mode, pass or dtype code");
  if (!binding::count_slot(p[3], &N) || !binding::count_slot(p[4], &H)) return Throw(env, "rnnCell: N and H must be whole numbers from 0 to 2^53");
  RnnCellArgs a{};
  a.mode = (RnnMode)mode;
  a.backward = backward == 1;
  a.f64 = dt == 1;
  a.N = N;
  a.H = H;
  const Layout L = layout_of(a.mode, a.backward);
  Napi::Array ins = info[1].As<Napi::Array>(), outs = info[2].As<Napi::Array>();
  if ((int)ins.Length() != L.n_in || (int)outs.Length() != L.n_out || (long)pa.ElementLength() < 5 + 2 * (L.n_in + L.n_out))
    return Throw(env, "rnnCell: wrong number of operands for the mode");
  const napi_typedarray_type want = a.f64 ? napi_float64_array : napi_float32_array;
  // operand k: slot 5 + 2k holds its offset, 5 + 2k + 1 its row stride
  for (int k = 0; k < L.n_in + L.n_out; k++) {
    const bool is_in = k < L.n_in;
    const int i = is_in ? k : k - L.n_in;
    Napi::Value v = is_in ? ins.Get(i) : outs.Get(i);
    napi_typedarray_type type;
    void* data;
    size_t length;
    if (!binding::typed_array_info(env, v, &type, &data, &length) || type != want)
      return Throw(env, std::string("rnnCell: ") + (is_in ? "input " : "output ") + std::to_string(i) + " must be a " + (a.f64 ? "Float64Array" : "Float32Array"));
    long off, rs;
    if (!binding::count_slot(p[5 + 2 * k], &off) || !binding::count_slot(p[6 + 2 * k], &rs))
      return Throw(env, "rnnCell: offsets and row strides must be whole numbers from 0 to 2^53");
    const long width = (is_in ? L.in_width[i] : L.out_width[i]) * H;
    // outputs: rows must not overlap (threads write them independently)
    if (!is_in && N > 1 && rs < width) return Throw(env, "rnnCell: output rows overlap");
    if (!binding::strided_in_bounds(length, off, {{N, rs}, {width, 1}}) || (size_t)off > length)
      return Throw(env, std::string("rnnCell: ") + (is_in ? "input " : "output ") + std::to_string(i) + " reaches outside its array");
    const size_t es = a.f64 ? 8 : 4;
    if (is_in) {
      a.in[i] = (const char*)data + off * es;
      a.in_rs[i] = rs;
    } else {
      a.out[i] = (char*)data + off * es;
      a.out_rs[i] = rs;
    }
  }
  a.threads = num_threads();
  if (N > 0 && H > 0) run(a);
  return env.Undefined();
}

}  // namespace

void register_rnn(Napi::Env env, Napi::Object exports) {
  exports.Set("rnnCell", Napi::Function::New(env, RnnCell, "rnnCell"));
}

}  // namespace fluxion

// The N-API binding of the fused-program interpreter (fused_program.h): argument checking
// and marshalling only. fusedProgram(p, code, scalars, arrays) with
//   p: Float64Array [nd, nin, shape[nd], then per operand (inputs, then outputs): offset, strides[nd]]
//   code: Int32Array, 6 slots per instruction (kind, op, a, b, p0 slot, p1 slot), the stores last;
//     kinds: 0 load (a: input), 1 unary, 2 binary, 3 store (a: register, b: output), 4 scalar (p0 slot)
//   scalars: Float64Array; arrays: an Array of Float32Arrays (inputs, then outputs)
// (mirrored in src/backend/cpu/native_fused_program.ts). Every register reference, op code,
// scalar slot and operand range is checked before the kernel runs, so a bad program throws
// instead of touching foreign memory.
#include "binding_util.h"
#include "fused_program.h"
#include "thread_pool.h"

namespace fluxion {
namespace {

using binding::Throw;

Napi::Value FusedProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double* p = binding::params_of(info, 0, 2);
  FusedProgramArgs a{};
  int nd, nin;
  if (!p || !binding::code_slot(p[0], kFpMaxDims, &nd) || !binding::code_slot(p[1], kFpMaxOperands, &nin))
    return Throw(env, "fusedProgram: bad parameters (dims, inputs)");
  a.nd = nd;
  a.nin = nin;
  if (info.Length() < 4 || !info[3].IsArray()) return Throw(env, "fusedProgram: arrays must be an Array of Float32Arrays");
  Napi::Array arrays = info[3].As<Napi::Array>();
  const int nops = (int)arrays.Length();
  if (nops <= nin || nops > kFpMaxOperands) return Throw(env, "fusedProgram: expected the inputs and at least one output");
  a.nout = nops - nin;
  const double* pp = binding::params_of(info, 0, 2 + nd + (size_t)nops * (1 + nd));
  if (!pp) return Throw(env, "fusedProgram: parameter block too short for the operands");
  double total = 1;
  for (int d = 0; d < nd; d++) {
    if (!binding::count_slot(p[2 + d], &a.shape[d])) return Throw(env, "fusedProgram: bad shape");
    total *= (double)a.shape[d];
  }
  if (total > binding::kMaxSlot) return Throw(env, "fusedProgram: too many elements");
  for (int k = 0; k < nops; k++) {
    const double* q = p + 2 + nd + k * (1 + nd);
    long off;
    if (!binding::count_slot(q[0], &off)) return Throw(env, "fusedProgram: bad operand offset");
    for (int d = 0; d < nd; d++)
      if (!binding::stride_slot(q[1 + d], &a.strides[k][d])) return Throw(env, "fusedProgram: bad operand stride");
    napi_typedarray_type t;
    void* data;
    size_t len;
    if (!binding::typed_array_info(env, arrays.Get(k), &t, &data, &len) || t != napi_float32_array)
      return Throw(env, "fusedProgram: every operand must be a Float32Array");
    if (!binding::strided_in_bounds(len, off, nd, a.shape, a.strides[k])) return Throw(env, "fusedProgram: an operand's range lies outside its array");
    a.data[k] = (float*)data + off;
  }
  napi_typedarray_type t;
  void* cdata;
  size_t clen;
  if (info.Length() < 2 || !binding::typed_array_info(env, info[1], &t, &cdata, &clen) || t != napi_int32_array || clen % 6 != 0)
    return Throw(env, "fusedProgram: code must be an Int32Array of 6 slots per instruction");
  const int* code = (const int*)cdata;
  const int total_instr = (int)(clen / 6);
  void* sdata;
  size_t slen;
  if (info.Length() < 3 || !binding::typed_array_info(env, info[2], &t, &sdata, &slen) || t != napi_float64_array)
    return Throw(env, "fusedProgram: scalars must be a Float64Array");
  int ninstr = 0;
  while (ninstr < total_instr && code[6 * ninstr] != 3) ninstr++;
  if (ninstr > kFpMaxRegs) return Throw(env, "fusedProgram: too many instructions");
  for (int k = 0; k < total_instr; k++) {
    const int* in = code + 6 * k;
    const bool store = k >= ninstr;
    if (store != (in[0] == 3)) return Throw(env, "fusedProgram: stores must come after every instruction");
    const bool ok =
        in[0] == 0   ? in[2] >= 0 && in[2] < nin
        : in[0] == 1 ? in[1] >= 0 && in[1] <= 17 && in[2] >= 0 && in[2] < k
        : in[0] == 2 ? in[1] >= 0 && in[1] <= 8 && in[2] >= 0 && in[2] < k && in[3] >= 0 && in[3] < k
        : in[0] == 3 ? in[2] >= 0 && in[2] < ninstr && in[3] >= 0 && in[3] < a.nout
        : in[0] == 4 ? in[4] >= 0
                     : false;
    if (!ok || (in[0] != 3 && (in[4] >= (int)slen || in[5] >= (int)slen || in[4] < -1 || in[5] < -1)))
      return Throw(env, "fusedProgram: bad instruction " + std::to_string(k));
  }
  a.code = code;
  a.ninstr = ninstr;
  a.nstore = total_instr - ninstr;
  a.scalars = (const double*)sdata;
  a.threads = num_threads();
  fused_program(a);
  return Napi::Boolean::New(env, true);
}

}  // namespace

void register_fused_program(Napi::Env env, Napi::Object exports) {
  exports.Set("fusedProgram", Napi::Function::New(env, FusedProgram, "fusedProgram"));
}

}  // namespace fluxion

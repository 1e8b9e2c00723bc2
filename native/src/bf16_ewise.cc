// bfloat16 elementwise ops, casts and reductions (see bf16.h): widen to float32 blocks, run
// the active ISA's float32 kernels, round the results back to bfloat16. Portable C++ whose
// conversion loops the compiler vectorises; the float32 math is the ISA-dispatched kernels'.
#include "bf16.h"

#include <vector>

#include "thread_pool.h"

namespace fluxion {

void bf16_widen(long n, const uint16_t* __restrict src, long stride, float* __restrict dst) {
  if (stride == 1) {
    for (long i = 0; i < n; i++) {
      const uint32_t u = (uint32_t)src[i] << 16;
      std::memcpy(dst + i, &u, 4);
    }
  } else {
    for (long i = 0; i < n; i++) dst[i] = bf16_to_f32(src[i * stride]);
  }
}

void bf16_narrow(long n, const float* __restrict src, uint16_t* __restrict dst, long stride) {
  if (stride == 1) {
    for (long i = 0; i < n; i++) {
      uint32_t u;
      std::memcpy(&u, src + i, 4);
      const uint16_t nan = (uint16_t)((u >> 16) | 0x40);
      const uint16_t rounded = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
      dst[i] = (u & 0x7fffffffu) > 0x7f800000u ? nan : rounded;
    }
  } else {
    for (long i = 0; i < n; i++) dst[i * stride] = f32_to_bf16(src[i]);
  }
}

namespace {

constexpr long kBlock = 1024;  // float32 elements per operand block (4 KiB: stays in L1)

bool is_bf16(EType t) { return t == EType::u16; }

// g with every bfloat16 operand retyped as float32: what the float32 kernels see.
EwArgs as_f32(const EwArgs& g) {
  EwArgs f = g;
  EwOperand* ops[4] = {&f.out, &f.in[0], &f.in[1], &f.in[2]};
  for (EwOperand* o : ops)
    if (is_bf16(o->type)) o->type = EType::f32;
  return f;
}

int inputs_of(EwKind k) { return k == EwKind::binary ? 2 : k == EwKind::where ? 3 : 1; }

struct Run {
  const EwArgs* g;
  long rows, row_len, blocks_per_row, items, chunk;
};

// Element offset of row r (over dims 0..ndim-2) for an operand's strides.
long row_offset(const EwArgs& g, const long* stride, long r) {
  long off = 0;
  for (int d = g.ndim - 2; d >= 0; d--) {
    const long i = r % g.shape[d];
    r /= g.shape[d];
    off += i * stride[d];
  }
  return off;
}

size_t esz(EType t) {
  switch (t) {
    case EType::f64: case EType::i64: return 8;
    case EType::f32: case EType::i32: return 4;
    case EType::u16: return 2;
    default: return 1;
  }
}

void run_items(const Run& run, long b, long e) {
  const EwArgs& g = *run.g;
  const int nin = inputs_of(g.kind);
  const int last = g.ndim - 1;
  float buf[4][kBlock];
  const EwOperand* ops[4] = {&g.out, &g.in[0], &g.in[1], &g.in[2]};
  for (long it = b; it < e; it++) {
    const long r = it / run.blocks_per_row, j0 = (it % run.blocks_per_row) * kBlock;
    const long n = run.row_len - j0 < kBlock ? run.row_len - j0 : kBlock;
    EwArgs f = as_f32(g);
    f.ndim = 1;
    f.shape[0] = n;
    f.threads = 1;
    f.stream = false;
    EwOperand* fops[4] = {&f.out, &f.in[0], &f.in[1], &f.in[2]};
    for (int k = 0; k <= nin; k++) {
      const EwOperand& o = *ops[k];
      const long s = last >= 0 ? o.stride[last] : 0;
      const long off = row_offset(g, o.stride, r) + j0 * s;
      char* p = o.data + off * (long)esz(o.type);
      if (is_bf16(o.type)) {
        fops[k]->data = (char*)buf[k];
        if (k > 0) {  // inputs: widen (a broadcast operand once)
          bf16_widen(s == 0 ? 1 : n, (const uint16_t*)p, s, buf[k]);
          fops[k]->stride[0] = s == 0 ? 0 : 1;
        } else {
          fops[k]->stride[0] = 1;
        }
      } else {
        fops[k]->data = p;
        fops[k]->stride[0] = s;
      }
    }
    elementwise(f);
    if (is_bf16(g.out.type)) {
      const long s = last >= 0 ? g.out.stride[last] : 0;
      const long off = row_offset(g, g.out.stride, r) + j0 * s;
      bf16_narrow(n, buf[0], (uint16_t*)g.out.data + off, s);
    }
  }
}

void run_task(void* ctx, long t) {
  const Run* run = (const Run*)ctx;
  long b = t * run->chunk, e = b + run->chunk;
  if (e > run->items) e = run->items;
  if (b < e) run_items(*run, b, e);
}

}  // namespace

bool bf16_ew_supported(const EwArgs& g) {
  if (g.kind == EwKind::where) return false;  // a raw 16-bit move: the plain kernels do it
  const int nin = inputs_of(g.kind);
  bool any = is_bf16(g.out.type);
  for (int k = 0; k < nin; k++) any = any || is_bf16(g.in[k].type);
  if (!any) return false;
  if (g.kind == EwKind::convert) {
    // bfloat16 <-> float32 here; bfloat16 -> bfloat16 is a move (the plain kernels)
    const EType a = g.in[0].type, o = g.out.type;
    return (is_bf16(a) && o == EType::f32) || (a == EType::f32 && is_bf16(o));
  }
  return ew_supported(as_f32(g));
}

void bf16_elementwise(const EwArgs& g) {
  long total = 1;
  for (int d = 0; d < g.ndim; d++) total *= g.shape[d];
  if (total == 0) return;
  Run run{&g, 1, 1, 1, 1, 1};
  run.row_len = g.ndim > 0 ? g.shape[g.ndim - 1] : 1;
  run.rows = total / run.row_len;
  run.blocks_per_row = (run.row_len + kBlock - 1) / kBlock;
  run.items = run.rows * run.blocks_per_row;
  if (g.threads > 1 && total >= (1L << 15) && run.items >= 2) {
    const long tasks = g.threads * 4 < run.items ? g.threads * 4 : run.items;
    run.chunk = (run.items + tasks - 1) / tasks;
    parallel_for((run.items + run.chunk - 1) / run.chunk, &run_task, &run);
    return;
  }
  run.chunk = run.items;
  run_items(run, 0, run.items);
}

// ---- reductions: widen the input's span once, reduce in float32 storage, round ----------

bool bf16_reduce_supported(const ReduceArgs& r) {
  if (!is_bf16(r.in)) return false;
  const bool arg = r.op == ReduceOp::argmax || r.op == ReduceOp::argmin;
  return (int)r.op >= 0 && (int)r.op <= 5 && r.out == (arg ? EType::i32 : EType::u16);
}

void bf16_reduce(const ReduceArgs& r) {
  long nout = 1;
  for (int d = 0; d < r.ndim; d++) nout *= r.kept[d];
  if (nout == 0) return;
  // the span of elements the reduction reads, relative to r.a
  long lo = 0, hi = 0;
  auto span = [&](long size, long stride) {
    if (size <= 0) return;
    const long s = (size - 1) * stride;
    if (s < 0) lo += s; else hi += s;
  };
  for (int d = 0; d < r.ndim; d++) span(r.kept[d], r.kept_stride[d]);
  span(r.R, r.rs);
  if (r.R <= 0) lo = hi = 0;
  std::vector<float> wide((size_t)(hi - lo + 1));
  if (r.R > 0) bf16_widen(hi - lo + 1, (const uint16_t*)r.a + lo, 1, wide.data());  // R = 0 reads nothing
  ReduceArgs f = r;
  f.in = EType::f32;
  f.a = (const char*)(wide.data() - lo);
  const bool arg = r.op == ReduceOp::argmax || r.op == ReduceOp::argmin;
  if (arg) {
    f.out = EType::i32;
    reduce(f);
    return;
  }
  std::vector<float> out((size_t)nout);
  f.out = EType::f32;
  f.o = (char*)out.data();
  reduce(f);
  bf16_narrow(nout, out.data(), (uint16_t*)r.o, 1);
}

}  // namespace fluxion

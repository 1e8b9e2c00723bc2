// The convolution driver (conv.h). It only schedules: the math is the active ISA's
// im2col/col2im and max pooling (ewise.h) and GEMM (isa.h), or on AVX-512 the float32
// kernels of conv.h (forward: direct, Winograd or implicit GEMM; input pass: Winograd
// through the forward of dy, or direct by stride phase; weight pass: Winograd, or direct
// over channel-last copies or lanes over positions), called per image with one thread
// each while images are spread over the pool; a batch smaller than the thread count
// instead gives each image's GEMM all the threads (the direct and Winograd kernels split
// the image's rows or channels into tasks). On AVX2 a float32 3x3 stride-1 layer runs
// Winograd F(2x2, 3x3) (conv_winograd_avx2.cc) in all three passes, the input pass as the
// forward of dy, as on AVX-512. bfloat16 runs the generic path on the bfloat16
// GEMM (vdpbf16ps or AMX where the CPU has them): columns copied as bits, products summed in
// float32 (GEMMs with f32_out where a pass adds them up further: col2im, the weight sums,
// max pooling) and each output rounded once.
#include "conv.h"

#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "bf16.h"
#include "ewise.h"
#include "isa.h"
#include "thread_pool.h"

namespace fluxion {
namespace {

// Thread-local scratch (grows, never shrinks): one image's columns; one image's output
// before max pooling; a float32 staging buffer for bfloat16 (a pooled output, a fold image).
template <int Which>
void* scratch_buffer(size_t bytes) {
  thread_local std::vector<double> buf;
  if (buf.size() * sizeof(double) < bytes) buf.resize((bytes + sizeof(double) - 1) / sizeof(double));
  return buf.data();
}
void* scratch(size_t bytes) { return scratch_buffer<0>(bytes); }

struct Geometry {
  const ConvArgs* a;
  long K, L, es;    // K = C·kh·kw rows of columns, L = oh·ow columns, element size
  bool pointwise;   // 1x1, stride 1, no padding: the columns are the image itself
  int inner;        // threads inside each image's GEMM
  bool direct_weight;  // the weight pass per image as a direct convolution (AVX-512 float32, few taps)
  bool channel_weight; // ... over channel-last copies (AVX-512 float32, O a multiple of 16)
  bool weight_rows;    // the weight pass's GEMM computes dW [O, K] (else dWᵀ [K, O]); see weight_images
  bool bf16;           // bfloat16 operands (es 2); sums and pooling in float32
};

// The element type of x and of the columns (bfloat16 as its bits).
EType data_type(const Geometry& g) { return g.bf16 ? EType::u16 : g.a->dtype == DType::f64 ? EType::f64 : EType::f32; }

Im2colArgs image_args(const Geometry& g, const void* src, void* dst, EType type) {
  const ConvArgs& a = *g.a;
  Im2colArgs c{};
  c.type = type;
  c.N = 1; c.C = a.C; c.H = a.H; c.W = a.W; c.kh = a.kh; c.kw = a.kw;
  c.sh = a.sh; c.sw = a.sw; c.ph = a.ph; c.pw = a.pw; c.dh = a.dh; c.dw = a.dw; c.oh = a.oh; c.ow = a.ow;
  c.src = (const char*)src;
  c.dst = (char*)dst;
  c.threads = g.inner;
  return c;
}

// The columns [K, L] of image n (the image itself for a pointwise convolution).
const void* columns(const Geometry& g, long n) {
  const ConvArgs& a = *g.a;
  const char* img = (const char*)a.x + n * a.C * a.H * a.W * g.es;
  if (g.pointwise) return img;
  void* cols = scratch(g.K * g.L * g.es);
  unfold(image_args(g, img, cols, data_type(g)));
  return cols;
}

GemmArgs gemm_args(const Geometry& g) {
  GemmArgs m{};
  m.dtype = g.a->dtype;
  m.batch = 1;
  m.alpha = 1;
  m.threads = g.inner;
  return m;
}

// Where image n's forward output goes: straight into y, or (max pooling asked) into
// scratch that pool_image then reduces into y, so the full-size output is never written
// (bfloat16: the float32 sums, pooled before they are rounded).
void* forward_dest(const Geometry& g, long n) {
  const ConvArgs& a = *g.a;
  if (a.pkh > 0) return scratch_buffer<1>(a.O * g.L * (g.bf16 ? 4 : g.es));
  return (char*)a.y + n * a.O * g.L * g.es;
}

void pool_image(const Geometry& g, long n, const void* out) {
  const ConvArgs& a = *g.a;
  if (a.pkh == 0) return;
  const long pooled = a.O * a.poh * a.pow;
  Im2colArgs p{};
  p.type = a.dtype == DType::f64 ? EType::f64 : EType::f32;
  p.N = 1; p.C = a.O; p.H = a.oh; p.W = a.ow; p.kh = a.pkh; p.kw = a.pkw;
  p.sh = a.psh; p.sw = a.psw; p.ph = 0; p.pw = 0; p.dh = 1; p.dw = 1; p.oh = a.poh; p.ow = a.pow;
  p.src = (const char*)out;
  p.dst = g.bf16 ? (char*)scratch_buffer<2>(pooled * 4) : (char*)a.y + n * pooled * g.es;
  p.indices = a.pool_indices ? (char*)(a.pool_indices + n * pooled) : nullptr;
  p.threads = g.inner;
  maxpool(p);
  if (g.bf16) bf16_narrow(pooled, (const float*)p.dst, (uint16_t*)a.y + n * pooled, 1);
}

void forward_image(void* ctx, long n) {
  const Geometry& g = *(const Geometry*)ctx;
  const ConvArgs& a = *g.a;
  GemmArgs m = gemm_args(g);
  m.M = a.O; m.N = g.L; m.K = g.K;
  m.A = a.w; m.rsA = g.K; m.csA = 1;
  m.B = columns(g, n); m.rsB = g.L; m.csB = 1;
  m.C = forward_dest(g, n); m.rsC = g.L; m.csC = 1;
  m.bias = a.bias; m.biasStride = 1; m.biasKind = a.bias ? BiasKind::row : BiasKind::none;
  m.act = a.act;
  m.f32_out = g.bf16 && a.pkh > 0;
  gemm(m);
  pool_image(g, n, m.C);
}

void input_image(void* ctx, long n) {
  const Geometry& g = *(const Geometry*)ctx;
  const ConvArgs& a = *g.a;
  char* dxn = (char*)a.dx + n * a.C * a.H * a.W * g.es;
  GemmArgs m = gemm_args(g);
  m.M = g.K; m.N = g.L; m.K = a.O;
  m.A = a.w; m.rsA = 1; m.csA = g.K;  // Wᵀ
  m.B = (const char*)a.dy + n * a.O * g.L * g.es; m.rsB = g.L; m.csB = 1;
  // bfloat16 (not pointwise): float32 columns, folded in float32, rounded once
  m.f32_out = g.bf16 && !g.pointwise;
  m.C = g.pointwise ? (void*)dxn : scratch(g.K * g.L * (m.f32_out ? 4 : g.es)); m.rsC = g.L; m.csC = 1;
  gemm(m);
  if (g.pointwise) return;
  const long size = a.C * a.H * a.W;
  if (g.bf16) {
    float* img = (float*)scratch_buffer<2>(size * 4);
    std::memset(img, 0, size * 4);
    fold(image_args(g, m.C, img, EType::f32));
    bf16_narrow(size, img, (uint16_t*)dxn, 1);
    return;
  }
  std::memset(dxn, 0, size * g.es);
  fold(image_args(g, m.C, dxn, data_type(g)));
}

// Sum of n elements in 8 interleaved partial sums, so the adds pipeline (a single running
// sum is one long dependency chain).
// (bfloat16 elements are summed in float32.)
template <class T, class E = T>
T row_sum(const E* v, long n) {
  const auto at = [](E e) -> T {
    if constexpr (std::is_same<E, uint16_t>::value) return bf16_to_f32(e);
    else return e;
  };
  T part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  long i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) part[k] += at(v[i + k]);
  T s = 0;
  for (; i < n; i++) s += at(v[i]);
  for (int k = 0; k < 8; k++) s += part[k];
  return s;
}

// Weight pass: task t sums images [n0, n1) into its own partials: dWᵀ [K, O] or, with
// weight_rows, dW [O, K] (then db [O]), of type T (float for bfloat16 operands).
// The GEMM's N side (its micro-kernel's wide one, each packed B panel reused over all of M)
// is the wider of K and O: dWᵀ = cols · dyᵀ when O is (a 1x1 downsampling layer: packs the
// columns along their rows and gathers only dy), dW = dy · colsᵀ when K is (a 3x3 layer
// from 16 to 32 channels, K 144: 2.5 -> 2.0 ms of CPU time at batch 32 on AVX2).
struct WeightRun {
  const Geometry* g;
  long tasks;
  char* partials;  // tasks x (K·O + O) elements
};

template <class T>
void weight_images(const Geometry& g, long n0, long n1, T* dwt, T* db) {
  const ConvArgs& a = *g.a;
  for (long n = n0; n < n1; n++) {
    if (g.direct_weight) {
      conv_direct_weight_image_avx512(a, n, (float*)dwt, (float*)db, n == n0);
      continue;
    }
    if (g.channel_weight) {
      conv_weight_image_avx512(a, n, (float*)dwt, (float*)db, n == n0);
      continue;
    }
    const char* dyn = (const char*)a.dy + n * a.O * g.L * g.es;
    GemmArgs m = gemm_args(g);
    if (g.weight_rows) {
      m.M = a.O; m.N = g.K; m.K = g.L;
      m.A = dyn; m.rsA = g.L; m.csA = 1;
      m.B = columns(g, n); m.rsB = 1; m.csB = g.L;  // colsᵀ
      m.C = dwt; m.rsC = g.K; m.csC = 1;
    } else {
      m.M = g.K; m.N = a.O; m.K = g.L;
      m.A = columns(g, n); m.rsA = g.L; m.csA = 1;
      m.B = dyn; m.rsB = 1; m.csB = g.L;  // dyᵀ
      m.C = dwt; m.rsC = a.O; m.csC = 1;
    }
    m.beta = n == n0 ? 0 : 1;
    m.f32_out = g.bf16;
    gemm(m);
    for (long o = 0; o < a.O; o++) {
      const T s = g.bf16 ? row_sum<T>((const uint16_t*)dyn + o * g.L, g.L) : row_sum<T>((const T*)dyn + o * g.L, g.L);
      db[o] = n == n0 ? s : db[o] + s;
    }
  }
}

template <class T>
void weight_task(void* ctx, long t) {
  const WeightRun& r = *(const WeightRun*)ctx;
  const ConvArgs& a = *r.g->a;
  const long n0 = a.N * t / r.tasks, n1 = a.N * (t + 1) / r.tasks;
  T* part = (T*)r.partials + t * (a.O * r.g->K + a.O);
  weight_images<T>(*r.g, n0, n1, part, part + a.O * r.g->K);
}

template <class T>
void weight_pass(const Geometry& g, long tasks) {
  const ConvArgs& a = *g.a;
  const long K = g.K, O = a.O, wk = O * K;
  if (a.N == 0) {
    std::memset(a.dweight, 0, wk * g.es);
    std::memset(a.dbias, 0, O * g.es);
    return;
  }
  std::vector<T> wide(g.bf16 ? wk + O : 0);  // bfloat16: the sums, rounded once at the end
  T* dw = g.bf16 ? wide.data() : (T*)a.dweight;
  T* db = g.bf16 ? wide.data() + wk : (T*)a.dbias;
  std::vector<T> partials(tasks * (wk + O));
  WeightRun r{&g, tasks, (char*)partials.data()};
  if (tasks > 1) parallel_for(tasks, &weight_task<T>, &r);
  else weight_task<T>(&r, 0);
  // the partials summed in task order (dWᵀ transposed back to [O, K])
  const long rs = g.weight_rows ? K : 1, cs = g.weight_rows ? 1 : O;  // dW[o, k] at o·rs + k·cs
  const T* p0 = partials.data();
  for (long o = 0; o < O; o++)
    for (long k = 0; k < K; k++) dw[o * K + k] = p0[o * rs + k * cs];
  std::memcpy(db, p0 + wk, O * sizeof(T));
  for (long t = 1; t < tasks; t++) {
    const T* p = partials.data() + t * (wk + O);
    for (long o = 0; o < O; o++)
      for (long k = 0; k < K; k++) dw[o * K + k] += p[o * rs + k * cs];
    for (long o = 0; o < O; o++) db[o] += p[wk + o];
  }
  if constexpr (std::is_same<T, float>::value) {
    if (g.bf16) {
      bf16_narrow(wk, dw, (uint16_t*)a.dweight, 1);
      bf16_narrow(O, db, (uint16_t*)a.dbias, 1);
    }
  }
}

// The full-output Winograd kernels of the active ISA (AVX2 or AVX-512; conv.h).
struct WinogradFns {
  void (*pack)(const ConvArgs&, float*, long, long);
  void (*full_image)(const ConvArgs&, const float*, long, float*, long, long);
  void (*weight_images)(const ConvArgs&, long, long, float*, float*);
  void (*weight_finish)(const ConvArgs&, const float*, float*);
};
const WinogradFns& winograd_fns() {
  static const WinogradFns avx2{conv_winograd_pack_weights_avx2, conv_winograd_full_image_avx2, conv_winograd_weight_images_avx2, conv_winograd_weight_finish_avx2};
  static const WinogradFns avx512{conv_winograd_pack_weights_avx512, conv_winograd_full_image_avx512, conv_winograd_weight_images_avx512, conv_winograd_weight_finish_avx512};
  return active_isa() == Isa::avx2 ? avx2 : avx512;
}

// The weight pass of a 3x3 stride-1 layer as Winograd (conv_winograd_weight_avx512.cc,
// conv_winograd_avx2.cc):
// task t sums images [n0, n1) into its partial M [16, O, C] and db [O]; the partials are
// added, then transformed into dW once.
struct WinogradWeight {
  const ConvArgs* a;
  long tasks;
  float* partials;  // tasks x (16·O·C + O)
  static void task(void* ctx, long t) {
    const WinogradWeight& w = *(const WinogradWeight*)ctx;
    const ConvArgs& a = *w.a;
    float* M = w.partials + t * (16 * a.O * a.C + a.O);
    const long n0 = a.N * t / w.tasks, n1 = a.N * (t + 1) / w.tasks;
    winograd_fns().weight_images(a, n0, n1, M, M + 16 * a.O * a.C);
  }
};

// (AVX-512: C and O multiples of 16; AVX2: 2+ input channels, as its forward; from 1 the
// GEMM path is faster, 1.6 against 1.9 ms for the small CNN's 1 -> 32 layer at batch 64.)
bool winograd_weight_ok(const ConvArgs& a) {
  const bool avx2 = active_isa() == Isa::avx2, avx512 = active_isa() == Isa::avx512;
  const bool shape = avx2 ? a.C >= 2 : avx512 && a.C % 16 == 0 && a.O % 16 == 0 && a.oh % 2 == 0 && a.ow % 2 == 0;  // AVX2: any size
  return a.dtype == DType::f32 && shape && a.N > 0 && a.kh == 3 && a.kw == 3 && a.sh == 1 && a.sw == 1 &&
         a.dh == 1 && a.dw == 1;
}

void winograd_weight_pass(const ConvArgs& a, long tasks) {
  const long size = 16 * a.O * a.C + a.O;
  std::vector<float> partials((size_t)tasks * size);
  WinogradWeight w{&a, tasks, partials.data()};
  if (tasks > 1) parallel_for(tasks, &WinogradWeight::task, &w);
  else WinogradWeight::task(&w, 0);
  for (long t = 1; t < tasks; t++)
    for (long i = 0; i < size; i++) partials[i] += partials[t * size + i];
  winograd_fns().weight_finish(a, partials.data(), (float*)a.dweight);
  std::memcpy(a.dbias, partials.data() + 16 * a.O * a.C, a.O * sizeof(float));
}

// The float32 forwards with the weights packed once for the whole batch (AVX-512; on AVX2
// the full-output Winograd only): a 3x3 layer pooled 2x2 as Winograd F(2x2, 3x3) (conv_winograd_avx512.cc); a direct convolution
// (conv_direct_avx512.cc; it also max-pools 2x2 windows in registers) with lanes over
// channels for O a multiple of 16 or over positions for layers with few taps; else the
// implicit GEMM over gathered panels (conv_gemm.inc).
enum class Packed { none, gathered, position_lanes, channel_lanes, winograd, winograd_full };
constexpr long kPositionLanesMaxTaps = 32;

struct PackedChoice {
  Packed kernel;
  bool pooled;  // the kernel writes the pooled output itself (else pool_image afterwards)
};

// Winograd F(2x2, 3x3) over the full output: 3x3, stride 1, undilated. AVX-512: 2x2 tiles
// that cover the output exactly, 4+ input channels to amortise the input transform. AVX2
// (conv_winograd_avx2.cc): any output size (an odd one's last tiles stored in part), 2+
// input channels (a 16-channel 32x32 stem from 3: 1.1 -> 0.6 ms at batch 32; from 1 the
// GEMM path is faster).
bool winograd_full_ok(const ConvArgs& a) {
  const bool avx2 = active_isa() == Isa::avx2, avx512 = active_isa() == Isa::avx512;
  const bool tiles = avx2 ? a.C >= 2 : avx512 && a.C >= 4 && a.oh % 2 == 0 && a.ow % 2 == 0;
  return a.dtype == DType::f32 && tiles && (a.act == Act::none || a.act == Act::relu) && a.kh == 3 && a.kw == 3 &&
         a.sh == 1 && a.sw == 1 && a.dh == 1 && a.dw == 1;
}

PackedChoice choose_packed(const ConvArgs& a, const Geometry& g) {
  if (a.pass != ConvPass::forward || a.dtype != DType::f32 || g.pointwise) return {Packed::none, false};
  // AVX2 has only the full-output Winograd kernel (pooled, if at all, afterwards)
  if (active_isa() == Isa::avx2 && winograd_full_ok(a)) return {Packed::winograd_full, false};
  if (active_isa() != Isa::avx512) return {Packed::none, false};
  const bool act_ok = a.act == Act::none || a.act == Act::relu;
  const bool direct_ok = a.sw == 1 && act_ok;
  const bool window2x2 = a.pkh == 2 && a.pkw == 2 && a.psh == 2 && a.psw == 2;
  const bool pool2x2 = window2x2 && !a.pool_indices;  // what the direct kernels pool
  // Winograd when every output tile is a pooling window (with or without the positions),
  // and there are enough input channels (4+) to amortise the input transform
  if (direct_ok && window2x2 && a.kh == 3 && a.kw == 3 && a.sh == 1 && a.dh == 1 && a.dw == 1 && a.C >= 4)
    return {Packed::winograd, true};
  // and for any 3x3 stride-1 layer with an even output size (pooled, if at all, afterwards)
  if (winograd_full_ok(a)) return {Packed::winograd_full, false};
  // channel lanes store each output through a transposing buffer: with few taps that only
  // pays when pooling has cut the outputs by 4 (1 -> 32 channels: 15% faster)
  if (direct_ok && a.O % 16 == 0 && (g.K > kPositionLanesMaxTaps || pool2x2)) return {Packed::channel_lanes, pool2x2};
  if (direct_ok && g.K <= kPositionLanesMaxTaps) return {Packed::position_lanes, pool2x2};
  // x stride 2 (a downsampling layer): channel lanes broadcast every other input (pooling,
  // if any, afterwards)
  if (act_ok && a.sw == 2 && a.O % 16 == 0 && g.K > kPositionLanesMaxTaps) return {Packed::channel_lanes, false};
  return {Packed::gathered, false};
}

struct PackedForward {
  const Geometry* g;
  PackedChoice use;
  float* weights;
  long parts;  // tasks per image (direct and Winograd: bands of rows or channels)
  static void task(void* ctx, long t) {
    const PackedForward& f = *(const PackedForward*)ctx;
    const ConvArgs& a = *f.g->a;
    const long n = t / f.parts, part = t % f.parts;
    const bool channel_lanes = f.use.kernel == Packed::channel_lanes;
    if (f.use.pooled) {
      float* y = (float*)a.y + n * a.O * a.poh * a.pow;
      if (f.use.kernel == Packed::winograd) conv_winograd_image_avx512(a, f.weights, n, y, part, f.parts);
      else conv_direct_image_avx512(a, channel_lanes, f.weights, n, y, true, part, f.parts);
      return;
    }
    float* out = (float*)forward_dest(*f.g, n);
    if (f.use.kernel == Packed::gathered) conv_forward_image_avx512(a, f.weights, n, out);
    else if (f.use.kernel == Packed::winograd_full) winograd_fns().full_image(a, f.weights, n, out, part, f.parts);
    else conv_direct_image_avx512(a, channel_lanes, f.weights, n, out, false, part, f.parts);
    pool_image(*f.g, n, out);  // only with one part per image
  }
};

// The Winograd weight transform in one part per thread (about 10 us for 32 -> 64 channels,
// a fifth of a batch-1 forward of that layer).
struct WinogradPack {
  const ConvArgs* a;
  float* out;
  long parts;
  static void task(void* ctx, long t) {
    const WinogradPack& p = *(const WinogradPack*)ctx;
    winograd_fns().pack(*p.a, p.out, t, p.parts);
  }
};

// The input pass as direct convolutions of dy (conv_input_avx512.cc): weights and taps
// packed once, then image n (or part of it) per task.
struct PackedInput {
  const ConvArgs* a;
  float* weights;
  long* taps;
  long parts;
  static void task(void* ctx, long t) {
    const PackedInput& p = *(const PackedInput*)ctx;
    conv_input_image_avx512(*p.a, p.weights, p.taps, t / p.parts, t % p.parts, p.parts);
  }
};

float* packed_weights(size_t floats) {
  float* p = (float*)std::aligned_alloc(64, (sizeof(float) * floats + 63) / 64 * 64);
  if (!p) std::abort();
  return p;
}

}  // namespace

size_t conv_winograd_weight_floats(const ConvArgs& a) { return (size_t)16 * a.O * a.C + a.O; }

const float* conv_padded_image(const ConvArgs& a, long n) {
  const float* img = (const float*)a.x + n * a.C * a.H * a.W;
  if (a.ph == 0 && a.pw == 0) return img;
  const long Wp = a.W + 2 * a.pw, Hp = a.H + 2 * a.ph;
  thread_local std::vector<float> padded;
  padded.assign((size_t)a.C * Hp * Wp, 0.0f);
  for (long c = 0; c < a.C; c++)
    for (long iy = 0; iy < a.H; iy++)
      std::memcpy(&padded[(c * Hp + iy + a.ph) * Wp + a.pw], img + (c * a.H + iy) * a.W, a.W * sizeof(float));
  return padded.data();
}

void conv2d(const ConvArgs& a) {
  const bool bf16 = a.dtype == DType::bf16;
  Geometry g{&a, a.C * a.kh * a.kw, a.oh * a.ow, a.dtype == DType::f64 ? 8L : bf16 ? 2L : 4L, false, 1, false, false, false, bf16};
  g.pointwise = a.kh == 1 && a.kw == 1 && a.sh == 1 && a.sw == 1 && a.ph == 0 && a.pw == 0;
  const double macs = (double)a.N * a.O * g.K * g.L;
  const int threads = a.threads < 1 ? 1 : a.threads;
  // images over threads when there are enough of them; otherwise threads inside each GEMM
  const bool spread = threads > 1 && a.N >= threads && macs >= 64.0 * 64 * 64;
  g.inner = spread ? 1 : threads;
  if (a.pass == ConvPass::weight) {
    const long tasks = spread ? threads : 1;
    // few taps: a 1 -> 32 channel 3x3 layer's pass at batch 64 0.45 -> 0.34 ms (then bound by reading dy)
    g.direct_weight = a.dtype == DType::f32 && a.sw == 1 && g.K <= kPositionLanesMaxTaps && active_isa() == Isa::avx512;
    // many taps, O a multiple of 16, one thread per image: over channel-last copies (a
    // 16 -> 16 channel 3x3 layer's pass at batch 32 on 32x32 images 4.4 -> 1.45 ms), or for
    // a 3x3 stride-1 layer as Winograd (1.0 ms; 64 -> 64 channels on 8x8: 2.4 -> 0.8 ms)
    g.channel_weight = !g.direct_weight && a.dtype == DType::f32 && a.O % 16 == 0 && g.inner == 1 && active_isa() == Isa::avx512;
    g.weight_rows = !g.direct_weight && !g.channel_weight && g.K > a.O;
    if (g.inner == 1 && winograd_weight_ok(a)) {
      winograd_weight_pass(a, tasks);
      return;
    }
    if (a.dtype == DType::f64) weight_pass<double>(g, tasks);
    else weight_pass<float>(g, tasks);
    return;
  }
  if (a.pass == ConvPass::input && a.ph <= 2 && a.pw <= 2) {
    // a 3x3 stride-1 layer's input pass is the forward convolution of dy, bordered by 2 - p,
    // with the kernel flipped and its channels swapped: Winograd when that forward is
    ConvArgs f = a;
    f.pass = ConvPass::forward;
    f.x = a.dy; f.C = a.O; f.H = a.oh; f.W = a.ow;
    f.O = a.C; f.ph = 2 - a.ph; f.pw = 2 - a.pw; f.oh = a.H; f.ow = a.W;
    f.bias = nullptr; f.act = Act::none; f.pkh = 0; f.pool_indices = nullptr; f.y = a.dx;
    if (winograd_full_ok(f)) {
      std::vector<float> flipped((size_t)a.O * a.C * 9);
      const float* w = (const float*)a.w;
      for (long o = 0; o < a.O; o++)
        for (long c = 0; c < a.C; c++)
          for (long r = 0; r < 9; r++) flipped[(c * a.O + o) * 9 + 8 - r] = w[(o * a.C + c) * 9 + r];
      f.w = flipped.data();
      conv2d(f);
      return;
    }
  }
  if (a.pass == ConvPass::input && a.dtype == DType::f32 && a.C % 16 == 0 && active_isa() == Isa::avx512) {
    // direct convolutions of dy, lanes over dx's channels: images over the threads, or with
    // fewer images than threads bands of each image's rows
    PackedInput p{&a, packed_weights((size_t)a.O * g.K + a.C), nullptr, 1};
    p.taps = (long*)std::malloc(sizeof(long) * (a.O * a.kh * a.kw > 0 ? a.O * a.kh * a.kw : 1));
    if (!p.taps) std::abort();
    conv_input_pack_avx512(a, p.weights, p.taps);
    if (g.inner > 1 && macs >= 64.0 * 64 * 64) p.parts = (threads + a.N - 1) / a.N;
    const long tasks = a.N * p.parts;
    if (spread || p.parts > 1) parallel_for(tasks, &PackedInput::task, &p);
    else for (long t = 0; t < tasks; t++) PackedInput::task(&p, t);
    std::free(p.taps);
    std::free(p.weights);
    return;
  }
  TaskFn fn = a.pass == ConvPass::forward ? &forward_image : &input_image;
  void* ctx = (void*)&g;
  // The packed forwards. The direct and Winograd ones split an image into parts over the
  // threads when there are fewer images than threads, unless its output is pooled
  // afterwards (which needs the whole image: then the GEMM path, threads inside it; on AVX2
  // Winograd still, one image at a time, so that a pooled layer computes what the same
  // layer unpooled does, bit for bit); the gathered one runs one image per thread.
  PackedForward packed{&g, choose_packed(a, g), nullptr, 1};
  const Packed kernel = packed.use.kernel;
  const bool direct = kernel != Packed::none && kernel != Packed::gathered;
  const bool pooled_after = a.pkh > 0 && !packed.use.pooled;
  if (direct && (g.inner == 1 || !pooled_after || active_isa() == Isa::avx2)) {
    if (g.inner > 1 && macs >= 64.0 * 64 * 64 && !pooled_after) packed.parts = (threads + a.N - 1) / a.N;
    if (kernel == Packed::winograd || kernel == Packed::winograd_full) {
      packed.weights = packed_weights(conv_winograd_weight_floats(a));
      WinogradPack pack{&a, packed.weights, threads};
      if (threads > 1) parallel_for(threads, &WinogradPack::task, &pack);
      else WinogradPack::task(&pack, 0);
    } else {
      packed.weights = packed_weights(a.O * (g.K + 1));
      conv_direct_pack_weights_avx512(a, kernel == Packed::channel_lanes, packed.weights);
    }
  } else if (kernel == Packed::gathered && g.inner == 1) {
    packed.weights = packed_weights(conv_weight_panel_floats_avx512(a));
    conv_pack_weights_avx512(a, packed.weights);
  }
  long tasks = a.N;
  if (packed.weights) {
    fn = &PackedForward::task;
    ctx = &packed;
    tasks = a.N * packed.parts;
  }
  if (spread || tasks > a.N) {
    parallel_for(tasks, fn, ctx);
  } else {
    for (long t = 0; t < tasks; t++) fn(ctx, t);
  }
  std::free(packed.weights);
}

}  // namespace fluxion

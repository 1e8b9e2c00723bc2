// Winograd F(2x2, 3x3) for a 3x3, stride-1, undilated float32 convolution whose output is
// max-pooled 2x2, AVX-512: each 2x2 output tile is one pooling window, so the tiles are
// exactly the pooled outputs (with their positions when training). Per tile, 16 products per input channel instead of
// 36 (2.25x fewer multiplies); the small CNN's 32 -> 64 channel layer (5x5 tiles, a fifth
// of the lanes idle) takes about a fifth less time than the direct convolution.
//   V = Bᵀ d B   (d: the tile's 4x4 input window, per channel)
//   M = Σc U ⊙ V (U = G g Gᵀ: the 3x3 kernel g transformed once per call)
//   Y = Aᵀ M A   (the 2x2 outputs; then their max, the bias, relu)
// with the 16 elements ξ of M computed as 16 small GEMMs, lanes over tiles: M[ξ][o][tiles]
// = Σc U[ξ][o][c] · V[ξ][c][tiles]. The results agree with the direct convolution to float32
// rounding (the transforms only add, subtract and halve); as in every Winograd kernel, an
// infinite input can come out as NaN where the direct sum gives ±inf.
// Compiled with the AVX-512 flags; conv.cc decides when this applies.
// GCC 12 takes the intrinsics' own `__m512 __Y = __Y;` placeholders for uninitialized reads
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "avx512_util.h"
#include "conv.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx512 (or ends in _avx512),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx512 {
namespace {

constexpr int kMaxBlock = 12;  // output channels per GEMM tile: 12 x 32 tiles, 24 accumulators

// The lanes l of a load at column x0 whose column x0 + l lies in [0, W).
inline __mmask16 columns_in(long x0, long W) {
  return (__mmask16)(first_lanes(W - x0) & ~first_lanes(-x0));
}

// V[ξ][c][t] for the tiles of tile rows [ty0, ty1) (tiles = pooled outputs, row by row; t
// counted from ty0's first): element ξ at V + ξ * xi_stride, channel c `stride` floats
// further. 16 tiles of a tile row per vector, the x-transform of each input row done once
// and kept for the two tile rows that share it. Read from image n of x itself, [C, H, W]:
// rows and columns of the window in the padding (ph, pw) are zeros, by the loads' masks
// (masked-off lanes never fault), so the image is not copied into a bordered one first (a
// 16-channel 32x32 image's copy was a twelfth of its forward).
void input_transform(long C, long TX, const float* img, long H, long W, long ph, long pw, long ty0, long ty1, float* V,
                     long stride, long xi_stride) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512 zero = _mm512_setzero_ps();
  for (long c = 0; c < C; c++) {
    const float* plane = img + c * H * W;
    for (long g = 0; g < TX; g += 16) {
      const __mmask16 lanes = first_lanes(TX - g);
      // the columns of the window's loads, from col: col + [0, 16), + [16, 32), + [2, 18), + [18, 34)
      const long col = 2 * g - pw;
      const __mmask16 m0 = columns_in(col, W), m1 = columns_in(col + 16, W);
      const __mmask16 m2 = columns_in(col + 2, W), m3 = columns_in(col + 18, W);
      // input columns 2 * (g + lane) + k, k = 0..3, of one row, transformed along x
      auto row = [&](long y, __m512 (&x)[4]) {
        const long iy = y - ph;
        if (iy < 0 || iy >= H) {
          for (int k = 0; k < 4; k++) x[k] = zero;
          return;
        }
        const float* r = plane + iy * W + col;
        const __m512 s0 = _mm512_maskz_loadu_ps(m0, r), s1 = _mm512_maskz_loadu_ps(m1, r + 16);
        const __m512 u0 = _mm512_maskz_loadu_ps(m2, r + 2), u1 = _mm512_maskz_loadu_ps(m3, r + 18);
        const __m512 d0 = _mm512_permutex2var_ps(s0, even, s1), d1 = _mm512_permutex2var_ps(s0, odd, s1);
        const __m512 d2 = _mm512_permutex2var_ps(u0, even, u1), d3 = _mm512_permutex2var_ps(u0, odd, u1);
        x[0] = _mm512_sub_ps(d0, d2);
        x[1] = _mm512_add_ps(d1, d2);
        x[2] = _mm512_sub_ps(d2, d1);
        x[3] = _mm512_sub_ps(d1, d3);
      };
      __m512 x0[4], x1[4], x2[4], x3[4];  // the window's 4 input rows
      row(2 * ty0, x0);
      row(2 * ty0 + 1, x1);
      for (long ty = ty0; ty < ty1; ty++) {
        row(2 * ty + 2, x2);
        row(2 * ty + 3, x3);
        float* out = V + c * stride + (ty - ty0) * TX + g;
        for (int k = 0; k < 4; k++) {  // along y: element ξ = 4 * i + k
          _mm512_mask_storeu_ps(out + (0 * 4 + k) * xi_stride, lanes, _mm512_sub_ps(x0[k], x2[k]));
          _mm512_mask_storeu_ps(out + (1 * 4 + k) * xi_stride, lanes, _mm512_add_ps(x1[k], x2[k]));
          _mm512_mask_storeu_ps(out + (2 * 4 + k) * xi_stride, lanes, _mm512_sub_ps(x2[k], x1[k]));
          _mm512_mask_storeu_ps(out + (3 * 4 + k) * xi_stride, lanes, _mm512_sub_ps(x1[k], x3[k]));
        }
        for (int k = 0; k < 4; k++) {  // the next window starts two rows down
          x0[k] = x2[k];
          x1[k] = x3[k];
        }
      }
    }
  }
}

struct Block {
  const float* U;      // this channel block's transformed weights: [16][C][OB]
  const float* bias;   // at the block's first channel
  long C;
  const float* V;      // [16][C][stride] (ξ xi_stride apart), at this tile block's first tile
  long stride, xi_stride;
  __mmask16 lanes[2];  // tiles of the two vectors
  bool relu;
  float* out;          // pooled output of the block's first channel, at the first tile
  int32_t* indices;    // the same place in the indices, or null (inference)
  const int32_t* at;   // per tile: the flat position of its output (0, 0) in the conv's plane
  int32_t ow;          // the conv's output width
  long plane;          // distance between channels in the pooled output
};

// OB channels x 32 tiles: the 16 GEMMs into M (L1 scratch), then per channel and tile
// vector the output transform, the window's max, bias, relu.
template <int OB>
void block(const Block& b) {
  alignas(64) float M[16][OB][32];
  for (int xi = 0; xi < 16; xi++) {
    __m512 acc0[OB], acc1[OB];
#pragma GCC unroll 16
    for (int o = 0; o < OB; o++) acc0[o] = acc1[o] = _mm512_setzero_ps();
    const float* u = b.U + xi * b.C * OB;
    const float* v = b.V + xi * b.xi_stride;
    for (long c = 0; c < b.C; c++, u += OB, v += b.stride) {
      const __m512 v0 = _mm512_loadu_ps(v), v1 = _mm512_loadu_ps(v + 16);
#pragma GCC unroll 16
      for (int o = 0; o < OB; o++) {
        const __m512 w = _mm512_set1_ps(u[o]);
        acc0[o] = _mm512_fmadd_ps(w, v0, acc0[o]);
        acc1[o] = _mm512_fmadd_ps(w, v1, acc1[o]);
      }
    }
#pragma GCC unroll 16
    for (int o = 0; o < OB; o++) {
      _mm512_store_ps(M[xi][o], acc0[o]);
      _mm512_store_ps(M[xi][o] + 16, acc1[o]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
  for (int o = 0; o < OB; o++) {
    const __m512 bias = _mm512_set1_ps(b.bias[o]);
    for (int h = 0; h < 2; h++) {
      __m512 r[4][2];  // Aᵀ along x for each row i of M
      for (int i = 0; i < 4; i++) {
        const __m512 m0 = _mm512_load_ps(M[4 * i][o] + 16 * h), m1 = _mm512_load_ps(M[4 * i + 1][o] + 16 * h);
        const __m512 m2 = _mm512_load_ps(M[4 * i + 2][o] + 16 * h), m3 = _mm512_load_ps(M[4 * i + 3][o] + 16 * h);
        r[i][0] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
        r[i][1] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
      }
      __m512 y[4];  // then along y: the tile's outputs in window order (0,0) (0,1) (1,0) (1,1)
      for (int j = 0; j < 2; j++) {
        y[j] = _mm512_add_ps(_mm512_add_ps(r[0][j], r[1][j]), r[2][j]);
        y[2 + j] = _mm512_sub_ps(_mm512_sub_ps(r[1][j], r[2][j]), r[3][j]);
      }
      float* out = b.out + o * b.plane + 16 * h;
      if (!b.indices) {  // inference: the window's max, then bias and relu (monotone)
        __m512 v = _mm512_add_ps(max_nan(max_nan(y[0], y[1]), max_nan(y[2], y[3])), bias);
        if (b.relu) v = max_nan(v, zero);
        _mm512_mask_storeu_ps(out, b.lanes[h], v);
        continue;
      }
      // training: bias and relu first, then the rule of the max pooling kernel (pool.inc),
      // so that the positions are the ones it would pick: the first maximum in window
      // order, or the first NaN
      for (int k = 0; k < 4; k++) {
        y[k] = _mm512_add_ps(y[k], bias);
        if (b.relu) y[k] = max_nan(y[k], zero);
      }
      const __m512i at00 = _mm512_loadu_si512(b.at + 16 * h);
      const int32_t step[4] = {0, 1, b.ow, b.ow + 1};
      __m512 best = y[0];
      __m512i at = at00;
      for (int k = 1; k < 4; k++) {
        const __mmask16 take = _mm512_cmp_ps_mask(y[k], best, _CMP_GT_OQ) |
                               (_mm512_cmp_ps_mask(y[k], y[k], _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q));
        best = _mm512_mask_mov_ps(best, take, y[k]);
        at = _mm512_mask_mov_epi32(at, take, _mm512_add_epi32(at00, _mm512_set1_epi32(step[k])));
      }
      _mm512_mask_storeu_ps(out, b.lanes[h], best);
      _mm512_mask_storeu_epi32(b.indices + o * b.plane + 16 * h, b.lanes[h], at);
    }
  }
}

template <int... I>
constexpr std::array<void (*)(const Block&), sizeof...(I)> blocks(std::integer_sequence<int, I...>) {
  return {&block<I + 1>...};
}

// Output channels in near-equal blocks of at most kMaxBlock: [first, count) of block i.
void channel_block(long O, long i, long* first, long* count) {
  const long n = (O + kMaxBlock - 1) / kMaxBlock;
  *first = O * i / n;
  *count = O * (i + 1) / n - *first;
}

// ---- the full (unpooled) output ----------------------------------------------------------

// Where a vector of 16 tiles goes in the output plane: runs of tiles along one tile row,
// each 2·len outputs of two output rows from offset `at` (the tile row's top output row).
struct TileRuns {
  int n;
  int lane[16], len[16];
  long at[16];
};

void tile_runs(long t0, long T, long TX, long ty0, long ow, TileRuns& r) {
  r.n = 0;
  for (long t = t0; t < t0 + 16 && t < T;) {
    const long ty = ty0 + t / TX, tx = t % TX, len = std::min(std::min(TX - tx, t0 + 16 - t), T - t);
    r.lane[r.n] = (int)(t - t0);
    r.len[r.n] = (int)len;
    r.at[r.n] = 2 * ty * ow + 2 * tx;
    r.n++;
    t += len;
  }
}

struct FullBlock {
  const float* U;       // this channel block's transformed weights: [16][C][OB]
  const float* bias;    // at the block's first channel
  long C;
  const float* V;       // [16][C][stride] (ξ xi_stride apart), at this block's first tile
  long stride, xi_stride;
  bool relu;
  float* out;           // the output plane of the block's first channel
  long plane, ow;
  const TileRuns* runs; // per vector of tiles
};

// OB channels x TV vectors of 16 tiles: the 16 GEMMs into M (L1 scratch), then per channel
// and tile vector the output transform, bias, relu, and the 2x2 outputs of each tile to
// their two output rows (the tiles' pairs interleaved, then stored run by run).
template <int OB, int TV>
void full_block(const FullBlock& b) {
  alignas(64) float M[16][OB][16 * TV];
  for (int xi = 0; xi < 16; xi++) {
    __m512 acc[OB][TV];
#pragma GCC unroll 24
    for (int o = 0; o < OB; o++)
#pragma GCC unroll 2
      for (int h = 0; h < TV; h++) acc[o][h] = _mm512_setzero_ps();
    const float* u = b.U + xi * b.C * OB;
    const float* v = b.V + xi * b.xi_stride;
    for (long c = 0; c < b.C; c++, u += OB, v += b.stride) {
      __m512 vv[TV];
#pragma GCC unroll 2
      for (int h = 0; h < TV; h++) vv[h] = _mm512_loadu_ps(v + 16 * h);
#pragma GCC unroll 24
      for (int o = 0; o < OB; o++) {
        const __m512 w = _mm512_set1_ps(u[o]);
#pragma GCC unroll 2
        for (int h = 0; h < TV; h++) acc[o][h] = _mm512_fmadd_ps(w, vv[h], acc[o][h]);
      }
    }
#pragma GCC unroll 24
    for (int o = 0; o < OB; o++)
#pragma GCC unroll 2
      for (int h = 0; h < TV; h++) _mm512_store_ps(M[xi][o] + 16 * h, acc[o][h]);
  }
  const __m512 zero = _mm512_setzero_ps();
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
  for (int o = 0; o < OB; o++) {
    const __m512 bias = _mm512_set1_ps(b.bias[o]);
    float* const plane = b.out + o * b.plane;
    for (int h = 0; h < TV; h++) {
      __m512 r[4][2];  // Aᵀ along x for each row i of M
      for (int i = 0; i < 4; i++) {
        const __m512 m0 = _mm512_load_ps(M[4 * i][o] + 16 * h), m1 = _mm512_load_ps(M[4 * i + 1][o] + 16 * h);
        const __m512 m2 = _mm512_load_ps(M[4 * i + 2][o] + 16 * h), m3 = _mm512_load_ps(M[4 * i + 3][o] + 16 * h);
        r[i][0] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
        r[i][1] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
      }
      __m512 y[4];  // then along y: the tile's outputs (0,0) (0,1) (1,0) (1,1)
      for (int j = 0; j < 2; j++) {
        y[j] = _mm512_add_ps(_mm512_add_ps(r[0][j], r[1][j]), r[2][j]);
        y[2 + j] = _mm512_sub_ps(_mm512_sub_ps(r[1][j], r[2][j]), r[3][j]);
      }
      for (int k = 0; k < 4; k++) {
        y[k] = _mm512_add_ps(y[k], bias);
        if (b.relu) y[k] = max_nan(y[k], zero);
      }
      // each output row of the tiles: the pairs of its two outputs in tile order
      alignas(64) float row[2][32];
      for (int i = 0; i < 2; i++) {
        _mm512_store_ps(row[i], _mm512_permutex2var_ps(y[2 * i], lo, y[2 * i + 1]));
        _mm512_store_ps(row[i] + 16, _mm512_permutex2var_ps(y[2 * i], hi, y[2 * i + 1]));
      }
      const TileRuns& runs = b.runs[h];
      for (int k = 0; k < runs.n; k++) {
        const long n2 = 2L * runs.len[k];
        for (int i = 0; i < 2; i++) {
          const float* src = row[i] + 2 * runs.lane[k];
          float* dst = plane + runs.at[k] + i * b.ow;
          for (long q = 0; q < n2; q += 16) {
            const __mmask16 m = first_lanes(n2 - q);
            _mm512_mask_storeu_ps(dst + q, m, _mm512_maskz_loadu_ps(m, src + q));
          }
        }
      }
    }
  }
}

template <int TV, int... I>
constexpr std::array<void (*)(const FullBlock&), sizeof...(I)> full_blocks(std::integer_sequence<int, I...>) {
  return {&full_block<I + 1, TV>...};
}

}  // namespace
}  // namespace isa_avx512

using namespace isa_avx512;  // the entry points below

// Block by block (channel_block; part `part` of `parts` of the blocks), U[ξ][c][ob] at
// 16 * C * first; then (part 0) the bias (zeros when there is none). U = G g Gᵀ with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], for 16
// output channels at a time, so that packing stays small next to a batch-1 forward.
void conv_winograd_pack_weights_avx512(const ConvArgs& a, float* out, long part, long parts) {
  const float* w = (const float*)a.w;
  const long C = a.C, nblocks = (a.O + kMaxBlock - 1) / kMaxBlock;
  const long b0 = nblocks * part / parts, b1 = nblocks * (part + 1) / parts;
  const __m512 half = _mm512_set1_ps(0.5f);
  // (a + b + c) / 2 and (a - b + c) / 2
  auto plus = [&](__m512 a, __m512 b, __m512 c) { return _mm512_mul_ps(_mm512_add_ps(_mm512_add_ps(a, b), c), half); };
  auto minus = [&](__m512 a, __m512 b, __m512 c) { return _mm512_mul_ps(_mm512_add_ps(_mm512_sub_ps(a, b), c), half); };
  for (long bi = b0; bi < b1; bi++) {
    long first, count;
    channel_block(a.O, bi, &first, &count);
    float* U = out + 16 * C * first;
    const __mmask16 lanes = first_lanes(count);  // count <= kMaxBlock < 16
    for (long c = 0; c < C; c++) {
      alignas(64) float kernel[9][16];  // element r of each channel's 3x3 kernel (vgatherdps is slow)
      for (long o = 0; o < count; o++)
        for (int r = 0; r < 9; r++) kernel[r][o] = w[((first + o) * C + c) * 9 + r];
      __m512 g[9];
      for (int r = 0; r < 9; r++) g[r] = _mm512_maskz_load_ps(lanes, kernel[r]);
      __m512 t[4][3];  // G g
      for (int j = 0; j < 3; j++) {
        t[0][j] = g[j];
        t[1][j] = plus(g[j], g[3 + j], g[6 + j]);
        t[2][j] = minus(g[j], g[3 + j], g[6 + j]);
        t[3][j] = g[6 + j];
      }
      for (int i = 0; i < 4; i++) {  // (G g) Gᵀ
        const __m512 u[4] = {t[i][0], plus(t[i][0], t[i][1], t[i][2]), minus(t[i][0], t[i][1], t[i][2]), t[i][2]};
        for (int k = 0; k < 4; k++) _mm512_mask_storeu_ps(U + ((4 * i + k) * C + c) * count, lanes, u[k]);
      }
    }
  }
  if (part == 0)
    for (long o = 0; o < a.O; o++) out[16 * a.O * C + o] = a.bias ? ((const float*)a.bias)[o] : 0.0f;
}

void conv_winograd_image_avx512(const ConvArgs& a, const float* packed, long n, float* y, long part, long parts) {
  static constexpr auto kernels = blocks(std::make_integer_sequence<int, kMaxBlock>());
  // Parts split the channel blocks, not the tiles: the GEMMs run 32 tiles at a time, so
  // splitting a 5x5-tile image's rows would double their work.
  const long C = a.C;
  const long nblocks = (a.O + kMaxBlock - 1) / kMaxBlock, b0 = nblocks * part / parts, b1 = nblocks * (part + 1) / parts;
  if (b0 >= b1) return;
  const float* img = (const float*)a.x + n * a.C * a.H * a.W;
  // Bands of whole tile rows, V at most ~256 KiB (L2) unless one row needs more.
  const long TX = a.pow, rows = std::max(1L, std::max(32L, (1L << 16) / (16 * C)) / TX);
  for (long ty0 = 0; ty0 < a.poh; ty0 += rows) {
    const long ty1 = std::min(a.poh, ty0 + rows);
    // ξ planes one cache line more than C rows apart: C * stride floats is often a multiple
    // of 4 KiB, and 16 streams that far apart thrash L1's sets
    const long T = (ty1 - ty0) * TX, stride = (T + 31) / 32 * 32, xi_stride = C * stride + 16;
    // Lanes past the last tile are read by the GEMMs (their results are not stored) and
    // never written: zeros, so that nothing there is a NaN or a denormal; zeroed again
    // only when the layout changes.
    thread_local Scratch<float> V_scratch;
    thread_local long layout[2] = {-1, -1};
    float* const V = layout[0] != T || layout[1] != C ? V_scratch.zeroed((size_t)16 * xi_stride) : V_scratch.p;
    layout[0] = T, layout[1] = C;
    input_transform(C, TX, img, a.H, a.W, a.ph, a.pw, ty0, ty1, V, stride, xi_stride);
    thread_local Scratch<int32_t> at_scratch;  // tile -> its output (0, 0) in the conv's plane
    int32_t* const at = at_scratch.get(stride);
    if (a.pool_indices) {
      for (long t = 0; t < T; t++) at[t] = (int32_t)(2 * (ty0 + t / TX) * a.ow + 2 * (t % TX));
    }

    Block b{};
    b.C = C;
    b.stride = stride;
    b.xi_stride = xi_stride;
    b.relu = a.act == Act::relu;
    b.plane = a.poh * TX;
    b.ow = (int32_t)a.ow;
    for (long t0 = 0; t0 < T; t0 += 32) {
      b.V = V + t0;
      b.lanes[0] = first_lanes(T - t0);
      b.lanes[1] = first_lanes(T - t0 - 16);
      for (long bi = b0; bi < b1; bi++) {
        long first, count;
        channel_block(a.O, bi, &first, &count);
        b.U = packed + 16 * C * first;
        b.bias = packed + 16 * a.O * C + first;
        b.out = y + first * b.plane + ty0 * TX + t0;
        b.indices = a.pool_indices ? a.pool_indices + (n * a.O + first) * b.plane + ty0 * TX + t0 : nullptr;
        b.at = at + t0;
        kernels[count - 1](b);
      }
    }
  }
}

// The full output: the same bands and transforms as above with tiles = 2x2 output blocks
// (oh and ow even), 32 tiles per GEMM block or 16 for the last (an 8x8 image has only 16).
void conv_winograd_full_image_avx512(const ConvArgs& a, const float* packed, long n, float* y, long part, long parts) {
  static constexpr auto kernels1 = full_blocks<1>(std::make_integer_sequence<int, kMaxBlock>());
  static constexpr auto kernels2 = full_blocks<2>(std::make_integer_sequence<int, kMaxBlock>());
  const long C = a.C;
  const long nblocks = (a.O + kMaxBlock - 1) / kMaxBlock, b0 = nblocks * part / parts, b1 = nblocks * (part + 1) / parts;
  if (b0 >= b1) return;
  const float* img = (const float*)a.x + n * a.C * a.H * a.W;
  const long TX = a.ow / 2, TY = a.oh / 2, rows = std::max(1L, std::max(32L, (1L << 16) / (16 * C)) / TX);
  for (long ty0 = 0; ty0 < TY; ty0 += rows) {
    const long ty1 = std::min(TY, ty0 + rows);
    const long T = (ty1 - ty0) * TX, stride = (T + 31) / 32 * 32, xi_stride = C * stride + 16;
    thread_local Scratch<float> V_scratch;  // lanes past the last tile: zeros, as above
    thread_local long layout[2] = {-1, -1};
    float* const V = layout[0] != T || layout[1] != C ? V_scratch.zeroed((size_t)16 * xi_stride) : V_scratch.p;
    layout[0] = T, layout[1] = C;
    input_transform(C, TX, img, a.H, a.W, a.ph, a.pw, ty0, ty1, V, stride, xi_stride);
    FullBlock b{};
    b.C = C;
    b.stride = stride;
    b.xi_stride = xi_stride;
    b.relu = a.act == Act::relu;
    b.plane = a.oh * a.ow;
    b.ow = a.ow;
    TileRuns runs[2];
    b.runs = runs;
    for (long t0 = 0; t0 < T; t0 += 32) {
      const int tv = T - t0 > 16 ? 2 : 1;
      for (int h = 0; h < tv; h++) tile_runs(t0 + 16 * h, T, TX, ty0, a.ow, runs[h]);
      b.V = V + t0;
      for (long bi = b0; bi < b1; bi++) {
        long first, count;
        channel_block(a.O, bi, &first, &count);
        b.U = packed + 16 * C * first;
        b.bias = packed + 16 * a.O * C + first;
        b.out = y + first * b.plane;
        (tv == 2 ? kernels2 : kernels1)[count - 1](b);
      }
    }
  }
}

}  // namespace fluxion

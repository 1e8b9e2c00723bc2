// Winograd F(2x2, 3x3) for a 3x3, stride-1, undilated float32 convolution on AVX2 + FMA
// CPUs (no AVX-512): the full output (any size), with bias and relu or no activation; and
// the weight pass.
// conv.cc also runs a 3x3 stride-1 layer's input pass through it (the forward of dy with
// the kernel flipped). The math is conv_winograd_avx512.cc's, with 8 lanes:
//   V = Bᵀ d B   (d: a 2x2 output tile's 4x4 input window, per channel)
//   M = Σc U ⊙ V (U = G g Gᵀ: the 3x3 kernel g transformed once per call)
//   Y = Aᵀ M A   (the tile's 2x2 outputs)
// the 16 elements ξ of M as 16 small GEMMs with lanes over tiles (tiles numbered row by
// row across the image, so a narrow image's tile rows still fill the vectors): M[ξ][o][t]
// = Σc U[ξ][o][c] · V[ξ][c][t]. 2.25x fewer multiplies than a direct convolution; the
// results agree with it to float32 rounding (the transforms only add, subtract and halve),
// except that an infinite input can come out as NaN where the direct sum gives ±inf.
// Compiled with -mavx2 -mfma; conv.cc decides when this applies.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "conv.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx2 (or ends in _avx2), so
// that native/check_isa.mjs can tell it from portable code.
namespace isa_avx2 {
namespace {

// Output channels per GEMM block: 6 channels x 16 tiles = 12 accumulators, plus two tile
// vectors and a broadcast weight, within the 16 ymm registers.
constexpr int kMaxBlock = 6;

#include "scratch.inc"

// relu that lets a NaN through, as torch's does (vmaxps returns its second operand when
// either is NaN).
inline __m256 relu_nan(__m256 y) { return _mm256_max_ps(_mm256_setzero_ps(), y); }

// The lanes l with x0 + l in [0, W), as a vmaskmovps mask.
inline __m256i columns_in(long x0, long W) {
  const __m256i x = _mm256_add_epi32(_mm256_set1_epi32((int)x0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256i ge0 = _mm256_cmpgt_epi32(x, _mm256_set1_epi32(-1));
  const __m256i ltW = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)W), x);
  return _mm256_and_si256(ge0, ltW);
}

// Even and odd elements of the 16 floats s0, s1 (in order).
inline void deinterleave(__m256 s0, __m256 s1, __m256* even, __m256* odd) {
  const __m256 e = _mm256_shuffle_ps(s0, s1, _MM_SHUFFLE(2, 0, 2, 0));
  const __m256 o = _mm256_shuffle_ps(s0, s1, _MM_SHUFFLE(3, 1, 3, 1));
  *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
  *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

// V[ξ][c][t] for the tiles of tile rows [ty0, ty1) (t counted from ty0's first tile):
// element ξ at V + ξ * xi_stride, channel c `stride` floats further. 8 tiles of a tile row
// per vector, the x-transform of each input row done once and kept for the two tile rows
// that share it. Read from image n of x itself, [C, H, W]: window rows and columns in the
// padding are zeros (rows skipped, columns by masked loads, which never fault). The last,
// partial vector of a tile row is stored whole: its extra lanes land on the next tile
// row's first tiles, written afterwards (vectors go from the row's last to its first), or
// past the band's last tile, where the GEMMs' unused lanes are.
void input_transform(long C, long TX, const float* img, long H, long W, long ph, long pw, long ty0, long ty1, float* V,
                     long stride, long xi_stride) {
  const __m256 zero = _mm256_setzero_ps();
  const long groups = (TX + 7) / 8;
  for (long c = 0; c < C; c++) {
    const float* plane = img + c * H * W;
    for (long gi = groups - 1; gi >= 0; gi--) {
      const long g = 8 * gi;
      // the window's columns: col + [0, 8), + [8, 16), + [2, 10), + [10, 18)
      const long col = 2 * g - pw;
      const bool inside = col >= 0 && col + 18 <= W;
      const __m256i m0 = columns_in(col, W), m1 = columns_in(col + 8, W);
      const __m256i m2 = columns_in(col + 2, W), m3 = columns_in(col + 10, W);
      auto row = [&](long y, __m256 (&x)[4]) {
        const long iy = y - ph;
        if (iy < 0 || iy >= H) {
          for (int k = 0; k < 4; k++) x[k] = zero;
          return;
        }
        const float* r = plane + iy * W + col;
        __m256 s0, s1, u0, u1;
        if (inside) {
          s0 = _mm256_loadu_ps(r), s1 = _mm256_loadu_ps(r + 8), u0 = _mm256_loadu_ps(r + 2), u1 = _mm256_loadu_ps(r + 10);
        } else {
          s0 = _mm256_maskload_ps(r, m0), s1 = _mm256_maskload_ps(r + 8, m1);
          u0 = _mm256_maskload_ps(r + 2, m2), u1 = _mm256_maskload_ps(r + 10, m3);
        }
        __m256 d0, d1, d2, d3;  // input columns 2 * (g + lane) + k
        deinterleave(s0, s1, &d0, &d1);
        deinterleave(u0, u1, &d2, &d3);
        x[0] = _mm256_sub_ps(d0, d2);
        x[1] = _mm256_add_ps(d1, d2);
        x[2] = _mm256_sub_ps(d2, d1);
        x[3] = _mm256_sub_ps(d1, d3);
      };
      __m256 x0[4], x1[4], x2[4], x3[4];  // the window's 4 input rows
      row(2 * ty0, x0);
      row(2 * ty0 + 1, x1);
      for (long ty = ty0; ty < ty1; ty++) {
        row(2 * ty + 2, x2);
        row(2 * ty + 3, x3);
        float* out = V + c * stride + (ty - ty0) * TX + g;
        for (int k = 0; k < 4; k++) {  // along y: element ξ = 4 * i + k
          _mm256_storeu_ps(out + (0 * 4 + k) * xi_stride, _mm256_sub_ps(x0[k], x2[k]));
          _mm256_storeu_ps(out + (1 * 4 + k) * xi_stride, _mm256_add_ps(x1[k], x2[k]));
          _mm256_storeu_ps(out + (2 * 4 + k) * xi_stride, _mm256_sub_ps(x2[k], x1[k]));
          _mm256_storeu_ps(out + (3 * 4 + k) * xi_stride, _mm256_sub_ps(x1[k], x3[k]));
        }
        for (int k = 0; k < 4; k++) {  // the next window starts two rows down
          x0[k] = x2[k];
          x1[k] = x3[k];
        }
      }
    }
  }
}

// Where a vector of 8 tiles goes in the output plane: runs of tiles along one tile row,
// each `cols` outputs (2·len, less one where the run ends an odd-width row) of `rows`
// output rows (2, or 1 for an odd-height output's last tile row) from offset `at` (the
// tile row's top output row).
struct TileRuns {
  int n;
  int lane[8], cols[8], rows[8];
  long at[8];
};

void tile_runs(long t0, long T, long TX, long ty0, long oh, long ow, TileRuns& r) {
  r.n = 0;
  for (long t = t0; t < t0 + 8 && t < T;) {
    const long ty = ty0 + t / TX, tx = t % TX, len = std::min(std::min(TX - tx, t0 + 8 - t), T - t);
    r.lane[r.n] = (int)(t - t0);
    r.cols[r.n] = (int)std::min(2 * len, ow - 2 * tx);
    r.rows[r.n] = (int)std::min(2L, oh - 2 * ty);
    r.at[r.n] = 2 * ty * ow + 2 * tx;
    r.n++;
    t += len;
  }
}

struct Block {
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

// OB channels x TV vectors of 8 tiles: the 16 GEMMs into M (L1 scratch), then per channel
// and tile vector the output transform, bias, relu, and each tile's 2x2 outputs to their
// two output rows (the tiles' pairs interleaved, then stored run by run).
template <int OB, int TV>
void block(const Block& b) {
  alignas(32) float M[16][OB][8 * TV];
  for (int xi = 0; xi < 16; xi++) {
    __m256 acc[OB][TV];
#pragma GCC unroll 12
    for (int o = 0; o < OB; o++)
#pragma GCC unroll 2
      for (int h = 0; h < TV; h++) acc[o][h] = _mm256_setzero_ps();
    const float* u = b.U + xi * b.C * OB;
    const float* v = b.V + xi * b.xi_stride;
    for (long c = 0; c < b.C; c++, u += OB, v += b.stride) {
      __m256 vv[TV];
#pragma GCC unroll 2
      for (int h = 0; h < TV; h++) vv[h] = _mm256_loadu_ps(v + 8 * h);
#pragma GCC unroll 12
      for (int o = 0; o < OB; o++) {
        const __m256 w = _mm256_broadcast_ss(u + o);
#pragma GCC unroll 2
        for (int h = 0; h < TV; h++) acc[o][h] = _mm256_fmadd_ps(w, vv[h], acc[o][h]);
      }
    }
#pragma GCC unroll 12
    for (int o = 0; o < OB; o++)
#pragma GCC unroll 2
      for (int h = 0; h < TV; h++) _mm256_store_ps(M[xi][o] + 8 * h, acc[o][h]);
  }
  for (int o = 0; o < OB; o++) {
    const __m256 bias = _mm256_set1_ps(b.bias[o]);
    float* const plane = b.out + o * b.plane;
    for (int h = 0; h < TV; h++) {
      __m256 r[4][2];  // Aᵀ along x for each row i of M
      for (int i = 0; i < 4; i++) {
        const __m256 m0 = _mm256_load_ps(M[4 * i][o] + 8 * h), m1 = _mm256_load_ps(M[4 * i + 1][o] + 8 * h);
        const __m256 m2 = _mm256_load_ps(M[4 * i + 2][o] + 8 * h), m3 = _mm256_load_ps(M[4 * i + 3][o] + 8 * h);
        r[i][0] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
        r[i][1] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
      }
      __m256 y[4];  // then along y: the tile's outputs (0,0) (0,1) (1,0) (1,1)
      for (int j = 0; j < 2; j++) {
        y[j] = _mm256_add_ps(_mm256_add_ps(r[0][j], r[1][j]), r[2][j]);
        y[2 + j] = _mm256_sub_ps(_mm256_sub_ps(r[1][j], r[2][j]), r[3][j]);
      }
      for (int k = 0; k < 4; k++) {
        y[k] = _mm256_add_ps(y[k], bias);
        if (b.relu) y[k] = relu_nan(y[k]);
      }
      // each output row of the tiles: the pairs of its two outputs in tile order
      __m256 row[2][2];
      for (int i = 0; i < 2; i++) {
        const __m256 lo = _mm256_unpacklo_ps(y[2 * i], y[2 * i + 1]), hi = _mm256_unpackhi_ps(y[2 * i], y[2 * i + 1]);
        row[i][0] = _mm256_permute2f128_ps(lo, hi, 0x20);
        row[i][1] = _mm256_permute2f128_ps(lo, hi, 0x31);
      }
      const TileRuns& runs = b.runs[h];
      if (runs.n == 1 && runs.cols[0] == 16 && runs.rows[0] == 2) {  // 16 outputs of each output row
        for (int i = 0; i < 2; i++) {
          float* dst = plane + runs.at[0] + i * b.ow;
          _mm256_storeu_ps(dst, row[i][0]);
          _mm256_storeu_ps(dst + 8, row[i][1]);
        }
        continue;
      }
      alignas(32) float tmp[2][16];
      for (int i = 0; i < 2; i++) {
        _mm256_store_ps(tmp[i], row[i][0]);
        _mm256_store_ps(tmp[i] + 8, row[i][1]);
      }
      for (int k = 0; k < runs.n; k++)
        for (int i = 0; i < runs.rows[k]; i++)
          std::memcpy(plane + runs.at[k] + i * b.ow, tmp[i] + 2 * runs.lane[k], runs.cols[k] * sizeof(float));
    }
  }
}

// D[ξ][o][t] = (A dY Aᵀ)[ξ] for the tiles of tile rows [ty0, ty1) of image n's dy [O, oh,
// ow] (t counted from ty0's first tile; element ξ at D + ξ * xi_stride, channel o `stride`
// floats further), A = [1 0; 1 1; 1 -1; 0 -1]; and db[o] += the sum of those rows of dy.
// Past an odd size's edge the tiles' gradients are zeros.
// 8 tiles per vector, partial vectors stored whole as in input_transform.
void gradient_transform(long O, long TX, const float* dy, long oh, long ow, long ty0, long ty1, float* D, long stride,
                        long xi_stride, float* db) {
  const __m256 zero = _mm256_setzero_ps();
  const long groups = (TX + 7) / 8;
  for (long o = 0; o < O; o++) {
    const float* plane = dy + o * oh * ow;
    __m256 sum = zero;
    for (long gi = groups - 1; gi >= 0; gi--) {
      const long g = 8 * gi, col = 2 * g;
      const bool inside = col + 16 <= ow;
      const __m256i m0 = columns_in(col, ow), m1 = columns_in(col + 8, ow);
      for (long ty = ty0; ty < ty1; ty++) {
        __m256 e[2][4];  // A along x, for each of the tile's two rows
        for (int a = 0; a < 2; a++) {
          const bool row_in = 2 * ty + a < oh;  // an odd height's last tiles: zeros below
          const float* r = plane + (2 * ty + a) * ow + col;
          const __m256 s0 = !row_in ? zero : inside ? _mm256_loadu_ps(r) : _mm256_maskload_ps(r, m0);
          const __m256 s1 = !row_in ? zero : inside ? _mm256_loadu_ps(r + 8) : _mm256_maskload_ps(r + 8, m1);
          sum = _mm256_add_ps(sum, _mm256_add_ps(s0, s1));
          __m256 d0, d1;
          deinterleave(s0, s1, &d0, &d1);
          e[a][0] = d0;
          e[a][1] = _mm256_add_ps(d0, d1);
          e[a][2] = _mm256_sub_ps(d0, d1);
          e[a][3] = _mm256_sub_ps(zero, d1);
        }
        float* out = D + o * stride + (ty - ty0) * TX + g;
        for (int k = 0; k < 4; k++) {  // then along y
          _mm256_storeu_ps(out + (0 + k) * xi_stride, e[0][k]);
          _mm256_storeu_ps(out + (4 + k) * xi_stride, _mm256_add_ps(e[0][k], e[1][k]));
          _mm256_storeu_ps(out + (8 + k) * xi_stride, _mm256_sub_ps(e[0][k], e[1][k]));
          _mm256_storeu_ps(out + (12 + k) * xi_stride, _mm256_sub_ps(zero, e[1][k]));
        }
      }
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, sum);
    db[o] += ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  }
}

// The weight pass's GEMM tile: M[o][c] += Σt D[o][t] V[c][t] for OB output x CB input
// channels, lanes over tiles (`vectors` of 8; lanes past the buffer's last tile hold zeros),
// the 8 lanes of each sum added at the end.
template <int OB, int CB>
void dot_tile(const float* D, const float* V, long stride, long vectors, float* M, long C) {
  __m256 acc[OB][CB];
#pragma GCC unroll 4
  for (int o = 0; o < OB; o++)
#pragma GCC unroll 4
    for (int c = 0; c < CB; c++) acc[o][c] = _mm256_setzero_ps();
  for (long t = 0; t < 8 * vectors; t += 8) {
    __m256 d[OB];
#pragma GCC unroll 4
    for (int o = 0; o < OB; o++) d[o] = _mm256_loadu_ps(D + o * stride + t);
#pragma GCC unroll 4
    for (int c = 0; c < CB; c++) {
      const __m256 v = _mm256_loadu_ps(V + c * stride + t);
#pragma GCC unroll 4
      for (int o = 0; o < OB; o++) acc[o][c] = _mm256_fmadd_ps(d[o], v, acc[o][c]);
    }
  }
  const __m256 zero = _mm256_setzero_ps();
  for (int o = 0; o < OB; o++) {
    // the four sums of a row at once: pairwise horizontal adds, then the two halves
    const __m256 h01 = _mm256_hadd_ps(acc[o][0], CB > 1 ? acc[o][1 % CB] : zero);
    const __m256 h23 = _mm256_hadd_ps(CB > 2 ? acc[o][2 % CB] : zero, CB > 3 ? acc[o][3 % CB] : zero);
    const __m256 h = _mm256_hadd_ps(h01, h23);
    alignas(16) float sums[4];
    _mm_store_ps(sums, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
    for (int c = 0; c < CB; c++) M[o * C + c] += sums[c];
  }
}

using DotFn = void (*)(const float*, const float*, long, long, float*, long);

template <int OB, int... I>
constexpr std::array<DotFn, sizeof...(I)> dot_row(std::integer_sequence<int, I...>) {
  return {&dot_tile<OB, I + 1>...};
}

// Every dot tile by [OB - 1][CB - 1].
constexpr std::array<std::array<DotFn, 4>, 3> kDotTiles = {dot_row<1>(std::make_integer_sequence<int, 4>()),
                                                           dot_row<2>(std::make_integer_sequence<int, 4>()),
                                                           dot_row<3>(std::make_integer_sequence<int, 4>())};

template <int TV, int... I>
constexpr std::array<void (*)(const Block&), sizeof...(I)> blocks(std::integer_sequence<int, I...>) {
  return {&block<I + 1, TV>...};
}

// Output channels in near-equal blocks of at most kMaxBlock: [first, count) of block i.
void channel_block(long O, long i, long* first, long* count) {
  const long n = (O + kMaxBlock - 1) / kMaxBlock;
  *first = O * i / n;
  *count = O * (i + 1) / n - *first;
}

}  // namespace
}  // namespace isa_avx2

using namespace isa_avx2;  // the entry points below

// Block by block (channel_block; part `part` of `parts` of the blocks), U[ξ][c][ob] at
// 16 * C * first; then (part 0) the bias (zeros when there is none). U = G g Gᵀ with
// G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], in the order of operations of the
// AVX-512 kernel's, so both round alike.
void conv_winograd_pack_weights_avx2(const ConvArgs& a, float* out, long part, long parts) {
  const float* w = (const float*)a.w;
  const long C = a.C, nblocks = (a.O + kMaxBlock - 1) / kMaxBlock;
  const long b0 = nblocks * part / parts, b1 = nblocks * (part + 1) / parts;
  auto plus = [](float a, float b, float c) { return (a + b + c) * 0.5f; };
  auto minus = [](float a, float b, float c) { return (a - b + c) * 0.5f; };
  for (long bi = b0; bi < b1; bi++) {
    long first, count;
    channel_block(a.O, bi, &first, &count);
    float* U = out + 16 * C * first;
    for (long c = 0; c < C; c++)
      for (long o = 0; o < count; o++) {
        const float* g = w + ((first + o) * C + c) * 9;
        float t[4][3];  // G g
        for (int j = 0; j < 3; j++) {
          t[0][j] = g[j];
          t[1][j] = plus(g[j], g[3 + j], g[6 + j]);
          t[2][j] = minus(g[j], g[3 + j], g[6 + j]);
          t[3][j] = g[6 + j];
        }
        for (int i = 0; i < 4; i++) {  // (G g) Gᵀ
          const float u[4] = {t[i][0], plus(t[i][0], t[i][1], t[i][2]), minus(t[i][0], t[i][1], t[i][2]), t[i][2]};
          for (int k = 0; k < 4; k++) U[((4 * i + k) * C + c) * count + o] = u[k];
        }
      }
  }
  if (part == 0)
    for (long o = 0; o < a.O; o++) out[16 * a.O * C + o] = a.bias ? ((const float*)a.bias)[o] : 0.0f;
}

// Image n's output [O, oh, ow] into y (tiles past an odd size's edge read zeros, their
// outputs there not stored), the channel blocks of part `part` of
// `parts`. Bands of whole tile rows keep V within ~128 KiB (a quarter of Zen 3's L2)
// unless one tile row needs more; the GEMMs run 16 tiles at a time, 8 for a last odd one.
void conv_winograd_full_image_avx2(const ConvArgs& a, const float* packed, long n, float* y, long part, long parts) {
  static constexpr auto kernels1 = blocks<1>(std::make_integer_sequence<int, kMaxBlock>());
  static constexpr auto kernels2 = blocks<2>(std::make_integer_sequence<int, kMaxBlock>());
  const long C = a.C;
  const long nblocks = (a.O + kMaxBlock - 1) / kMaxBlock, b0 = nblocks * part / parts, b1 = nblocks * (part + 1) / parts;
  if (b0 >= b1) return;
  const float* img = (const float*)a.x + n * a.C * a.H * a.W;
  const long TX = (a.ow + 1) / 2, TY = (a.oh + 1) / 2, rows = std::max(1L, std::max(16L, (1L << 15) / (16 * C)) / TX);
  for (long ty0 = 0; ty0 < TY; ty0 += rows) {
    const long ty1 = std::min(TY, ty0 + rows);
    // ξ planes a cache line more than C rows apart (16 streams 4 KiB apart thrash L1's
    // sets); rows of tiles padded by 8 for the input transform's whole-vector stores
    const long T = (ty1 - ty0) * TX, stride = (T + 8 + 15) / 16 * 16, xi_stride = C * stride + 16;
    // zeros where nothing is stored, so the GEMMs' unused lanes never see NaNs or denormals
    thread_local Scratch<float> V_scratch;
    thread_local long layout[2] = {-1, -1};
    float* const V = layout[0] != T || layout[1] != C ? V_scratch.zeroed((size_t)16 * xi_stride) : V_scratch.p;
    layout[0] = T, layout[1] = C;
    input_transform(C, TX, img, a.H, a.W, a.ph, a.pw, ty0, ty1, V, stride, xi_stride);
    Block b{};
    b.C = C;
    b.stride = stride;
    b.xi_stride = xi_stride;
    b.relu = a.act == Act::relu;
    b.plane = a.oh * a.ow;
    b.ow = a.ow;
    TileRuns runs[2];
    b.runs = runs;
    for (long t0 = 0; t0 < T; t0 += 16) {
      const int tv = T - t0 > 8 ? 2 : 1;
      for (int h = 0; h < tv; h++) tile_runs(t0 + 8 * h, T, TX, ty0, a.oh, a.ow, runs[h]);
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

// The weight pass (see conv.h): dg = Gᵀ [Σ tiles (A dY Aᵀ) ⊙ (Bᵀ d B)] G per (output, input)
// channel pair, the sum over tiles as 16 GEMMs M[ξ] += D[ξ] · V[ξ]ᵀ whose inner dimension,
// the tiles, is the lanes (dot_tile). Bands of tile rows of images [n0, n1) fill buffers of
// V [16][C][TB] and D [16][O][TB] (one ξ of both, what a GEMM reads, about 32 KiB),
// flushed into M when the next band does not fit.
void conv_winograd_weight_images_avx2(const ConvArgs& a, long n0, long n1, float* M, float* db) {
  const long C = a.C, O = a.O, TX = (a.ow + 1) / 2, TY = (a.oh + 1) / 2;
  std::memset(M, 0, sizeof(float) * 16 * O * C);
  std::memset(db, 0, sizeof(float) * O);
  const long rows = std::max(1L, std::max(16L, 16384 / (C + O)) / TX), TB = rows * TX;
  // tile rows 8 longer for the transforms' whole-vector stores; ξ planes a cache line
  // more than a multiple of 4 KiB apart
  const long stride = (TB + 8 + 7) / 8 * 8, xiV = C * stride + 16, xiD = O * stride + 16;
  // no zeroing: the transforms write every tile before a flush reads it, and flush zeroes
  // the lanes past the last tile that its whole vectors read
  thread_local Scratch<float> buffer;
  float* const V = buffer.get((size_t)16 * (xiV + xiD));
  float* const D = V + 16 * xiV;
  // M += the buffer's t tiles, lanes past them zeroed first (they hold what the transforms
  // spilled there, or an earlier flush's tiles)
  auto flush = [&](long t) {
    const long vectors = (t + 7) / 8;
    const __m256 zero = _mm256_setzero_ps();
    if (t % 8)
      for (long xi = 0; xi < 16; xi++) {
        for (long c = 0; c < C; c++) _mm256_storeu_ps(V + xi * xiV + c * stride + t, zero);
        for (long o = 0; o < O; o++) _mm256_storeu_ps(D + xi * xiD + o * stride + t, zero);
      }
    for (long xi = 0; xi < 16; xi++)
      for (long o0 = 0; o0 < O; o0 += 3)
        for (long c0 = 0; c0 < C; c0 += 4) {
          const long ob = std::min(3L, O - o0), cb = std::min(4L, C - c0);
          kDotTiles[ob - 1][cb - 1](D + xi * xiD + o0 * stride, V + xi * xiV + c0 * stride, stride, vectors,
                                    M + (xi * O + o0) * C + c0, C);
        }
  };
  long t = 0;  // tiles in the buffers
  for (long n = n0; n < n1; n++) {
    const float* img = (const float*)a.x + n * C * a.H * a.W;
    const float* dy = (const float*)a.dy + n * O * a.oh * a.ow;
    for (long ty0 = 0; ty0 < TY; ty0 += rows) {
      const long ty1 = std::min(TY, ty0 + rows);
      if (t + (ty1 - ty0) * TX > TB) {
        flush(t);
        t = 0;
      }
      input_transform(C, TX, img, a.H, a.W, a.ph, a.pw, ty0, ty1, V + t, stride, xiV);
      gradient_transform(O, TX, dy, a.oh, a.ow, ty0, ty1, D + t, stride, xiD, db);
      t += (ty1 - ty0) * TX;
    }
  }
  if (t > 0) flush(t);
}

// dW[o][c] = Gᵀ M[o][c] G with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], 8 channel
// pairs (o, c) at a time.
void conv_winograd_weight_finish_avx2(const ConvArgs& a, const float* M, float* dw) {
  const long OC = a.O * a.C;
  const __m256 half = _mm256_set1_ps(0.5f);
  for (long oc0 = 0; oc0 < OC; oc0 += 8) {
    const long count = std::min(8L, OC - oc0);
    __m256 m[4][4], h[3][4];
    for (int xi = 0; xi < 16; xi++) {
      alignas(32) float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      std::memcpy(lanes, M + xi * OC + oc0, count * sizeof(float));
      m[xi / 4][xi % 4] = _mm256_load_ps(lanes);
    }
    auto sum = [&](__m256 u, __m256 v) { return _mm256_mul_ps(half, _mm256_add_ps(u, v)); };
    auto diff = [&](__m256 u, __m256 v) { return _mm256_mul_ps(half, _mm256_sub_ps(u, v)); };
    for (int k = 0; k < 4; k++) {  // Gᵀ along y
      h[0][k] = _mm256_add_ps(m[0][k], sum(m[1][k], m[2][k]));
      h[1][k] = diff(m[1][k], m[2][k]);
      h[2][k] = _mm256_add_ps(sum(m[1][k], m[2][k]), m[3][k]);
    }
    alignas(32) float taps[9][8];
    for (int r = 0; r < 3; r++) {  // then along x
      _mm256_store_ps(taps[3 * r + 0], _mm256_add_ps(h[r][0], sum(h[r][1], h[r][2])));
      _mm256_store_ps(taps[3 * r + 1], diff(h[r][1], h[r][2]));
      _mm256_store_ps(taps[3 * r + 2], _mm256_add_ps(sum(h[r][1], h[r][2]), h[r][3]));
    }
    for (long j = 0; j < count; j++)  // [o][c][3][3]: oc = o·C + c
      for (int r = 0; r < 9; r++) dw[(oc0 + j) * 9 + r] = taps[r][j];
  }
}

}  // namespace fluxion

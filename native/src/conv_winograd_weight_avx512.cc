// The weight-gradient pass of a 3x3, stride-1, undilated float32 convolution as Winograd
// F(2x2, 3x3), AVX-512, for C and O multiples of 16 and an even output size. The forward
// of one 2x2 output tile is Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A (conv_winograd_avx512.cc), so
//   dg = Gᵀ [ Σ tiles (A dY Aᵀ) ⊙ (Bᵀ d B) ] G
// per (output, input) channel pair: with V = Bᵀ d B (the tile's 4x4 input window) and
// D = A dY Aᵀ (its 2x2 output gradient), the 16 elements ξ of M[o][c] = Σ tiles D[o] V[c]
// are 16 GEMMs whose inner dimension is every tile of every image (16 products per tile
// and channel pair instead of 36), and the 3x3 transform Gᵀ M G runs once per call, after
// the threads' partial sums of M are added. Tiles are gathered from the channel-last copies
// (conv_channel_last_avx512.h) into a buffer, lanes over channels: V[ξ][t][C] and
// D[ξ][t][O]; a GEMM tile is OB output channels x CV vectors of 16 input channels in
// registers, per tile CV loads of V and OB values of D broadcast. The results agree with
// the direct sum to float32 rounding (the transforms only add, subtract and halve).
// Compiled with the AVX-512 flags; conv.cc decides when this applies.
// GCC 12 takes the intrinsics' own `__m512 __Y = __Y;` placeholders for uninitialized reads
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "avx512_util.h"
#include "conv.h"
#include "conv_channel_last_avx512.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx512 (or ends in _avx512),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx512 {
namespace {

constexpr int kAccumulators = 24;

// V of one tile, 16 input channels: the 4x4 window's pixels (rows Wp·C apart, columns C
// apart) through Bᵀ along x, then along y; element ξ = 4·i + k at V + ξ·xi.
inline void input_tile(const float* px, long row, long col, float* V, long xi) {
  __m512 r[4][4];
  for (int i = 0; i < 4; i++) {
    const float* p = px + i * row;
    const __m512 d0 = _mm512_loadu_ps(p), d1 = _mm512_loadu_ps(p + col);
    const __m512 d2 = _mm512_loadu_ps(p + 2 * col), d3 = _mm512_loadu_ps(p + 3 * col);
    r[i][0] = _mm512_sub_ps(d0, d2);
    r[i][1] = _mm512_add_ps(d1, d2);
    r[i][2] = _mm512_sub_ps(d2, d1);
    r[i][3] = _mm512_sub_ps(d1, d3);
  }
  for (int k = 0; k < 4; k++) {
    _mm512_storeu_ps(V + (0 + k) * xi, _mm512_sub_ps(r[0][k], r[2][k]));
    _mm512_storeu_ps(V + (4 + k) * xi, _mm512_add_ps(r[1][k], r[2][k]));
    _mm512_storeu_ps(V + (8 + k) * xi, _mm512_sub_ps(r[2][k], r[1][k]));
    _mm512_storeu_ps(V + (12 + k) * xi, _mm512_sub_ps(r[1][k], r[3][k]));
  }
}

// D of one tile, 16 output channels: its 2x2 gradients (rows ow·O apart, columns O apart)
// through A = [1 0; 1 1; 1 -1; 0 -1] along x, then along y.
inline void gradient_tile(const float* pd, long row, long col, float* D, long xi) {
  __m512 e[2][4];
  for (int a = 0; a < 2; a++) {
    const __m512 d0 = _mm512_loadu_ps(pd + a * row), d1 = _mm512_loadu_ps(pd + a * row + col);
    e[a][0] = d0;
    e[a][1] = _mm512_add_ps(d0, d1);
    e[a][2] = _mm512_sub_ps(d0, d1);
    e[a][3] = d1;  // negated below, with the row sign folded in
  }
  const __m512 zero = _mm512_setzero_ps();
  for (int k = 0; k < 4; k++) {
    // column 3 is -d1: flip its sign through the y combinations
    const __m512 e0 = k == 3 ? _mm512_sub_ps(zero, e[0][k]) : e[0][k];
    const __m512 e1 = k == 3 ? _mm512_sub_ps(zero, e[1][k]) : e[1][k];
    _mm512_storeu_ps(D + (0 + k) * xi, e0);
    _mm512_storeu_ps(D + (4 + k) * xi, _mm512_add_ps(e0, e1));
    _mm512_storeu_ps(D + (8 + k) * xi, _mm512_sub_ps(e0, e1));
    _mm512_storeu_ps(D + (12 + k) * xi, _mm512_sub_ps(zero, e1));
  }
}

struct Gemm {
  const float* D;  // [T][O] of element ξ, at the tile's first output channel
  long O;
  const float* V;  // [T][C] of element ξ, at the tile's first input channel
  long C;
  long T;
  float* M;        // [O][C] of element ξ, at the tile's first output and input channel
};

// M[o][c] += Σt D[t][o] V[t][c] for OB output channels x CV vectors of 16 input channels.
template <int OB, int CV>
void gemm_tile(const Gemm& g) {
  __m512 acc[OB][CV];
#pragma GCC unroll 24
  for (int o = 0; o < OB; o++)
#pragma GCC unroll 4
    for (int v = 0; v < CV; v++) acc[o][v] = _mm512_loadu_ps(g.M + o * g.C + 16 * v);
  const float* d = g.D;
  const float* x = g.V;
  for (long t = 0; t < g.T; t++, d += g.O, x += g.C) {
    __m512 xv[CV];
#pragma GCC unroll 4
    for (int v = 0; v < CV; v++) xv[v] = _mm512_loadu_ps(x + 16 * v);
#pragma GCC unroll 24
    for (int o = 0; o < OB; o++) {
      const __m512 dv = _mm512_set1_ps(d[o]);
#pragma GCC unroll 4
      for (int v = 0; v < CV; v++) acc[o][v] = _mm512_fmadd_ps(dv, xv[v], acc[o][v]);
    }
  }
#pragma GCC unroll 24
  for (int o = 0; o < OB; o++)
#pragma GCC unroll 4
    for (int v = 0; v < CV; v++) _mm512_storeu_ps(g.M + o * g.C + 16 * v, acc[o][v]);
}

using GemmFn = void (*)(const Gemm&);

template <int CV, int... I>
constexpr std::array<GemmFn, sizeof...(I)> gemm_tiles(std::integer_sequence<int, I...>) {
  return {&gemm_tile<I + 1, CV>...};
}

// Elements ξ of the buffer one cache line more than a multiple of its tiles apart: TB·C
// floats is a multiple of 4 KiB, and 16 stores that far apart would all land in one of L1's
// sets.
long xi_stride(long TB, long channels) { return TB * channels + 16; }

// The buffer's T tiles into M: per element ξ, blocks of output channels (near-equal, at
// most 24 / CV) x blocks of CV vectors of input channels.
void flush(const float* V, const float* D, long T, long TB, long C, long O, float* M) {
  static constexpr auto tiles1 = gemm_tiles<1>(std::make_integer_sequence<int, kAccumulators>());
  static constexpr auto tiles2 = gemm_tiles<2>(std::make_integer_sequence<int, kAccumulators / 2>());
  const int CV = C % 32 == 0 ? 2 : 1;
  const GemmFn* const tiles = CV == 2 ? tiles2.data() : tiles1.data();
  const long most = kAccumulators / CV, oblocks = (O + most - 1) / most;
  for (long xi = 0; xi < 16; xi++)
    for (long b = 0; b < oblocks; b++) {
      const long o0 = O * b / oblocks, o1 = O * (b + 1) / oblocks;
      for (long c0 = 0; c0 < C; c0 += 16 * CV) {
        const Gemm g{D + xi * xi_stride(TB, O) + o0, O, V + xi * xi_stride(TB, C) + c0, C, T, M + (xi * O + o0) * C + c0};
        tiles[o1 - o0 - 1](g);
      }
    }
}

}  // namespace
}  // namespace isa_avx512

using namespace isa_avx512;  // the entry points below

void conv_winograd_weight_images_avx512(const ConvArgs& a, long n0, long n1, float* M, float* db) {
  const long C = a.C, O = a.O, TX = a.ow / 2, TY = a.oh / 2;
  std::memset(M, 0, sizeof(float) * 16 * O * C);
  std::memset(db, 0, sizeof(float) * O);
  // tiles per buffer: V and D together about 512 KiB (half of L2), one element ξ of them
  // (a GEMM's operands) 32 KiB
  const long TB = std::max(16L, std::min(256L, 8192 / (C + O)));
  thread_local Scratch<float> buffer;
  float* const V = buffer.get((size_t)16 * (xi_stride(TB, C) + xi_stride(TB, O)));
  float* const D = V + 16 * xi_stride(TB, C);
  long t = 0;
  for (long n = n0; n < n1; n++) {
    const ChannelLast cl = channel_last(a, n, db);
    for (long ty = 0; ty < TY; ty++)
      for (long tx = 0; tx < TX; tx++) {
        const float* px = cl.x + (2 * ty * cl.Wp + 2 * tx) * C;
        for (long c = 0; c < C; c += 16) input_tile(px + c, cl.Wp * C, C, V + t * C + c, xi_stride(TB, C));
        const float* pd = cl.dy + (2 * ty * a.ow + 2 * tx) * O;
        for (long o = 0; o < O; o += 16) gradient_tile(pd + o, a.ow * O, O, D + t * O + o, xi_stride(TB, O));
        if (++t == TB) {
          flush(V, D, t, TB, C, O, M);
          t = 0;
        }
      }
  }
  if (t > 0) flush(V, D, t, TB, C, O, M);
}

// dW[o][c] = Gᵀ M[o][c] G with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
void conv_winograd_weight_finish_avx512(const ConvArgs& a, const float* M, float* dw) {
  const long C = a.C, O = a.O, OC = O * C;
  for (long oc = 0; oc < OC; oc++) {
    float m[4][4], h[3][4];
    for (int xi = 0; xi < 16; xi++) m[xi / 4][xi % 4] = M[xi * OC + oc];
    for (int k = 0; k < 4; k++) {  // Gᵀ along y
      h[0][k] = m[0][k] + 0.5f * (m[1][k] + m[2][k]);
      h[1][k] = 0.5f * (m[1][k] - m[2][k]);
      h[2][k] = 0.5f * (m[1][k] + m[2][k]) + m[3][k];
    }
    float* out = dw + oc * 9;  // [o][c][3][3]: oc = o·C + c
    for (int r = 0; r < 3; r++) {  // then along x
      out[3 * r + 0] = h[r][0] + 0.5f * (h[r][1] + h[r][2]);
      out[3 * r + 1] = 0.5f * (h[r][1] - h[r][2]);
      out[3 * r + 2] = 0.5f * (h[r][1] + h[r][2]) + h[r][3];
    }
  }
}

}  // namespace fluxion

// The weight-gradient pass of a convolution, AVX-512 float32, for O a multiple of 16:
// dWᵀ[c, i, j][o] += Σ positions x[c][y·s + i·d][x·s + j·d] · dy[o][y][x] as a direct
// convolution over channel-last copies of one image: dy transposed to [positions][O] and
// x to a zero-bordered [Hp][Wp][C]. A tile is one tap, CB input channels x V vectors of 16
// output channels in registers, summed over all of the image's positions: per position V
// loads of dy and CB values of x broadcast (consecutive channels of one pixel) feed
// CB x V FMAs. This replaces a GEMM per image over an unfolded column matrix whose 16- or
// 32-wide O side left the GEMM's tiles half empty (a 16 -> 16 channel 3x3 layer on 32x32
// images ran at 40% of the forward's speed). The copies and the bias gradient:
// conv_channel_last_avx512.h.
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

struct Tile {
  const float* x;  // channel-last bordered image at this tile's tap, first channel
  long xrow;       // floats from one output row's inputs to the next's (sh·Wp·C)
  long xstep;      // floats from one output position's input to the next's (sw·C)
  const float* dy; // [positions][O] at the tile's first output channel
  long O;
  long oh, ow;
  float* dwt;      // dWᵀ at (first channel, tap) and the first output channel
  long dstride;    // floats between consecutive input channels' rows of dWᵀ (kh·kw·O)
};

template <int CB, int V>
void weight_tile(const Tile& t) {
  __m512 acc[CB][V];
#pragma GCC unroll 24
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 4
    for (int v = 0; v < V; v++) acc[c][v] = _mm512_setzero_ps();
  for (long y = 0; y < t.oh; y++) {
    const float* xp = t.x + y * t.xrow;
    const float* dp = t.dy + y * t.ow * t.O;
    for (long x = 0; x < t.ow; x++, xp += t.xstep, dp += t.O) {
      __m512 d[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) d[v] = _mm512_loadu_ps(dp + 16 * v);
#pragma GCC unroll 24
      for (int c = 0; c < CB; c++) {
        const __m512 xc = _mm512_set1_ps(xp[c]);
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) acc[c][v] = _mm512_fmadd_ps(xc, d[v], acc[c][v]);
      }
    }
  }
#pragma GCC unroll 24
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 4
    for (int v = 0; v < V; v++) {
      float* dst = t.dwt + c * t.dstride + 16 * v;
      _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), acc[c][v]));
    }
}

using TileFn = void (*)(const Tile&);

template <int V, int... I>
constexpr std::array<TileFn, sizeof...(I)> weight_tiles(std::integer_sequence<int, I...>) {
  return {&weight_tile<I + 1, V>...};
}

// Output-channel vectors per tile: 2 where O allows (a quarter fewer loads per FMA than 1),
// 1 for O an odd multiple of 16.
int vectors_per_tile(long O) { return O % 32 == 0 ? 2 : 1; }

}  // namespace
}  // namespace isa_avx512

using namespace isa_avx512;  // the entry points below

void conv_weight_image_avx512(const ConvArgs& a, long n, float* dwt, float* db, bool first) {
  static constexpr auto tiles1 = weight_tiles<1>(std::make_integer_sequence<int, kAccumulators>());
  static constexpr auto tiles2 = weight_tiles<2>(std::make_integer_sequence<int, kAccumulators / 2>());
  const long C = a.C, O = a.O, kk = a.kh * a.kw, K = C * kk;
  if (first) {
    std::memset(dwt, 0, K * O * sizeof(float));
    std::memset(db, 0, O * sizeof(float));
  }
  const ChannelLast cl = channel_last(a, n, db);
  const float* const xT = cl.x;
  const float* const dyT = cl.dy;
  const long Wp = cl.Wp;
  const int V = vectors_per_tile(O), most = kAccumulators / V;
  const TileFn* const tiles = V == 2 ? tiles2.data() : tiles1.data();
  const long cblocks = (C + most - 1) / most;
  Tile t{};
  t.xrow = a.sh * Wp * C;
  t.xstep = a.sw * C;
  t.O = O;
  t.oh = a.oh;
  t.ow = a.ow;
  t.dstride = kk * O;
  for (long o0 = 0; o0 < O; o0 += 16 * V)
    for (long i = 0; i < a.kh; i++)
      for (long j = 0; j < a.kw; j++)
        for (long b = 0; b < cblocks; b++) {
          const long c0 = C * b / cblocks, c1 = C * (b + 1) / cblocks;
          Tile u = t;
          u.x = xT + (i * a.dh * Wp + j * a.dw) * C + c0;
          u.dy = dyT + o0;
          u.dwt = dwt + (c0 * kk + i * a.kw + j) * O + o0;
          tiles[c1 - c0 - 1](u);
        }
}

}  // namespace fluxion

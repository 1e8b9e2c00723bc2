// The channel-lanes tile of the AVX-512 float32 direct convolutions, shared by the forward
// (conv_direct_avx512.cc) and the input-gradient pass (conv_input_avx512.cc, which runs the
// transposed convolution as direct convolutions of dy): P output positions along one row x
// CV vectors of 16 output channels in registers, each tap two (or one) weight vectors times
// input values broadcast from L1. Only for translation units compiled with the AVX-512
// flags; everything has internal linkage in isa_avx512 (see native/check_isa.mjs).
#pragma once

#include <immintrin.h>

#include <array>
#include <utility>

#include "avx512_util.h"

namespace fluxion {
namespace isa_avx512 {
namespace {

constexpr int kSpan = 24;  // positions x channel vectors per tile (accumulators)

struct ChannelTile {
  const float* w;       // packed weights of this block of 16 * CV channels: [K][CV][16]
  long K;
  const long* taps;     // input offset of each tap
  const float* in[2];   // the input under the tile's first position, per row (pooled: 2)
  const float* bias;    // at the block's first channel
  bool relu;
  float* out;           // channel 0 at the tile's first (pooled) position
  long plane;           // distance between channels in the output
  long ostep;           // distance between the tile's consecutive outputs (1 but in the input pass)
};

// P positions of one output row x CV vectors of 16 channels (P * CV <= 24 accumulators),
// position p reading the input at in[S * p] (S: the x stride); pooled, the window's two
// rows one after the other, the first's column maxima kept.
template <int P, int CV, bool Pool, int S>
void channel_tile(const ChannelTile& t) {
  constexpr int kOut = Pool ? P / 2 : P;  // outputs per channel
  __m512 kept[kOut][CV];
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int r = 0; r < (Pool ? 2 : 1); r++) {
    __m512 acc[P][CV];
#pragma GCC unroll 16
    for (int p = 0; p < P; p++)
#pragma GCC unroll 4
      for (int v = 0; v < CV; v++) acc[p][v] = zero;
    const float* w = t.w;
    for (long k = 0; k < t.K; k++, w += 16 * CV) {
      __m512 wk[CV];
#pragma GCC unroll 4
      for (int v = 0; v < CV; v++) wk[v] = _mm512_load_ps(w + 16 * v);
      const float* in = t.in[r] + t.taps[k];
#pragma GCC unroll 24
      for (int p = 0; p < P; p++) {
        const __m512 x = _mm512_set1_ps(in[S * p]);
#pragma GCC unroll 4
        for (int v = 0; v < CV; v++) acc[p][v] = _mm512_fmadd_ps(wk[v], x, acc[p][v]);
      }
    }
    // NaN-propagating maxes: the epilogue is small next to K > 32 taps
#pragma GCC unroll 24
    for (int j = 0; j < kOut; j++)
#pragma GCC unroll 4
      for (int v = 0; v < CV; v++) {
        if constexpr (!Pool) kept[j][v] = acc[j][v];
        else if (r == 0) kept[j][v] = max_nan(acc[2 * j][v], acc[2 * j + 1][v]);
        else kept[j][v] = max_nan(kept[j][v], max_nan(acc[2 * j][v], acc[2 * j + 1][v]));
      }
  }
  // Bias, relu, and each vector (16 channels at one output position) to the channels'
  // planes through a buffer: vscatterdps costs about 12 cycles per element on Zen 4.
  alignas(64) float buf[kOut][16];
  const long step = Pool ? 1 : t.ostep;
#pragma GCC unroll 4
  for (int v = 0; v < CV; v++) {
    const __m512 bias = _mm512_loadu_ps(t.bias + 16 * v);
#pragma GCC unroll 24
    for (int j = 0; j < kOut; j++) {
      const __m512 y = _mm512_add_ps(kept[j][v], bias);
      _mm512_store_ps(buf[j], t.relu ? max_nan(y, zero) : y);
    }
    float* out = t.out + v * 16 * t.plane;
    for (int l = 0; l < 16; l++)
      for (int j = 0; j < kOut; j++) out[l * t.plane + j * step] = buf[j][l];
  }
}

// The tiles of widths 1..N, for a width known only at run time.
template <int CV, bool Pool, int S, int... I>
constexpr std::array<void (*)(const ChannelTile&), sizeof...(I)> channel_tiles(std::integer_sequence<int, I...>) {
  return {&channel_tile<I + 1, CV, Pool, S>...};
}

using ChannelTileFn = void (*)(const ChannelTile&);

// The table of tile widths 1..kSpan / CV for CV (1 or 2) channel vectors, pooled or not, x
// stride S (1 or 2; pooled: 1).
template <int CV, bool Pool, int S>
const ChannelTileFn* channel_tile_table() {
  static constexpr auto table = channel_tiles<CV, Pool, S>(std::make_integer_sequence<int, kSpan / CV>());
  return table.data();
}

}  // namespace
}  // namespace isa_avx512
}  // namespace fluxion

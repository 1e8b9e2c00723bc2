// Direct convolutions, AVX-512 float32, x stride 1: no column matrix and no panels, the
// vectors are loaded or broadcast straight from the image. Two layouts:
// - Lanes over output positions, for few taps (C·kh·kw small, e.g. a first layer on 1- or
//   3-channel images), where the GEMM forms spend their time building panels and storing
//   tiles around a K of 9..27. A tile is 12 channels x 16 positions of two output rows:
//   each tap is one masked load per row that feeds 12 FMAs, the weights broadcast.
// - Lanes over output channels (O a multiple of 16), for many taps: a tile is up to 12
//   positions of one output row x 32 channels (24 x 16 when O is an odd multiple of 16),
//   each tap two weight vectors times image values broadcast from L1. No lane is wasted on
//   a row's ragged end (a 13x13 image's 11-wide rows leave the implicit GEMM's 32-wide
//   panels partly empty, and pooling drops a row and a column that need not be computed at
//   all), and nothing is gathered.
// With a 2x2 stride-2 max pool asked (and no indices), a tile covers a pooling window's two
// rows: it is pooled in registers and only the pooled output is stored. The weight pass of
// a few-tap layer is here too (lanes over positions, per-lane partial sums over dy).
// Compiled with the AVX-512 flags; conv.cc decides when this applies.
// GCC 12 takes the intrinsics' own `__m512 __Y = __Y;` placeholders for uninitialized reads
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "avx512_util.h"
#include "conv.h"
#include "conv_channel_tile_avx512.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx512 (or ends in _avx512),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx512 {
namespace {

constexpr int kBlock = 12;  // positions layout: channels per tile (2 x 12 accumulators)

struct PositionTile {
  const float* w;      // packed weights of this channel block: [K][ob]
  long K;
  const long* taps;    // input offset of each tap (c, i, j)
  const float* in[2];  // the input under output position 0 of each of the two vectors
  __mmask16 load[2];   // valid lanes of each vector (0: no second vector)
  const float* bias;   // at the block's first channel
  bool relu;
  float* out[2];       // where each vector's channel 0 goes (pooled: out[0] only)
  long plane;          // distance between channels in the output
  __mmask16 store;     // pooled: lanes of out[0] to write
};

template <int OB, bool Pool>
void position_tile(const PositionTile& t) {
  __m512 acc0[OB], acc1[OB];
#pragma GCC unroll 16
  for (int o = 0; o < OB; o++) acc0[o] = acc1[o] = _mm512_setzero_ps();
  const float* w = t.w;
  for (long k = 0; k < t.K; k++, w += OB) {
    const long off = t.taps[k];
    const __m512 x0 = _mm512_maskz_loadu_ps(t.load[0], t.in[0] + off);
    const __m512 x1 = _mm512_maskz_loadu_ps(t.load[1], t.in[1] + off);
#pragma GCC unroll 16
    for (int o = 0; o < OB; o++) {
      const __m512 wo = _mm512_set1_ps(w[o]);
      acc0[o] = _mm512_fmadd_ps(wo, x0, acc0[o]);
      acc1[o] = _mm512_fmadd_ps(wo, x1, acc1[o]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
  if constexpr (Pool) {
    // Two channels at a time: their rows' maxima with the bias (max(a + b, c + b) is
    // max(a, c) + b exactly, as the GEMM then pool gives), the even and odd columns of
    // both split by one permute each, the columns' max, relu; then 8 pooled outputs each.
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
#pragma GCC unroll 16
    for (int o = 0; o < OB; o += 2) {
      const int o1 = o + 1 < OB ? o + 1 : o;
      const __m512 v0 = _mm512_add_ps(max_nan(acc0[o], acc1[o]), _mm512_set1_ps(t.bias[o]));
      const __m512 v1 = _mm512_add_ps(max_nan(acc0[o1], acc1[o1]), _mm512_set1_ps(t.bias[o1]));
      __m512 h = max_nan(_mm512_permutex2var_ps(v0, even, v1), _mm512_permutex2var_ps(v0, odd, v1));
      if (t.relu) h = max_nan(h, zero);
      _mm512_mask_storeu_ps(t.out[0] + o * t.plane, t.store, h);
      // the upper half to the next plane (masked-off lanes never fault)
      if (o1 != o) _mm512_mask_storeu_ps(t.out[0] + o1 * t.plane - 8, (__mmask16)(t.store << 8), h);
    }
  } else {
#pragma GCC unroll 16
    for (int o = 0; o < OB; o++) {
      const __m512 b = _mm512_set1_ps(t.bias[o]);
      const __m512 r0 = _mm512_add_ps(acc0[o], b), r1 = _mm512_add_ps(acc1[o], b);
      _mm512_mask_storeu_ps(t.out[0] + o * t.plane, t.load[0], t.relu ? max_nan(r0, zero) : r0);
      _mm512_mask_storeu_ps(t.out[1] + o * t.plane, t.load[1], t.relu ? max_nan(r1, zero) : r1);
    }
  }
}

// The tiles of widths 1..N, for a width known only at run time.
template <bool Pool, int... I>
constexpr std::array<void (*)(const PositionTile&), sizeof...(I)> position_tiles(std::integer_sequence<int, I...>) {
  return {&position_tile<I + 1, Pool>...};
}

// Image n with a zero border (in thread-local scratch) when the convolution pads, so that
// every tap is a plain load; and each tap's input offset. Hp x Wp is the padded plane.
struct Image {
  const float* x;
  long Wp;
  const long* taps;
};

Image prepare(const ConvArgs& a, long n) {
  const long Wp = a.W + 2 * a.pw, Hp = a.H + 2 * a.ph;
  const float* img = conv_padded_image(a, n);
  thread_local Scratch<long> scratch;
  long* const taps = scratch.get(a.C * a.kh * a.kw);
  for (long c = 0, k = 0; c < a.C; c++)
    for (long i = 0; i < a.kh; i++)
      for (long j = 0; j < a.kw; j++) taps[k++] = (c * Hp + i * a.dh) * Wp + j * a.dw;
  return {img, Wp, taps};
}

void position_image(const ConvArgs& a, const float* packed, const Image& im, float* y, bool pool, long r0, long r1) {
  static constexpr auto plain = position_tiles<false>(std::make_integer_sequence<int, kBlock>());
  static constexpr auto pooled = position_tiles<true>(std::make_integer_sequence<int, kBlock>());
  const long K = a.C * a.kh * a.kw;
  PositionTile t{};
  t.K = K;
  t.taps = im.taps;
  t.relu = a.act == Act::relu;
  t.plane = pool ? a.poh * a.pow : a.oh * a.ow;
  const long rows = pool ? 2 * a.poh : a.oh;
  const long cols = pool ? 2 * a.pow : a.ow;
  for (long r = r0; r < r1; r += 2) {
    const bool two = r + 1 < rows;
    for (long x = 0; x < cols; x += 16) {
      const __mmask16 lanes = first_lanes(cols - x);
      t.in[0] = im.x + r * a.sh * im.Wp + x;
      t.in[1] = two ? t.in[0] + a.sh * im.Wp : t.in[0];
      t.load[0] = lanes;
      t.load[1] = two ? lanes : 0;
      if (pool) {
        t.out[0] = t.out[1] = y + (r / 2) * a.pow + x / 2;
        t.store = first_lanes((cols - x) / 2);
      } else {
        t.out[0] = y + r * a.ow + x;
        t.out[1] = two ? t.out[0] + a.ow : t.out[0];
      }
      for (long o0 = 0; o0 < a.O; o0 += kBlock) {
        const long ob = a.O - o0 < kBlock ? a.O - o0 : kBlock;
        PositionTile b = t;
        b.w = packed + o0 * K;
        b.bias = packed + a.O * K + o0;
        b.out[0] += o0 * t.plane;
        b.out[1] += o0 * t.plane;
        (pool ? pooled : plain)[ob - 1](b);
      }
    }
  }
}

void channel_image(const ConvArgs& a, const float* packed, const Image& im, float* y, bool pool, long r0, long r1) {
  const long K = a.C * a.kh * a.kw;
  const int cv = a.O % 32 == 0 ? 2 : 1;  // two weight vectors per tap halve the broadcasts
  const bool s2 = a.sw == 2;             // (pooled: x stride 1)
  const ChannelTileFn* const tiles =
      cv == 2 ? (pool ? channel_tile_table<2, true, 1>() : s2 ? channel_tile_table<2, false, 2>() : channel_tile_table<2, false, 1>())
              : (pool ? channel_tile_table<1, true, 1>() : s2 ? channel_tile_table<1, false, 2>() : channel_tile_table<1, false, 1>());
  ChannelTile t{};
  t.K = K;
  t.taps = im.taps;
  t.relu = a.act == Act::relu;
  t.plane = pool ? a.poh * a.pow : a.oh * a.ow;
  t.ostep = 1;
  const long ow = pool ? a.pow : a.ow;  // outputs per row
  // a row's positions (pooled: windows, two positions each) in near-equal spans
  const long unit = pool ? 2 : 1, most = kSpan / cv / unit, spans = (ow + most - 1) / most;
  for (long r = r0; r < r1; r += unit) {
    for (long s = 0, u0 = 0; s < spans; s++) {
      const long u1 = ow * (s + 1) / spans;
      t.in[0] = im.x + r * a.sh * im.Wp + u0 * unit * a.sw;
      t.in[1] = t.in[0] + (pool ? a.sh * im.Wp : 0);
      t.out = y + (r / unit) * ow + u0;
      for (long o0 = 0; o0 < a.O; o0 += 16 * cv) {
        ChannelTile b = t;
        b.w = packed + o0 * K;
        b.bias = packed + a.O * K + o0;
        b.out += o0 * t.plane;
        tiles[(u1 - u0) * unit - 1](b);
      }
      u0 = u1;
    }
  }
}

// Weight pass, lanes over output positions: WB taps x OB channels of dWᵀ (and the OB
// channels' bias gradient with the first taps), each a vector of per-lane partial sums over
// the image's positions, reduced at the end: per vector of positions, OB loads of dy and WB
// of the input feed OB x WB FMAs.
struct WeightTile {
  const float* x;       // the (padded) image
  long Wp;
  const long* taps;     // input offset of each of this tile's taps
  const float* dy;      // the tile's first channel of dy[n]
  long oh, ow, sh;
  float* dwt;           // dWᵀ [K][O] at the tile's first tap and channel
  long O;
  float* db;            // at the tile's first channel, or null (taps past the first group)
  bool first;           // the first image of the partial sums: store, else add
};

template <int OB, int WB>
void weight_tile(const WeightTile& t) {
  __m512 acc[OB][WB], bias[OB];
#pragma GCC unroll 4
  for (int o = 0; o < OB; o++) {
    bias[o] = _mm512_setzero_ps();
#pragma GCC unroll 12
    for (int k = 0; k < WB; k++) acc[o][k] = _mm512_setzero_ps();
  }
  const long L = t.oh * t.ow;
  for (long r = 0; r < t.oh; r++) {
    const float* in = t.x + r * t.sh * t.Wp;
    const float* dy = t.dy + r * t.ow;
    for (long x = 0; x < t.ow; x += 16) {
      const __mmask16 lanes = first_lanes(t.ow - x);
      __m512 d[OB];
#pragma GCC unroll 4
      for (int o = 0; o < OB; o++) {
        d[o] = _mm512_maskz_loadu_ps(lanes, dy + o * L + x);
        bias[o] = _mm512_add_ps(bias[o], d[o]);
      }
#pragma GCC unroll 12
      for (int k = 0; k < WB; k++) {
        const __m512 v = _mm512_maskz_loadu_ps(lanes, in + t.taps[k] + x);
#pragma GCC unroll 4
        for (int o = 0; o < OB; o++) acc[o][k] = _mm512_fmadd_ps(d[o], v, acc[o][k]);
      }
    }
  }
#pragma GCC unroll 4
  for (int o = 0; o < OB; o++) {
#pragma GCC unroll 12
    for (int k = 0; k < WB; k++) {
      const float s = _mm512_reduce_add_ps(acc[o][k]);
      float& dst = t.dwt[k * t.O + o];
      dst = t.first ? s : dst + s;
    }
    if (t.db) t.db[o] = t.first ? _mm512_reduce_add_ps(bias[o]) : t.db[o] + _mm512_reduce_add_ps(bias[o]);
  }
}

// 2 x 12 accumulators: all of a 3x3 single-channel layer's taps in one pass over dy, which
// streams from memory (a pass per group of taps re-read it)
constexpr int kWeightChannels = 2, kWeightTaps = 12;

template <int OB, int... I>
constexpr std::array<void (*)(const WeightTile&), sizeof...(I)> weight_tiles(std::integer_sequence<int, I...>) {
  return {&weight_tile<OB, I + 1>...};
}

}  // namespace
}  // namespace isa_avx512

using namespace isa_avx512;  // the entry points below

// Positions layout: block b of kBlock channels (the last one narrower) as [K][ob], at
// b * kBlock * K. Channels layout: block b of 32 channels (16 if O is an odd multiple of
// 16) as [K][32], at b * 32 * K. Then the bias (zeros when there is none), added after the
// sum as the GEMM does, so that every path gives the same bits.
void conv_direct_pack_weights_avx512(const ConvArgs& a, bool channel_lanes, float* out) {
  const long K = a.C * a.kh * a.kw, block = channel_lanes ? (a.O % 32 == 0 ? 32 : 16) : kBlock;
  const float* w = (const float*)a.w;
  for (long o = 0; o < a.O; o++) out[a.O * K + o] = a.bias ? ((const float*)a.bias)[o] : 0.0f;
  for (long o0 = 0; o0 < a.O; o0 += block) {
    const long ob = a.O - o0 < block ? a.O - o0 : block;
    for (long k = 0; k < K; k++)
      for (long o = 0; o < ob; o++) out[o0 * K + k * ob + o] = w[(o0 + o) * K + k];
  }
}

void conv_direct_image_avx512(const ConvArgs& a, bool channel_lanes, const float* packed, long n, float* y, bool pool,
                              long part, long parts) {
  const long rows = pool ? 2 * a.poh : a.oh, pairs = (rows + 1) / 2;
  const long r0 = 2 * (pairs * part / parts), r1 = std::min(rows, 2 * (pairs * (part + 1) / parts));
  if (r0 >= r1) return;
  const Image im = prepare(a, n);
  if (channel_lanes) channel_image(a, packed, im, y, pool, r0, r1);
  else position_image(a, packed, im, y, pool, r0, r1);
}

void conv_direct_weight_image_avx512(const ConvArgs& a, long n, float* dwt, float* db, bool first) {
  static constexpr std::array<std::array<void (*)(const WeightTile&), kWeightTaps>, kWeightChannels> tiles = {
      weight_tiles<1>(std::make_integer_sequence<int, kWeightTaps>()),
      weight_tiles<2>(std::make_integer_sequence<int, kWeightTaps>())};
  const Image im = prepare(a, n);
  const long K = a.C * a.kh * a.kw;
  WeightTile t{};
  t.x = im.x;
  t.Wp = im.Wp;
  t.oh = a.oh, t.ow = a.ow, t.sh = a.sh;
  t.O = a.O;
  t.first = first;
  const long groups = (K + kWeightTaps - 1) / kWeightTaps;  // of near-equal numbers of taps
  for (long o0 = 0; o0 < a.O; o0 += kWeightChannels) {
    const long ob = std::min<long>(kWeightChannels, a.O - o0);
    for (long gi = 0; gi < groups; gi++) {
      const long k0 = K * gi / groups, kb = K * (gi + 1) / groups - k0;
      t.taps = im.taps + k0;
      t.dy = (const float*)a.dy + (n * a.O + o0) * a.oh * a.ow;
      t.dwt = dwt + k0 * a.O + o0;
      t.db = k0 == 0 ? db + o0 : nullptr;
      tiles[ob - 1][kb - 1](t);
    }
  }
}

}  // namespace fluxion

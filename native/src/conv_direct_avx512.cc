// Direct convolutions, AVX-512 float32, x stride 1: no column matrix and no panels, the
// vectors are loaded or broadcast straight from the image. Two layouts:
// - Lanes over output positions, for few taps (C·kh·kw small, e.g. a first layer on 1- or
//   3-channel images), where the GEMM forms spend their time building panels and storing
//   tiles around a K of 9..27. A tile is 12 channels x 16 positions of two output rows:
//   each tap is one masked load per row that feeds 12 FMAs, the weights broadcast.
// - Lanes over output channels (O a multiple of 16), for many taps: a tile is 16 channels x
//   up to 12 positions of two rows, each tap one weight vector times image values
//   broadcast from L1. No lane is wasted on a row's ragged end (a 13x13 image's 11-wide
//   rows leave the implicit GEMM's 32-wide panels partly empty, and pooling drops a row and
//   a column that need not be computed at all), and nothing is gathered.
// With a 2x2 stride-2 max pool asked (and no indices), a tile's two rows are a pooling
// window's rows: it is pooled in registers and only the pooled output is stored.
// Compiled with the AVX-512 flags; conv.cc decides when this applies.
// GCC 12 takes the intrinsics' own `__m512 __Y = __Y;` placeholders for uninitialized reads
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <array>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "conv.h"

namespace fluxion {
namespace {

constexpr int kBlock = 12;  // positions layout: channels per tile (2 x 12 accumulators)
constexpr int kSpan = 12;   // channels layout: positions per row of a tile (2 x 12 accumulators)

// max that lets a NaN through from either side, as torch's relu and max_pool2d do (vmaxps
// returns its second operand when one is NaN): there a + b, which is NaN exactly then.
inline __m512 max_nan(__m512 a, __m512 b) {
  const __mmask16 ordered = _mm512_cmp_ps_mask(a, b, _CMP_ORD_Q);
  return _mm512_mask_max_ps(_mm512_add_ps(a, b), ordered, a, b);
}

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
  for (int o = 0; o < OB; o++) acc0[o] = acc1[o] = _mm512_set1_ps(t.bias[o]);
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
  // A NaN anywhere in the tile (rare) takes the NaN-propagating max.
  __mmask16 nan = 0;
#pragma GCC unroll 16
  for (int o = 0; o < OB; o++) nan |= _mm512_cmp_ps_mask(acc0[o], acc1[o], _CMP_UNORD_Q);
  auto finish = [&](auto nan_safe) {
    constexpr bool kNanSafe = decltype(nan_safe)::value;
    const auto max = [](__m512 a, __m512 b) { return kNanSafe ? max_nan(a, b) : _mm512_max_ps(a, b); };
    const __m512 zero = _mm512_setzero_ps();
    if constexpr (Pool) {
      const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
      const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
#pragma GCC unroll 16
      for (int o = 0; o < OB; o++) {  // relu commutes with the window's max (it is monotone)
        const __m512 v = max(acc0[o], acc1[o]);
        __m512 h = max(_mm512_permutex2var_ps(v, even, v), _mm512_permutex2var_ps(v, odd, v));
        if (t.relu) h = max(h, zero);
        _mm512_mask_storeu_ps(t.out[0] + o * t.plane, t.store, h);
      }
    } else {
#pragma GCC unroll 16
      for (int o = 0; o < OB; o++) {
        _mm512_mask_storeu_ps(t.out[0] + o * t.plane, t.load[0], t.relu ? max(acc0[o], zero) : acc0[o]);
        _mm512_mask_storeu_ps(t.out[1] + o * t.plane, t.load[1], t.relu ? max(acc1[o], zero) : acc1[o]);
      }
    }
  };
  if (nan) finish(std::true_type{});
  else finish(std::false_type{});
}

struct ChannelTile {
  const float* w;       // packed weights of this 16-channel block: [K][16]
  long K;
  const long* taps;     // input offset of each tap (c, i, j)
  const float* in[2];   // the input under the tile's first position, in each of its rows
  const float* bias;    // at the block's first channel
  bool relu;
  float* out[2];        // channel 0 at the tile's first position, per row (pooled: out[0])
  __m512i scatter;      // lane l: l * the distance between channels in the output
};

template <int P, bool Pool>
void channel_tile(const ChannelTile& t) {
  __m512 acc0[P], acc1[P];
  const __m512 bias = _mm512_loadu_ps(t.bias);
#pragma GCC unroll 16
  for (int p = 0; p < P; p++) acc0[p] = acc1[p] = bias;
  const float* w = t.w;
  for (long k = 0; k < t.K; k++, w += 16) {
    const __m512 wk = _mm512_load_ps(w);
    const float* i0 = t.in[0] + t.taps[k];
    const float* i1 = t.in[1] + t.taps[k];
#pragma GCC unroll 16
    for (int p = 0; p < P; p++) {
      acc0[p] = _mm512_fmadd_ps(wk, _mm512_set1_ps(i0[p]), acc0[p]);
      acc1[p] = _mm512_fmadd_ps(wk, _mm512_set1_ps(i1[p]), acc1[p]);
    }
  }
  // The epilogue is small next to K >= 32 taps: NaN-propagating maxes throughout, and the
  // 16 channels of a position scattered to their planes.
  const __m512 zero = _mm512_setzero_ps();
  if constexpr (Pool) {
#pragma GCC unroll 16
    for (int j = 0; j < P / 2; j++) {
      __m512 v = max_nan(max_nan(acc0[2 * j], acc0[2 * j + 1]), max_nan(acc1[2 * j], acc1[2 * j + 1]));
      if (t.relu) v = max_nan(v, zero);
      _mm512_i32scatter_ps(t.out[0] + j, t.scatter, v, 4);
    }
  } else {
#pragma GCC unroll 16
    for (int p = 0; p < P; p++) {
      _mm512_i32scatter_ps(t.out[0] + p, t.scatter, t.relu ? max_nan(acc0[p], zero) : acc0[p], 4);
      _mm512_i32scatter_ps(t.out[1] + p, t.scatter, t.relu ? max_nan(acc1[p], zero) : acc1[p], 4);
    }
  }
}

// The tiles of widths 1..N, for a width known only at run time.
template <bool Pool, int... I>
constexpr std::array<void (*)(const PositionTile&), sizeof...(I)> position_tiles(std::integer_sequence<int, I...>) {
  return {&position_tile<I + 1, Pool>...};
}
template <bool Pool, int... I>
constexpr std::array<void (*)(const ChannelTile&), sizeof...(I)> channel_tiles(std::integer_sequence<int, I...>) {
  return {&channel_tile<I + 1, Pool>...};
}

__mmask16 first_lanes(long n) { return (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1); }

// Image n with a zero border (in thread-local scratch) when the convolution pads, so that
// every tap is a plain load; and each tap's input offset. Hp x Wp is the padded plane.
struct Image {
  const float* x;
  long Wp;
  const long* taps;
};

Image prepare(const ConvArgs& a, long n) {
  const long Wp = a.W + 2 * a.pw, Hp = a.H + 2 * a.ph;
  const float* img = (const float*)a.x + n * a.C * a.H * a.W;
  if (a.ph || a.pw) {
    thread_local std::vector<float> padded;
    padded.assign((size_t)a.C * Hp * Wp, 0.0f);
    for (long c = 0; c < a.C; c++)
      for (long iy = 0; iy < a.H; iy++)
        std::memcpy(&padded[(c * Hp + iy + a.ph) * Wp + a.pw], img + (c * a.H + iy) * a.W, a.W * sizeof(float));
    img = padded.data();
  }
  thread_local std::vector<long> taps;
  taps.resize(a.C * a.kh * a.kw);
  for (long c = 0, k = 0; c < a.C; c++)
    for (long i = 0; i < a.kh; i++)
      for (long j = 0; j < a.kw; j++) taps[k++] = (c * Hp + i * a.dh) * Wp + j * a.dw;
  return {img, Wp, taps.data()};
}

void position_image(const ConvArgs& a, const float* packed, const Image& im, float* y, bool pool) {
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
  for (long r = 0; r < rows; r += 2) {
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

void channel_image(const ConvArgs& a, const float* packed, const Image& im, float* y, bool pool) {
  static constexpr auto plain = channel_tiles<false>(std::make_integer_sequence<int, kSpan>());
  static constexpr auto pooled = channel_tiles<true>(std::make_integer_sequence<int, kSpan>());
  const long K = a.C * a.kh * a.kw;
  const long plane = pool ? a.poh * a.pow : a.oh * a.ow;
  ChannelTile t{};
  t.K = K;
  t.taps = im.taps;
  t.relu = a.act == Act::relu;
  t.scatter = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                 _mm512_set1_epi32((int32_t)plane));
  const long rows = pool ? 2 * a.poh : a.oh;
  // a row's positions (pooled: windows, two positions each) in near-equal spans of <= kSpan
  const long unit = pool ? 2 : 1, units = pool ? a.pow : a.ow, most = kSpan / unit;
  const long spans = (units + most - 1) / most;
  for (long r = 0; r < rows; r += 2) {
    const bool two = r + 1 < rows;
    for (long s = 0, u0 = 0; s < spans; s++) {
      const long u1 = units * (s + 1) / spans, x = u0 * unit, width = (u1 - u0) * unit;
      t.in[0] = im.x + r * a.sh * im.Wp + x;
      t.in[1] = two ? t.in[0] + a.sh * im.Wp : t.in[0];
      if (pool) {
        t.out[0] = t.out[1] = y + (r / 2) * a.pow + u0;
      } else {
        t.out[0] = y + r * a.ow + x;
        t.out[1] = two ? t.out[0] + a.ow : t.out[0];
      }
      for (long o0 = 0; o0 < a.O; o0 += 16) {
        ChannelTile b = t;
        b.w = packed + o0 * K;
        b.bias = packed + a.O * K + o0;
        b.out[0] += o0 * plane;
        b.out[1] += o0 * plane;
        (pool ? pooled : plain)[width - 1](b);
      }
      u0 = u1;
    }
  }
}

}  // namespace

// Positions layout: block b of kBlock channels (the last one narrower) as [K][ob], at
// b * kBlock * K. Channels layout: block b of 16 channels as [K][16], at b * 16 * K. Then
// the bias (zeros when there is none), which the accumulators start from.
void conv_direct_pack_weights_avx512(const ConvArgs& a, bool channel_lanes, float* out) {
  const long K = a.C * a.kh * a.kw, block = channel_lanes ? 16 : kBlock;
  const float* w = (const float*)a.w;
  for (long o = 0; o < a.O; o++) out[a.O * K + o] = a.bias ? ((const float*)a.bias)[o] : 0.0f;
  for (long o0 = 0; o0 < a.O; o0 += block) {
    const long ob = a.O - o0 < block ? a.O - o0 : block;
    for (long k = 0; k < K; k++)
      for (long o = 0; o < ob; o++) out[o0 * K + k * ob + o] = w[(o0 + o) * K + k];
  }
}

void conv_direct_image_avx512(const ConvArgs& a, bool channel_lanes, const float* packed, long n, float* y, bool pool) {
  const Image im = prepare(a, n);
  if (channel_lanes) channel_image(a, packed, im, y, pool);
  else position_image(a, packed, im, y, pool);
}

}  // namespace fluxion

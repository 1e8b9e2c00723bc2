// The input-gradient pass of a convolution, AVX-512 float32, for C a multiple of 16: the
// transposed convolution dx = Σ taps Wᵀ·dy run as direct convolutions of dy with the
// channel-lanes tile of the forward (conv_channel_tile_avx512.h), lanes over dx's channels,
// instead of a GEMM into a column matrix that col2im then folds (for a 16 -> 16 channel 3x3
// layer on 32x32 images the columns are 9x the image, written and read back).
// With stride s the input positions split into s x s phases (iy ≡ a, ix ≡ b mod s): each
// kernel tap (i, j) reaches exactly one phase, the one with (i·d - p) ≡ (a, b) mod s, so
// each phase is a stride-1 convolution of dy with its own taps and no multiply is wasted on
// the zeros a strided transposed convolution would insert. Stride 1 is one phase with every
// tap, the kernel flipped. dy is read zero-bordered (conv_padded_image) so that every tap
// is a plain load; a phase that no tap reaches (a 1x1 stride-2 layer's odd rows) is zero.
// Compiled with the AVX-512 flags; conv.cc decides when this applies.
// GCC 12 takes the intrinsics' own `__m512 __Y = __Y;` placeholders for uninitialized reads
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "avx512_util.h"
#include "conv.h"
#include "conv_channel_tile_avx512.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_avx512 (or ends in _avx512),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_avx512 {
namespace {

// Whether kernel tap i (along an axis of stride s, padding p, dilation d) reaches phase r:
// the inputs it touches are i·d - p + s·y, so those ≡ i·d - p mod s.
bool in_phase(long i, long d, long p, long s, long r) { return ((i * d - p) % s + s) % s == r; }

// Positions of phase r along an axis of `size` inputs: r, r + s, ...
long phase_size(long size, long s, long r) { return size > r ? (size - r + s - 1) / s : 0; }

// Where tap i reads dy for the phase's position 0: the output index (r + p - i·d) / s (exact).
long phase_offset(long i, long d, long p, long s, long r) { return (r + p - i * d) / s; }

// The zero border dy needs so that every phase's every tap lands inside it, along one axis.
long border(long size, long out, long k, long s, long p, long d) {
  long q = 0;
  for (long r = 0; r < s && r < size; r++) {
    const long last = phase_size(size, s, r) - 1;
    for (long i = 0; i < k; i++) {
      if (!in_phase(i, d, p, s, r)) continue;
      const long lo = phase_offset(i, d, p, s, r), hi = lo + last;
      q = std::max(q, std::max(-lo, hi - (out - 1)));
    }
  }
  return q;
}

// Taps of phase (ra, rb) in the order the packed weights hold them: o, then i, then j.
long phase_taps(const ConvArgs& a, long ra, long rb) {
  long ni = 0, nj = 0;
  for (long i = 0; i < a.kh; i++) ni += in_phase(i, a.dh, a.ph, a.sh, ra);
  for (long j = 0; j < a.kw; j++) nj += in_phase(j, a.dw, a.pw, a.sw, rb);
  return a.O * ni * nj;
}

struct Geometry {
  long qh, qw, Hq, Wq;  // dy's zero border and padded size
  int cv;               // channel vectors per tile (dx's channels: 32 at a time, or 16)
};

Geometry geometry(const ConvArgs& a) {
  Geometry g{};
  g.qh = border(a.H, a.oh, a.kh, a.sh, a.ph, a.dh);
  g.qw = border(a.W, a.ow, a.kw, a.sw, a.pw, a.dw);
  g.Hq = a.oh + 2 * g.qh;
  g.Wq = a.ow + 2 * g.qw;
  g.cv = a.C % 32 == 0 ? 2 : 1;
  return g;
}

// dy as conv_padded_image sees an image: O channels of oh x ow, bordered by qh, qw.
ConvArgs dy_as_image(const ConvArgs& a, const Geometry& g) {
  ConvArgs d{};
  d.x = a.dy;
  d.C = a.O;
  d.H = a.oh;
  d.W = a.ow;
  d.ph = g.qh;
  d.pw = g.qw;
  return d;
}

}  // namespace
}  // namespace isa_avx512

using namespace isa_avx512;  // the entry points below

// Phase by phase (ra, then rb): the phase's weights as blocks of 16·cv channels of dx,
// [K_phase][16·cv] each, then zeros for the tile's bias; its taps' offsets in bordered dy.
void conv_input_pack_avx512(const ConvArgs& a, float* packed, long* taps) {
  const Geometry g = geometry(a);
  const long block = 16L * g.cv, kk = a.kh * a.kw;
  const float* w = (const float*)a.w;
  float* out = packed;
  long* tp = taps;
  for (long ra = 0; ra < a.sh; ra++)
    for (long rb = 0; rb < a.sw; rb++) {
      const long Kp = phase_taps(a, ra, rb);
      if (Kp == 0) continue;
      long k = 0;
      for (long o = 0; o < a.O; o++)
        for (long i = 0; i < a.kh; i++) {
          if (!in_phase(i, a.dh, a.ph, a.sh, ra)) continue;
          for (long j = 0; j < a.kw; j++) {
            if (!in_phase(j, a.dw, a.pw, a.sw, rb)) continue;
            tp[k] = (o * g.Hq + g.qh + phase_offset(i, a.dh, a.ph, a.sh, ra)) * g.Wq + g.qw + phase_offset(j, a.dw, a.pw, a.sw, rb);
            for (long c0 = 0; c0 < a.C; c0 += block)
              for (long l = 0; l < block; l++) out[c0 * Kp + k * block + l] = w[(o * a.C + c0 + l) * kk + i * a.kw + j];
            k++;
          }
        }
      out += a.C * Kp;
      tp += Kp;
    }
  std::memset(out, 0, a.C * sizeof(float));
}

void conv_input_image_avx512(const ConvArgs& a, const float* packed, const long* taps, long n, long part, long parts) {
  const Geometry g = geometry(a);
  const ConvArgs d = dy_as_image(a, g);
  const float* dyp = conv_padded_image(d, n);
  const long block = 16L * g.cv, plane = a.H * a.W, most = kSpan / g.cv;
  const float* zeros = packed + a.O * a.C * a.kh * a.kw;
  const ChannelTileFn* const tiles = g.cv == 2 ? channel_tile_table<2, false, 1>() : channel_tile_table<1, false, 1>();
  float* dx = (float*)a.dx + n * a.C * plane;
  // this part's rows of dx; zeroed first if some phase has no taps (a 1x1 stride-2 layer's
  // odd rows and columns)
  const long R0 = a.H * part / parts, R1 = a.H * (part + 1) / parts;
  bool empty = false;
  for (long ra = 0; ra < a.sh; ra++)
    for (long rb = 0; rb < a.sw; rb++) empty |= phase_taps(a, ra, rb) == 0;
  if (empty)
    for (long c = 0; c < a.C; c++) std::memset(dx + c * plane + R0 * a.W, 0, (R1 - R0) * a.W * sizeof(float));
  const float* w = packed;
  const long* tp = taps;
  for (long ra = 0; ra < a.sh; ra++)
    for (long rb = 0; rb < a.sw; rb++) {
      const long Kp = phase_taps(a, ra, rb);
      if (Kp == 0) continue;
      // the phase's rows yy with ra + sh·yy in [R0, R1)
      const long cols = phase_size(a.W, a.sw, rb);
      const long y0 = R0 > ra ? (R0 - ra + a.sh - 1) / a.sh : 0, y1 = R1 > ra ? (R1 - ra + a.sh - 1) / a.sh : 0;
      ChannelTile t{};
      t.K = Kp;
      t.taps = tp;
      t.relu = false;
      t.plane = plane;
      t.ostep = a.sw;
      const long spans = (cols + most - 1) / most;
      for (long yy = y0; yy < y1; yy++)
        for (long s = 0, x0 = 0; s < spans; s++) {
          const long x1 = cols * (s + 1) / spans;
          t.in[0] = t.in[1] = dyp + yy * g.Wq + x0;
          for (long c0 = 0; c0 < a.C; c0 += block) {
            ChannelTile b = t;
            b.w = w + c0 * Kp;
            b.bias = zeros + c0;
            b.out = dx + c0 * plane + (ra + a.sh * yy) * a.W + rb + a.sw * x0;
            tiles[x1 - x0 - 1](b);
          }
          x0 = x1;
        }
      w += a.C * Kp;
      tp += Kp;
    }
}

}  // namespace fluxion

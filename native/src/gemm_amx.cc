// bfloat16 GEMM on AMX (Sapphire Rapids and later): tdpbf16ps multiplies a 16 x 32 tile
// of A by a 32 x 16 tile of B (bf16 pairs) into a 16 x 16 float32 tile, 8192 multiply-adds
// per instruction, 8x what vdpbf16ps does. The micro-kernel keeps a 32 x 32 block of C in
// four accumulator tiles, with two A tiles and two B tiles: all eight tile registers.
//
// Panels: B in (k, k+1) pairs, exactly as the vdpbf16ps path packs it (pack_b_pairs: a
// 16-pair-row slice of a 32-column panel is a VNNI tile of 64-byte rows, stride 128);
// A row-major with K contiguous, as a tile row wants it. K is zero-padded to a multiple of
// 32 so every step uses full tiles and one tile configuration. Output, beta and epilogue go
// through the shared driver (float32 workspace, rounded to bf16 once).
//
// Linux hands out AMX state only on request: amx_bf16_available() (isa.cc, compiled
// without ISA flags since it runs before anything is known) asks once with
// arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA); when refused (old kernel, seccomp)
// the caller keeps the AVX512-BF16 path.
// Compiled with -mamx-tile -mamx-bf16 and only called when amx_bf16_available().
#include <immintrin.h>

#include "kernel_prelude.h"

namespace fluxion {
// Everything compiled under this file's -m flags is named isa_amx (or ends in _amx),
// so that native/check_isa.mjs can tell it from portable code.
namespace isa_amx {
namespace {

#include "pack.inc"

// The tile configuration (ldtilecfg's 64-byte operand, palette 1): every tile 16 rows of
// 64 bytes. Tiles 0-3: C (16 x 16 float32); 4, 5: A (16 rows x 32 bf16); 6, 7: B (16 pair
// rows x 16 columns).
struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0, reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
  TileConfig() {
    for (int t = 0; t < 8; t++) colsb[t] = 64, rows[t] = 16;
  }
};

// Tile state is per thread and survives context switches; configure each thread once.
thread_local bool tl_configured = false;
inline void configure_tiles() {
  if (tl_configured) return;
  static const TileConfig cfg;
  _tile_loadconfig(&cfg);
  tl_configured = true;
}

struct AmxBF16 {
  using Tin = uint16_t;
  using T = float;
  static constexpr int MR = 32, NR = 32, KC = 1024, MC = 256, NC = 2048;
  static long kpad(long kc) { return (kc + 31) / 32 * 32; }
  static size_t a_panel_bytes(long kc) { return (size_t)MR * kpad(kc) * 2; }
  static size_t b_panel_bytes(long kc) { return (size_t)NR * kpad(kc) * 2; }

  // out[p][i][k] = A[p*MR + i][k], rows of kpad(kc) values, zero past K and the last row.
  static void pack_a(long mc, long kc, const uint16_t* A, long rsA, long csA, void* out_) {
    uint16_t* out = (uint16_t*)out_;
    const long kp = kpad(kc);
    for (long p = 0; p < mc; p += MR, out += MR * kp) {
      const long rows = mc - p < MR ? mc - p : MR;
      const uint16_t* src = A + p * rsA;
      if (csA == 1) {
        for (long i = 0; i < rows; i++) std::memcpy(out + i * kp, src + i * rsA, kc * 2);
      } else {  // transposed or strided: gather, k-blocked so the written rows stay in L1
        for (long k0 = 0; k0 < kc; k0 += 32) {
          const long k1 = k0 + 32 < kc ? k0 + 32 : kc;
          for (long k = k0; k < k1; k++)
            for (long i = 0; i < rows; i++) out[i * kp + k] = src[i * rsA + k * csA];
        }
      }
      for (long i = 0; i < MR; i++) {
        const long from = i < rows ? kc : 0;
        std::memset(out + i * kp + from, 0, (kp - from) * 2);
      }
    }
  }

  static void pack_b(long kc, long nc, const uint16_t* B, long rsB, long csB, void* out) {
    pack_b_pairs<NR>(kc, nc, B, rsB, csB, (uint32_t*)out, kpad(kc) / 2);
  }

  // tile[32][32] = A panel (32 x kc) . B panel (kc x 32)
  static void kernel(long kc, const void* a_, const void* b_, float* tile) {
    configure_tiles();
    const char* a = (const char*)a_;
    const char* b = (const char*)b_;
    const long kp = kpad(kc), a_stride = kp * 2;  // bytes per A row
    const char* a1 = a + 16 * a_stride;           // rows 16..31
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (long k = 0; k < kp; k += 32) {
      // B: 16 pair rows of 32 columns (128 bytes); columns 16..31 start 64 bytes in
      const char* bk = b + k * NR * 2;
      _tile_loadd(4, a + k * 2, a_stride);
      _tile_loadd(6, bk, NR * 4);
      _tile_loadd(7, bk + 64, NR * 4);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
      _tile_loadd(5, a1 + k * 2, a_stride);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, tile, NR * 4);
    _tile_stored(1, tile + 16, NR * 4);
    _tile_stored(2, tile + 16 * NR, NR * 4);
    _tile_stored(3, tile + 16 * NR + 16, NR * 4);
  }
};

#include "driver.inc"

}  // namespace
}  // namespace isa_amx

using namespace isa_amx;  // the entry points below

void gemm_bf16_amx(const GemmArgs& g) { gemm_bf16<AmxBF16>(g); }

}  // namespace fluxion

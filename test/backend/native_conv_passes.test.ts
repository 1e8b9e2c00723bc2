/**
 * The AVX-512 float32 kernels of the convolution's backward passes and strided forward
 * (native/src/conv_input_avx512.cc, conv_weight_avx512.cc, and the channel-lanes tile at x
 * stride 2 in conv_direct_avx512.cc) against the TypeScript composition (conv2dReference:
 * im2col, batched GEMM, col2im), at 1 and 2 threads: the input pass as direct convolutions
 * of dy phase by phase of the stride (C a multiple of 16), the weight pass over
 * channel-last copies (O a multiple of 16, more than 32 taps or a stride), and NaN, which
 * must reach exactly the outputs the reference gives NaN.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Tensor } from "../../src/index.js";
import { conv2d, conv2dReference, outputSize } from "../../src/backend/cpu/conv.js";
import { getNumThreads, setNumThreads } from "../../src/backend/cpu/native.js";
import { isas, skip, withIsa, type Isa } from "./native_helpers.js";
import { assertClose, randomTensor } from "../helpers.js";

type Pair = [number, number];
type Geom = [number[], number, Pair, Pair, Pair, Pair];

const noAvx512 = skip || (!isas.includes("avx512") && "no AVX-512");
const noAvx2 = skip || (!isas.includes("avx2") && "no AVX2");

/** Runs `fn` on the AVX-512 kernels at 1 and then 2 threads, then restores the thread count. */
function onAvx512AtThreads(fn: (threads: number) => void): void {
  onIsaAtThreads("avx512", fn);
}

/** Runs `fn` on `isa`'s kernels at 1 and then 2 threads, then restores the thread count. */
function onIsaAtThreads(isa: Isa, fn: (threads: number) => void): void {
  const before = getNumThreads();
  try {
    withIsa(isa, () => {
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        fn(threads);
      }
    });
  } finally {
    setNumThreads(before);
  }
}

/** got equals want to float32 rounding, and has NaN exactly where want has. */
function assertMatches(got: Tensor, want: Tensor, atol: number, msg: string): void {
  assert.deepEqual(got.shape, want.shape, `${msg}: shape`);
  assert.equal(got.dtype, "float32", `${msg}: dtype`);
  assertClose(got, want, { atol, rtol: 1e-4, msg });
  const gv = got.toTypedArray(), wv = want.toTypedArray();
  for (let e = 0; e < wv.length; e++) assert.equal(Number.isNaN(gv[e]!), Number.isNaN(wv[e]!), `${msg}: NaN at ${e}`);
}

/** A random dy for x's geometry. */
function gradient(xs: number[], O: number, k: Pair, s: Pair, p: Pair, d: Pair, seed: number): Tensor {
  const oh = outputSize(xs[2]!, k[0], s[0], p[0], d[0]), ow = outputSize(xs[3]!, k[1], s[1], p[1], d[1]);
  return randomTensor([xs[0]!, O, oh, ow], { seed, dtype: "float32" });
}

// The input pass: C a multiple of 16 (one channel vector per tile for 16 and 48, two for 32
// and 64). Geometries: the small ResNet's 3x3 stride-1 and stride-2 layers and 1x1
// stride-2 shortcuts; a stride of 3 and one of (2, 1); dilation with stride (phases no tap
// reaches are zero); padding wider than the kernel; rows wider than a tile; batch 1 (rows
// split over the threads).
const INPUT_GEOMS: Geom[] = [
  [[2, 16, 32, 32], 16, [3, 3], [1, 1], [1, 1], [1, 1]],
  [[3, 16, 17, 15], 32, [3, 3], [2, 2], [1, 1], [1, 1]],
  [[2, 32, 16, 16], 64, [1, 1], [2, 2], [0, 0], [1, 1]],
  [[2, 64, 8, 8], 64, [3, 3], [1, 1], [1, 1], [1, 1]],
  [[2, 32, 11, 14], 5, [3, 2], [3, 2], [1, 0], [1, 1]],
  [[2, 48, 10, 9], 7, [3, 3], [2, 1], [2, 1], [2, 1]],
  [[2, 16, 7, 8], 3, [2, 3], [1, 1], [3, 4], [1, 1]],
  [[2, 16, 9, 60], 9, [3, 3], [1, 1], [0, 0], [1, 1]],
  [[1, 32, 12, 13], 20, [3, 3], [1, 1], [1, 1], [1, 1]],
];

test("native conv2d input pass on AVX-512 (direct convolutions of dy by stride phase) matches the composition", { skip: noAvx512 }, () => {
  onAvx512AtThreads((threads) => {
    let seed = 2100;
    for (const [xs, O, k, s, p, d] of INPUT_GEOMS) {
      const w = randomTensor([O, xs[1]!, ...k], { seed: seed++, dtype: "float32" });
      const dy = gradient(xs, O, k, s, p, d, seed++);
      const [oh, ow] = [dy.shape[2]!, dy.shape[3]!];
      dy.storage.data[(0 * O + 1) * oh * ow + (oh >> 1) * ow + (ow >> 1)] = NaN; // image 0, channel 1, the middle
      const attrs = { pass: "input" as const, kernel: k, stride: s, padding: p, dilation: d, inputSize: [xs[2]!, xs[3]!] as Pair };
      const want = conv2dReference([dy, w], attrs, "cpu")[0]!;
      const msg = `${threads}t [${xs}] O=${O} k=${k} s=${s} p=${p} d=${d} input pass`;
      assertMatches(conv2d([dy, w], attrs, "cpu")[0]!, want, 1e-3, msg);
      assert.ok(want.toTypedArray().some((v) => Number.isNaN(v)), `${msg}: the NaN reaches dx`);
    }
  });
});

// The weight pass over channel-last copies: O a multiple of 16 (V = 2 channel vectors per
// tile for O a multiple of 32), any stride; blocks of input channels (C of 5, 16, 40 -> two
// blocks of 20, 64 -> three). Few-tap stride-1 layers take the lanes-over-positions kernel
// instead (native_conv.test.ts).
const WEIGHT_GEOMS: Geom[] = [
  [[2, 16, 32, 32], 16, [3, 3], [1, 1], [1, 1], [1, 1]],
  [[3, 16, 17, 15], 32, [3, 3], [2, 2], [1, 1], [1, 1]],
  [[2, 32, 16, 16], 64, [1, 1], [2, 2], [0, 0], [1, 1]],
  [[2, 64, 8, 8], 64, [3, 3], [1, 1], [1, 1], [1, 1]],
  [[2, 5, 11, 13], 48, [3, 3], [2, 1], [2, 0], [2, 1]],
  [[2, 40, 6, 7], 16, [3, 3], [1, 1], [1, 1], [1, 1]],
  [[3, 3, 9, 10], 32, [1, 1], [2, 3], [1, 0], [1, 1]],
  [[1, 32, 12, 13], 32, [3, 3], [1, 1], [1, 1], [1, 1]],
];

test("native conv2d weight pass on AVX-512 (channel-last direct convolution) matches the composition", { skip: noAvx512 }, () => {
  onAvx512AtThreads((threads) => {
    let seed = 2500;
    for (const [xs, O, k, s, p, d] of WEIGHT_GEOMS) {
      const x = randomTensor(xs, { seed: seed++, dtype: "float32" });
      x.storage.data[xs[2]! * xs[3]! + 2 * xs[3]! + 3] = NaN; // image 0, channel 1
      const dy = gradient(xs, O, k, s, p, d, seed++);
      const attrs = { pass: "weight" as const, kernel: k, stride: s, padding: p, dilation: d };
      const want = conv2dReference([x, dy], attrs, "cpu"), got = conv2d([x, dy], attrs, "cpu");
      const msg = `${threads}t [${xs}] O=${O} k=${k} s=${s} p=${p} d=${d} weight pass`;
      assert.equal(got.length, 2);
      assertMatches(got[0]!, want[0]!, 3e-3, `${msg}, dW`);
      assertMatches(got[1]!, want[1]!, 1e-3, `${msg}, db`);
      const nan = want[0]!.toTypedArray().filter((v) => Number.isNaN(v)).length;
      if (s[0] === 1 && s[1] === 1) assert.ok(nan > 0, `${msg}: the NaN reaches dW`);
    }
  });
});

// The forward at x stride 2 with 33+ taps runs the channel-lanes direct kernel reading
// every other input (with a pool asked, pooling after it).
const STRIDED_GEOMS: Geom[] = [
  [[2, 16, 32, 32], 32, [3, 3], [2, 2], [1, 1], [1, 1]],
  [[2, 32, 16, 16], 64, [3, 3], [2, 2], [1, 1], [1, 1]],
  [[3, 8, 13, 30], 16, [3, 3], [1, 2], [0, 1], [1, 2]],
  [[1, 6, 15, 19], 48, [3, 3], [3, 2], [2, 2], [1, 1]],
];

test("native conv2d forward on AVX-512 at x stride 2 (channel lanes) matches the composition", { skip: noAvx512 }, () => {
  onAvx512AtThreads((threads) => {
    let seed = 2900;
    for (const [xs, O, k, s, p, d] of STRIDED_GEOMS) {
      const x = randomTensor(xs, { seed: seed++, dtype: "float32" }), w = randomTensor([O, xs[1]!, ...k], { seed: seed++, dtype: "float32" });
      const b = randomTensor([O], { seed: seed++, dtype: "float32" });
      x.storage.data[xs[2]! * xs[3]! + 2 * xs[3]! + 3] = NaN; // image 0, channel 1, an input every stride reads
      for (const [bias, activation] of [[true, "relu"], [false, undefined]] as const) {
        const ins = bias ? [x, w, b] : [x, w];
        const attrs = { pass: "forward" as const, kernel: k, stride: s, padding: p, dilation: d, ...(activation ? { activation } : {}) };
        const want = conv2dReference(ins, attrs, "cpu")[0]!;
        const msg = `${threads}t [${xs}] O=${O} k=${k} s=${s} p=${p} d=${d} bias=${bias} ${activation ?? "linear"}`;
        assertMatches(conv2d(ins, attrs, "cpu")[0]!, want, 1e-3, msg);
        assert.ok(want.toTypedArray().some((v) => Number.isNaN(v)), `${msg}: the NaN reaches y`);
      }
    }
  });
});

// Winograd F(2x2, 3x3) beyond the pooled forward (native/src/conv_winograd_avx512.cc,
// conv_winograd_weight_avx512.cc; on AVX2 conv_winograd_avx2.cc): a 3x3 stride-1 undilated
// layer runs its forward (AVX-512: even output size, 4+ input channels; AVX2: any size, 2+)
// and its input pass (the forward of dy with the kernel flipped, bordered by 2 - p) over
// the full output, and its weight pass (AVX-512: C and O multiples of 16, even size; AVX2:
// 2+ input channels, any size) as 16 GEMMs over every tile of the batch (AVX2: dot
// products over buffers of tiles).
// Geometries: the small ResNet's three widths (an 8x8 image is one vector of 16 tiles);
// tile rows that wrap inside a vector of tiles (9 per row); padding 0 and 2, asymmetric;
// batch 1 (channel blocks split over the threads); bands of tile rows (64 channels on
// 40x40); the weight pass's tile buffer flushed inside an image, one and two input-channel
// vectors, 48 output channels (four blocks of 12). For AVX2's 8 tiles a vector: 12 tiles a
// row (a partial last vector spilling onto the next row), 3 and 2 tiles a row (one vector
// spans rows), O not a multiple of its 6-channel blocks; the ResNet's 3-channel stem (a
// weight pass whose buffer holds 12 tile rows: 1.3 flushes an image); odd output sizes
// (the last tiles stored in part, their gradients zeros past the edge), 2 input channels.
const WINOGRAD_GEOMS: [number[], number, Pair][] = [
  [[2, 16, 32, 32], 16, [1, 1]],
  [[2, 32, 16, 16], 48, [1, 1]],
  [[2, 64, 8, 8], 64, [1, 1]],
  [[3, 5, 10, 14], 13, [0, 0]],
  [[2, 7, 12, 20], 25, [1, 0]],
  [[1, 16, 20, 20], 40, [1, 1]],
  [[2, 64, 40, 40], 32, [1, 1]],
  [[2, 16, 6, 6], 32, [2, 2]],
  [[3, 48, 10, 12], 16, [1, 0]],
  [[2, 8, 24, 24], 7, [1, 1]],
  [[2, 4, 4, 6], 3, [1, 1]],
  [[2, 6, 4, 4], 11, [1, 1]],
  [[3, 3, 32, 32], 16, [1, 1]],
  [[2, 4, 13, 13], 9, [0, 0]],
  [[2, 5, 7, 10], 6, [1, 1]],
  [[1, 2, 9, 5], 3, [1, 1]],
];

for (const [isa, noIsa] of [["avx512", noAvx512], ["avx2", noAvx2]] as const)
test(`native conv2d on ${isa} as Winograd F(2x2, 3x3) over the full output: forward, input and weight passes match the composition`, { skip: noIsa }, () => {
  onIsaAtThreads(isa, (threads) => {
    let seed = 3300;
    for (const [xs, O, p] of WINOGRAD_GEOMS) {
      const k: Pair = [3, 3], s: Pair = [1, 1], d: Pair = [1, 1];
      const win = { kernel: k, stride: s, padding: p, dilation: d };
      const x = randomTensor(xs, { seed: seed++, dtype: "float32" }), w = randomTensor([O, xs[1]!, 3, 3], { seed: seed++, dtype: "float32" });
      const b = randomTensor([O], { seed: seed++, dtype: "float32" });
      // image 0, channel 1, a pixel every tap reaches: in a border row that only some taps
      // reach, the Winograd weight pass makes every tap of dW NaN (0 · NaN in M's sums),
      // as an infinite input does in the forward
      x.storage.data[xs[2]! * xs[3]! + Math.min(3, xs[2]! - 2) * xs[3]! + Math.min(4, xs[3]! - 2)] = NaN;
      const msg = `${threads}t [${xs}] O=${O} p=${p}`;
      for (const [bias, activation] of [[true, "relu"], [false, undefined]] as const) {
        const ins = bias ? [x, w, b] : [x, w];
        const attrs = { pass: "forward" as const, ...win, ...(activation ? { activation } : {}) };
        const want = conv2dReference(ins, attrs, "cpu")[0]!;
        assertMatches(conv2d(ins, attrs, "cpu")[0]!, want, 1e-3, `${msg} forward bias=${bias} ${activation ?? "linear"}`);
        assert.ok(want.toTypedArray().some((v) => Number.isNaN(v)), `${msg}: the NaN reaches y`);
      }
      const dy = gradient(xs, O, k, s, p, d, seed++);
      const [oh, ow] = [dy.shape[2]!, dy.shape[3]!];
      const inputAttrs = { pass: "input" as const, ...win, inputSize: [xs[2]!, xs[3]!] as Pair };
      const xf = randomTensor(xs, { seed: seed++, dtype: "float32" });
      const weightAttrs = { pass: "weight" as const, ...win };
      const wantW = conv2dReference([xf, dy], weightAttrs, "cpu"), gotW = conv2d([xf, dy], weightAttrs, "cpu");
      assertMatches(gotW[0]!, wantW[0]!, 3e-3, `${msg} weight pass, dW`);
      assertMatches(gotW[1]!, wantW[1]!, 1e-3, `${msg} weight pass, db`);
      dy.storage.data[(0 * O + 1) * oh * ow + (oh >> 1) * ow + (ow >> 1)] = NaN;
      const wantX = conv2dReference([dy, w], inputAttrs, "cpu")[0]!;
      assertMatches(conv2d([dy, w], inputAttrs, "cpu")[0]!, wantX, 1e-3, `${msg} input pass`);
      assert.ok(wantX.toTypedArray().some((v) => Number.isNaN(v)), `${msg}: the NaN reaches dx`);
      const wantNaN = conv2dReference([x, dy], weightAttrs, "cpu"), gotNaN = conv2d([x, dy], weightAttrs, "cpu");
      assertMatches(gotNaN[0]!, wantNaN[0]!, 3e-3, `${msg} weight pass with NaN in x and dy, dW`);
      assertMatches(gotNaN[1]!, wantNaN[1]!, 1e-3, `${msg} weight pass with NaN in dy, db`);
    }
  });
});

/**
 * The conv2d primitive's native driver (per-image im2col + GEMM, native/src/conv.cc) against
 * its TypeScript composition (conv2dReference: im2col, batched GEMM, col2im), for all three
 * passes, on every instruction-set path this CPU supports; both are checked against an
 * independent float64 direct convolution on a small case. Also the dense scatter kernel
 * (max pooling's gradient) against its TypeScript loop.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, tensor, type DType, type Tensor } from "../../src/index.js";
import { conv2d, conv2dReference, maxPoolReference, outputSize } from "../../src/backend/cpu/conv.js";
import { scatter, scatterDenseReference } from "../../src/backend/cpu/structure.js";
import { getNumThreads, setNumThreads } from "../../src/backend/cpu/native.js";
import { isas, skip, withIsa } from "./native_helpers.js";
import { assertClose, randomTensor } from "../helpers.js";


type Pair = [number, number];
/** [x shape, O, kernel, stride, padding, dilation] */
const GEOMS: [number[], number, Pair, Pair, Pair, Pair][] = [
  [[5, 3, 9, 8], 4, [3, 3], [1, 1], [0, 0], [1, 1]],
  [[3, 2, 11, 7], 5, [3, 2], [2, 1], [1, 1], [1, 2]],
  [[4, 6, 6, 6], 7, [1, 1], [1, 1], [0, 0], [1, 1]], // pointwise: no im2col
  [[1, 4, 10, 10], 3, [5, 5], [2, 2], [2, 2], [1, 1]], // batch 1: threads inside the GEMM
  [[2, 1, 7, 13], 33, [2, 4], [3, 2], [1, 0], [2, 1]],
  [[64, 32, 13, 13], 64, [3, 3], [1, 1], [0, 0], [1, 1]], // the small CNN's second layer
  // x stride 2 with rows of 16 and 19 outputs (AVX2: im2col/col2im 8 columns a register)
  [[2, 16, 32, 32], 32, [3, 3], [2, 2], [1, 1], [1, 1]], // the small ResNet's downsampling layer
  [[2, 3, 9, 37], 5, [3, 3], [1, 2], [1, 1], [1, 1]],
];

function passes(xShape: number[], O: number, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, dtype: DType, seed: number) {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const oh = outputSize(H, kernel[0], stride[0], padding[0], dilation[0]), ow = outputSize(W, kernel[1], stride[1], padding[1], dilation[1]);
  const x = randomTensor(xShape, { seed, dtype }), w = randomTensor([O, C, ...kernel], { seed: seed + 1, dtype });
  const b = randomTensor([O], { seed: seed + 2, dtype }), dy = randomTensor([N, O, oh, ow], { seed: seed + 3, dtype });
  const win = { kernel, stride, padding, dilation };
  return [
    { name: "forward", ins: [x, w, b], attrs: { pass: "forward" as const, ...win } },
    { name: "forward+relu, no bias", ins: [x, w], attrs: { pass: "forward" as const, ...win, activation: "relu" as const } },
    { name: "input", ins: [dy, w], attrs: { pass: "input" as const, ...win, inputSize: [H, W] as Pair } },
    { name: "weight", ins: [x, dy], attrs: { pass: "weight" as const, ...win } },
  ];
}

for (const isa of isas) {
  test(`native conv2d (${isa}) matches the TypeScript composition: forward, input and weight passes`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 1;
      for (const dtype of ["float32", "float64"] as DType[]) {
        for (const [xs, O, k, s, p, d] of GEOMS) {
          for (const { name, ins, attrs } of passes(xs, O, k, s, p, d, dtype, (seed += 10))) {
            const got = conv2d(ins, attrs, "cpu"), want = conv2dReference(ins, attrs, "cpu");
            assert.equal(got.length, want.length);
            got.forEach((t, i) => {
              assert.deepEqual(t.shape, want[i]!.shape, `${name} output ${i} shape`);
              assert.equal(t.dtype, dtype);
              // same products, different summation order (per-thread partial sums)
              assertClose(t, want[i]!, dtype === "float32" ? { atol: 2e-4, rtol: 1e-4 } : { atol: 1e-11, rtol: 1e-11 });
            });
          }
        }
      }
    });
  });
}

// On AVX-512 a float32 forward with one thread per image gathers its column panels
// straight from the image (native/src/conv_gemm.inc): contiguous runs where the x stride is
// 1, vgatherdps otherwise (x stride 2, or a one-column output whose 16 lanes span 16 rows),
// and K blocks past 1024 rows (128 channels x 3x3).
const GATHER_GEOMS: [number[], number, Pair, Pair, Pair, Pair][] = [
  ...GEOMS,
  [[3, 5, 6, 1], 6, [2, 1], [1, 1], [1, 0], [1, 1]],
  [[2, 128, 5, 6], 13, [3, 3], [1, 1], [1, 1], [1, 1]],
  [[2, 3, 40, 37], 150, [3, 3], [1, 1], [2, 1], [2, 1]],
];

test("native conv2d forward on AVX-512, one image per thread (gathered column panels), matches the composition", { skip: skip || (!isas.includes("avx512") && "no AVX-512") }, () => {
  const before = getNumThreads();
  try {
    setNumThreads(1);
    withIsa("avx512", () => {
      let seed = 500;
      for (const [xs, O, k, s, p, d] of GATHER_GEOMS) {
        for (const { name, ins, attrs } of passes(xs, O, k, s, p, d, "float32", (seed += 10)).slice(0, 2)) {
          const got = conv2d(ins, attrs, "cpu")[0]!, want = conv2dReference(ins, attrs, "cpu")[0]!;
          assert.deepEqual(got.shape, want.shape, `${name} [${xs}] shape`);
          assertClose(got, want, { atol: 5e-4, rtol: 1e-4, msg: `${name} [${xs}] O=${O}` });
        }
      }
    });
  } finally {
    setNumThreads(before);
  }
});

// The forward's max-pooling epilogue (inference): each image's activations pooled in
// scratch; against conv then the TypeScript max pooling, on every ISA and at 1 thread
// (AVX-512: the gathered path) and 2 (threads across images, or inside a batch-1 GEMM).
test("native conv2d forward with the max-pooling epilogue matches conv, relu, then max pooling", { skip }, () => {
  const before = getNumThreads();
  const geoms: [number[], number, Pair, Pair, Pair][] = [
    [[4, 3, 12, 11], 5, [3, 3], [2, 2], [2, 2]],
    [[3, 2, 9, 13], 7, [2, 3], [3, 2], [2, 1]],
    [[1, 4, 10, 10], 12, [3, 3], [2, 3], [3, 3]], // batch 1
    [[64, 32, 13, 13], 64, [3, 3], [2, 2], [2, 2]], // the small CNN's second layer
  ];
  try {
    for (const isa of isas)
      for (const threads of [1, 2])
        withIsa(isa, () => {
          setNumThreads(threads);
          let seed = 700;
          for (const dtype of ["float32", "float64"] as DType[])
            for (const [xs, O, k, pk, ps] of geoms) {
              const x = randomTensor(xs, { seed: seed++, dtype }), w = randomTensor([O, xs[1]!, ...k], { seed: seed++, dtype });
              const b = randomTensor([O], { seed: seed++, dtype });
              if (xs[0] === 3) x.storage.data[5] = NaN; // a NaN wins its window
              const attrs = { pass: "forward" as const, kernel: k, stride: [1, 1] as Pair, padding: [1, 0] as Pair, dilation: [1, 1] as Pair, activation: "relu" as const };
              const got = conv2d([x, w, b], { ...attrs, pool: { kernel: pk, stride: ps } }, "cpu")[0]!;
              const [gotValues, gotIndices] = conv2d([x, w, b], { ...attrs, pool: { kernel: pk, stride: ps, indices: true } }, "cpu");
              const full = conv2dReference([x, w, b], attrs, "cpu")[0]!;
              const oh = full.shape[2]!, ow = full.shape[3]!;
              const [want, wantIndices] = maxPoolReference([full], { kernel: pk, stride: ps, padding: [0, 0], dilation: [1, 1], outputSize: [outputSize(oh, pk[0], ps[0], 0, 1), outputSize(ow, pk[1], ps[1], 0, 1)] }, "cpu");
              const msg = `${isa} ${threads}t ${dtype} [${xs}] pool ${pk}/${ps}`;
              assert.deepEqual(got.shape, want!.shape, msg);
              assert.equal(got.dtype, dtype);
              assertClose(got, want!, { ...(dtype === "float32" ? { atol: 2e-4, rtol: 1e-4 } : { atol: 1e-11, rtol: 1e-11 }), msg });
              assertClose(gotValues!, got, { atol: 0, rtol: 0, msg: `${msg}: values with indices` });
              assert.equal(gotIndices!.dtype, "int32");
              // float32 sums in another order can pick another of two near-equal maxima: compare where they agree in value
              const gi = gotIndices!.toTypedArray(), wi = wantIndices!.toTypedArray(), fv = full.toTypedArray(), per = oh * ow, pooled = gi.length / (xs[0]! * O);
              let same = 0;
              for (let e = 0; e < gi.length; e++) {
                const plane = Math.floor(e / pooled) * per;
                if (gi[e] === wi[e]) same++;
                else assert.ok(Math.abs(fv[plane + gi[e]!]! - fv[plane + wi[e]!]!) < 1e-4 || Number.isNaN(fv[plane + gi[e]!]!), `${msg}: index ${e}`);
              }
              assert.ok(same > 0.99 * gi.length, `${msg}: indices agree`);
              if (xs[0] === 3) assert.ok(got.toTypedArray().some((v) => Number.isNaN(v)), `${msg}: the NaN propagates`);
            }
        });
  } finally {
    setNumThreads(before);
  }
});

/** Runs `fn` on the AVX-512 kernels at 1 and then 2 threads, then restores the thread count. */
function onAvx512AtThreads(fn: (threads: number) => void): void {
  const before = getNumThreads();
  try {
    withIsa("avx512", () => {
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        fn(threads);
      }
    });
  } finally {
    setNumThreads(before);
  }
}

// On AVX-512, float32 forwards with x stride 1 and one thread per image run a direct
// convolution (native/src/conv_direct_avx512.cc): lanes over output positions when C·kh·kw
// <= 32, else lanes over output channels when O is a multiple of 16 (two channel vectors per
// tile when it is a multiple of 32); a 2x2 stride-2 pool without indices is done in
// registers; with fewer images than threads, an image's rows are split over the threads.
// The weight pass of a layer with few taps is direct too (per-lane partial sums over dy).
// Geometries: ragged row ends, rows wider than one tile, odd heights, padding, dilation, a y
// stride, several channel blocks, batch 1, and NaN.
const DIRECT_GEOMS: [number[], number, Pair, Pair, Pair, Pair][] = [
  [[3, 1, 28, 28], 32, [3, 3], [1, 1], [0, 0], [1, 1]], // the small CNN's first layer
  [[2, 3, 17, 35], 29, [3, 3], [2, 1], [1, 2], [1, 1]], // positions: 3 blocks, the last of 5
  [[2, 2, 9, 20], 7, [4, 4], [1, 1], [0, 1], [2, 1]], // positions: K = 32
  [[2, 4, 9, 30], 16, [3, 3], [1, 1], [1, 1], [1, 1]], // channels, one vector: spans of a 30-wide row
  [[3, 8, 11, 9], 48, [3, 2], [2, 1], [2, 0], [1, 2]], // channels, one vector, 3 blocks
  [[2, 6, 12, 15], 32, [3, 3], [1, 1], [1, 1], [2, 1]], // channels, two vectors
  [[2, 32, 13, 13], 64, [3, 3], [1, 1], [0, 0], [1, 1]], // the small CNN's second layer
  [[1, 3, 30, 35], 29, [3, 3], [2, 1], [1, 2], [1, 1]], // batch 1: rows split over the threads
  [[1, 32, 13, 13], 64, [3, 3], [1, 1], [0, 0], [1, 1]],
];

test("native conv2d forward on AVX-512 as a direct convolution matches the composition, with and without 2x2 pooling", { skip: skip || (!isas.includes("avx512") && "no AVX-512") }, () => {
  onAvx512AtThreads((threads) => {
    let seed = 900;
    for (const [xs, O, k, s, p, d] of DIRECT_GEOMS) {
      const x = randomTensor(xs, { seed: seed++, dtype: "float32" }), w = randomTensor([O, xs[1]!, ...k], { seed: seed++, dtype: "float32" });
      const b = randomTensor([O], { seed: seed++, dtype: "float32" });
      x.storage.data[xs[2]! * xs[3]! + 3 * xs[3]! + 4] = NaN; // image 0, channel 1 (or image 1): a NaN wins its window
      for (const [bias, activation] of [[true, "relu"], [false, undefined]] as const) {
        const ins = bias ? [x, w, b] : [x, w];
        const attrs = { pass: "forward" as const, kernel: k, stride: s, padding: p, dilation: d, ...(activation ? { activation } : {}) };
        const full = conv2dReference(ins, attrs, "cpu")[0]!;
        const msg = `${threads}t [${xs}] O=${O} k=${k} s=${s} p=${p} d=${d} bias=${bias} ${activation ?? "linear"}`;
        const got = conv2d(ins, attrs, "cpu")[0]!;
        assert.deepEqual(got.shape, full.shape, msg);
        assertClose(got, full, { atol: 5e-4, rtol: 1e-4, msg });
        const gv = got.toTypedArray(), fv = full.toTypedArray();
        for (let e = 0; e < fv.length; e++) assert.equal(Number.isNaN(gv[e]!), Number.isNaN(fv[e]!), `${msg}: NaN at ${e}`);
        if (activation) assert.ok(gv.every((v) => !Object.is(v, -0)), `${msg}: relu gives +0`);
        const oh = full.shape[2]!, ow = full.shape[3]!;
        const pool = { kernel: [2, 2] as Pair, stride: [2, 2] as Pair };
        const pooled = conv2d(ins, { ...attrs, pool }, "cpu")[0]!;
        const [want] = maxPoolReference([full], { ...pool, padding: [0, 0], dilation: [1, 1], outputSize: [outputSize(oh, 2, 2, 0, 1), outputSize(ow, 2, 2, 0, 1)] }, "cpu");
        assert.deepEqual(pooled.shape, want!.shape, `${msg} pooled`);
        assertClose(pooled, want!, { atol: 5e-4, rtol: 1e-4, msg: `${msg} pooled` });
        const pv = pooled.toTypedArray(), wv = want!.toTypedArray();
        for (let e = 0; e < wv.length; e++) assert.equal(Number.isNaN(pv[e]!), Number.isNaN(wv[e]!), `${msg} pooled: NaN at ${e}`);
        assert.ok(wv.some((v) => Number.isNaN(v)), `${msg}: the NaN reaches the pooled output`);
      }
      // the weight pass, direct for few taps (C·kh·kw <= 32): per-lane partial sums
      const xf = randomTensor(xs, { seed: seed++, dtype: "float32" });
      const win = { kernel: k, stride: s, padding: p, dilation: d };
      const [oh, ow] = [outputSize(xs[2]!, k[0], s[0], p[0], d[0]), outputSize(xs[3]!, k[1], s[1], p[1], d[1])];
      const dy = randomTensor([xs[0]!, O, oh, ow], { seed: seed++, dtype: "float32" });
      const got = conv2d([xf, dy], { pass: "weight", ...win }, "cpu"), want = conv2dReference([xf, dy], { pass: "weight", ...win }, "cpu");
      got.forEach((t, i) => assertClose(t, want[i]!, { atol: 2e-3, rtol: 1e-4, msg: `${threads}t [${xs}] O=${O} weight pass, output ${i}` }));
    }
  });
});

// On AVX-512 a float32 3x3, stride-1, undilated forward with 4+ input channels and a 2x2
// stride-2 pool runs Winograd F(2x2, 3x3) (native/src/conv_winograd_avx512.cc), each output
// tile one pooling window, with the maxima's positions when asked (training). Geometries:
// tile rows wider than 16 tiles, odd sizes, padding, channel blocks of 1..12, batch 1
// (channel blocks split over the threads), bands of tile rows, and NaN, which must reach
// exactly the windows whose inputs hold it.
const WINOGRAD_GEOMS: [number[], number, Pair][] = [
  [[3, 32, 13, 13], 64, [0, 0]], // the small CNN's second layer
  [[2, 4, 9, 40], 13, [1, 1]], // 19 tiles per row: two vectors of tiles
  [[2, 7, 12, 11], 25, [1, 0]],
  [[1, 5, 16, 18], 1, [0, 2]], // batch 1, one channel
  [[1, 16, 20, 20], 40, [1, 1]], // batch 1: channel blocks split over the threads
  [[2, 64, 21, 20], 16, [1, 1]], // 64 channels: bands of 6 tile rows (the scratch kept to L2)
];

test("native conv2d forward on AVX-512 with a 2x2 pool as Winograd F(2x2, 3x3) matches the composition", { skip: skip || (!isas.includes("avx512") && "no AVX-512") }, () => {
  onAvx512AtThreads((threads) => {
    let seed = 1300;
    for (const [xs, O, p] of WINOGRAD_GEOMS) {
      const x = randomTensor(xs, { seed: seed++, dtype: "float32" }), w = randomTensor([O, xs[1]!, 3, 3], { seed: seed++, dtype: "float32" });
      const b = randomTensor([O], { seed: seed++, dtype: "float32" });
      x.storage.data[xs[2]! * xs[3]! + 5 * xs[3]! + 6] = NaN; // image 0, channel 1
      for (const [bias, activation] of [[true, "relu"], [false, undefined]] as const) {
        const ins = bias ? [x, w, b] : [x, w];
        const attrs = { pass: "forward" as const, kernel: [3, 3] as Pair, stride: [1, 1] as Pair, padding: p, dilation: [1, 1] as Pair, ...(activation ? { activation } : {}) };
        const full = conv2dReference(ins, attrs, "cpu")[0]!;
        const pool = { kernel: [2, 2] as Pair, stride: [2, 2] as Pair };
        const [want, wantIndices] = maxPoolReference([full], { ...pool, padding: [0, 0], dilation: [1, 1], outputSize: [outputSize(full.shape[2]!, 2, 2, 0, 1), outputSize(full.shape[3]!, 2, 2, 0, 1)] }, "cpu");
        const got = conv2d(ins, { ...attrs, pool }, "cpu")[0]!;
        const msg = `${threads}t [${xs}] O=${O} p=${p} bias=${bias} ${activation ?? "linear"}`;
        assert.deepEqual(got.shape, want!.shape, msg);
        assert.equal(got.dtype, "float32");
        assertClose(got, want!, { atol: 5e-4, rtol: 1e-4, msg });
        const gv = got.toTypedArray(), wv = want!.toTypedArray();
        for (let e = 0; e < wv.length; e++) assert.equal(Number.isNaN(gv[e]!), Number.isNaN(wv[e]!), `${msg}: NaN at ${e}`);
        assert.ok(wv.some((v) => Number.isNaN(v)), `${msg}: the NaN reaches the pooled output`);
        // training asks for the positions too: the same values, and the positions of the
        // reference's maxima (or of a near-equal value: the sums are rounded differently)
        const [values, indices] = conv2d(ins, { ...attrs, pool: { ...pool, indices: true } }, "cpu");
        assertClose(values!, got, { atol: 0, rtol: 0, msg: `${msg}: values with indices` });
        assert.equal(indices!.dtype, "int32");
        const gi = indices!.toTypedArray(), wi = wantIndices!.toTypedArray(), fv = full.toTypedArray(), per = full.shape[2]! * full.shape[3]!;
        const pooledPer = wv.length / (xs[0]! * O);
        let same = 0;
        for (let e = 0; e < gi.length; e++) {
          const plane = Math.floor(e / pooledPer) * per;
          if (gi[e] === wi[e]) same++;
          else assert.ok(Math.abs(fv[plane + gi[e]!]! - fv[plane + wi[e]!]!) < 1e-4 || Number.isNaN(fv[plane + wi[e]!]!), `${msg}: index ${e}: ${gi[e]} vs ${wi[e]}`);
        }
        assert.ok(same > 0.98 * gi.length, `${msg}: indices agree (${same} of ${gi.length})`);
      }
    }
  });
});

test("native conv2d gives the same result at 1 and 2 threads and with strided inputs", { skip }, () => {
  const before = getNumThreads();
  try {
    for (const { name, ins, attrs } of passes([6, 3, 9, 9], 8, [3, 3], [1, 1], [1, 1], [1, 1], "float32", 7)) {
      setNumThreads(1);
      const one = conv2d(ins, attrs, "cpu");
      setNumThreads(2);
      const two = conv2d(ins, attrs, "cpu");
      one.forEach((t, i) => assertClose(two[i]!, t, { atol: 1e-5, rtol: 1e-5, msg: name }));
      // a transposed (non-contiguous) first input is copied, then convolved
      const t0 = ins[0]!.transpose(2, 3).contiguous().transpose(2, 3);
      const strided = conv2d([t0, ...ins.slice(1)], attrs, "cpu");
      strided.forEach((t, i) => assertClose(t, two[i]!, { atol: 0, rtol: 0, msg: `${name} strided` }));
    }
  } finally {
    setNumThreads(before);
  }
});

/** A direct float64 convolution: y[n,o,i,j] = b[o] + Σ x[n,c,i·s-p+u·d, j·s-p+v·d] w[o,c,u,v]. */
function directConv(x: Tensor, w: Tensor, b: Tensor, stride: Pair, padding: Pair, dilation: Pair): number[] {
  const [N, C, H, W] = x.shape as number[] as [number, number, number, number];
  const [O, , kh, kw] = w.shape as number[] as [number, number, number, number];
  const oh = outputSize(H, kh, stride[0], padding[0], dilation[0]), ow = outputSize(W, kw, stride[1], padding[1], dilation[1]);
  const xd = x.toTypedArray(), wd = w.toTypedArray(), bd = b.toTypedArray(), out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = Number(bd[o]);
          for (let c = 0; c < C; c++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const yy = i * stride[0] - padding[0] + u * dilation[0], xx = j * stride[1] - padding[1] + v * dilation[1];
                if (yy >= 0 && yy < H && xx >= 0 && xx < W) s += Number(xd[((n * C + c) * H + yy) * W + xx]) * Number(wd[((o * C + c) * kh + u) * kw + v]);
              }
          out.push(s);
        }
  return out;
}

test("conv2d forward (native and TypeScript) equals a direct float64 convolution", () => {
  const x = randomTensor([2, 3, 7, 6], { seed: 3 }), w = randomTensor([4, 3, 3, 2], { seed: 4 }), b = randomTensor([4], { seed: 5 });
  const attrs = { pass: "forward" as const, kernel: [3, 2] as Pair, stride: [2, 1] as Pair, padding: [1, 1] as Pair, dilation: [1, 2] as Pair };
  const want = directConv(x, w, b, attrs.stride, attrs.padding, attrs.dilation);
  assertClose(conv2d([x, w, b], attrs, "cpu")[0]!, want, { atol: 1e-12, rtol: 1e-12 });
  assertClose(conv2dReference([x, w, b], attrs, "cpu")[0]!, want, { atol: 1e-12, rtol: 1e-12 });
});

test("dense scatter and scatter-add (native) match the TypeScript loop; a bad index names the op and shape", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const reduce of ["add", "none"] as const) {
      for (const [xs, is, axis] of [[[6, 20], [6, 7], 1], [[9, 4, 5], [3, 4, 5], 0], [[3, 8, 6], [3, 5, 6], 1]] as [number[], number[], number][]) {
        const x = randomTensor(xs, { seed: 11, dtype }), src = randomTensor(is, { seed: 12, dtype });
        // distinct positions for plain scatter (repeats make the winner unspecified); repeats for add
        const idx = randomTensor(is, { seed: 13, lo: 0, hi: xs[axis]! }).floor().to("int32");
        const index = reduce === "add" ? idx : distinctAlong(is, axis, xs[axis]!);
        const attrs = { axis, reduce };
        const got = scatter([x, index, src], attrs, "cpu")[0]!, want = scatterDenseReference([x, index, src], attrs, "cpu");
        assert.deepEqual(got.shape, xs);
        assert.deepEqual(Array.from(got.toTypedArray()), Array.from(want.toTypedArray()), `${dtype} ${reduce} ${xs} axis ${axis}`);
      }
    }
  }
  // x broadcast from one value (max pooling's zeros) is filled block by block
  const filled = randomTensor([1, 1], { seed: 14, dtype: "float32" }).expand([6, 20]);
  const srcF = randomTensor([6, 7], { seed: 15, dtype: "float32" }), idxF = randomTensor([6, 7], { seed: 16, lo: 0, hi: 20 }).floor().to("int32");
  const attrsF = { axis: 1, reduce: "add" as const };
  assert.deepEqual(Array.from(scatter([filled, idxF, srcF], attrsF, "cpu")[0]!.toTypedArray()), Array.from(scatterDenseReference([filled, idxF, srcF], attrsF, "cpu").toTypedArray()), "broadcast x");
  const x = randomTensor([2, 3], { dtype: "float32" }), src = randomTensor([2, 1], { dtype: "float32" });
  const bad = randomTensor([2, 1], { lo: 3, hi: 3.5 }).floor().to("int32");
  assert.throws(() => scatter([x, bad, src], { axis: 1, reduce: "add" }, "cpu"), (e: Error) =>
    e instanceof FluxionError && /scatter: index 3 is out of bounds for dimension 1 with size 3 \(input shape \[2, 3\]\)/.test(e.message));
  // the native check runs in blocks of 4096 indices: a bad one (negative, or past the size)
  // deep in a later block is still found
  for (const badValue of [-1, 9]) {
    const big = randomTensor([3, 9], { dtype: "float32" }), bigSrc = randomTensor([3, 3000], { dtype: "float32" });
    const bigIdx = randomTensor([3, 3000], { seed: 17, lo: 0, hi: 9 }).floor().to("int32");
    bigIdx.storage.data[2 * 3000 + 2500] = badValue;
    assert.throws(() => scatter([big, bigIdx, bigSrc], { axis: 1, reduce: "add" }, "cpu"), (e: Error) =>
      e instanceof FluxionError && new RegExp(`scatter: index ${badValue} is out of bounds for dimension 1 with size 9`).test(e.message));
  }
});

/** An int32 index of `shape` whose entries along `axis` are distinct positions (counting down from size - 1). */
function distinctAlong(shape: number[], axis: number, size: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1), vals: number[] = [];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  for (let k = 0; k < n; k++) vals.push(size - 1 - (Math.floor(k / inner) % shape[axis]!));
  return tensor(vals, { shape, dtype: "int32" });
}

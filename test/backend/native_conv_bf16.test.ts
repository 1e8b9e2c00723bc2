/**
 * The bfloat16 convolution on the native driver (native/src/conv.cc on the bfloat16 GEMM:
 * columns copied as bits, float32 sums, each output rounded once) against a float64
 * convolution of the same bfloat16 values (conv2dReference on widened copies), for all three
 * passes, the fused ReLU and max pooling (with the maxima's positions), edge geometries, on
 * every ISA path and bfloat16 GEMM mode this CPU runs, at 1 and 2 threads; and autocast's
 * nn.Conv2d training step on it against float64 autograd on the same bfloat16 values.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { amp, dispatch, nn, type Tensor } from "../../src/index.js";
import { conv2d, conv2dReference, outputSize, setBf16ConvPath } from "../../src/backend/cpu/conv.js";
import { getNumThreads, nativeAddon, setNativeBf16Mode, setNumThreads } from "../../src/backend/cpu/native.js";
import { isas, skip, withIsa } from "./native_helpers.js";
import { randomTensor } from "../helpers.js";

type Pair = [number, number];
/** [x shape, O, kernel, stride, padding, dilation] */
const GEOMS: [number[], number, Pair, Pair, Pair, Pair][] = [
  [[3, 4, 9, 8], 5, [3, 3], [1, 1], [1, 0], [1, 1]],
  [[3, 3, 11, 7], 5, [3, 2], [2, 1], [1, 1], [1, 2]], // odd channels, stride, dilation
  [[4, 7, 6, 6], 9, [1, 1], [1, 1], [0, 0], [1, 1]], // pointwise: no im2col, the GEMM rounds itself
  [[2, 6, 9, 9], 3, [1, 1], [2, 2], [0, 0], [1, 1]], // 1x1 stride 2: im2col
  [[1, 4, 10, 10], 3, [5, 5], [2, 2], [2, 2], [1, 1]], // batch 1: threads inside the GEMM; padding 2
  [[2, 1, 7, 13], 33, [2, 4], [3, 2], [1, 0], [2, 1]],
  [[5, 32, 13, 13], 64, [3, 3], [1, 1], [0, 0], [1, 1]], // the small CNN's second layer (odd K pairs: 288)
  [[2, 3, 5, 6], 4, [3, 3], [1, 1], [4, 3], [1, 1]], // padding wider than the kernel
];

const bf16 = (shape: number[], seed: number) => dispatch("cast", [randomTensor(shape, { seed, lo: -1, hi: 1 })], { dtype: "bfloat16" });
const wide = (t: Tensor) => dispatch("cast", [t], { dtype: "float64" });

/**
 * got (bfloat16) is want (float64, unrounded) rounded once: within half a bfloat16 ulp
 * (2^-8 relative) plus float32 accumulation error over `terms` products of magnitude <= 1.
 */
function roundedOnce(got: Tensor, want: Tensor, terms: number, msg: string): void {
  assert.equal(got.dtype, "bfloat16", `${msg}: dtype`);
  assert.deepEqual(got.shape, want.shape, `${msg}: shape`);
  const g = wide(got).toTypedArray(), w = want.toTypedArray();
  for (let i = 0; i < w.length; i++) {
    const a = Number(g[i]), b = Number(w[i]);
    assert.ok(Math.abs(a - b) <= 2 ** -8 * Math.abs(b) + 1e-6 * terms, `${msg}: element ${i}: ${a} vs ${b}`);
  }
}

/**
 * Runs fn on every ISA path, bfloat16 GEMM mode the CPU has (float32 conversion; vdpbf16ps;
 * AMX) and 1 and 2 threads, checking that the native convolution ran in bfloat16 each time.
 */
function everyPath(fn: (where: string) => void): void {
  const addon = nativeAddon()!, original = addon.conv2d;
  let bf16Calls = 0;
  addon.conv2d = (p, ...rest) => {
    if (p[1] === 2) bf16Calls++;
    return original.call(addon, p, ...rest);
  };
  const threads0 = getNumThreads(), path0 = setBf16ConvPath("bf16");
  try {
    for (const isa of isas) {
      withIsa(isa, () => {
        for (const mode of ["convert", "dot", "amx"] as const) {
          if (!setNativeBf16Mode(mode)) continue; // not on this CPU
          for (const threads of [1, 2]) {
            setNumThreads(threads);
            bf16Calls = 0;
            fn(`${isa}, ${mode}, ${threads} threads`);
            assert.ok(bf16Calls > 0, `${isa}, ${mode}: the native bfloat16 convolution ran`);
          }
        }
      });
    }
  } finally {
    addon.conv2d = original;
    setNativeBf16Mode("auto");
    setNumThreads(threads0);
    setBf16ConvPath(path0);
  }
}

test("bfloat16 conv2d on the native driver: forward (bias, ReLU), input and weight passes are the float64 results rounded once", { skip }, () => {
  everyPath((where) => {
    let seed = 1;
    for (const [xs, O, k, s, p, d] of GEOMS) {
      const [N, C, H, W] = xs as [number, number, number, number];
      const oh = outputSize(H, k[0], s[0], p[0], d[0]), ow = outputSize(W, k[1], s[1], p[1], d[1]);
      const x = bf16(xs, seed++), w = bf16([O, C, ...k], seed++), b = bf16([O], seed++), dy = bf16([N, O, oh, ow], seed++);
      const win = { kernel: k, stride: s, padding: p, dilation: d };
      const msg = `${where}, x ${xs} O ${O} k ${k} s ${s} p ${p} d ${d}`;
      const fwd = { pass: "forward" as const, ...win };
      roundedOnce(conv2d([x, w, b], fwd, "cpu")[0]!, conv2dReference([wide(x), wide(w), wide(b)], fwd, "cpu")[0]!, C * k[0] * k[1], `${msg}: forward`);
      const relu = { ...fwd, activation: "relu" as const };
      roundedOnce(conv2d([x, w], relu, "cpu")[0]!, conv2dReference([wide(x), wide(w)], relu, "cpu")[0]!, C * k[0] * k[1], `${msg}: forward + relu`);
      const input = { pass: "input" as const, ...win, inputSize: [H, W] as Pair };
      roundedOnce(conv2d([dy, w], input, "cpu")[0]!, conv2dReference([wide(dy), wide(w)], input, "cpu")[0]!, O * k[0] * k[1], `${msg}: input`);
      const [dw, db] = conv2d([x, dy], { pass: "weight", ...win }, "cpu");
      const [dwRef, dbRef] = conv2dReference([wide(x), wide(dy)], { pass: "weight", ...win }, "cpu");
      roundedOnce(dw!, dwRef!, N * oh * ow, `${msg}: weight`);
      roundedOnce(db!, dbRef!, N * oh * ow, `${msg}: bias`);
    }
  });
});

test("bfloat16 conv2d forward with max pooling pools the float32 sums: values rounded once, the float64 maxima's positions", { skip }, () => {
  everyPath((where) => {
    for (const [xs, O, pool] of [[[3, 4, 9, 10], 6, [2, 2]], [[2, 5, 12, 11], 3, [3, 2]]] as [number[], number, Pair][]) {
      const x = bf16(xs, 40), w = bf16([O, xs[1]!, 3, 3], 41), b = bf16([O], 42);
      const attrs = { pass: "forward" as const, kernel: [3, 3] as Pair, stride: [1, 1] as Pair, padding: [1, 1] as Pair, dilation: [1, 1] as Pair, activation: "relu" as const, pool: { kernel: pool, stride: pool, indices: true } };
      const [y, at] = conv2d([x, w, b], attrs, "cpu");
      const [yRef, atRef] = conv2dReference([wide(x), wide(w), wide(b)], attrs, "cpu");
      roundedOnce(y!, yRef!, xs[1]! * 9, `${where}: pooled ${pool}`);
      assert.equal(at!.dtype, "int32");
      assert.deepEqual(Array.from(at!.toTypedArray()), Array.from(atRef!.toTypedArray()), `${where}: pooled ${pool}: positions`);
      const [yOnly, none] = conv2d([x, w, b], { ...attrs, pool: { ...attrs.pool, indices: false } }, "cpu");
      assert.equal(none, undefined);
      assert.deepEqual(Array.from(yOnly!.toTypedArray()), Array.from(y!.toTypedArray()), `${where}: pooled ${pool} without positions`);
    }
  });
});

test("bfloat16 conv2d weight pass of an empty batch is zeros", { skip }, () => {
  everyPath((where) => {
    const [dw, db] = conv2d([bf16([0, 3, 6, 6], 50), bf16([0, 4, 4, 4], 51)], { pass: "weight", kernel: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1] }, "cpu");
    assert.deepEqual([dw!.dtype, ...dw!.shape], ["bfloat16", 4, 3, 3, 3], where);
    assert.ok(Array.from(dw!.toTypedArray()).every((v) => v === 0) && Array.from(db!.toTypedArray()).every((v) => v === 0), where);
  });
});

test("a bfloat16 autocast step of nn.Conv2d (stride, padding, groups, 1x1) gives float32 gradients close to float64 autograd on the same bfloat16 values, on both conv paths", () => {
  const cases: [string, nn.Conv2d, number[]][] = [
    ["3x3 pad 1", new nn.Conv2d(3, 8, 3, { padding: 1 }), [2, 3, 9, 9]],
    ["3x3 stride 2 dilation 2", new nn.Conv2d(5, 6, 3, { stride: 2, dilation: 2 }), [2, 5, 13, 12]],
    ["1x1", new nn.Conv2d(7, 5, 1), [3, 7, 5, 5]],
    ["groups 2", new nn.Conv2d(4, 6, 3, { groups: 2, padding: 1 }), [2, 4, 7, 7]],
  ];
  const path0 = setBf16ConvPath("auto");
  try {
    for (const path of ["bf16", "widen"] as const) {
      setBf16ConvPath(path);
      for (const [name, conv, xs] of cases) {
        const msg = `${name} (${path})`;
        const x = bf16(xs, 60).to("float32").requiresGrad_(true);
        conv.zeroGrad();
        const y = amp.autocast({ deviceType: "cpu", dtype: "bfloat16" }, () => conv(x));
        assert.equal(y.dtype, "bfloat16", msg);
        const g = bf16([...y.shape], 61);
        y.backward(g);
        // float64 autograd on the weights autocast multiplied: the bfloat16-rounded parameters
        const x64 = wide(x.detach()).requiresGrad_(true);
        const w64 = wide(dispatch("cast", [conv.weight.detach()], { dtype: "bfloat16" })).requiresGrad_(true);
        const b64 = wide(dispatch("cast", [conv.bias!.detach()], { dtype: "bfloat16" })).requiresGrad_(true);
        const y64 = nn.functional.conv2d(x64, w64, b64, { stride: conv.stride, padding: conv.padding as Pair, dilation: conv.dilation, groups: conv.groups });
        y64.backward(wide(g));
        for (const [what, got, want] of [["output", y, y64], ["x.grad", x.grad!, x64.grad!], ["weight.grad", conv.weight.grad!, w64.grad!], ["bias.grad", conv.bias!.grad!, b64.grad!]] as const) {
          if (what !== "output") assert.equal(got.dtype, "float32", `${msg}: ${what} dtype`);
          const a = wide(got).toTypedArray(), b = want.toTypedArray();
          // half a bfloat16 ulp of the value, and of the tensor's largest value: the grouped
          // convolution adds the bias to the rounded matmul (a second rounding, and cancellation)
          const scale = Math.max(...Array.from(b, (v) => Math.abs(Number(v))));
          for (let i = 0; i < b.length; i++) assert.ok(Math.abs(Number(a[i]) - Number(b[i])) <= 2 ** -8 * (Math.abs(Number(b[i])) + scale), `${msg}: ${what} ${i}: ${a[i]} vs ${b[i]}`);
        }
      }
    }
  } finally {
    setBf16ConvPath(path0);
  }
});

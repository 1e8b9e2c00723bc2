/**
 * The resample fused primitive (F.interpolate's and adaptive average pooling's taps along one
 * axis): the CPU kernel (native/src/gather.cc) against its decomposition into core primitives
 * (gather, multiply, sum over the taps; the transpose a scatter-add), forward and transposed,
 * bit for bit where the sum has at most two taps (more taps: the decomposition's reduce may
 * sum float32 pairwise in lanes, the kernel sums in float64 in order, as the TypeScript reduce), every axis position, one to many taps, float32 and float64, strided inputs, 1-3
 * threads on large sizes; and F.interpolate forward and backward on large inputs against the
 * decomposed path with the TypeScript gather/scatter loops.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, dispatch, nn, tensor, type DType, type Tensor } from "../../src/index.js";
import { runDecomposition } from "../../src/backend/dispatcher.js";
import { resample } from "../../src/backend/cpu/resample.js";
import { withTypeScriptIndexing } from "../../src/backend/cpu/structure.js";
import { getNumThreads, setNumThreads } from "../../src/backend/cpu/native.js";
import { skip } from "./native_helpers.js";
import { NOFUSED } from "./fused_helpers.js";
import { randomTensor } from "../helpers.js";
import type { InterpolateOptions } from "../../src/nn/functional/interpolate.js";

const F = nn.functional;

function values(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>);
}

/** Equal bit for bit when `exact`, else within a few ulps of the dtype. */
function same(got: number[], want: number[], exact: boolean, dtype: DType, msg: string): void {
  if (exact) return assert.deepEqual(got, want, msg);
  assert.equal(got.length, want.length, msg);
  const tol = dtype === "float32" ? 1e-5 : 1e-12;
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${msg}: element ${i}: ${v} vs ${want[i]}`));
}

/** K taps per output over an axis of `size` (weights in (-1, 1), or none for K = 1 when `plain`). */
function taps(size: number, out: number, K: number, dtype: DType, seed: number, plain = false): [Tensor, Tensor | null] {
  const index = randomTensor([K, out], { seed, lo: 0, hi: size }).floor().to("int32");
  return [index, plain ? null : randomTensor([K, out], { seed: seed + 1, lo: -1, hi: 1, dtype })];
}

function bothWays(x: Tensor, index: Tensor, weight: Tensor | null, axis: number, size: number, transpose: boolean, msg: string): void {
  const inputs = weight ? [x, index, weight] : [x, index];
  const attrs = { axis, size, transpose };
  const got = resample(inputs, attrs, "cpu")[0]!, want = runDecomposition("resample", inputs, attrs, "cpu")[0]!;
  assert.deepEqual(got.shape, want.shape, msg);
  // the transpose is a scatter-add in one order: exact for every K
  same(values(got), values(want), transpose || index.shape[0]! <= 2, x.dtype, msg);
}

test("resample: the native kernel = the decomposition, bit for bit, forward and transposed", { skip }, () => {
  let seed = 1;
  // [x shape, axis, out, K]
  const cases: [number[], number, number, number][] = [
    [[3, 4, 9], 2, 17, 2], [[3, 4, 9], 2, 5, 4], [[2, 7, 5], 1, 12, 2], [[6, 5], 0, 11, 3], [[2, 3, 8, 6], 2, 16, 1],
    [[2, 3, 300], 2, 140, 5], [[4, 10, 3, 2], 1, 20, 2], [[5, 7], 1, 7, 9],
  ];
  for (const dtype of ["float32", "float64"] as const) {
    for (const [xs, axis, out, K] of cases) {
      const size = xs[axis]!;
      for (const plain of K === 1 ? [true, false] : [false]) {
        const [index, weight] = taps(size, out, K, dtype, seed++, plain);
        const x = randomTensor(xs, { seed: seed++, dtype });
        const msg = `${dtype} x ${xs} axis ${axis} out ${out} K ${K}${plain ? " unweighted" : ""}`;
        bothWays(x, index, weight, axis, size, false, msg);
        bothWays(x.mul(1).transpose(0, xs.length - 1).contiguous().transpose(0, xs.length - 1), index, weight, axis, size, false, `${msg} strided`);
        const g = randomTensor(xs.map((s, d) => (d === axis ? out : s)), { seed: seed++, dtype });
        bothWays(g, index, weight, axis, size, true, `${msg} transposed`);
      }
    }
  }
});

test("resample: large sizes on 1-3 threads give the same bits", { skip }, () => {
  const saved = getNumThreads();
  try {
    for (const [xs, axis, out, K] of [[[8, 16, 40, 33], 3, 66, 2], [[8, 16, 40, 33], 2, 80, 4], [[3, 64, 50], 1, 128, 1]] as [number[], number, number, number][]) {
      const [index, weight] = taps(xs[axis]!, out, K, "float32", 7);
      const x = randomTensor(xs, { seed: 8, dtype: "float32" }), g = randomTensor(xs.map((s, d) => (d === axis ? out : s)), { seed: 9, dtype: "float32" });
      const inputs = [x, index, weight!], back = [g, index, weight!];
      const fwd = { axis, size: xs[axis]!, transpose: false }, bwd = { ...fwd, transpose: true };
      const wantB = values(runDecomposition("resample", back, bwd, "cpu")[0]!);
      setNumThreads(1);
      const want = values(resample(inputs, fwd, "cpu")[0]!);
      same(want, values(runDecomposition("resample", inputs, fwd, "cpu")[0]!), K <= 2, "float32", `${xs} axis ${axis}: decomposition`);
      for (const threads of [1, 2, 3]) {
        setNumThreads(threads);
        assert.deepEqual(values(resample(inputs, fwd, "cpu")[0]!), want, `${xs} axis ${axis} ${threads} threads`);
        assert.deepEqual(values(resample(back, bwd, "cpu")[0]!), wantB, `${xs} axis ${axis} transposed, ${threads} threads`);
      }
    }
  } finally {
    setNumThreads(saved);
  }
});

test("resample: a tap outside the axis raises an IndexError; malformed calls are refused", () => {
  const x = randomTensor([2, 5], { dtype: "float32" });
  const index = tensor([[0, 5, 1]], { dtype: "int32" }), weight = tensor([[1, 1, 1]], { dtype: "float32" });
  assert.throws(() => dispatch("resample", [x, index, weight], { axis: 1, size: 5, transpose: false }), (e: Error) => e instanceof IndexError && /index 5 is out of bounds/.test(e.message));
  assert.throws(() => dispatch("resample", [x, index.to("int64"), weight], { axis: 1, size: 5, transpose: false }), /resample: expected an int32 index of shape \[K, out\]/);
  assert.throws(() => dispatch("resample", [x, tensor([[0, 1], [1, 2]], { dtype: "int32" })], { axis: 1, size: 5, transpose: false }), /without weights there is one tap/);
  assert.throws(() => dispatch("resample", [x, index, weight], { axis: 1, size: 5, transpose: true }), /expected 3 positions along dimension 1/);
});

test("F.interpolate on large inputs, forward and backward: the native resample = the decomposed TypeScript path", { skip }, () => {
  const cases: [number[], InterpolateOptions][] = [
    [[4, 8, 24, 20], { scaleFactor: 2, mode: "nearest" }],
    [[4, 8, 24, 20], { scaleFactor: 2, mode: "bilinear" }],
    [[4, 8, 24, 20], { size: [37, 13], mode: "bilinear", alignCorners: true }],
    [[4, 8, 24, 20], { scaleFactor: 1.7, mode: "bicubic" }],
    [[4, 8, 24, 20], { size: [10, 7], mode: "area" }],
    [[4, 8, 24, 20], { size: [9, 11], mode: "bilinear", antialias: true }],
    [[2, 4, 8, 10, 12], { scaleFactor: 2, mode: "trilinear" }],
    [[4, 16, 100], { scaleFactor: 3, mode: "nearest-exact" }],
  ];
  let seed = 30;
  for (const dtype of ["float32", "float64"] as const) {
    for (const [shape, opts] of cases) {
      const data = randomTensor(shape, { seed: seed++, dtype });
      const run = (device: string): [number[], number[]] => {
        const x = data.to(device).detach().requiresGrad_();
        const y = F.interpolate(x, opts);
        const g = randomTensor(y.shape, { seed: 99, dtype }).to(device);
        y.mul(g).sum().backward();
        return [values(y.to("cpu")), values(x.grad!.to("cpu"))];
      };
      const [y, dx] = run("cpu");
      const [y0, dx0] = withTypeScriptIndexing(() => run(NOFUSED));
      const msg = `${dtype} ${shape} ${JSON.stringify(opts)}`;
      const exact = opts.mode !== "bicubic" && opts.mode !== "area" && !opts.antialias; // at most two taps
      same(y, y0, exact, dtype, `${msg}: forward`);
      same(dx, dx0, true, dtype, `${msg}: gradient`);
    }
  }
});

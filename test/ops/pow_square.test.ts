/**
 * pow(x, 2) is x·x rounded once, as PyTorch computes a square (the CPU backend runs it as the
 * multiply): the same bits as the float64 product rounded to the dtype, for large tensors (the
 * native path) and small ones, float32 and float64, with NaN, infinities, -0, overflow and
 * subnormal squares; its gradient is still 2x (PowBackward0).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor } from "../../src/index.js";

const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1e20, -3e19, 1e-23, 3.4e38, 1.5, -2.25];

test("pow(x, 2) equals x * x rounded to the dtype, elementwise, float32 and float64", () => {
  for (const n of [9, 5000]) {
    const vals = Array.from({ length: n }, (_, i) => (i < SPECIALS.length ? SPECIALS[i]! : Math.sin(i * 7.13) * 10 ** ((i % 9) - 4)));
    for (const dtype of ["float32", "float64"] as const) {
      const x = tensor(vals, { dtype });
      const got = x.pow(2).toTypedArray();
      const xs = x.toTypedArray();
      const round = dtype === "float32" ? Math.fround : (v: number) => v;
      for (let i = 0; i < n; i++) {
        const want = round(xs[i]! * xs[i]!);
        assert.ok(Object.is(got[i], want) || (Number.isNaN(got[i]) && Number.isNaN(want)), `${dtype} n=${n} x=${xs[i]}: ${got[i]} vs ${want}`);
      }
    }
  }
});

test("pow(x, 2) keeps pow's autograd: PowBackward0, gradient 2x", () => {
  const x = tensor([1.5, -2, 0], { requiresGrad: true });
  const y = x.pow(2);
  assert.equal(y.gradFn!.name, "PowBackward0");
  y.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [3, -4, 0]);
});

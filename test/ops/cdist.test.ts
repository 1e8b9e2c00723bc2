/**
 * cdist against PyTorch 1.13 (test/fixtures/cdist_torch.json: every p from 0 to inf with
 * zero distances, both computations, batch broadcasting, empty inputs, float32, NaN, the
 * refusals, and gradients), gradcheck in float64 away from the norm's kinks, the choice of
 * computation (grad_fn), autocast, and the messages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, ShapeError, amp, autograd, cdist, randn, tensor, zeros } from "../../src/index.js";
import { loadFixture, runCase, signatureMismatches } from "../fixtures/op_cases.js";

const FIX = loadFixture("cdist_torch.json");

test("cdist: every PyTorch 1.13 case (values, gradients, refusals; non-contiguous too)", () => {
  assert.ok(FIX.cases.length > 30);
  FIX.cases.forEach((c, i) => runCase(c, i));
});

test("cdist: PyTorch's signature (p and computeMode positional)", () => {
  assert.deepEqual(signatureMismatches(FIX), []);
});

test("cdist: gradcheck and gradgradcheck in float64 for each p (points apart, away from kinks)", () => {
  const x1 = randn([2, 3, 4], { dtype: "float64", requiresGrad: true });
  const x2 = randn([1, 5, 4], { dtype: "float64", requiresGrad: true });
  for (const p of [0.5, 1, 1.5, 2, 3, Infinity]) {
    assert.ok(autograd.gradcheck((a, b) => cdist(a, b, p), [x1, x2]), `p = ${p}`);
  }
  for (const p of [2, 3]) assert.ok(autograd.gradgradcheck((a, b) => cdist(a, b, p), [x1, x2]), `p = ${p}, second order`);
  const big = randn([27, 4], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((a, b) => cdist(a, b), [big, x2.select(0, 0)]), "matmul path");
});

test("cdist: the matmul path for p = 2 past 25 rows (or when asked), the direct one otherwise; zero distances get zero gradients", () => {
  const small = randn([3, 2], { requiresGrad: true }), big = randn([26, 2], { requiresGrad: true });
  assert.equal(cdist(small, small).gradFn?.name, "CdistBackward0");
  assert.equal(cdist(big, small).gradFn?.name, "EuclideanDistBackward0");
  assert.equal(cdist(small, small, 2, "use_mm_for_euclid_dist").gradFn?.name, "EuclideanDistBackward0");
  assert.equal(cdist(big, small, 2, "donot_use_mm_for_euclid_dist").gradFn?.name, "CdistBackward0");
  assert.equal(cdist(big, small, 1).gradFn?.name, "CdistBackward0");
  for (const mode of ["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"] as const) {
    const x = tensor([[1, 2], [1, 2]], { requiresGrad: true });
    cdist(x, x.detach(), 2, mode).sum().backward();
    assert.deepEqual(x.grad?.tolist(), [[0, 0], [0, 0]], mode);
  }
});

test("cdist: autocast runs it in float32 (PyTorch's fp32 list), also for bfloat16 inputs", () => {
  const y = amp.autocast({ deviceType: "cpu", dtype: "bfloat16" }, () => cdist(randn([3, 4]).to("bfloat16"), randn([2, 4])));
  assert.equal(y.dtype, "float32");
});

test("cdist: refusals name cdist, the shapes and the dtypes", () => {
  const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));
  is(() => cdist(zeros([2, 3], { dtype: "int64" }), zeros([2, 3])), DTypeError, /^cdist: only supports float32 and float64 tensors, X1 got int64 \(shape \[2, 3\]\)$/);
  is(() => cdist(zeros([2, 3]), zeros([2, 3], { dtype: "float16" })), DTypeError, /^cdist: only supports float32 and float64 tensors, X2 got float16/);
  is(() => cdist(zeros([2, 3]), zeros([2, 3], { dtype: "float64" })), DTypeError, /^cdist: X1 and X2 must have the same dtype, got float32 and float64$/);
  is(() => cdist(zeros([3]), zeros([2, 3])), ShapeError, /^cdist: only supports at least 2D tensors, X1 got: 1D \(shape \[3\]\)$/);
  is(() => cdist(zeros([2, 3]), zeros([2, 4])), ShapeError, /^cdist: X1 and X2 must have the same number of columns\. X1: 3 X2: 4/);
  is(() => cdist(zeros([2, 3]), zeros([2, 3]), -1), ArgumentError, /^cdist: only supports non-negative p values, got -1$/);
  is(() => cdist(zeros([2, 4, 3]), zeros([3, 2, 3])), ShapeError, /^cdist: /);
  is(() => cdist(zeros([2, 3]), zeros([2, 3]), 2, "sometimes" as never), ArgumentError, /computeMode/);
});

test("cdist: batch dims broadcast, and the gradient sums back over the broadcast ones", () => {
  const a = randn([1, 3, 2], { dtype: "float64", requiresGrad: true }), b = randn([4, 1, 5, 2], { dtype: "float64" });
  const y = cdist(a, b, 3);
  assert.deepEqual(y.shape, [4, 1, 3, 5]);
  y.sum().backward();
  assert.deepEqual(a.grad?.shape, [1, 3, 2]);
  // each entry against a plain loop
  const av = a.detach().tolist() as number[][][], bv = b.tolist() as number[][][][], yv = y.detach().tolist() as number[][][][];
  const dist = (u: number[], v: number[]) => Math.cbrt(u.reduce((s, x, k) => s + Math.abs(x - v[k]!) ** 3, 0));
  for (let n = 0; n < 4; n++) for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) {
    assert.ok(Math.abs(yv[n]![0]![i]![j]! - dist(av[0]![i]!, bv[n]![0]![j]!)) < 1e-12);
  }
});

/**
 * linalg.matrixExp and torch's matrixExp (function and method) against PyTorch 1.13
 * (test/fixtures/matrix_exp_torch.json: values and gradients for small and large norms, a
 * rotation generator, nilpotent and diagonal matrices, batches, float32, empty, refusals),
 * gradcheck/gradgradcheck in float64 and known closed forms.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, ShapeError, autograd, linalg, matrixExp, randn, tensor, zeros } from "../../src/index.js";
import { loadFixture, runCase } from "../fixtures/op_cases.js";

const FIX = loadFixture("matrix_exp_torch.json");

test("matrixExp: every PyTorch 1.13 case, as torch.matrix_exp and torch.linalg.matrix_exp (values, gradients, refusals)", () => {
  assert.ok(FIX.cases.length > 20);
  FIX.cases.forEach((c, i) => runCase(c, i, "matrixExp"));
});

test("linalg.matrixExp is torch.matrix_exp", () => {
  const A = randn([2, 4, 4], { dtype: "float64" });
  assert.deepEqual(linalg.matrixExp(A).tolist(), matrixExp(A).tolist());
  assert.deepEqual(A.matrixExp().tolist(), matrixExp(A).tolist());
});

test("matrixExp: closed forms (rotation, nilpotent, zero) and exp(A)exp(-A) = I", () => {
  const t = 0.7;
  const R = matrixExp(tensor([[0, -t], [t, 0]], { dtype: "float64" })).tolist() as number[][];
  const want = [[Math.cos(t), -Math.sin(t)], [Math.sin(t), Math.cos(t)]];
  R.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!) < 1e-15)));
  assert.deepEqual(matrixExp(zeros(3, 3, { dtype: "float64" })).tolist(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  const A = randn([5, 5], { dtype: "float64" }).mul(4);
  const P = matrixExp(A).matmul(matrixExp(A.neg()));
  const err = P.sub(tensor([1, 1, 1, 1, 1], { dtype: "float64" }).diag()).abs().max().item() as number;
  assert.ok(err < 1e-9, `exp(A)exp(-A) - I: ${err}`);
});

test("matrixExp: gradcheck and gradgradcheck in float64 (norms below and above the scaling threshold)", () => {
  for (const scale of [0.1, 3]) {
    const A = randn([2, 3, 3], { dtype: "float64" }).mul(scale).requiresGrad_(true);
    assert.ok(autograd.gradcheck((a) => matrixExp(a), [A]), `scale ${scale}`);
  }
  assert.ok(autograd.gradgradcheck((a) => linalg.matrixExp(a), [randn([2, 2], { dtype: "float64", requiresGrad: true })]));
});

test("matrixExp: messages name the op, the shape and the dtype", () => {
  const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));
  is(() => linalg.matrixExp(zeros(2, 3)), ShapeError, /^linalg.matrixExp: A must be batches of square matrices, but they are 2 by 3 matrices$/);
  is(() => matrixExp(zeros(3)), ShapeError, /^matrixExp: The input tensor A must have at least 2 dimensions \(got shape \[3\]\)$/);
  is(() => matrixExp(zeros(2, 2, { dtype: "int64" })), DTypeError, /^matrixExp: Expected a floating point tensor of dtype float32 or float64 as input, got int64$/);
  is(() => matrixExp(zeros(2, 2, { dtype: "float16" })), DTypeError, /got float16/);
});

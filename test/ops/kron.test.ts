/**
 * kron against PyTorch 1.13 (test/fixtures/kron_torch.json: ranks that differ, 0-d and
 * empty operands, dtype promotion, gradients), gradcheck, out=, and a plain-loop reference.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, kron, randn, tensor, zeros } from "../../src/index.js";
import { loadFixture, runCase, signatureMismatches } from "../fixtures/op_cases.js";

const FIX = loadFixture("kron_torch.json");

test("kron: every PyTorch 1.13 case (values, dtypes, gradients; function, method, non-contiguous)", () => {
  FIX.cases.forEach((c, i) => runCase(c, i));
});

test("kron: PyTorch's signature", () => {
  assert.deepEqual(signatureMismatches(FIX), []);
});

test("kron: gradcheck and gradgradcheck in float64 with unequal ranks", () => {
  const a = randn([2, 3], { dtype: "float64", requiresGrad: true }), b = randn([2, 1, 2], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((x, y) => kron(x, y), [a, b]));
  assert.ok(autograd.gradgradcheck((x, y) => kron(x, y), [a, b]));
});

test("kron: out[i·q + k][j·r + l] = a[i][j]·b[k][l], against a plain loop", () => {
  const a = randn([2, 3]), b = randn([4, 2]);
  const av = a.tolist() as number[][], bv = b.tolist() as number[][], y = kron(a, b).tolist() as number[][];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) for (let l = 0; l < 2; l++) {
    assert.equal(y[i * 4 + k]![j * 2 + l], Math.fround(av[i]![j]! * bv[k]![l]!));
  }
});

test("kron: out= takes the result", () => {
  const out = zeros([4]);
  assert.equal(kron(tensor([1, 2]), tensor([3, 4]), { out }), out);
  assert.deepEqual(out.tolist(), [3, 4, 6, 8]);
});

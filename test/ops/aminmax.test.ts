/**
 * aminmax against PyTorch 1.13 (test/fixtures/aminmax_torch.json: all elements and each
 * dim, keepdim, 0-d and empty inputs, NaN, integer and bool dtypes, refusals), the named
 * pair it returns, and its gradients (PyTorch 1.13 has none; these are amin's and amax's).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, IndexError, aminmax, autograd, randn, tensor, zeros } from "../../src/index.js";
import { loadFixture, runCase, signatureMismatches } from "../fixtures/op_cases.js";

const FIX = loadFixture("aminmax_torch.json");

test("aminmax: every PyTorch 1.13 case (values, dtypes, refusals; function, method, non-contiguous)", () => {
  FIX.cases.forEach((c, i) => runCase(c, i));
});

test("aminmax: PyTorch's signature (out= left out: the registry writes single tensors)", () => {
  assert.deepEqual(signatureMismatches(FIX, { aminmax: { omit: ["out"] } }), []);
});

test("aminmax: a named pair, [min, max] and .min/.max, printed as torch.return_types", () => {
  const r = tensor([[1, 5], [3, -2]]).aminmax({ dim: 1 });
  const [mn, mx] = r;
  assert.equal(r.min, mn);
  assert.equal(r.max, mx);
  assert.deepEqual([mn!.tolist(), mx!.tolist()], [[1, -2], [5, 3]]);
  assert.match(String(aminmax(tensor([1, 2]))), /^fluxion\.return_types\.aminmax\(\nmin=tensor\(1\.\),\nmax=tensor\(2\.\)\)$/);
});

test("aminmax: gradients as amin's and amax's (ties share them), gradcheck in float64", () => {
  const x = tensor([1, 3, 3, 0, 0], { requiresGrad: true });
  const { min, max } = aminmax(x);
  min.mul(2).add(max.mul(3)).backward();
  assert.deepEqual(x.grad?.tolist(), [0, 1.5, 1.5, 1, 1]);
  const y = randn([3, 4], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((t) => aminmax(t, { dim: 0 })[0]!.add(aminmax(t, { dim: 0 })[1]!.mul(2)), [y]));
});

test("aminmax: bfloat16 works (PyTorch 1.13's CPU kernel has none for it); messages", () => {
  const r = aminmax(tensor([[1, 5], [3, -2]], { dtype: "bfloat16" }), { dim: 1 });
  assert.deepEqual([r.min.dtype, r.min.tolist(), r.max.tolist()], ["bfloat16", [1, -2], [5, 3]]);
  assert.throws(() => aminmax(zeros([0])), (e: unknown) => e instanceof FluxionError && /^aminmax: cannot compute aminmax over an empty dimension as the operation has no identity \(shape \[0\]\)$/.test((e as Error).message));
  assert.throws(() => aminmax(zeros([0, 3]), { dim: 0 }), (e: unknown) => e instanceof IndexError && /^aminmax: expected reduction dim 0 to have non-zero size \(shape \[0, 3\]\)$/.test((e as Error).message));
});

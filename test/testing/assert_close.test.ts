/**
 * torch.testing.assertClose and makeTensor. The expected messages are PyTorch 1.13's
 * (torch.testing.assert_close on the same inputs, copied verbatim; dtype names are Fluxion's).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, FluxionError, tensor, testing, zeros, manualSeed } from "../../src/index.js";

const fails = (f: () => void, message: string) =>
  assert.throws(f, (e: Error) => e instanceof testing.AssertionError && e instanceof FluxionError && e.name === "AssertionError" && e.message === message);

test("assertClose passes within the dtype's default tolerances, and for equal NaNs only with equalNan", () => {
  testing.assertClose(tensor([1, 2]), tensor([1, 2.000001]));
  testing.assertClose(tensor([1, 2], { dtype: "float64" }), tensor([1, 2 + 1e-7], { dtype: "float64" }));
  testing.assertClose(tensor([Infinity, -Infinity]), tensor([Infinity, -Infinity]));
  testing.assertClose(tensor([1, NaN]), tensor([1, NaN]), { equalNan: true });
  testing.assertClose(1.0, 1.0000001);
  testing.assertClose([tensor([1]), { a: 2 }], [tensor([1]), { a: 2 }]);
  testing.assertClose(tensor([1]), tensor([1.1]), { rtol: 0.2, atol: 0 });
  testing.assertClose(tensor([1, 2]), tensor([1, 2], { dtype: "float64" }), { checkDtype: false });
});

test("assertClose reports mismatches as PyTorch does", () => {
  fails(() => testing.assertClose(tensor([1, 2, 3]), tensor([1, 2.5, 3])),
    "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\nGreatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\nGreatest relative difference: 0.2 at index (1,) (up to 1.3e-06 allowed)");
  fails(() => testing.assertClose(tensor([[1, 2], [3, 4]]), tensor([[1, 2], [3, 5]])),
    "Tensor-likes are not close!\n\nMismatched elements: 1 / 4 (25.0%)\nGreatest absolute difference: 1.0 at index (1, 1) (up to 1e-05 allowed)\nGreatest relative difference: 0.2 at index (1, 1) (up to 1.3e-06 allowed)");
  fails(() => testing.assertClose(tensor([1, NaN]), tensor([1, NaN])),
    "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\nGreatest absolute difference: nan at index (1,) (up to 1e-05 allowed)\nGreatest relative difference: nan at index (1,) (up to 1.3e-06 allowed)");
  fails(() => testing.assertClose(tensor([Infinity]), tensor([-Infinity])),
    "Tensor-likes are not close!\n\nMismatched elements: 1 / 1 (100.0%)\nGreatest absolute difference: inf at index (0,) (up to 1e-05 allowed)\nGreatest relative difference: nan at index (0,) (up to 1.3e-06 allowed)");
  fails(() => testing.assertClose(tensor([1, 2], { dtype: "int64" }), tensor([1, 3], { dtype: "int64" })),
    "Tensor-likes are not equal!\n\nMismatched elements: 1 / 2 (50.0%)\nGreatest absolute difference: 1 at index (1,)\nGreatest relative difference: 0.3333333333333333 at index (1,)");
  fails(() => testing.assertClose(tensor([true]), tensor([false])),
    "Tensor-likes are not equal!\n\nMismatched elements: 1 / 1 (100.0%)\nGreatest absolute difference: 1 at index (0,)\nGreatest relative difference: inf at index (0,)");
  fails(() => testing.assertClose(1.0, 1.1),
    "Scalars are not close!\n\nAbsolute difference: 0.10000000000000009 (up to 1e-07 allowed)\nRelative difference: 0.09090909090909098 (up to 1e-07 allowed)");
  fails(() => testing.assertClose([tensor(1)], [tensor(2)]),
    "Scalars are not close!\n\nAbsolute difference: 1.0 (up to 1e-05 allowed)\nRelative difference: 0.5 (up to 1.3e-06 allowed)\n\nThe failure occurred for item [0]");
  fails(() => testing.assertClose({ a: tensor(1) }, { a: tensor(2) }),
    "Scalars are not close!\n\nAbsolute difference: 1.0 (up to 1e-05 allowed)\nRelative difference: 0.5 (up to 1.3e-06 allowed)\n\nThe failure occurred for item ['a']");
  fails(() => testing.assertClose(tensor([1, 2]), tensor([1, 2], { dtype: "float64" })), "The values for attribute 'dtype' do not match: float32 != float64.");
  fails(() => testing.assertClose(tensor([1, 2]), tensor([1, 2, 3])), "The values for attribute 'shape' do not match: [2] != [3].");
  fails(() => testing.assertClose(zeros([2, 3]).t(), zeros([3, 2]), { checkStride: true }), "The values for attribute 'stride()' do not match: [1, 3] != [2, 1].");
  testing.assertClose(zeros([2, 3]).t(), zeros([3, 2]));
  fails(() => testing.assertClose([1, 2], [1, 2, 3]), "The length of the sequences mismatch: 2 != 3");
  fails(() => testing.assertClose(tensor([1, 2]), tensor([1, 3]), { msg: "custom" }), "custom");
  fails(() => testing.assertClose(tensor([1]), tensor([3]), { msg: (m) => `wrapped: ${m.split("\n")[0]}` }), "wrapped: Tensor-likes are not close!");
});

test("assertClose refuses unlike inputs and half-given tolerances", () => {
  assert.throws(() => testing.assertClose(tensor(1), 1.0), (e: Error) => e instanceof ArgumentError && /no comparison pair .* Tensor and number/.test(e.message));
  assert.throws(() => testing.assertClose(tensor([1]), tensor([1.1]), { rtol: 0.2 }), (e: Error) => e instanceof ArgumentError && e.message.includes("Both 'rtol' and 'atol' must be either specified or omitted, but got no atol."));
  assert.throws(() => testing.assertClose(tensor([1]), tensor([1]), { rtol: -1, atol: 0 }), /rtol must be a non-negative number/);
  assert.throws(() => testing.assertClose(tensor([1]), tensor([1]), { equal_nan: true } as never), /unexpected option 'equal_nan'/);
});

test("makeTensor: dtype required, values in PyTorch's default ranges, noncontiguous and excludeZero", () => {
  manualSeed(0);
  assert.throws(() => testing.makeTensor([2], {} as never), (e: Error) => e instanceof ArgumentError && /dtype option is required/.test(e.message));
  const f = testing.makeTensor([50, 20], { dtype: "float32" });
  assert.deepEqual([f.shape, f.dtype], [[50, 20], "float32"]);
  assert.ok(f.min().item() >= -9 && f.max().item() <= 9);
  const i = testing.makeTensor([1000], { dtype: "int64", low: -2, high: 3 });
  assert.equal(i.dtype, "int64");
  assert.deepEqual(i.unique().tolist().map(Number), [-2, -1, 0, 1, 2]);
  const u = testing.makeTensor([1000], { dtype: "uint8" });
  assert.ok(u.min().item() === 0 && u.max().item() === 9);
  const n = testing.makeTensor([3, 4], { dtype: "float64", noncontiguous: true });
  assert.deepEqual([n.shape, n.isContiguous()], [[3, 4], false]);
  const z = testing.makeTensor([2000], { dtype: "int32", low: -1, high: 2, excludeZero: true });
  assert.equal(z.eq(0).sum().item(), 0);
  const g = testing.makeTensor([2], { dtype: "float32", requiresGrad: true });
  assert.equal(g.requiresGrad, true);
  assert.equal(testing.makeTensor([5], { dtype: "bool" }).dtype, "bool");
  assert.throws(() => testing.makeTensor([2], { dtype: "float32", low: 3, high: 1 }), /low must be less than or equal to high/);
  assert.throws(() => testing.makeTensor([2], { dtype: "float32", requires_grad: true } as never), /unexpected option 'requires_grad'/);
});

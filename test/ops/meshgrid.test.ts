/**
 * meshgrid against PyTorch 1.13 (test/fixtures/missing_ops_torch.json): "ij" and "xy"
 * indexing for one to three inputs and 0-d inputs; varargs and list forms; outputs are
 * broadcast views; PyTorch 1.13's warning when indexing is omitted; gradients; errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, ShapeError, arange, autograd, meshgrid, tensor, type Tensor } from "../../src/index.js";
import { MO, assertValues, decAll, fromEnc, type Enc } from "../fixtures/missing_ops.js";
import { randomTensor } from "../helpers.js";

interface MgCase { tensors: Enc[]; indexing: "ij" | "xy"; out: Enc[] }

test("meshgrid matches PyTorch for ij and xy indexing, varargs and list forms", () => {
  for (const c of MO.meshgrid as MgCase[]) {
    const ts = c.tensors.map(fromEnc);
    for (const got of [meshgrid(...ts, { indexing: c.indexing }), meshgrid(ts, { indexing: c.indexing })]) {
      assert.equal(got.length, c.out.length);
      got.forEach((g, k) => {
        assert.deepEqual(g.shape, c.out[k]!.shape, `${c.indexing} output ${k}`);
        assertValues(g, decAll(c.out[k]!.v), { msg: `${c.indexing} output ${k}` });
        assert.equal(g.storage, ts[k]!.storage, "a broadcast view");
      });
    }
  }
});

test("meshgrid without indexing warns once, as PyTorch 1.13, and uses ij", () => {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const [a] = meshgrid(arange(2), arange(3));
    assert.deepEqual(a!.shape, [2, 3]);
    meshgrid([arange(2), arange(3)]);
  } finally {
    console.warn = orig;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /meshgrid: in an upcoming release, it will be required to pass the indexing argument/);
});

test("meshgrid gradients flow back to each input (gradcheck, gradgradcheck)", () => {
  const a = randomTensor([2], { seed: 1, requiresGrad: true }), b = randomTensor([3], { seed: 2, requiresGrad: true });
  const f = (x: Tensor, y: Tensor) => {
    const [gx, gy] = meshgrid(x, y, { indexing: "xy" });
    return gx!.mul(gy!.sin());
  };
  assert.ok(autograd.gradcheck(f, [a, b]));
  assert.ok(autograd.gradgradcheck(f, [a, b]));
});

test("meshgrid errors", () => {
  assert.throws(() => meshgrid({ indexing: "ij" }), (e: Error) => e instanceof ShapeError && /meshgrid: expects a non-empty TensorList/.test(e.message));
  assert.throws(() => meshgrid(arange(2), arange(2).float(), { indexing: "ij" }), (e: Error) => e instanceof DTypeError && /same dtype, but tensor 0 is int32 and tensor 1 is float32/.test(e.message));
  assert.throws(() => meshgrid(arange(2), arange(4).reshape(2, 2), { indexing: "ij" }), (e: Error) => e instanceof ShapeError && /expected 0D or 1D tensors, but tensor 1 has shape \[2, 2\]/.test(e.message));
  assert.throws(() => meshgrid(arange(2), { indexing: "yx" as never }), (e: Error) => e instanceof ArgumentError && /option 'indexing' must be "ij" or "xy" or null, but got string "yx"/.test(e.message));
  assert.throws(() => meshgrid(arange(2), 3 as never), ArgumentError);
  assert.deepEqual(meshgrid(tensor(5), { indexing: "xy" })[0]!.shape, [1]);
});

/**
 * round(decimals=d) as PyTorch 1.13: round half to even at d decimal places, computed as
 * round(x * 10^d) / 10^d (negative d: round(x / 10^-d) * 10^-d) in the tensor's precision.
 * Expected values printed by PyTorch 1.13 (`x.round(decimals=2).tolist()` etc.) for
 * x = torch.tensor([1.2345, -2.675, 0.125, 1234.5678, 0.5, 2.5e-5, 1e30, nan, -0.004]).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

const X = [1.2345, -2.675, 0.125, 1234.5678, 0.5, 2.5e-5, 1e30, NaN, -0.004];

test("round({ decimals }) rounds half to even at the decimal place, in float32 as PyTorch", () => {
  const x = fx.tensor(X);
  assert.deepEqual(x.round({ decimals: 2 }).tolist(), [1.2300000190734863, -2.680000066757202, 0.11999999731779099, 1234.5699462890625, 0.5, 0, 1.0000000150474662e30, NaN, -0]);
  assert.deepEqual(x.round({ decimals: -2 }).tolist(), [0, -0, 0, 1200, 0, 0, 1.00000009060533e30, NaN, -0]);
  assert.deepEqual(fx.round(fx.tensor([0.05, 0.15, 0.25, 0.35]), { decimals: 1 }).tolist(), [0, 0.20000000298023224, 0.20000000298023224, 0.4000000059604645]);
  assert.deepEqual(x.round().tolist(), x.round({ decimals: 0 }).tolist());
});

test("round({ decimals }) in float64, in place, and its zero gradient", () => {
  // x.double(): the float32 values widened, as the PyTorch script did
  assert.deepEqual(fx.tensor(X).double().round({ decimals: 3 }).tolist(), [1.235, -2.675, 0.125, 1234.568, 0.5, 0, 1.0000000150474662e30, NaN, -0.004]);
  const y = fx.tensor(X);
  assert.equal(y.round_({ decimals: 1 }), y);
  assert.deepEqual(y.tolist(), [1.2000000476837158, -2.700000047683716, 0.10000000149011612, 1234.5999755859375, 0.5, 0, 1.0000000150474662e30, NaN, -0]);
  const a = fx.tensor(X, { requiresGrad: true });
  a.round({ decimals: 2 }).sum().backward();
  assert.deepEqual(a.grad!.tolist(), new Array(X.length).fill(0));
});

test("round({ decimals }) of an integer tensor is a DTypeError naming the dtype", () => {
  assert.throws(() => fx.tensor([15], { dtype: "int64" }).round({ decimals: -1 }), (e) => e instanceof fx.DTypeError && /^round: decimals is only supported for floating point tensors, got int64 tensor of shape \[1\] \(decimals=-1\)$/.test(e.message));
  assert.deepEqual(fx.tensor([15], { dtype: "int64" }).round().tolist(), [15]);
});

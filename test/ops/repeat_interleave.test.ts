/**
 * repeatInterleave against PyTorch 1.13 (test/fixtures/missing_ops_torch.json): int and tensor
 * counts (per element, one broadcast count, 0-d counts, zero counts), flattened and along a
 * dim; the repeats-only form; outputSize; gradients from the fixture and gradcheck/
 * gradgradcheck; the result is never an alias; errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, IndexError, ShapeError, autograd, repeatInterleave, tensor, type Tensor } from "../../src/index.js";
import { MO, assertValues, decAll, fromEnc, gradsOf, type Enc } from "../fixtures/missing_ops.js";
import { randomTensor } from "../helpers.js";

interface RiCase { x: Enc; repeats: number | Enc; dim: number | null; out: Enc; w?: Enc; grad?: Enc }

const i32 = (v: unknown) => tensor(v as number[], { dtype: "int32" });

(MO.repeatInterleave as RiCase[]).forEach((c) => {
  const reps = typeof c.repeats === "number" ? c.repeats : `tensor [${c.repeats.v}]`;
  const what = `repeatInterleave(${reps}, dim ${c.dim}) of [${c.x.shape}]`;
  test(`${what} matches PyTorch`, () => {
    const x = fromEnc(c.x);
    const repeats = typeof c.repeats === "number" ? c.repeats : fromEnc(c.repeats);
    const got = x.repeatInterleave(repeats as Tensor, c.dim);
    assert.deepEqual(got.shape, c.out.shape);
    assertValues(got, decAll(c.out.v), { msg: what });
    assertValues(repeatInterleave(x, repeats as Tensor, c.dim, { outputSize: c.out.shape[c.dim ?? 0] }), decAll(c.out.v), { msg: `${what} with outputSize` });
    if (c.grad) {
      const [g] = gradsOf((a) => a.repeatInterleave(repeats as Tensor, c.dim), [x], fromEnc(c.w!));
      assertValues(g, decAll(c.grad.v), { msg: `grad ${what}` });
    }
  });
});

test("repeatInterleave(repeats): each index repeated, as PyTorch", () => {
  for (const c of MO.repeatInterleaveIndices as { repeats: Enc; out: Enc }[]) {
    const got = repeatInterleave(fromEnc(c.repeats));
    assert.equal(got.dtype, "int32");
    assert.deepEqual(got.tolist(), c.out.v);
  }
  assert.deepEqual(repeatInterleave(i32([2, 1]), { outputSize: 3 }).tolist(), [0, 0, 1]);
});

test("repeatInterleave gradients pass gradcheck and gradgradcheck; results never alias the input", () => {
  const x = randomTensor([3, 2], { seed: 41, requiresGrad: true });
  for (const [reps, dim] of [[2, 1], [i32([2, 0, 1]), 0], [i32([3]), 1], [1, null]] as const) {
    const f = (t: Tensor) => t.repeatInterleave(reps as Tensor, dim);
    assert.ok(autograd.gradcheck(f, [x]));
    assert.ok(autograd.gradgradcheck(f, [x]));
  }
  const y = tensor([1, 2]);
  assert.notEqual(y.repeatInterleave(1, 0).storage, y.storage);
});

test("repeatInterleave errors", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.throws(() => x.repeatInterleave(i32([1, 2, 3]), 1), (e: Error) => e instanceof ShapeError && /repeats must have the same size as input along dim: got 3 repeats for dim 1 of input shape \[2, 2\] of size 2/.test(e.message));
  assert.throws(() => x.repeatInterleave(i32([1, -2]), 1), (e: Error) => e instanceof ShapeError && /repeats can not be negative \(got -2 at position 1\)/.test(e.message));
  assert.throws(() => x.repeatInterleave(-1, 1), (e: Error) => e instanceof ShapeError && /repeats can not be negative/.test(e.message));
  assert.throws(() => x.repeatInterleave(tensor([1, 2]), 1), (e: Error) => e instanceof DTypeError && /repeats must be an integer tensor, got float32/.test(e.message));
  assert.throws(() => x.repeatInterleave(i32([[1, 2]]), 1), (e: Error) => e instanceof ShapeError && /repeats must be 0-dim or 1-dim tensor/.test(e.message));
  assert.throws(() => repeatInterleave(i32([[1, 2]])), /only accept 1D vector as repeat/);
  assert.throws(() => x.repeatInterleave(i32([1, 2]), 1, { outputSize: 4 }), (e: Error) => e instanceof ShapeError && /outputSize \(4\) does not match the sum of repeats \(3\)/.test(e.message));
  assert.throws(() => x.repeatInterleave(2, 1, { outputSize: 3 }), /outputSize \(3\) does not match 2 elements repeated 2 times/);
  assert.throws(() => tensor(5).repeatInterleave(3, 0), (e: Error) => e instanceof IndexError && /dimension specified as 0 but tensor has no dimensions/.test(e.message));
  // @ts-expect-error a missing argument, as untyped JavaScript can call it
  assert.throws(() => x.repeatInterleave(), (e: Error) => e instanceof ArgumentError && /Tensor\.repeatInterleave\(\) received an invalid combination of arguments/.test(e.message));
  assert.deepEqual(tensor(5).repeatInterleave(3).tolist(), [5, 5, 5]);
});

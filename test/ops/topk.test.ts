/**
 * The `topk` primitive (src/backend/primitives.ts) and the ops on it (Tensor.topk,
 * kthvalue): PyTorch's semantics on hand-computed cases (NaN larger than every number, -0
 * equal to 0, ties lower index first, as the first k of the stable sort), the TypeScript
 * kernel's heap selection against the sort it replaces, the decomposition (sort + slice,
 * what WebGPU runs) against the kernel, compile() recording it without a graph break,
 * gradients, and the error paths.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, FluxionError, autograd, compile, tensor, type Tensor } from "../../src/index.js";
import { dispatchAll } from "../../src/backend/dispatcher.js";
import { sortReference, topkReference } from "../../src/backend/cpu/sort.js";
import { NOFUSED } from "../backend/fused_helpers.js";
import { rng } from "../backend/native_helpers.js";

const vals = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);

test("topk on hand-computed cases: NaN counts as the largest, ties come lower index first", () => {
  const x = tensor([1, NaN, 3, 3, -Infinity, -0, 0, NaN]);
  let r = x.topk(4);
  assert.deepEqual(vals(r.values), [NaN, NaN, 3, 3]);
  assert.deepEqual(vals(r.indices), [1, 7, 2, 3]);
  r = x.topk(3, 0, false);
  assert.deepEqual(vals(r.values), [-Infinity, -0, 0]);
  assert.ok(Object.is(vals(r.values)[1], -0) && Object.is(vals(r.values)[2], 0));
  assert.deepEqual(vals(r.indices), [4, 5, 6]);
  r = tensor([[2, 2, 2, 1], [5, 4, 5, 4]]).topk(2, 1);
  assert.deepEqual(vals(r.values), [2, 2, 5, 5]);
  assert.deepEqual(vals(r.indices), [0, 1, 0, 2]);
  r = tensor([[2, 7], [9, 7], [1, 8]]).topk(2, 0, false);
  assert.deepEqual(r.values.tolist(), [[1, 7], [2, 7]]);
  assert.deepEqual(r.indices.tolist(), [[2, 0], [0, 1]]);
  r = tensor([[3, 1, 2]], { dtype: "int32" }).topk(1, 1);
  assert.deepEqual(r.values.tolist(), [[3]]);
  assert.equal(r.values.dtype, "int32");
  // k = 0 and k = n
  assert.deepEqual(tensor([[1, 2], [3, 4]]).topk(0, 1).values.shape, [2, 0]);
  assert.deepEqual(vals(tensor([2, 3, 1]).topk(3).indices), [1, 0, 2]);
  // kthvalue: the k-th smallest, the stable sort's position k - 1
  const kv = tensor([[4, 1, 1, NaN], [2, 2, 0, 2]]).kthvalue(2, 1);
  assert.deepEqual(vals(kv.values), [1, 2]);
  assert.deepEqual(vals(kv.indices), [2, 0]);
});

test("the TypeScript heap selection equals the first k of the stable sort", () => {
  const r = rng(3);
  for (const shape of [[3, 200], [64, 5], [2, 97, 3]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, () => {
      const u = r();
      return u < 0.1 ? NaN : u < 0.2 ? [-0, 0, Infinity, -Infinity][Math.floor(r() * 4)]! : Math.floor(r() * 9) - 4;
    });
    for (const dtype of ["float32", "float64", "int32", "int64", "float16"] as const) {
      const src = dtype === "int32" || dtype === "int64" ? data.map((v) => (Number.isFinite(v) ? v : 7)) : data;
      const x = tensor(dtype === "int64" ? src.map((v) => BigInt(v)) : src, { dtype }).reshape([...shape]);
      for (let axis = 0; axis < x.ndim; axis++) {
        const size = x.shape[axis]!;
        for (const k of new Set([0, 1, 3, Math.floor(size / 8), size].filter((k) => k <= size))) {
          for (const largest of [true, false]) {
            const [v, i] = topkReference([x], { axis, k, largest }, "cpu");
            const [sv, si] = sortReference([x], { axis, descending: largest }, "cpu");
            const msg = `${dtype} ${JSON.stringify(shape)} axis ${axis} k ${k} largest ${largest}`;
            assert.deepEqual(i!.tolist(), si!.narrow(axis, 0, k).tolist(), `${msg}: indices`);
            assert.deepEqual(v!.tolist(), sv!.narrow(axis, 0, k).tolist(), `${msg}: values`);
          }
        }
      }
    }
  }
});

test("the decomposition (sort + slice, for backends without topk) equals the kernel", () => {
  const data = [5, NaN, 1, 1, -0, 0, 9, 9, -Infinity, 2, 2, NaN];
  for (const [axis, k, largest] of [[0, 2, true], [1, 3, false], [1, 6, true], [0, 0, false]] as const) {
    const a = { axis, k, largest };
    const cpu = dispatchAll("topk", [tensor(data).reshape([2, 6])], a);
    const dec = dispatchAll("topk", [tensor(data, { device: NOFUSED }).reshape([2, 6])], a);
    assert.equal(dec[0]!.device, NOFUSED);
    assert.deepEqual(dec[0]!.tolist(), cpu[0]!.tolist());
    assert.deepEqual(dec[1]!.tolist(), cpu[1]!.tolist());
    assert.equal(dec[1]!.dtype, "int32");
  }
});

test("compile() records topk and kthvalue (no graph break) with the eager results", () => {
  const f = compile((x: Tensor) => {
    const t = x.mul(2).topk(3, 1);
    return t.values.add(x.kthvalue(2, 1, true).values);
  });
  const x = tensor([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]]);
  const want = x.mul(2).topk(3, 1).values.add(x.kthvalue(2, 1, true).values);
  assert.deepEqual(f(x).tolist(), want.tolist());
  assert.deepEqual(f(x).tolist(), want.tolist());
  assert.equal(f.stats().breaks.length, 0);
});

test("topk and kthvalue gradients flow to the selected elements (gradcheck)", () => {
  const x = tensor([[0.3, -1.2, 2.5, 0.7], [1.1, 0.2, -0.4, 3.3], [-2, 1.7, 0.9, 0.1]], { dtype: "float64", requiresGrad: true });
  const w = tensor([[1.5, -0.5], [2, 1], [0.25, 3]], { dtype: "float64" });
  assert.ok(autograd.gradcheck((t) => t!.topk(2, 1).values.mul(w), [x]));
  const w2 = tensor([[1, -2, 0.5, 3], [0.75, 2, -1, 1.25]], { dtype: "float64" });
  assert.ok(autograd.gradcheck((t) => t!.topk(2, 0, false).values.mul(w2), [x]));
  assert.ok(autograd.gradcheck((t) => t!.kthvalue(3, 1).values.mul(tensor([1, -2, 0.5], { dtype: "float64" })), [x]));
  const y = tensor([3, 1, 2], { requiresGrad: true });
  y.topk(2).values.sum().backward();
  assert.deepEqual(vals(y.grad!), [1, 0, 1]);
});

test("topk errors name the op, k and the shapes", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => x.topk(4, 1), (e: unknown) => e instanceof IndexError && /topk: selected index k out of range \(k = 4, size of dim 1 = 3, input shape \[2, 3\]\)/.test((e as Error).message));
  assert.throws(() => x.topk(-1, 0), (e: unknown) => e instanceof IndexError && /topk/.test((e as Error).message));
  assert.throws(() => x.topk(1, 2), /topk/);
  assert.throws(() => x.kthvalue(0, 1), /kthvalue: selected number k out of range/);
  // the primitive's own checks (direct dispatch)
  assert.throws(() => dispatchAll("topk", [x], { axis: 1, k: 4, largest: true }), (e: unknown) => e instanceof IndexError && /topk: k must be an integer from 0 to the size of axis 1 \(3\), got 4 \(input shape \[2, 3\]\)/.test((e as Error).message));
  assert.throws(() => dispatchAll("topk", [x], { axis: 1, k: 1.5, largest: true }), /topk: k must be an integer/);
  assert.throws(() => dispatchAll("topk", [x], { axis: 2, k: 1, largest: true }), /topk: axis 2 is out of range/);
  assert.throws(() => dispatchAll("topk", [x], { axis: 0, k: 1, largest: 1 as unknown as boolean }), (e: unknown) => e instanceof FluxionError && /topk: largest must be true or false/.test((e as Error).message));
  assert.throws(() => dispatchAll("topk", [tensor(3)], { axis: 0, k: 1, largest: true }), /topk: expected an input of at least 1 dim, got shape \[\]/);
  // 0-d through the op: as one element
  assert.equal(tensor(3).topk(1).values.item(), 3);
});

/**
 * WebGPU gather, scatter and indexPut (int32 indices) against the CPU backend, through the
 * public ops built on them (gather, scatterAdd, scatter, indexSelect, tensor indexing,
 * indexPut_, Embedding with its gradient), and their bounds errors, raised at the next read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, dispatch, manualSeed, nn, tensor, type Tensor } from "../../../src/index.js";
import { randomTensor } from "../../helpers.js";
import { assertClose } from "../../helpers.js";
import { sameAsCpu, startWebGPU, valuesOf } from "./setup.js";

const skip = await startWebGPU();
const i32 = (v: unknown) => tensor(v as number[], { dtype: "int32" });

test("gather, scatter (none, add, multiply) and indexSelect give the CPU's values, views included", { skip }, async () => {
  const x = randomTensor([4, 5], { seed: 40, dtype: "float32" });
  const idx = i32([[0, 4, 2], [1, 1, 3], [4, 0, 0]]);
  await sameAsCpu([x, idx], (a, i) => a.gather(1, i));
  await sameAsCpu([x, idx], (a, i) => a.t().gather(0, i.t()), { msg: "strided operands" });
  await sameAsCpu([x, i32([3, 0, 3, 1])], (a, i) => a.indexSelect(0, i));
  await sameAsCpu([x, i32([-1, 2])], (a, i) => dispatch("gather", [a, i.reshape([1, 2]).expand([4, 2])], { axis: 1, index: { negative: true } }), { msg: "negative indices" });
  const src = randomTensor([3, 3], { seed: 41, dtype: "float32" });
  const unique = i32([[0, 4, 2], [1, 3, 0], [4, 0, 1]]);
  await sameAsCpu([x, unique, src], (a, i, s) => a.scatter(1, i, s), { msg: "scatter (distinct indices)" });
  await sameAsCpu([x, idx, src], (a, i, s) => a.scatterAdd(1, i, s), { msg: "scatterAdd with repeats" });
  await sameAsCpu([x, idx, src], (a, i, s) => dispatch("scatter", [a, i, s], { axis: 1, reduce: "multiply" }), { msg: "scatter multiply" });
  const xi = i32([[1, 2, 3], [4, 5, 6]]);
  await sameAsCpu([xi, i32([[0, 0, 1]]), i32([[7, 8, 9]])], (a, i, s) => a.scatterAdd(0, i, s), { msg: "int32 scatterAdd" });
});

test("indexing with int32 tensors and indexPut_ (set and accumulate) give the CPU's values", { skip }, async () => {
  const x = randomTensor([5, 4], { seed: 42, dtype: "float32" });
  await sameAsCpu([x, i32([4, 0, 4])], (a, i) => a.index(i));
  await sameAsCpu([x, i32([1, 3]), i32([0, 2])], (a, i, j) => a.index(i, j));
  await sameAsCpu([x, i32([2, 0]), tensor([[1, 2, 3, 4], [5, 6, 7, 8]])], (a, i, v) => a.clone().indexPut_([i], v));
  await sameAsCpu([x, i32([2, 0, 2]), tensor([1, 2, 3])], (a, i, v) => a.clone().t().indexPut_([i32([1, 1, 1]).to(i.device), i], v, true), { msg: "accumulate with repeats through a transposed view" });
});

test("an Embedding's lookup and its gradient (scatter add) give the CPU's", { skip }, async () => {
  const run = async (device: string) => {
    manualSeed(5);
    const emb = new nn.Embedding(10, 3).to(device);
    const ids = tensor([[1, 4, 4], [9, 0, 1]], { dtype: "int32", device });
    const y = emb.forward(ids) as Tensor;
    y.mul(tensor([1, -2, 3], { device })).sum().backward();
    return [await valuesOf(y), await valuesOf(emb.weight.grad!)];
  };
  const [cy, cg] = await run("cpu"), [gy, gg] = await run("webgpu");
  assertClose(gy!, cy!);
  assertClose(gg!, cg!);
});

test("an index out of range raises the CPU's IndexError at the next read", { skip }, async () => {
  const x = tensor([[1, 2, 3]], { device: "webgpu" });
  const bad = x.gather(1, tensor([[0, 3]], { dtype: "int32", device: "webgpu" }));
  await assert.rejects(bad.toArrayAsync(), (e: Error) => e instanceof IndexError && e.message === "gather: index 3 is out of bounds for dimension 1 with size 3 (input shape [1, 3])");
  const sel = x.indexSelect(1, tensor([5], { dtype: "int32", device: "webgpu" }));
  const cpuMessage = (() => {
    try {
      tensor([[1, 2, 3]]).indexSelect(1, tensor([5], { dtype: "int32" }));
    } catch (e) {
      return (e as Error).message;
    }
  })();
  await assert.rejects(sel.toArrayAsync(), (e: Error) => e instanceof IndexError && e.message === cpuMessage);
  assert.deepEqual(await valuesOf(x.gather(1, tensor([[2, 0]], { dtype: "int32", device: "webgpu" }))), [3, 1]);
});

test("sort: stable, NaN last (first when descending), -0 equal to 0, along any axis; topk and median on it", { skip }, async () => {
  const { dispatchAll } = await import("../../../src/index.js");
  const x = tensor([[3, NaN, -0, 0, 1, 3, -2], [5, 5, 1, -Infinity, NaN, 2, 2]]);
  for (const descending of [false, true]) {
    for (const [t, axis] of [[x, 1], [x, 0], [x.t(), 0], [i32([[4, -1, 4], [0, 9, -7]]), 1], [tensor([[4, -1, 4], [0, 9, -7]], { dtype: "int64" }), 1]] as const) {
      const want = dispatchAll("sort", [t], { axis, descending }), got = dispatchAll("sort", [t.to("webgpu")], { axis, descending });
      assert.deepEqual(await valuesOf(got[0]!), Array.from(want[0]!.toTypedArray() as ArrayLike<number>, Number), `values ${axis} ${descending}`);
      assert.deepEqual(await valuesOf(got[1]!), Array.from(want[1]!.toTypedArray() as ArrayLike<number>, Number), `indices ${axis} ${descending}`);
    }
  }
  const r = randomTensor([4, 9], { seed: 43, dtype: "float32" });
  await sameAsCpu([r], (t) => t.topk(3, 1).values);
  await sameAsCpu([r], (t) => t.topk(2, 0, { largest: false }).indices);
  await sameAsCpu([r], (t) => t.median(1).values);
});

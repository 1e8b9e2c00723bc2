import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, withDispatchLayer, type DispatchCall, PRIMITIVES, DeviceError, backends } from "../../src/index.js";

test("a recording layer sees every primitive of a forward + backward pass", () => {
  const calls: DispatchCall[] = [];
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const w = tensor([[0.5], [-1]], { requiresGrad: true });
  const v = tensor([[0.5], [1]], { requiresGrad: true });
  withDispatchLayer((call, next) => {
    calls.push(call);
    return next(call);
  }, () => {
    const y = x.matmul(w).relu().sum().add(x.matmul(v).relu().sum());
    y.backward();
  });
  const ops = calls.map((c) => c.op);
  // forward: matmul, unary relu, reduce sum; backward: ones, expand view, relu mask, two matmuls
  for (const op of ["matmul", "unary", "reduce", "full", "binary", "view"]) assert.ok(ops.includes(op as never), `missing ${op} in ${ops.join(",")}`);
  assert.equal(ops.filter((o) => o === "matmul").length, 6, "two forward matmuls + two backward matmuls each");
  for (const c of calls) assert.ok(PRIMITIVES.includes(c.op));
  // the gradients were computed by those calls
  // x @ w is negative everywhere (relu blocks it), x @ v positive: dx = v^T per row
  assert.deepEqual(x.grad!.tolist(), [[0.5, 1], [0.5, 1]]);
  assert.deepEqual(w.grad!.tolist(), [[0], [0]]);
  assert.deepEqual(v.grad!.tolist(), [[4], [6]]);
});

test("a layer can rewrite a call before the backend runs it", () => {
  const a = tensor([1, 2, 3]);
  const out = withDispatchLayer((call, next) => (call.op === "binary" && (call.attrs as { op: string }).op === "add" ? next({ ...call, attrs: { op: "mul" } }) : next(call)), () => a.add(a));
  assert.deepEqual(out.tolist(), [1, 4, 9]);
});

test("unknown devices raise a DeviceError naming the device", () => {
  assert.throws(() => tensor([1], { device: "tpu" }), (e: unknown) => e instanceof DeviceError && /tpu/.test((e as Error).message));
  assert.deepEqual(backends().map((b) => b.device), ["cpu"]);
});

// utils.profile: kernels timed on the dispatcher's layer, attributed to primitives and to the
// public op (or module) they served; the table reads like torch.profiler's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, dispatch, nn, publicOpStack, randn, tensor, utils } from "../../src/index.js";

test("every kernel is counted once, under its primitive and under the op it served", () => {
  const x = randn(8, 8), y = randn(8, 8);
  const lin = new nn.Linear(8, 4);
  const p = utils.profile(() => {
    for (let i = 0; i < 3; i++) x.add(y);
    x.matmul(y).softmax(1).var(1);
    lin(x);
    dispatch("unary", [x], { op: "exp" });
  });
  const op = (name: string) => p.byOp.find((r) => r.name === name);
  const prim = (name: string) => p.byPrimitive.find((r) => r.name === name);
  assert.equal(op("add")!.calls, 3);
  assert.equal(prim("binary:add")!.calls, 3);
  assert.equal(op("matmul")!.calls, 1);
  assert.equal(op("matmul")!.shapes, "[8, 8], [8, 8]");
  assert.equal(op("matmul")!.bytes, 8 * 8 * 4);
  // softmax is one fused kernel, seen by the profiler under its own name
  assert.equal(op("softmax")!.calls, 1);
  assert.equal(prim("softmax")!.calls, 1);
  assert.equal(op("softmax")!.selfMs, prim("softmax")!.selfMs);
  // var calls other ops: its self time is what it dispatched itself, its total all of them
  assert.equal(op("var")!.calls, 1);
  assert.ok(op("var")!.totalMs >= op("mean")!.totalMs + op("sub")!.selfMs);
  assert.ok(op("nn.Linear")!.calls >= 1, "a module's own kernels are attributed to it");
  assert.equal(op("(direct)")!.calls, 1);
  const sum = (rows: { selfMs: number }[]) => rows.reduce((s, r) => s + r.selfMs, 0);
  assert.ok(Math.abs(sum(p.byPrimitive) - p.kernelMs) < 1e-6);
  assert.ok(Math.abs(sum(p.byOp) - p.kernelMs) < 1e-6, "self times split the kernel time");
  assert.ok(p.kernelMs <= p.wallMs);
  for (let i = 1; i < p.byOp.length; i++) assert.ok(p.byOp[i - 1]!.selfMs >= p.byOp[i]!.selfMs, "slowest first");
});

test("the table has torch.profiler's columns and the wall-time split", () => {
  const p = utils.profile(() => tensor([1, 2, 3]).mul(2).sum());
  const t = p.table();
  assert.match(t, /Name\s+Self kernels\s+Self %\s+Kernels total\s+Total %\s+Calls\s+Total avg\s+Output\s+Most common input shapes/);
  assert.match(t, /^mul\s+\S+\s+\S+\s+\S+\s+\S+\s+1\s/m);
  assert.match(t, /Wall time: .*; kernels: .*; the rest \(JavaScript, autograd, allocation\)/);
  assert.match(p.table({ by: "primitive", rowLimit: 1 }), /Primitive/);
  assert.equal(p.table({ rowLimit: 1 }).split("\n").length, 1 + 1 + 1 + 1 + 1 + 2);
});

test("the layer is removed even when the function throws; the public-op stack unwinds", () => {
  assert.throws(() => utils.profile(() => tensor([1]).add("x" as never)), FluxionError);
  assert.deepEqual(publicOpStack(), []);
  const p = utils.profile(() => tensor([1]).neg());
  assert.deepEqual(p.byOp.map((r) => r.name).sort(), ["neg", "tensor"]);
  assert.throws(() => utils.profile(5 as never), /profile: expected a function to run, got number/);
});

test("garbage collection during the run is reported (Node)", () => {
  const p = utils.profile(() => {
    for (let i = 0; i < 200; i++) randn(256, 256).mul(2);
    (globalThis as { gc?: () => void }).gc?.();
  });
  assert.ok(p.gcMs !== null && p.gcMs > 0, `gcMs = ${p.gcMs}`);
  assert.match(p.table(), /Garbage collection: \S+ \(\S+% of wall/);
});

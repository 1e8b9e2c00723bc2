/** Module.getSubmodule / getParameter / getBuffer (dotted paths, PyTorch's errors), registerModule and cpu(). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, nn, type Tensor } from "../../src/index.js";

class Net extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU());
  head = new nn.ModuleList([new nn.Linear(4, 2)]);
  scale = 3;
  forward(x: Tensor): Tensor {
    return x;
  }
}

test("getSubmodule, getParameter and getBuffer follow dotted paths as PyTorch's", () => {
  const net = new Net();
  assert.equal(net.getSubmodule(""), net);
  assert.equal(net.getSubmodule("features"), net.features);
  assert.ok(net.getSubmodule("features.1") instanceof nn.BatchNorm2d);
  assert.ok(net.getSubmodule("head.0") instanceof nn.Linear);
  assert.equal(net.getParameter("head.0.weight"), (net.head.at(0) as nn.Linear).weight);
  assert.deepEqual(net.getParameter("features.0.bias").shape, [4]);
  assert.deepEqual(net.getBuffer("features.1.running_mean").shape, [4]);
  assert.equal(net.getBuffer("features.1.num_batches_tracked").dtype, "int64");
  // every name namedParameters/namedBuffers gives resolves to the same tensor
  for (const [k, p] of net.namedParameters()) assert.equal(net.getParameter(k), p);
  for (const [k, b] of net.namedBuffers()) assert.equal(net.getBuffer(k), b);
});

test("lookup errors name the missing or wrong part of the path", () => {
  const net = new Net();
  assert.throws(() => net.getSubmodule("features.7"), (e: Error) => e instanceof ArgumentError && /Sequential has no attribute `7` \(path "features.7"\)/.test(e.message));
  assert.throws(() => net.getSubmodule("scale"), (e: Error) => e instanceof ArgumentError && /`scale` is not an nn.Module/.test(e.message));
  assert.throws(() => net.getSubmodule("nope.x"), /Net has no attribute `nope`/);
  assert.throws(() => net.getParameter("features.1.running_mean"), /`running_mean` is not an nn.Parameter of BatchNorm2d/);
  assert.throws(() => net.getBuffer("head.0.weight"), /`weight` is not a buffer of Linear/);
  assert.throws(() => net.getParameter(""), /target must be a non-empty dotted path string/);
  assert.throws(() => net.getSubmodule(3 as unknown as string), /target must be a dotted path string, got int 3/);
  assert.throws(() => (net.getSubmodule as (...a: unknown[]) => unknown)("features", 1), (e: Error) => e instanceof ArgumentError && /Module.getSubmodule\(\) takes at most 1 argument \(target\) but 2 were given/.test(e.message));
  assert.throws(() => (net.getBuffer as (...a: unknown[]) => unknown)("features.1.running_mean", true), ArgumentError);
});

test("registerModule is addModule; cpu() keeps everything on the CPU and returns the module", () => {
  const m = new Net();
  m.registerModule("fc", new nn.Linear(2, 2));
  assert.deepEqual([...m.namedChildren()].map(([k]) => k), ["features", "head", "fc"]);
  assert.equal(m.cpu(), m);
  assert.ok(m.parameters().every((p) => p.device === "cpu"));
  assert.throws(() => (m.cpu as (x: unknown) => unknown)(1), ArgumentError);
});

/**
 * Module methods take PyTorch's positional order as well as an options object, as every other
 * API does: `model.load_state_dict(sd, False)`, `self.register_buffer("mask", m, False)`,
 * `model.zero_grad(False)` and `model.named_parameters("net", False)` translate line by line.
 * Before, a positional boolean was read as an (absent) options object: loadStateDict(sd, false)
 * stayed strict, registerBuffer(.., false) kept the buffer persistent, zeroGrad(false) set
 * the grads to null.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, tensor, ones, zeros, ArgumentError, ShapeError, type Tensor } from "../../src/index.js";

class Masked extends nn.Module {
  lin = new nn.Linear(2, 2);
  constructor() {
    super();
    this.registerBuffer("mask", ones([2]), false); // register_buffer("mask", ..., False)
    this.registerBuffer("stats", zeros([2]), true);
  }
  forward(x: Tensor): Tensor {
    return this.lin.forward(x);
  }
}

test("registerBuffer(name, tensor, false) is non-persistent, as register_buffer(..., False)", () => {
  const m = new Masked();
  // own parameters and buffers first, then the children's (as PyTorch)
  assert.deepEqual(Object.keys(m.stateDict()), ["stats", "lin.weight", "lin.bias"]);
  assert.deepEqual([...m.namedBuffers()].map(([k]) => k), ["mask", "stats"]);
});

test("loadStateDict(sd, false) is non-strict and reports the missing and unexpected keys", () => {
  const m = new nn.Linear(2, 3);
  const sd = m.stateDict();
  delete sd.bias;
  sd.extra = tensor([1]);
  sd.weight = ones([3, 2]);
  const r = m.loadStateDict(sd, false);
  assert.deepEqual(r, { missingKeys: ["bias"], unexpectedKeys: ["extra"] });
  assert.deepEqual(m.weight.tolist(), [[1, 1], [1, 1], [1, 1]]);
  assert.throws(() => m.loadStateDict(sd, true), (e) => e instanceof ShapeError && /Missing key\(s\) in state_dict: "bias"/.test(e.message));
  assert.throws(() => m.loadStateDict(sd), ShapeError);
  assert.deepEqual(m.loadStateDict(sd, { strict: false }).missingKeys, ["bias"]);
  assert.throws(() => m.loadStateDict(sd, "no" as never), (e) => e instanceof ArgumentError && /loadStateDict\(\): argument 'strict'/.test(e.message));
});

test("zeroGrad(false) zeroes the grads in place; zeroGrad() sets them to null", () => {
  const m = new nn.Linear(2, 1);
  m.forward(ones([1, 2])).sum().backward();
  const g = m.weight.grad!;
  m.zeroGrad(false);
  assert.equal(m.weight.grad, g);
  assert.deepEqual(g.tolist(), [[0, 0]]);
  m.zeroGrad();
  assert.equal(m.weight.grad, null);
});

test("namedParameters(prefix, recurse) and namedBuffers(prefix, recurse) take positional arguments", () => {
  const net = new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2));
  assert.deepEqual([...net.namedParameters("net")].map(([k]) => k), ["net.0.weight", "net.0.bias", "net.1.weight", "net.1.bias"]);
  assert.deepEqual([...net.namedParameters("", false)], []);
  assert.deepEqual([...net.namedBuffers("m", true)].map(([k]) => k), ["m.1.running_mean", "m.1.running_var", "m.1.num_batches_tracked"]);
  assert.deepEqual([...net.namedParameters({ prefix: "p", recurse: true })].length, 4);
});

test("loadStateDict's result unpacks as PyTorch's named tuple: const [missing, unexpected] = ...", () => {
  const m = new nn.Linear(2, 2);
  const sd = { weight: m.weight.detach(), extra: m.weight.detach() };
  const [missing, unexpected] = m.loadStateDict(sd, false);
  assert.deepEqual(missing, ["bias"]);
  assert.deepEqual(unexpected, ["extra"]);
  const r = m.loadStateDict(sd, { strict: false });
  assert.deepEqual(r, { missingKeys: ["bias"], unexpectedKeys: ["extra"] });
  assert.deepEqual([...r], [["bias"], ["extra"]]);
});

/**
 * nn.utils.stateless.functionalCall (torch.nn.utils.stateless.functional_call): a module
 * called with given parameters and buffers, the module unchanged afterwards; gradients flow
 * to the given tensors (MAML's fast weights); PyTorch's handling of buffers, in-place updates,
 * unknown keys and 2.x's strict; argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, FluxionError, Tensor, autograd, nn, ones, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const { functionalCall } = nn.utils.stateless;

class Two extends nn.Module {
  fc1 = new nn.Linear(2, 3);
  fc2 = new nn.Linear(3, 1);
  forward(x: Tensor): Tensor {
    return this.fc2(this.fc1(x).tanh());
  }
}

test("functionalCall runs the module with the given parameters; the module and its registrations are unchanged after", () => {
  const m = new Two();
  const before = [...m.namedParameters()];
  const x = tensor([[1, -2], [0.5, 3]]);
  const w1 = tensor([[1, 0], [0, 1], [1, 1]]), b1 = tensor([0.1, 0.2, 0.3]);
  const w2 = tensor([[1, -1, 2]]), b2 = tensor([0.5]);
  const out = functionalCall(m, { "fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2 }, [x]) as Tensor;
  assertClose(out, x.matmul(w1.t()).add(b1).tanh().matmul(w2.t()).add(b2), { atol: 1e-6 });
  const after = [...m.namedParameters()];
  assert.deepEqual(after.map(([n]) => n), before.map(([n]) => n));
  after.forEach(([, p], i) => assert.equal(p, before[i]![1]));
  assert.ok(m.fc1.weight instanceof nn.Parameter);
  assert.deepEqual(Object.keys(m.stateDict()), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
  // a single argument need not be wrapped; a Map works; keys left out keep the module's own
  const partial = functionalCall(m, new Map([["fc2.bias", tensor([100])]]), x) as Tensor;
  assertClose(partial, m(x).add(100 - m.fc2.bias!.item()), { atol: 1e-4 });
});

test("gradients flow to the given tensors (second order through fast weights), not into the module's parameters", () => {
  const m = new nn.Linear(2, 1);
  const x = tensor([[1, 2], [3, -1]]);
  const params = [...m.namedParameters()];
  const loss0 = m(x).pow(2).mean();
  const grads = autograd.grad(loss0, params.map(([, p]) => p), { createGraph: true });
  const fast = Object.fromEntries(params.map(([n, p], i) => [n, p.sub(grads[i]!.mul(0.1))]));
  const y = functionalCall(m, fast, [x]) as Tensor;
  y.sum().backward();
  // the same derivative by jacobian of the whole inner step, second order included
  assert.ok(m.weight.grad !== null && m.bias!.grad !== null, "the meta-parameters get gradients through the fast weights");
  const num = autograd.functional.jacobian((w: Tensor, b: Tensor) => {
    const l = x.matmul(w.t()).add(b).pow(2).mean();
    const [gw, gb] = autograd.grad(l, [w, b], { createGraph: true });
    return x.matmul(w.sub(gw!.mul(0.1)).t()).add(b.sub(gb!.mul(0.1))).sum();
  }, [m.weight.detach(), m.bias!.detach()]) as Tensor[];
  assertClose(m.weight.grad!, num[0]!, { atol: 1e-5 });
  assertClose(m.bias!.grad!, num[1]!, { atol: 1e-5 });
});

test("buffers are replaced too; an in-place update during the call lands in the given tensor, as in PyTorch", () => {
  const bn = new nn.BatchNorm1d(2);
  const mean = tensor([1, -1]), vr = tensor([4, 1]);
  bn.eval();
  const x = tensor([[3, 1], [1, 0]]);
  const y = functionalCall(bn, { running_mean: mean, running_var: vr }, x) as Tensor;
  assertClose(y, x.sub(mean).div(vr.add(1e-5).sqrt()), { atol: 1e-5 });
  bn.train();
  const m2 = zeros([2]), v2 = ones([2]);
  functionalCall(bn, { running_mean: m2, running_var: v2 }, x);
  assertClose(m2, [0.2, 0.05], { atol: 1e-6 }); // 0.9 * 0 + 0.1 * batch mean
  assertClose(bn.running_mean!, [0, 0]); // the module's own buffer is untouched
});

test("an unknown leaf name is an attribute for the call only; strict (PyTorch 2.x) names unexpected and missing keys", () => {
  class Scaled extends nn.Module {
    lin = new nn.Linear(1, 1);
    forward(x: Tensor): Tensor {
      const s = (this as unknown as { scale?: Tensor }).scale;
      return s ? this.lin(x).mul(s) : this.lin(x);
    }
  }
  const m = new Scaled();
  const x = tensor([[2]]);
  assertClose(functionalCall(m, { scale: tensor(0) }, x) as Tensor, [[0]]);
  assert.equal(Object.hasOwn(m, "scale"), false);
  assert.throws(() => functionalCall(m, { "lin.wieght": ones([1, 1]) }, x, { strict: true }),
    (e: Error) => e instanceof FluxionError && /reparametrizing for Scaled:\n\tUnexpected key\(s\): 'lin.wieght'\.\n\tMissing key\(s\): ('lin.weight', 'lin.bias'|'lin.bias', 'lin.weight')\./.test(e.message));
  assertClose(functionalCall(m, { "lin.weight": ones([1, 1]), "lin.bias": zeros([1]) }, x, { strict: true }) as Tensor, [[2]]);
});

test("the kwargs option becomes the module's trailing options object; a forward that throws leaves the module restored", () => {
  class Opt extends nn.Module {
    w = new nn.Parameter(ones([1]));
    forward(x: Tensor, opts?: { shift?: number; fail?: boolean }): Tensor {
      if (opts?.fail) throw new Error("boom");
      return x.mul(this.w).add(opts?.shift ?? 0);
    }
  }
  const m = new Opt();
  assertClose(functionalCall(m, { w: tensor([3]) }, [tensor([2])], { kwargs: { shift: 1 } }) as Tensor, [7]);
  assertClose(functionalCall(m, { w: tensor([3]) }, [tensor([2])], { strict: true }) as Tensor, [6]);
  assert.throws(() => functionalCall(m, { w: tensor([3]) }, [tensor([2])], { kwargs: { fail: true } }), /boom/);
  assert.throws(() => functionalCall(m, { w: tensor([3]) }, [tensor([2])], { shift: 1 } as never), (e: Error) => e instanceof ArgumentError && /unexpected option 'shift'/.test(e.message));
  assert.ok(m.w instanceof nn.Parameter);
  assertClose(m(tensor([2])), [2]);
});

test("argument errors name functionalCall and what it got; a bad path leaves the module untouched", () => {
  const m = new Two();
  const w = m.fc1.weight;
  assert.throws(() => functionalCall(m, [ones([3, 2])] as never, ones([1, 2])), (e: Error) => e instanceof ArgumentError && /functionalCall\(\): argument 'parametersAndBuffers' \(position 2\) must be Dict/.test(e.message));
  assert.throws(() => functionalCall(m, { "fc1.weight": [[1, 2]] } as never, ones([1, 2])), (e: Error) => e instanceof ArgumentError && /parametersAndBuffers\['fc1.weight'\] must be a Tensor/.test(e.message));
  assert.throws(() => functionalCall(m, { "fc1.weight": ones([3, 2]), "fc9.weight": ones([1]) }, ones([1, 2])), (e: Error) => e instanceof ArgumentError && /Two has no submodule 'fc9'/.test(e.message));
  assert.equal(m.fc1.weight, w);
});

/**
 * Module hooks against PyTorch 1.13 (test/fixtures/module_hooks_torch.py):
 * registerFullBackwardHook (what gradInput / gradOutput hold: values, zeros for tensors that
 * take no gradient, null for non-tensors and outputs without one; replacing gradInput;
 * chaining; nested modules' order; which hooks a call runs; the errors),
 * registerForwardPreHook / registerForwardHook (a non-array pre-hook result is the one
 * input, a forward hook's result replaces the output), the handles' remove(), and
 * Tensor.registerHook's checks on a replacement gradient.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { nn, tensor, type Tensor } from "../../src/index.js";

const REF = JSON.parse(readFileSync(new URL("../fixtures/module_hooks_torch.json", import.meta.url), "utf8"));
type Call = { tag: string; gradInput: unknown[]; gradOutput: unknown[] };

const f64 = (v: unknown, requiresGrad = false) => tensor(v as number[], { dtype: "float64", requiresGrad });
const vals = (ts: (Tensor | null)[]) => ts.map((t) => (t === null ? null : t.tolist()));
const grad = (t: Tensor) => (t.grad === null ? null : t.grad.tolist());
function recorder(calls: Call[], tag: string, ret?: (gi: (Tensor | null)[]) => (Tensor | null)[]): nn.FullBackwardHook {
  return (_m, gi, go) => {
    calls.push({ tag, gradInput: vals(gi), gradOutput: vals(go) });
    return ret?.(gi);
  };
}
function linear(w: number[][], b: number[]): nn.Linear {
  const m = new nn.Linear(w[0]!.length, w.length, { dtype: "float64" });
  m.loadStateDict({ weight: f64(w), bias: f64(b) });
  return m;
}
class Two extends nn.Module {
  forward(a: Tensor, b: Tensor, k: number): Tensor[] {
    return [a.mul(b).mul(k), a.add(b)];
  }
}

test("full backward hook: gradInput per positional input (zeros for a tensor without grad, null for a number), gradOutput null for an unused output", () => {
  const calls: Call[] = [];
  const m = new Two();
  m.registerFullBackwardHook(recorder(calls, "two"));
  const a = f64([1, 2], true), b = f64([3, 4]);
  let [o1, o2] = m(a, b, 2);
  o1!.sum().backward();
  [o1, o2] = m(a, b, 2);
  o1!.sum().add(o2!.sum().mul(10)).backward();
  assert.deepEqual(calls, REF.twoInputs.calls);
  assert.deepEqual(grad(a), REF.twoInputs.gradA);
});

test("an input that requires grad but gets none sees zeros, and a hook's replacement reaches it", () => {
  const calls: Call[] = [];
  const m = new Two();
  m.registerFullBackwardHook(recorder(calls, "unused"));
  const a = f64([1, 2], true), u = f64([5, 6], true);
  m(a, u, 1)[0]!.mul(0).sum().backward();
  assert.deepEqual(calls, REF.unusedInput.calls);
  assert.deepEqual(grad(u), REF.unusedInput.gradU);
  const m2 = new Two();
  m2.registerFullBackwardHook((_m, gi) => [gi[0]!, fx.full([2], 7, { dtype: "float64" }), null]);
  const a2 = f64([1, 2], true), u2 = f64([5, 6], true);
  m2(a2, u2, 3)[0]!.sum().backward();
  assert.deepEqual(grad(u2), REF.unusedInput.replacedU);
  assert.deepEqual(grad(a2), REF.unusedInput.replacedA);
});

test("when no input requires grad the hooks still run (from the outputs), with an all-null gradInput", () => {
  const calls: Call[] = [];
  const lin = linear([[1, -2]], [0.5]);
  lin.registerFullBackwardHook(recorder(calls, "lin"));
  lin(f64([[1, 2]])).sum().backward();
  assert.deepEqual(calls, REF.inputNoGrad.calls);
  assert.deepEqual(grad(lin.weight), REF.inputNoGrad.gradWeight);
});

test("a returned gradInput replaces the input's gradient (not the parameters'); hooks chain; null drops a gradient", () => {
  const lin = linear([[1, -2]], [0.5]);
  lin.registerFullBackwardHook((_m, gi) => [gi[0]!.mul(100)]);
  const x = f64([[3, 4]], true);
  lin(x).sum().backward();
  assert.deepEqual(grad(x), REF.replace.gradX);
  assert.deepEqual(grad(lin.weight), REF.replace.gradWeight);

  const calls: Call[] = [];
  const lin2 = linear([[1, -2]], [0.5]);
  lin2.registerFullBackwardHook((_m, gi) => [gi[0]!.mul(2)]);
  lin2.registerFullBackwardHook(recorder(calls, "second"));
  const x2 = f64([[3, 4]], true);
  lin2(x2).sum().backward();
  assert.deepEqual(calls, REF.chain.calls);
  assert.deepEqual(grad(x2), REF.chain.gradX);
  const lin3 = linear([[1, -2]], [0.5]);
  lin3.registerFullBackwardHook(() => [null]);
  const x3 = f64([[3, 4]], true);
  lin3(x3).sum().backward();
  assert.equal(grad(x3), REF.chain.droppedGradX);
});

test("nested modules: hooks run innermost-last-first, the container's after its children's", () => {
  const calls: Call[] = [];
  const net = new nn.Sequential(linear([[1, 2], [-1, 0.5]], [0, -3]), new nn.ReLU(), linear([[2, -1]], [1]));
  const [fc1, relu, fc2] = [...net.children()];
  for (const [name, m] of [["seq", net], ["fc1", fc1!], ["relu", relu!], ["fc2", fc2!]] as const) m.registerFullBackwardHook(recorder(calls, name));
  const x = f64([[1, 1], [2, -1]], true);
  net(x).sum().backward();
  assert.deepEqual(calls, REF.nested.calls);
  assert.deepEqual(grad(x), REF.nested.gradX);
});

test("a call runs the hooks registered when it was made: removed later still runs, added later does not", () => {
  const calls: Call[] = [];
  const lin = linear([[1, -2]], [0.5]);
  const h = lin.registerFullBackwardHook(recorder(calls, "removed after forward"));
  const x = f64([[3, 4]], true);
  let y = lin(x);
  h.remove();
  lin.registerFullBackwardHook(recorder(calls, "registered after forward"));
  y.sum().backward();
  y = lin(x).sum().add(lin(x.mul(2)).sum());
  y.backward();
  assert.deepEqual(calls, REF.lifetime.calls);
  // forward sees aliases of the inputs, the caller an alias of the output, as PyTorch's BackwardHookFunction
  let seen: unknown = null;
  class Keep extends nn.Module {
    forward(t: Tensor) {
      seen = t;
      return t.mul(2);
    }
  }
  const k = new Keep();
  k.registerFullBackwardHook(() => undefined);
  const out = k(x);
  assert.notEqual(seen, x);
  assert.equal(out.gradFn!.name, "BackwardHookFunctionBackward");
  // no grad mode: nothing is wrapped
  fx.noGrad(() => k(x));
  assert.equal(seen, x);
});

test("full backward hook errors are PyTorch's", () => {
  const lin = linear([[1, -2]], [0.5]);
  lin.registerFullBackwardHook((_m, gi) => [gi[0]!, gi[0]!]);
  assert.throws(() => lin(f64([[3, 4]], true)).sum().backward(), (e) => e instanceof fx.AutogradError && e.message.endsWith(REF.errors.wrongLength));
  const lin2 = linear([[1, -2]], [0.5]);
  lin2.registerFullBackwardHook(() => [fx.ones([1, 2], { dtype: "float64" })]);
  assert.throws(() => lin2(fx.ones([1, 2], { dtype: "float64" })).sum().backward(), (e) => e instanceof fx.AutogradError && /Backward hook for Modules where no input requires gradient should always return undefined or null for all gradients\.$/.test(e.message));
  const lin3 = linear([[1, -2]], [0.5]);
  lin3.registerFullBackwardHook((_m, gi) => gi[0] as never);
  assert.throws(() => lin3(f64([[3, 4]], true)).sum().backward(), (e) => e instanceof fx.AutogradError && /Backward hook must return an array of gradients/.test(e.message));
  const lin4 = linear([[1, -2]], [0.5]);
  lin4.registerFullBackwardHook(() => [fx.ones([3], { dtype: "float64" })]);
  assert.throws(() => lin4(f64([[3, 4]], true)).sum().backward(), (e) => e instanceof fx.ShapeError && /BackwardHookFunctionBackward returned for its input 0 has shape \[3\]/.test(e.message));
  // registrations take one function (PyTorch 1.13 has no prepend / withKwargs)
  assert.throws(() => lin.registerFullBackwardHook(5 as never), (e) => e instanceof fx.ArgumentError && /registerFullBackwardHook\(\): argument 'hook' must be a function, but got int 5/.test(e.message));
  assert.throws(() => (lin.registerForwardHook as (...a: unknown[]) => unknown)(() => {}, { withKwargs: true }), (e) => e instanceof fx.ArgumentError && /registerForwardHook\(\) takes at most 1 argument/.test(e.message));
  assert.equal("registerFullBackwardPreHook" in lin, false); // not in PyTorch 1.13
});

test("forward pre-hooks and forward hooks: a non-array pre-hook result is the one input, a forward hook's result the output", () => {
  const seen: unknown[] = [];
  const lin = linear([[1, -2]], [0.5]);
  lin.registerForwardPreHook((_m, inp) => (inp[0] as Tensor).mul(2));
  lin.registerForwardPreHook((_m, inp) => void seen.push(vals(inp as Tensor[])));
  lin.registerForwardHook((_m, inp, o) => void seen.push(vals([...(inp as Tensor[]), o as Tensor])));
  const h = lin.registerForwardHook((_m, _inp, o) => (o as Tensor).add(100));
  const r = lin(f64([[3, 4]]));
  assert.deepEqual(seen, REF.forwardHooks.seen);
  assert.deepEqual(r.tolist(), REF.forwardHooks.out);
  h.remove();
  h.remove(); // twice is harmless
  assert.notDeepEqual(lin(f64([[3, 4]])).tolist(), REF.forwardHooks.out);
  // forward(x) skips hooks, as PyTorch's module.forward(x)
  assert.deepEqual(lin.forward(f64([[3, 4]])).tolist(), [[-4.5]]);
});

test("Tensor.registerHook: a replacement must be a Tensor of the gradient's shape and dtype, as PyTorch checks", () => {
  const t = fx.ones([2], { requiresGrad: true });
  const y = t.mul(2);
  y.registerHook(function resize() {
    return fx.ones([3]);
  });
  assert.throws(() => y.sum().backward(), (e) => e instanceof fx.AutogradError && /hook 'resize' has changed the size of value \(was \[2\], got \[3\]\)/.test(e.message));
  const t2 = fx.ones([2], { requiresGrad: true });
  t2.registerHook((g) => g.double());
  assert.throws(() => t2.mul(2).sum().backward(), (e) => e instanceof fx.AutogradError && /has changed the type of value \(was float32 got float64\)/.test(e.message));
  const t3 = fx.ones([2], { requiresGrad: true });
  t3.registerHook((() => 5) as never);
  assert.throws(() => t3.mul(2).sum().backward(), (e) => e instanceof fx.AutogradError && /expected Tensor, but hook '<anonymous>' returned int 5/.test(e.message));
  // a replacement of the right shape and dtype is used; undefined keeps the gradient
  const t4 = fx.ones([2], { requiresGrad: true });
  t4.registerHook((g) => g.mul(3));
  t4.registerHook(() => undefined);
  t4.mul(2).sum().backward();
  assert.deepEqual(t4.grad!.tolist(), [6, 6]);
});

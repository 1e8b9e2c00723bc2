/**
 * The torch.autograd pieces programs use with autograd.functional, against PyTorch 1.13
 * (test/fixtures/autograd_functional_torch.py, "anomalies" and "hooks"): anomaly mode's NaN
 * check naming the backward function, retainGrad/retainsGrad with hooks and their removal,
 * and autograd.grad refusing isGradsBatched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, AutogradError, ShapeError, Tensor, autograd, ones, tensor, where } from "../../src/index.js";

interface Anomaly { name: string; message: string; unchecked_grad: (number | "nan")[] }
interface Hooks { y_grad: number[]; x_grad: number[]; hook_saw: number[]; y_retains: boolean; x_retains: boolean; y_grad_after_remove: number[]; x_grad_after_remove: number[] }
const fixture: { anomalies: Anomaly[]; hooks: Hooks } = JSON.parse(readFileSync(new URL("../fixtures/autograd_functional_torch.json", import.meta.url), "utf8"));

class Bad extends autograd.Function {
  static override forward(_ctx: autograd.FunctionCtx, x: Tensor) {
    return x.mul(2);
  }
  static override backward(_ctx: autograd.FunctionCtx, g: Tensor) {
    return [g.mul(NaN)];
  }
}

const XA = [1, -1, 4];
/** Mirrors of the Python calls; each returns autograd.grad's result or nothing (backward). */
const ANOMALIES: Record<string, (x: Tensor) => (Tensor | null)[] | void> = {
  custom_function_nan: (x) => Bad.apply<Tensor>(x).sum().backward(),
  sqrt_negative: (x) => x.sqrt().sum().backward(),
  where_masked_sqrt_grad: (x) => autograd.grad(where(x.gt(0), x.sqrt(), x).sum(), x),
};

const values = (t: Tensor) => (t.tolist() as number[]).map((v) => (Number.isNaN(v) ? "nan" : v));

for (const a of fixture.anomalies) {
  test(`detectAnomaly raises PyTorch's message naming the backward function: ${a.name}`, () => {
    const call = ANOMALIES[a.name]!;
    const x = tensor(XA, { dtype: "float64", requiresGrad: true });
    assert.throws(() => autograd.detectAnomaly(() => call(x)), (e: Error) => {
      assert.ok(e instanceof AutogradError, `${e.name}: ${e.message}`);
      assert.ok(e.message.includes(a.message), `got ${e.message}\nwant ${a.message}`);
      // the forward call that made the node is shown, as PyTorch's warning shows it
      assert.match(e.message, /Traceback of forward call that caused the error:\n\s+at /);
      return true;
    });
    assert.equal(autograd.isAnomalyEnabled(), false, "restored after the block");
    // checkNan: false (and anomaly mode off) lets the NaN through, as in PyTorch
    for (const run of [(f: () => unknown) => autograd.detectAnomaly(f, { checkNan: false }), (f: () => unknown) => f()]) {
      const x2 = tensor(XA, { dtype: "float64", requiresGrad: true });
      const r = run(() => call(x2)) as (Tensor | null)[] | undefined;
      assert.deepEqual(values(r ? r[0]! : x2.grad!), a.unchecked_grad);
    }
  });
}

test("setDetectAnomaly switches the mode for what follows and returns the previous one; isAnomalyCheckNanEnabled as PyTorch's", () => {
  assert.equal(autograd.isAnomalyEnabled(), false);
  assert.equal(autograd.isAnomalyCheckNanEnabled(), true); // PyTorch's default, even while off
  assert.equal(autograd.setDetectAnomaly(true), false);
  try {
    assert.equal(autograd.isAnomalyEnabled(), true);
    const x = tensor(XA, { dtype: "float64", requiresGrad: true });
    assert.throws(() => x.sqrt().sum().backward(), /Function 'SqrtBackward0' returned nan values in its 0th output/);
    // no NaN: nothing raised, gradients as usual
    const y = tensor([1, 4], { dtype: "float64", requiresGrad: true });
    y.sqrt().sum().backward();
    assert.deepEqual(y.grad!.tolist(), [0.5, 0.25]);
  } finally {
    assert.equal(autograd.setDetectAnomaly(false), true);
  }
  autograd.detectAnomaly(() => assert.equal(autograd.isAnomalyCheckNanEnabled(), false), false);
  assert.equal(autograd.isAnomalyCheckNanEnabled(), true);
  assert.throws(() => autograd.setDetectAnomaly("yes" as never), (e: Error) => e instanceof ArgumentError && /setDetectAnomaly: mode must be a boolean/.test(e.message));
  assert.throws(() => autograd.detectAnomaly(() => 1, { checkNaN: true } as never), (e: Error) => e instanceof ArgumentError && /detectAnomaly: checkNan must be a boolean/.test(e.message));
  assert.throws(() => autograd.detectAnomaly(5 as never), (e: Error) => e instanceof ArgumentError && /expected a function/.test(e.message));
});

test("anomaly mode adds the forward trace to an error raised inside a backward formula", () => {
  const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const y = autograd.detectAnomaly(() => x.exp());
  const z = y.sum();
  y.mul_(2); // modifies what ExpBackward0 saved
  assert.throws(() => z.backward(), (e: Error) => e instanceof AutogradError && /modified by an inplace operation/.test(e.message) && /Error detected in ExpBackward0\. Traceback of forward call/.test(e.message));
  // outside anomaly mode nodes keep no trace
  const w = x.exp();
  const s = w.sum();
  w.mul_(2);
  assert.throws(() => s.backward(), (e: Error) => /modified by an inplace operation/.test(e.message) && !/Traceback/.test(e.message));
});

test("retainGrad, retainsGrad and a removable hook on a non-leaf match PyTorch 1.13", () => {
  const h = fixture.hooks;
  const x = tensor(XA, { dtype: "float64", requiresGrad: true });
  const y = x.mul(2);
  y.retainGrad();
  const seen: Tensor[] = [];
  const handle = y.registerHook((g) => {
    seen.push(g.clone());
    return g.mul(10);
  });
  const z = y.pow(2).mul(tensor([1, 2, 3], { dtype: "float64" })).sum();
  z.backward(undefined, { retainGraph: true });
  assert.deepEqual(y.grad!.tolist(), h.y_grad);
  assert.deepEqual(x.grad!.tolist(), h.x_grad);
  assert.deepEqual(seen[0]!.tolist(), h.hook_saw);
  assert.equal(y.retainsGrad, h.y_retains);
  assert.equal(x.retainsGrad, h.x_retains);
  handle.remove();
  z.backward();
  assert.deepEqual(y.grad!.tolist(), h.y_grad_after_remove);
  assert.deepEqual(x.grad!.tolist(), h.x_grad_after_remove);
  assert.equal(seen.length, 1);
  assert.throws(() => y.registerHook(5 as never), (e: Error) => e instanceof ArgumentError && /registerHook: the hook must be a function of the gradient, got number/.test(e.message));
  assert.throws(() => tensor([1, 2]).retainGrad(), (e: Error) => e instanceof AutogradError && /can't retain grad on a tensor that doesn't require grad/.test(e.message));
});

test("autograd.grad refuses isGradsBatched: true clearly and accepts false", () => {
  const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const y = x.pow(2);
  assert.throws(() => autograd.grad(y, x, { gradOutputs: tensor([[1, 0], [0, 1]], { dtype: "float64" }), isGradsBatched: true }), (e: Error) => e instanceof AutogradError && /isGradsBatched=true is not supported/.test(e.message));
  // PyTorch's positional order: outputs, inputs, gradOutputs, retainGraph, createGraph, onlyInputs, allowUnused, isGradsBatched
  assert.throws(() => autograd.grad(y, x, tensor([1, 1], { dtype: "float64" }), true, false, true, false, true), /isGradsBatched/);
  const [g] = autograd.grad(y, x, { gradOutputs: tensor([1, 1], { dtype: "float64" }), isGradsBatched: false });
  assert.deepEqual(g!.tolist(), [2, 4]);
});

test("autograd.grad checks gradOutputs and inputs as PyTorch does, with its messages", () => {
  const { grad_errors } = JSON.parse(readFileSync(new URL("../fixtures/autograd_functional_torch.json", import.meta.url), "utf8")) as { grad_errors: { name: string; type: string; message: string }[] };
  const xg = tensor([1, 2], { requiresGrad: true });
  const calls: Record<string, () => unknown> = {
    too_few_grad_outputs: () => autograd.grad([xg.mul(2), xg.sum()], xg, [ones([2])]),
    non_tensor_grad_output: () => autograd.grad([xg.mul(2), xg.sum()], xg, [ones([2]), 3 as never]),
    empty_inputs: () => autograd.grad(xg.sum(), []),
    grad_output_shape: () => autograd.grad(xg.mul(2), xg, ones([3])),
  };
  for (const e of grad_errors) {
    const want = e.message.replace(/None/g, "null").replace(/torch\.Size\(\[([^\]]*)\]\)/g, "[$1]").replace(/\.$/, "").toLowerCase();
    assert.throws(calls[e.name]!, (err: Error) => {
      assert.ok(err instanceof (e.type === "TypeError" ? ArgumentError : e.type === "RuntimeError" && /shape/.test(e.message) ? ShapeError : AutogradError), `${e.name}: ${err.name}`);
      assert.ok(err.message.toLowerCase().includes(want), `${e.name}:\n  got  ${err.message}\n  want ${want}`);
      return true;
    });
  }
});

/**
 * The update rules against PyTorch 1.13 (test/fixtures/optim_reference.py): 8 steps of each
 * optimizer under several option sets, with fixed float32 gradients (some missing), one
 * and two parameter groups; a closure-driven run on a quadratic; and resuming from a
 * state dict that PyTorch itself wrote.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, optim, tensor } from "../../src/index.js";
import { REF, makeOptimizer, makeParams, setGrads, torchStateDict, type OptimizerCase } from "./reference.js";

/**
 * |ours − torch32| ≤ 2e-6·|torch32| + 1e-7 + 3·|torch32 − torch64|: float32 rounding, plus
 * the case's own float32 noise (PyTorch fuses `a + alpha·b` into one FMA rounding where
 * Fluxion rounds twice, and some cases amplify ulp differences).
 */
function assertMatchesTorch(actual: Tensor[], c: OptimizerCase, step: number): void {
  actual.forEach((p, i) => {
    const got = Array.from(p.toTypedArray());
    const e32 = c.expected[step]![i]!, e64 = c.expected64[step]![i]!;
    got.forEach((x, j) => {
      const tol = 2e-6 * Math.abs(e32[j]!) + 1e-7 + 3 * Math.abs(e32[j]! - e64[j]!);
      assert.ok(Math.abs(x - e32[j]!) <= tol, `${c.name}: step ${step + 1}, param ${i}[${j}]: ${x} vs PyTorch ${e32[j]} (tol ${tol.toExponential(2)})`);
    });
  });
}

for (const c of REF.optimizers) {
  test(`${c.name}: ${c.optimizer}(${JSON.stringify(c.options)}${c.groups ? `, groups ${JSON.stringify(c.groups)}` : ""}) matches PyTorch for ${c.expected.length} steps`, () => {
    const params = makeParams();
    const opt = makeOptimizer(c, params);
    for (let s = 0; s < c.expected.length; s++) {
      setGrads(params, s);
      opt.step();
      assertMatchesTorch(params, c, s);
    }
  });
}

test("Adam and AdamW match PyTorch bit for bit (no alpha-scaled adds on the parameter)", () => {
  for (const c of REF.optimizers.filter((c) => c.optimizer === "Adam" || c.optimizer === "AdamW")) {
    if (c.groups) continue;
    const params = makeParams();
    const opt = makeOptimizer(c, params);
    for (let s = 0; s < c.expected.length; s++) {
      setGrads(params, s);
      opt.step();
    }
    params.forEach((p, i) => assert.deepEqual(Array.from(p.toTypedArray()), c.expected.at(-1)![i], c.name));
  }
});

test("a parameter without a gradient is skipped: no update, no state", () => {
  const c = REF.optimizers.find((c) => c.name === "adam_plain")!;
  const params = makeParams();
  const opt = new optim.Adam(params, { lr: 0.01 });
  params[0]!.grad = tensor(REF.grads[0]![0]!, { shape: [2, 3] });
  opt.step();
  assert.deepEqual(Array.from(params[1]!.toTypedArray()), Array.from(new Float32Array(REF.params0[1]!)));
  assert.equal(opt.state.has(params[1]!), false);
  assert.equal(opt.state.get(params[0]!)!.step, 1);
  assert.ok(c);
});

test("step(closure) re-evaluates the loss with grad mode on and returns it (Adam on a quadratic, vs PyTorch)", () => {
  const q = REF.quadratic;
  const params = makeParams();
  const c = q.c.map((v, i) => tensor(v, { shape: REF.paramShapes[i]! }));
  const t = q.t.map((v, i) => tensor(v, { shape: REF.paramShapes[i]! }));
  const opt = new optim.Adam(params, { lr: 0.05 });
  const closure = () => {
    opt.zeroGrad();
    const loss = params.map((p, i) => c[i]!.mul(p.sub(t[i]!).pow(2)).sum()).reduce((a, b) => a.add(b));
    loss.backward();
    return loss;
  };
  const losses: number[] = [];
  for (let i = 0; i < q.losses.length; i++) losses.push(Number(opt.step(closure)!.item()));
  losses.forEach((l, i) => assert.ok(Math.abs(l - q.losses[i]!) <= 2e-6 * Math.abs(q.losses[i]!), `loss ${i}: ${l} vs ${q.losses[i]}`));
  params.forEach((p, i) => Array.from(p.toTypedArray()).forEach((x, j) => assert.ok(Math.abs(x - q.final[i]![j]!) <= 1e-6, `param ${i}[${j}]: ${x} vs ${q.final[i]![j]}`)));
});

for (const name of ["sgd_momentum", "adam_amsgrad", "adamw_wd_amsgrad", "rmsprop_all", "adagrad_decay_wd", "adam_groups"]) {
  test(`${name}: a state dict written by PyTorch after 4 steps loads (snake_case keys) and training continues to PyTorch's values`, () => {
    const c = REF.optimizers.find((c) => c.name === name)!;
    const mid = c.expected.length / 2;
    const params = makeParams(c.expected[mid - 1]);
    const opt = makeOptimizer(c, params);
    opt.loadStateDict(torchStateDict(c.midStateDict));
    for (let s = mid; s < c.expected.length; s++) {
      setGrads(params, s);
      opt.step();
      assertMatchesTorch(params, c, s);
    }
  });
}

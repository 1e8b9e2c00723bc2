/**
 * nn.utils.weightNorm / removeWeightNorm and spectralNorm / removeSpectralNorm against
 * PyTorch 1.13 (test/fixtures/weight_norm_torch.py): state dict keys and values, outputs,
 * the recomputed weight and the gradients over SGD steps (spectral norm's u and v advancing
 * in training mode, held in eval), the removal; plus deepcopy of a reparameterized module
 * and the refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, FluxionError, IndexError, nn, optim, tensor, utils, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

interface Call { mode?: string; y: unknown; weight: unknown; u?: unknown; v?: unknown; grads: Record<string, unknown>; xgrad: unknown }
interface Case {
  op: "weight_norm" | "spectral_norm"; kind: "linear" | "conv" | "convT"; dim: number | null; n?: number;
  init: Record<string, unknown>; x: unknown; keys: string[]; state: Record<string, unknown>; calls: Call[];
  removedKeys: string[]; removedWeight: unknown;
}
const REF = JSON.parse(readFileSync(new URL("../fixtures/weight_norm_torch.json", import.meta.url), "utf8")) as { cases: Case[] };
const f64 = (v: unknown) => tensor(v as number[], { dtype: "float64" });
const close = (a: unknown, e: unknown, msg: string) => assertClose(a, e, { atol: 1e-10, rtol: 1e-9, msg });

function make(c: Case): nn.Module & { weight: Tensor } {
  const create = { dtype: "float64" as const };
  const m = c.kind === "linear" ? new nn.Linear(4, 3, create) : c.kind === "conv" ? new nn.Conv2d(2, 3, 2, create) : new nn.ConvTranspose2d(2, 3, 2, create);
  m.loadStateDict(Object.fromEntries(Object.entries(c.init).map(([k, v]) => [k, f64(v)])));
  return m as nn.Module & { weight: Tensor };
}

for (const c of REF.cases) {
  const label = `${c.op} on ${c.kind} (dim ${c.dim}${c.n ? `, ${c.n} iterations` : ""})`;
  test(`${label}: keys, values, outputs and gradients over steps, and the removal, match PyTorch`, () => {
    const m = make(c);
    const x0 = f64(c.x);
    if (c.op === "weight_norm") nn.utils.weightNorm(m, { dim: c.dim });
    else {
      nn.utils.spectralNorm(m, { nPowerIterations: c.n!, ...(c.dim === null ? {} : { dim: c.dim }) });
      // PyTorch's random start: load its u and v
      (m as unknown as Record<string, Tensor>).weight_u!.copy_(f64(c.state["weight_u"]));
      (m as unknown as Record<string, Tensor>).weight_v!.copy_(f64(c.state["weight_v"]));
    }
    const sd = m.stateDict();
    assert.deepEqual(Object.keys(sd), c.keys);
    for (const k of c.keys) close(sd[k]!.tolist(), c.state[k], `${label}: state ${k}`);
    assert.ok(!(m.weight instanceof nn.Parameter), "the weight is a computed tensor");
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    c.calls.forEach((call, i) => {
      if (call.mode) m.train(call.mode === "train");
      const x = x0.clone().requiresGrad_();
      opt.zeroGrad();
      const y = m(x) as Tensor;
      y.mul(y).sum().backward();
      const at = `${label}: call ${i}`;
      close(y.tolist(), call.y, `${at}: output`);
      close(m.weight.tolist(), call.weight, `${at}: weight`);
      if (call.u !== undefined) {
        close((m as unknown as Record<string, Tensor>).weight_u!.tolist(), call.u, `${at}: u`);
        close((m as unknown as Record<string, Tensor>).weight_v!.tolist(), call.v, `${at}: v`);
      }
      const named = [...m.namedParameters()];
      assert.deepEqual(named.map(([k]) => k), Object.keys(call.grads));
      for (const [k, p] of named) close(p.grad!.tolist(), call.grads[k], `${at}: grad of ${k}`);
      close(x.grad!.tolist(), call.xgrad, `${at}: input grad`);
      opt.step();
    });
    if (c.op === "weight_norm") nn.utils.removeWeightNorm(m);
    else nn.utils.removeSpectralNorm(m);
    assert.deepEqual(Object.keys(m.stateDict()), c.removedKeys);
    assert.ok(m.weight instanceof nn.Parameter);
    close(m.weight.tolist(), c.removedWeight, `${label}: weight after removal`);
    assert.equal((m as nn.Module)._hasHooks(), false);
  });
}

test("a deep copy of a reparameterized module carries its own working reparameterization (PyTorch 1.13 refuses: its weight attribute is a computed tensor)", () => {
  const m = nn.utils.spectralNorm(nn.utils.weightNorm(new nn.Linear(3, 2, { dtype: "float64" }), "bias", null));
  const c = utils.deepcopy(m);
  const x = tensor([[1, 2, 3]], { dtype: "float64" });
  const u0 = m.weight_u.tolist(); // typed: weightNorm/spectralNorm return the module with its new attributes
  assert.deepEqual(c(x).tolist(), m(x).tolist());
  // the copy's hook reads the copy: changing the copy's direction changes only its output
  c.weight_orig.data.mul_(2);
  c.bias_v.data.fill_(1);
  const mc = m(x).tolist();
  assert.notDeepEqual(c(x).tolist(), mc);
  assert.notDeepEqual(m.weight_u.tolist(), u0, "the original's own u advanced");
  const removed: nn.Linear = nn.utils.removeWeightNorm(nn.utils.removeSpectralNorm(c), "bias");
  assert.equal(removed, c);
  assert.deepEqual(Object.keys(c.stateDict()), ["weight", "bias"]);
  assert.deepEqual(Object.keys(m.stateDict()), ["bias_g", "bias_v", "weight_orig", "weight_u", "weight_v"]);
});

test("the refusals name the function and the problem", () => {
  const lin = new nn.Linear(2, 2);
  const errs: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
    [() => nn.utils.weightNorm(3 as unknown as nn.Module), ArgumentError, /weightNorm\(\): argument 'module' \(position 1\) must be Module, but got int 3/],
    [() => nn.utils.weightNorm(lin, "nope"), FluxionError, /weightNorm\(\): Linear has no parameter `nope`/],
    [() => nn.utils.weightNorm(lin, "weight", 2), IndexError, /weightNorm\(\): Dimension out of range/],
    [() => nn.utils.weightNorm(nn.utils.weightNorm(new nn.Linear(2, 2))), FluxionError, /Cannot register two weight_norm hooks on the same parameter weight/],
    [() => nn.utils.removeWeightNorm(new nn.Linear(2, 2)), FluxionError, /removeWeightNorm\(\): weight_norm of 'weight' not found in Linear\(in_features=2, out_features=2, bias=True\)/],
    [() => nn.utils.spectralNorm(new nn.Linear(2, 2), "weight", 0), FluxionError, /Expected nPowerIterations to be positive, but got nPowerIterations=0/],
    [() => nn.utils.spectralNorm(nn.utils.spectralNorm(new nn.Linear(2, 2))), FluxionError, /Cannot register two spectral_norm hooks on the same parameter weight/],
    [() => nn.utils.spectralNorm(new nn.Linear(2, 2, { bias: false }), "bias"), FluxionError, /spectralNorm\(\): .*`bias`/],
    [() => nn.utils.removeSpectralNorm(new nn.Linear(2, 2)), FluxionError, /removeSpectralNorm\(\): spectral_norm of 'weight' not found in Linear\(in_features=2, out_features=2, bias=True\)/],
    [() => nn.utils.weightNorm(new nn.LazyLinear(2)), FluxionError, /uninitialized parameters/],
  ];
  for (const [fn, cls, re] of errs) assert.throws(fn, (e: Error) => e instanceof cls && re.test(e.message), String(re));
  assert.deepEqual(Object.keys(lin.stateDict()), ["weight", "bias"], "a refused call changes nothing");
});

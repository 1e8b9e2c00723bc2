/**
 * F.cosineSimilarity / F.pairwiseDistance and nn.CosineSimilarity / nn.PairwiseDistance against
 * PyTorch 1.13 (test/fixtures/distance_torch.py): values and gradients in float64, including
 * broadcasting, a zero vector (the eps clamp, which autograd does not see), tiny vectors,
 * p = 1, 3 and inf, keepdim and 1-D inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { nn, tensor, type Tensor } from "../../src/index.js";
import { assertValues, dec } from "../fixtures/math_ref.js";

const REF = JSON.parse(readFileSync(new URL("../fixtures/distance_torch.json", import.meta.url), "utf8"));
type Case = { inputs: { shape: number[]; v: number[] }[]; kw: Record<string, unknown>; out: { shape: number[]; v: number[] }; grads: number[][] };

function run(name: string, fn: (a: Tensor, b: Tensor, kw: Record<string, unknown>) => Tensor): void {
  const c = REF[name] as Case;
  const xs = c.inputs.map((i) => tensor(i.v, { shape: i.shape, dtype: "float64", requiresGrad: true }));
  const kw = Object.fromEntries(Object.entries(c.kw).map(([k, v]) => [k, typeof v === "string" ? dec(v) : v]));
  const y = fn(xs[0]!, xs[1]!, kw);
  assert.deepEqual(y.shape, c.out.shape, name);
  assert.equal(y.dtype, "float64");
  assertValues(y, c.out.v, { rtol: 1e-12, atol: 1e-15, msg: name });
  y.mul(fx.linspace(0.5, 1.5, y.numel(), { dtype: "float64" }).reshape(y.shape)).sum().backward();
  xs.forEach((x, i) => assertValues(x.grad!, c.grads[i]!, { rtol: 1e-10, atol: 1e-12, msg: `${name} grad ${i}` }));
}

for (const name of Object.keys(REF).filter((k) => k.startsWith("cos_"))) {
  test(`F.cosineSimilarity ${name}: values and gradients match PyTorch`, () => {
    run(name, (a, b, kw) => nn.F.cosineSimilarity(a, b, kw as never));
  });
}
for (const name of Object.keys(REF).filter((k) => k.startsWith("pd_"))) {
  test(`F.pairwiseDistance ${name}: values and gradients match PyTorch`, () => {
    run(name, (a, b, kw) => nn.F.pairwiseDistance(a, b, kw as never));
  });
}

test("nn.CosineSimilarity / nn.PairwiseDistance take PyTorch's constructor arguments", () => {
  run("cos_dim0_eps", (a, b) => new nn.CosineSimilarity(0, 1e-3).forward(a, b));
  run("pd_p1_keep", (a, b) => new nn.PairwiseDistance(1, { keepdim: true }).forward(a, b));
  run("pd_p3_eps", (a, b) => new nn.PairwiseDistance({ p: 3, eps: 0.01 }).forward(a, b));
  assert.equal(String(new nn.CosineSimilarity()), "CosineSimilarity()");
  assert.equal(String(new nn.PairwiseDistance()), "PairwiseDistance()");
});

test("cosineSimilarity of integer tensors is a DTypeError, as PyTorch's", () => {
  assert.match(REF.errors.int, /^expected common dtype to be floating point, yet common dtype is Long$/);
  assert.throws(() => nn.F.cosineSimilarity(tensor([[1n, 2n]]), tensor([[1n, 2n]])), (e) => e instanceof fx.DTypeError && /^cosineSimilarity: expected common dtype to be floating point, yet common dtype is int64/.test(e.message));
  assert.throws(() => nn.F.cosineSimilarity(tensor([[1, 2]]), tensor([[1, 2, 3]])), fx.ShapeError);
  assert.throws(() => new nn.PairwiseDistance().forward(tensor([1]), [1] as never), fx.ArgumentError);
});

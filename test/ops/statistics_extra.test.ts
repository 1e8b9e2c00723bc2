/**
 * mode, quantile / nanquantile, cov and corrcoef against PyTorch 1.13
 * (test/fixtures/statistics_torch.json, written by statistics_torch.py): values, shapes and
 * dtypes over dims, keepdim, all five interpolations, NaNs, weights and corrections; gradients
 * of sum(result * w) with w = ((37 k) mod 11 - 5) / 4; PyTorch's error messages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { autograd, tensor, type DType, type Tensor } from "../../src/index.js";
import { decAll } from "../fixtures/math_ref.js";
import { fluxionErrorMessage, nonContiguous } from "../helpers.js";

const FX = JSON.parse(readFileSync(new URL("../fixtures/statistics_torch.json", import.meta.url), "utf8"));
type Enc = { v: unknown[]; shape: number[]; dtype: string };
const make = (e: Enc) => tensor(decAll(e.v), { dtype: e.dtype as DType }).reshape(e.shape);
const weightsFor = (t: Tensor) => tensor(Array.from({ length: t.numel() }, (_, k) => (((37 * k) % 11) - 5) / 4), { dtype: "float64" }).reshape(t.shape);

/** PyTorch's values, shape and dtype; int64 indices of PyTorch are int32 in Fluxion (as max/median/kthvalue). */
function check(got: Tensor, want: Enc, what: string, rtol = 1e-14): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  assert.equal(got.dtype, want.dtype === "int64" && got.dtype === "int32" ? "int32" : want.dtype, `${what}: dtype`);
  const g = Array.from(got.toTypedArray() as ArrayLike<number>, Number), w = decAll(want.v);
  g.forEach((v, i) => assert.ok(Object.is(v, w[i]) || Math.abs(v - w[i]!) <= rtol * Math.abs(w[i]!), `${what}[${i}]: ${v} vs ${w[i]}`));
}

function checkGrad(fn: (t: Tensor) => Tensor, x: Tensor, want: unknown[], what: string, rtol = 1e-12): void {
  const leaf = x.detach().clone().requiresGrad_(true);
  const r = fn(leaf);
  const [g] = autograd.grad(r.mul(weightsFor(r)).sum(), [leaf]);
  const w = decAll(want);
  Array.from(g!.toTypedArray() as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - w[i]!) <= rtol * (1 + Math.abs(w[i]!)), `${what}: grad[${i}] ${v} vs ${w[i]}`));
}

test("mode: PyTorch's value and index (smallest of the most frequent, its last occurrence) along every dim, keepdim, int/float/bool, -0; gradient to that element", () => {
  for (const c of FX.mode as { input: string; x: Enc; dim: number; keepdim: boolean; values: Enc; indices: Enc; grad?: unknown[] }[]) {
    const x = make(c.x), what = `mode(${c.input}, dim ${c.dim}, keepdim ${c.keepdim})`;
    const r = fx.mode(x, c.dim, c.keepdim);
    check(r.values, c.values, `${what} values`, 0);
    check(r.indices, c.indices, `${what} indices`, 0);
    const [v, i] = x.mode(c.dim, { keepdim: c.keepdim });
    assert.equal(r.values.tolist().toString(), v!.tolist().toString());
    assert.equal(r.indices.tolist().toString(), i!.tolist().toString());
    if (c.grad) checkGrad((t) => fx.mode(t, c.dim, c.keepdim).values, x, c.grad, what);
  }
  const z = fx.mode(tensor(4));
  assert.deepEqual([z.values.item(), z.indices.item()], [decAll([FX.mode0d.values[0]])[0], FX.mode0d.indices]);
  assert.deepEqual(fx.mode(tensor([1, 1, 2]).reshape(1, 3)).indices.tolist(), [1], "default dim -1");
});

const QX = FX.quantileInputs;
test("quantile / nanquantile: every dim, keepdim, interpolation and q form (scalar, 1-D, 0-d), with and without NaNs; gradients", () => {
  const inputs: Record<string, Tensor> = { plain: make(QX.plain), nans: make(QX.nans) };
  const qs: Record<string, number | Tensor> = { scalar: 0.37, vector: tensor(decAll(QX.vector), { dtype: "float64" }), "0d": tensor(0.8, { dtype: "float64" }) };
  let n = 0;
  for (const c of FX.quantile as { fn: "quantile" | "nanquantile"; x: string; dim: number | null; keepdim: boolean; interpolation: "linear"; q: string; result: Enc; grad?: unknown[] }[]) {
    const what = `${c.fn}(${c.x}, q ${c.q}, dim ${c.dim}, keepdim ${c.keepdim}, ${c.interpolation})`;
    const run = (t: Tensor) => fx[c.fn](t, qs[c.q]!, c.dim, c.keepdim, { interpolation: c.interpolation });
    check(run(inputs[c.x]!), c.result, what);
    if (c.grad) checkGrad(run, inputs[c.x]!, c.grad, what);
    n++;
  }
  assert.ok(n > 150);
});

test("quantile in float32 (ranks and lerp computed in float32, as PyTorch), methods, all-NaN rows, 0-d input, non-contiguous input", () => {
  const Q = FX.quantile32;
  const x = make(Q.x);
  const q = tensor([0.3, 0.77]);
  check(fx.quantile(x, q, 1), Q.quantile, "quantile float32", 0);
  check(x.nanquantile(q, 1), Q.nanquantile, "nanquantile float32", 0);
  check(x.nanquantile(0.3, -1), Q.scalar, "nanquantile float32 scalar q", 0);
  assert.ok(Number.isNaN(fx.nanquantile(tensor([NaN, NaN]), 0.5).item() as number));
  assert.deepEqual(fx.quantile(tensor(3), tensor([0.2, 0.4]), 0, true).tolist(), decAll(FX.quantileSmall.zeroD));
  const nc = nonContiguous(make(QX.plain).reshape(5, 12));
  assert.deepEqual(fx.quantile(nc, 0.6, 0).tolist(), fx.quantile(nc.contiguous(), 0.6, 0).tolist());
});

test("cov with corrections 0, 1, 2 and 6 (a non-positive normaliser: inf/NaN), fweights, aweights and both; gradients", () => {
  const C = FX.covInputs;
  const x = make(C.x);
  const fweights = tensor(C.fweights, { dtype: "int64" }), aweights = tensor(decAll(C.aweights), { dtype: "float64" });
  const kws: Record<string, { fweights?: Tensor; aweights?: Tensor }> = { none: {}, fweights: { fweights }, aweights: { aweights }, both: { fweights, aweights } };
  for (const c of FX.cov as { correction: number; weights: string; result: Enc; grad?: unknown[] }[]) {
    const run = (t: Tensor) => fx.cov(t, { correction: c.correction, ...kws[c.weights] });
    const what = `cov(correction ${c.correction}, ${c.weights})`;
    check(run(x), c.result, what, 1e-13);
    assert.deepEqual(x.cov({ correction: c.correction, ...kws[c.weights] }).tolist(), run(x).tolist());
    if (c.grad) checkGrad(run, x, c.grad, what);
  }
  const M = FX.covMore;
  check(fx.cov(x.select(0, 0)), M.oneD, "cov of a 1-D input: 0-d", 1e-13);
  check(fx.cov(tensor([[0, 1, 2], [2, 1, 0]], { dtype: "int64" })), M.int, "cov of int64: float32", 0);
  check(fx.cov(x.float()), M.float32, "cov float32", 1e-6);
  check(fx.cov(x.narrow(0, 0, 1)), M.oneVariable, "cov of one variable: 0-d", 1e-13);
  check(fx.cov(fx.zeros([2, 0], { dtype: "float64" })), M.empty, "cov with no observations: NaN", 0);
});

test("corrcoef: values clipped to [-1, 1], a constant variable gives NaN, 1-D gives 1; gradient", () => {
  const C = FX.corrcoef;
  const x = make(C.x);
  check(fx.corrcoef(x), C.result, "corrcoef", 1e-13);
  check(x.corrcoef(), C.result, "Tensor.corrcoef", 1e-13);
  checkGrad(fx.corrcoef, x, C.grad, "corrcoef", 1e-10);
  check(fx.corrcoef(x.select(0, 0)), C.oneD, "corrcoef 1-D", 0);
  check(fx.corrcoef(tensor([[1, 1, 1], [1, 2, 3]], { dtype: "float64" })), C.constantRow, "corrcoef with a constant row", 1e-15);
  check(fx.corrcoef(tensor([[0, 1, 2], [2, 1, 0]], { dtype: "int64" })), C.int, "corrcoef int64", 0);
});

test("PyTorch's errors for mode, quantile and cov, naming the op", () => {
  const E = FX.errors;
  const z = fx.zeros([2, 3]);
  const err = (f: () => unknown, re: RegExp, key: string, torchRe: RegExp = re) => {
    assert.match(fluxionErrorMessage(f, key), re);
    assert.match(E[key], torchRe, `PyTorch's ${key}`);
  };
  err(() => fx.mode(fx.zeros([2, 0]), 1), /Expected reduction dim 1 to have non-zero size/, "modeEmpty");
  err(() => fx.quantile(tensor([1, 2], { dtype: "int64" }), 0.5), /quantile\(\) input tensor must be either float or double dtype/, "quantileDtype");
  err(() => fx.quantile(z, 1.5), /quantile\(\) q must be in the range \[0, 1\] but got 1.5/, "quantileRange");
  err(() => fx.quantile(z, tensor([0.5, 1.5])).tolist(), /quantile\(\) q values must be in the range \[0, 1\]/, "quantileRangeTensor");
  err(() => fx.quantile(z, tensor([[0.5]])), /quantile\(\) q must be a scalar or 1D tensor/, "quantileQDim");
  err(() => fx.quantile(z, tensor([0.5], { dtype: "float64" })), /quantile\(\) q tensor must be same dtype as the input tensor/, "quantileQDtype");
  err(() => fx.quantile(fx.zeros([0]), 0.5), /quantile\(\) input tensor must be non-empty/, "quantileEmpty");
  // (PyTorch: "quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but got x")
  assert.match(fluxionErrorMessage(() => fx.nanquantile(z, 0.5, 0, false, { interpolation: "x" as never }), "interpolation x"), /'interpolation' must be "linear" or "lower" or "higher" or "midpoint" or "nearest", but got string "x"/);
  err(() => fx.cov(fx.zeros([2, 2, 2])), /expected input to have two or fewer dimensions but got an input with 3 dimensions/, "covDims");
  err(() => fx.cov(tensor([true, false])), /bool dtype is not supported for input/, "covBool");
  err(() => fx.cov(z, { fweights: tensor([1, 2, 1]) }), /expected fweights to have integral dtype but got fweights with float32 dtype/, "covFweightsDtype", /integral dtype but got fweights with Float dtype/);
  err(() => fx.cov(z, { aweights: tensor([1, 2, 1], { dtype: "int64" }) }), /expected aweights to have floating point dtype but got aweights with int64 dtype/, "covAweightsDtype", /floating point dtype but got aweights with Long dtype/);
  err(() => fx.cov(z, { fweights: tensor([1, -2, 1], { dtype: "int64" }) }).tolist(), /fweights cannot be negative/, "covFweightsNegative");
  err(() => fx.cov(z, { aweights: tensor([1, -2, 1]) }).tolist(), /aweights cannot be negative/, "covAweightsNegative");
  err(() => fx.cov(z, { fweights: tensor([1, 2], { dtype: "int64" }) }), /expected fweights to have the same numel as there are observations in the input but got 2 != 3/, "covWeightsNumel");
  err(() => fx.cov(z, { fweights: tensor([[1, 2, 3]], { dtype: "int64" }) }), /expected fweights to have one or fewer dimensions but got fweights with 2 dimensions/, "covWeightsDims");
});

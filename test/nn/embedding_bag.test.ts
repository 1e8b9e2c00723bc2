/**
 * F.embeddingBag and nn.EmbeddingBag against PyTorch 1.13 (test/fixtures/embedding_bag_torch.py):
 * sum/mean/max over offsets or a 2-D input, perSampleWeights, paddingIdx (left out of every
 * bag), includeLastOffset, scaleGradByFreq, maxNorm, empty bags and inputs; outputs and the
 * gradients of the weight and perSampleWeights; the module's repr, init and fromPretrained;
 * gradcheck; and the errors for bad arguments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { autograd, nn, tensor, type Tensor } from "../../src/index.js";
import { assertClose, fluxionErrorMessage } from "../helpers.js";

type Enc = { shape: number[]; v: number[] };
type Case = {
  name: string; weight: Enc; input: Enc; offsets: Enc | null; perSampleWeights: Enc | null; kwargs: Record<string, unknown>;
  out: Enc; g: Enc; gradWeight: Enc; gradPerSampleWeights: Enc | null; weightAfter: Enc;
};
const REF = JSON.parse(readFileSync(new URL("../fixtures/embedding_bag_torch.json", import.meta.url), "utf8"));
const F = nn.F;

const f64 = (e: Enc, requiresGrad = false) => tensor(e.v, { shape: e.shape, dtype: "float64", requiresGrad });
const i64 = (v: number[], shape = [v.length]) => tensor(v, { shape, dtype: "int64" });

for (const c of REF.cases as Case[]) {
  test(`F.embeddingBag ${c.name}: output and gradients match PyTorch`, () => {
    const w = f64(c.weight, true);
    const psw = c.perSampleWeights ? f64(c.perSampleWeights, true) : null;
    const out = F.embeddingBag(i64(c.input.v, c.input.shape), w, c.offsets ? i64(c.offsets.v) : null, { ...c.kwargs, perSampleWeights: psw });
    assert.deepEqual(out.shape, c.out.shape);
    assert.equal(out.dtype, "float64");
    assertClose(out, c.out.v, { atol: 1e-12, rtol: 1e-12, msg: "out" });
    assertClose(w.detach(), c.weightAfter.v, { atol: 1e-12, rtol: 1e-12, msg: "weight after (maxNorm renormalises in place)" });
    out.mul(f64(c.g)).sum().backward();
    assertClose(w.grad!, c.gradWeight.v, { atol: 1e-12, rtol: 1e-12, msg: "grad weight" });
    if (psw) assertClose(psw.grad!, c.gradPerSampleWeights!.v, { atol: 1e-12, rtol: 1e-12, msg: "grad perSampleWeights" });
  });
}

test("F.embeddingBag in float32 (the module's dtype) matches PyTorch", () => {
  const r = REF.float32;
  const w = tensor(r.weight.v, { shape: r.weight.shape, requiresGrad: true });
  const out = F.embeddingBag(i64(r.input), w, i64(r.offsets));
  assert.equal(out.dtype, "float32");
  assertClose(out, r.out.v, { atol: 1e-6 });
  out.sum().backward();
  assertClose(w.grad!, r.gradWeight.v, { atol: 1e-6 });
});

test("includeLastOffset: indices after offsets[-1] are in no bag and get no gradient", () => {
  // PyTorch 1.13 corrupts its heap on this input, so the expected values are written out
  const w = tensor([[1, 2], [3, 4], [5, 6], [7, 8]], { dtype: "float64", requiresGrad: true });
  const out = F.embeddingBag(i64([0, 1, 2, 3, 3]), w, i64([0, 2, 3]), { mode: "mean", includeLastOffset: true });
  assert.deepEqual(out.tolist(), [[2, 3], [5, 6]]);
  out.sum().backward();
  assert.deepEqual(w.grad!.tolist(), [[0.5, 0.5], [0.5, 0.5], [1, 1], [0, 0]]);
});

test("scaleGradByFreq divides each row's gradient by its index's count in the input (PyTorch 1.13's CPU kernel miscounts mixed counts)", () => {
  // pytorch/pytorch#190063: PyTorch 1.13 gives row 3 the gradient 0.5 here (the count of index 1)
  const w = fx.ones([4, 2], { dtype: "float64", requiresGrad: true });
  F.embeddingBag(i64([1, 1, 3]), w, i64([0]), { mode: "sum", scaleGradByFreq: true }).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [[0, 0], [1, 1], [0, 0], [1, 1]]);
});

test("no bags: an empty offsets tensor gives [0, dim] (PyTorch 1.13 crashes), a 2-D input without columns zeros", () => {
  const w = fx.randn([5, 3], { dtype: "float64", requiresGrad: true });
  const none = F.embeddingBag(i64([1, 2, 3]), w, i64([]), { mode: "sum" });
  assert.deepEqual(none.shape, [0, 3]);
  none.sum().backward();
  assert.deepEqual(w.grad!.tolist(), fx.zeros([5, 3]).tolist());
  const empty = F.embeddingBag(i64([], [2, 0]), w, null, { mode: "max" });
  assert.deepEqual(empty.tolist(), [[0, 0, 0], [0, 0, 0]]);
  // int32 indices and offsets work as int64 ones
  const a = F.embeddingBag(tensor([1, 2, 3], { dtype: "int32" }), w, tensor([0, 1], { dtype: "int32" }));
  assert.deepEqual(a.tolist(), F.embeddingBag(i64([1, 2, 3]), w, i64([0, 1])).tolist());
});

test("gradcheck: the weight (and perSampleWeights) in every mode", () => {
  const idx = i64([1, 2, 4, 0, 4, 3, 2]);
  const off = i64([0, 3, 3, 5]);
  const w = fx.randn([5, 3], { dtype: "float64", requiresGrad: true });
  const psw = fx.randn([7], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((ww: Tensor, p: Tensor) => F.embeddingBag(idx, ww, off, { mode: "sum", perSampleWeights: p, paddingIdx: 2 }), [w, psw]));
  assert.ok(autograd.gradcheck((ww: Tensor) => F.embeddingBag(idx, ww, off, { mode: "mean", paddingIdx: 4 }), [w]));
  assert.ok(autograd.gradcheck((ww: Tensor) => F.embeddingBag(idx.reshape([1, 7]), ww, null, { mode: "max" }), [w]));
  assert.ok(autograd.gradgradcheck((ww: Tensor, p: Tensor) => F.embeddingBag(idx, ww, off, { mode: "sum", perSampleWeights: p }), [w, psw]));
});

test("nn.EmbeddingBag: PyTorch's repr, state dict, padding row, and its forward is F.embeddingBag", () => {
  for (const m of REF.modules as { args: [number, number]; kwargs: Record<string, unknown>; repr: string; stateDictKeys: string[]; paddingIdx: number | null; paddingRow: number[] | null }[]) {
    const bag = new nn.EmbeddingBag(...m.args, m.kwargs as never);
    assert.equal(String(bag), m.repr);
    assert.deepEqual(Object.keys(bag.stateDict()), m.stateDictKeys);
    assert.equal(bag.paddingIdx, m.paddingIdx);
    if (m.paddingRow) assert.deepEqual(bag.weight.select(0, m.paddingIdx!).tolist(), m.paddingRow);
    assert.equal(bag.weight.dtype, "float32");
    assert.ok(bag.weight.requiresGrad);
  }
  const c = (REF.cases as Case[]).find((k) => k.name === "sum perSampleWeights with padding")!;
  const bag = new nn.EmbeddingBag(7, 3, { mode: "sum", paddingIdx: 4, dtype: "float64" });
  bag.loadStateDict({ weight: f64(c.weight) });
  const out = bag(i64(c.input.v), i64(c.offsets!.v), f64(c.perSampleWeights!));
  assertClose(out, c.out.v, { atol: 1e-12 });
  // PyTorch's positional order: maxNorm, normType, scaleGradByFreq, mode, sparse, _weight, includeLastOffset, paddingIdx
  const pos = new nn.EmbeddingBag(10, 3, 1.0, 1.0, false, "max", false, null, true, 2);
  assert.equal(String(pos), "EmbeddingBag(10, 3, max_norm=1.0, norm_type=1.0, mode=max, padding_idx=2)");
  assert.equal(pos.includeLastOffset, true);
});

test("nn.EmbeddingBag.fromPretrained: frozen unless freeze=false, PyTorch's values", () => {
  const r = REF.pretrained;
  const bag = nn.EmbeddingBag.fromPretrained(tensor([[1, 2.3, 3], [4, 5.1, 6.3]]), { mode: "max" });
  assert.equal(String(bag), r.repr);
  assert.equal(bag.weight.requiresGrad, r.requiresGrad);
  assertClose(bag(i64([1, 0], [1, 2])), r.out.v, { atol: 1e-6 });
  assert.equal(nn.EmbeddingBag.fromPretrained(fx.ones([2, 2]), false).weight.requiresGrad, r.unfrozenRequiresGrad);
  assert.throws(() => nn.EmbeddingBag.fromPretrained(fx.ones([2])), (e) => e instanceof fx.ShapeError && /expected to be 2-dimensional, got shape \[2\]/.test(e.message));
});

test("bad arguments raise FluxionErrors naming embeddingBag, the shapes and dtypes", () => {
  const w = fx.randn([6, 3]);
  const idx = i64([1, 2, 4, 5]);
  const off = i64([0, 2]);
  const msg = (f: () => unknown) => fluxionErrorMessage(f, "call");
  assert.match(msg(() => F.embeddingBag(idx, w, off, { mode: "mean", perSampleWeights: fx.ones([4]) })), /perSampleWeights is only supported for mode="sum" \(got mode="mean"\)/);
  assert.match(msg(() => F.embeddingBag(idx.reshape([2, 2]), w, off)), /if input is 2D, then offsets has to be null/);
  assert.match(msg(() => F.embeddingBag(idx, w)), /offsets has to be a 1D Tensor but got null/);
  assert.match(msg(() => F.embeddingBag(idx, w, i64([0, 2], [1, 2]))), /offsets has to be a 1D Tensor, got shape \[1, 2\]/);
  assert.match(msg(() => F.embeddingBag(idx.reshape([1, 2, 2]), w)), /input has to be 1D or 2D Tensor, but got Tensor of dimension 3/);
  assert.match(msg(() => F.embeddingBag(idx, w, i64([1, 2]))), /^embeddingBag: offsets\[0\] has to be 0/);
  assert.match(msg(() => F.embeddingBag(idx, w, i64([0, 5]))), /^embeddingBag: offsets\[-1\] can not be greater than input's length 4$/);
  assert.match(msg(() => F.embeddingBag(idx, w, i64([0, 3, 2]))), /offsets must be non-decreasing/);
  assert.match(msg(() => F.embeddingBag(i64([1, 9]), w, i64([0]))), /^embeddingBag: index 9 is out of range for an embedding with 6 rows \(weight \[6, 3\]\)$/);
  assert.match(msg(() => F.embeddingBag(idx, w, off, { mode: "max", scaleGradByFreq: true })), /max mode does not support scaling the gradient by the frequency/);
  assert.match(msg(() => F.embeddingBag(idx.to("float32"), w, off)), /expected input of integer dtype \(int64 or int32\), got float32/);
  assert.match(msg(() => F.embeddingBag(idx, w, off.to("float32"))), /expected offsets of integer dtype/);
  assert.match(msg(() => F.embeddingBag(idx, w, off, { mode: "sum", perSampleWeights: fx.ones([3]) })), /If perSampleWeights \(\[3\]\) is not null, then it must have the same shape as the input \(\[4\]\)/);
  assert.match(msg(() => F.embeddingBag(idx, w, off, { mode: "sum", perSampleWeights: fx.ones([4], { dtype: "float64" }) })), /expected perSampleWeights to have the weight's dtype float32, got float64/);
  assert.match(msg(() => F.embeddingBag(idx, w, off, { paddingIdx: 7 })), /padding_idx must be within the number of embeddings, -6 through 5, but got 7/);
  assert.match(msg(() => F.embeddingBag(idx, w, i64([]), { includeLastOffset: true })), /includeLastOffset: offsets should have at least 1 element/);
  assert.match(msg(() => F.embeddingBag(idx, w.reshape([-1]), off)), /expected a 2-D weight/);
  assert.match(msg(() => F.embeddingBag(idx, w, off, { sparse: true })), /sparse=true \(sparse gradients\) is not supported/);
  assert.throws(() => F.embeddingBag(idx, w, off, { mode: "median" as never }), fx.ArgumentError);
  assert.match(msg(() => new nn.EmbeddingBag(4, 2, { sparse: true })), /EmbeddingBag: sparse gradients are not supported/);
  assert.match(msg(() => new nn.EmbeddingBag(4, 2, { paddingIdx: 4 })), /padding_idx must be within num_embeddings \(4\), got 4/);
  assert.match(msg(() => new nn.EmbeddingBag(4, 2, { weight: fx.ones([3, 2]) })), /shape of weight \[3, 2\] does not match/);
  assert.throws(() => new nn.EmbeddingBag(4, 2)([1, 2] as never), fx.ArgumentError);
});

test("F.embeddingBag takes PyTorch's positional order and the options object alike", () => {
  const w = fx.randn([6, 3]);
  const idx = i64([1, 2, 4, 5]);
  const off = i64([0, 2]);
  const a = F.embeddingBag(idx, w, off, null, 2, false, "sum", false, null, false, 4);
  const b = F.embeddingBag(idx, w, { offsets: off, mode: "sum", paddingIdx: 4 });
  assert.deepEqual(a.tolist(), b.tolist());
  assert.deepEqual(a.tolist(), [w.select(0, 1).add(w.select(0, 2)).tolist(), w.select(0, 5).tolist()]);
});

/**
 * F.ctcLoss and nn.CTCLoss against PyTorch 1.13 (test/fixtures/ctc_loss_torch.py): padded and
 * concatenated targets, unbatched input, blank, reductions (mean divides by the target
 * lengths), impossible alignments (inf, NaN gradient) and zeroInfinity; the loss and
 * PyTorch's gradient with respect to logProbs; gradcheck through logSoftmax; lengths as
 * tensors or arrays; and the errors for bad arguments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { autograd, nn, tensor, type Tensor } from "../../src/index.js";
import { onHostRead } from "../../src/tensor/host_read.js";
import { assertClose, fluxionErrorMessage } from "../helpers.js";
import { dec } from "../fixtures/math_ref.js";

type Enc = { shape: number[]; v: number[] };
type Case = {
  name: string; logProbs: Enc; targets: Enc; inputLengths: number[] | number; targetLengths: number[] | number;
  kwargs: Record<string, unknown>; loss: { shape: number[]; v: (number | string)[] }; g: Enc; grad: { shape: number[]; v: (number | string)[] };
};
const REF = JSON.parse(readFileSync(new URL("../fixtures/ctc_loss_torch.json", import.meta.url), "utf8"));
const F = nn.F;
const f64 = (e: Enc, requiresGrad = false) => tensor(e.v, { shape: e.shape, dtype: "float64", requiresGrad });
const i64 = (e: Enc) => tensor(e.v, { shape: e.shape, dtype: "int64" });
const lengths = (v: number[] | number) => tensor(typeof v === "number" ? v : v, { dtype: "int64" });
const vals = (v: (number | string)[]) => v.map((x) => (typeof x === "string" ? dec(x) : x));

for (const c of REF.cases as Case[]) {
  test(`F.ctcLoss ${c.name}: loss and PyTorch's gradient`, () => {
    for (const asArrays of [false, true]) {
      const lp = f64(c.logProbs, true);
      const il = asArrays ? c.inputLengths : lengths(c.inputLengths);
      const tl = asArrays ? c.targetLengths : lengths(c.targetLengths);
      const loss = F.ctcLoss(lp, i64(c.targets), il as never, tl as never, c.kwargs as never);
      assert.deepEqual(loss.shape, c.loss.shape);
      assert.equal(loss.dtype, "float64");
      assertClose(loss, vals(c.loss.v), { atol: 1e-10, rtol: 1e-10, msg: `loss (lengths as ${asArrays ? "arrays" : "tensors"})` });
      loss.mul(f64(c.g)).sum().backward();
      assertClose(lp.grad!, vals(c.grad.v), { atol: 1e-10, rtol: 1e-8, msg: "grad" });
    }
  });
}

test("through logSoftmax, the gradient of the logits matches PyTorch's and gradcheck", () => {
  const r = REF.throughLogSoftmax;
  const x = f64(r.logits, true);
  const targets = tensor([[1, 2, 2], [3, 1, 0], [4, 4, 4]], { dtype: "int64" });
  const f = (logits: Tensor) => F.ctcLoss(logits.logSoftmax(2), targets, [6, 5, 4], [3, 2, 1]);
  const loss = f(x);
  assertClose(loss, [r.loss], { atol: 1e-12 });
  loss.backward();
  assertClose(x.grad!, r.grad.v, { atol: 1e-10 });
  assert.ok(autograd.gradcheck(f, [fx.randn([6, 3, 5], { dtype: "float64", requiresGrad: true })]));
  // concatenated targets, sum, and an unbatched input
  const cat = (logits: Tensor) => F.ctcLoss(logits.logSoftmax(2), tensor([1, 2, 3, 3], { dtype: "int64" }), [5, 4], [3, 1], { reduction: "sum" });
  assert.ok(autograd.gradcheck(cat, [fx.randn([5, 2, 4], { dtype: "float64", requiresGrad: true })]));
  const one = (logits: Tensor) => F.ctcLoss(logits.logSoftmax(1), tensor([2, 1], { dtype: "int64" }), 4, 2);
  assert.ok(autograd.gradcheck(one, [fx.randn([4, 3], { dtype: "float64", requiresGrad: true })]));
});

test("float32 log-probabilities match PyTorch in float32", () => {
  const r = REF.float32;
  const lp = tensor(r.logProbs.v, { shape: r.logProbs.shape, requiresGrad: true });
  const loss = F.ctcLoss(lp, tensor([[1, 2], [3, 3]], { dtype: "int64" }), [6, 5], [2, 2], { reduction: "sum" });
  assert.equal(loss.dtype, "float32");
  assertClose(loss, [r.loss], { atol: 1e-4 });
  loss.backward();
  assertClose(lp.grad!, r.grad.v, { atol: 1e-5 });
});

test("an input of length 0: loss 0 for an empty target, inf otherwise (PyTorch 1.13 reads uninitialised memory)", () => {
  const lp = fx.randn([3, 2, 4], { dtype: "float64" }).logSoftmax(2).requiresGrad_();
  const loss = F.ctcLoss(lp, tensor([[1], [2]], { dtype: "int64" }), [0, 0], [0, 1], { reduction: "none" });
  assert.deepEqual(loss.tolist(), [0, Infinity]);
  F.ctcLoss(lp, tensor([[1], [2]], { dtype: "int64" }), [0, 3], [0, 1], { reduction: "sum" }).backward();
  assert.deepEqual(lp.grad!.select(1, 0).tolist(), fx.zeros([3, 4]).tolist());
});

test("padded targets and tensor lengths read nothing on the host; concatenated targets read the target lengths", () => {
  const reads: string[] = [];
  const off = onHostRead((r) => void reads.push(r.reason));
  try {
    const lp = fx.randn([5, 2, 4]).logSoftmax(2);
    F.ctcLoss(lp, tensor([[1, 2], [3, 0]], { dtype: "int64" }), tensor([5, 4], { dtype: "int64" }), tensor([2, 1], { dtype: "int64" }));
    assert.deepEqual(reads, []);
    F.ctcLoss(lp, tensor([1, 2, 3], { dtype: "int64" }), tensor([5, 4], { dtype: "int64" }), tensor([2, 1], { dtype: "int64" }));
    assert.deepEqual(reads, ["ctcLoss"]);
  } finally {
    off();
  }
});

test("no double backward, as in PyTorch", () => {
  const lp = fx.randn([4, 1, 3], { dtype: "float64" }).logSoftmax(2).requiresGrad_();
  const [g] = autograd.grad([F.ctcLoss(lp, tensor([[1]], { dtype: "int64" }), [4], [1])], [lp], { createGraph: true });
  assert.throws(() => g!.sum().backward(), (e) => e instanceof fx.AutogradError && /double backward\) is not implemented, as in PyTorch/.test(e.message));
});

test("nn.CTCLoss: PyTorch's constructor order, repr and forward", () => {
  for (const m of REF.modules as { args: unknown[]; repr: string }[]) assert.equal(String(new nn.CTCLoss(...(m.args as []))), m.repr);
  const ctc = new nn.CTCLoss(2, "sum", true);
  assert.deepEqual([ctc.blank, ctc.reduction, ctc.zeroInfinity], [2, "sum", true]);
  assert.deepEqual(Object.keys(ctc.stateDict()), []);
  const c = (REF.cases as Case[]).find((k) => k.name === "zeroInfinity, mean")!;
  const loss = new nn.CTCLoss({ zeroInfinity: true })(f64(c.logProbs), i64(c.targets), c.inputLengths as number[], c.targetLengths as number[]);
  assertClose(loss, vals(c.loss.v), { atol: 1e-10 });
  // under autocast the loss runs in float32, as PyTorch's
  const lp16 = fx.randn([4, 1, 3]).logSoftmax(2).to("bfloat16");
  assert.equal(fx.amp.autocast("cpu", () => new nn.CTCLoss()(lp16, tensor([[1]], { dtype: "int64" }), [4], [1])).dtype, "float32");
});

test("bad arguments raise FluxionErrors naming ctcLoss, the shapes and dtypes", () => {
  const lp = fx.randn([6, 3, 5]).logSoftmax(2);
  const tg = tensor([[1, 2, 2], [3, 1, 0], [4, 4, 4]], { dtype: "int64" });
  const il = [6, 5, 4], tl = [3, 2, 0];
  const msg = (f: () => unknown) => fluxionErrorMessage(f, "call");
  assert.match(msg(() => F.ctcLoss(lp, tg, [7, 5, 4], tl)), /^ctcLoss: Expected input_lengths to have values at most 6/);
  assert.match(msg(() => F.ctcLoss(lp, tg, il, [4, 2, 0])), /^ctcLoss: Expected target_lengths to be at most 3/);
  assert.match(msg(() => F.ctcLoss(lp, tg, [6, 5], tl)), /^ctcLoss: input_lengths must be of size batch_size \(3\), got shape \[2\]/);
  assert.match(msg(() => F.ctcLoss(lp, tg, il, tensor([3, 2], { dtype: "int64" }))), /target_lengths must be of size batch_size \(3\)/);
  assert.match(msg(() => F.ctcLoss(lp, tg.to("float32"), il, tl)), /expected integer targets \(int64 or int32\), got float32/);
  assert.match(msg(() => F.ctcLoss(lp, tg, il, tl, { blank: 5 })), /blank must be in label range \[0, 5\), got 5/);
  assert.match(msg(() => F.ctcLoss(lp, tg, tensor([6.0, 5, 4]), tl)), /input_lengths must be integral, got float32/);
  assert.match(msg(() => F.ctcLoss(lp.to("int32"), tg, il, tl)), /expected floating point log_probs, got int32/);
  assert.match(msg(() => F.ctcLoss(lp.select(0, 0).select(0, 0), tg, il, tl)), /expected log_probs of shape \[T, N, C\] \(or \[T, C\] unbatched\), got \[5\]/);
  assert.match(msg(() => F.ctcLoss(lp, tensor([1, 2, 2, 3, 1, 9], { dtype: "int64" }), il, tl)), /Expected tensor to have size 5 \(the sum of target_lengths\) at dimension 0, but got size 6/);
  assert.match(msg(() => F.ctcLoss(lp, tg.narrow(0, 0, 2), il, tl)), /Expected tensor to have size 3 \(batch_size\) at dimension 0, but got size 2/);
  assert.match(msg(() => F.ctcLoss(lp, tg.reshape([1, 3, 3]), il, tl)), /Expected 1 to 2 dimensions, but got 3-dimensional tensor/);
  assert.match(msg(() => F.ctcLoss(lp, tensor([[1, 5, 2], [3, 1, 0], [4, 4, 4]], { dtype: "int64" }), il, tl)), /target labels must be in \[0, 5\)/);
  assert.match(msg(() => F.ctcLoss(lp, tg, il, [3, -1, 0])), /target_lengths must be non-negative/);
  assert.match(msg(() => F.ctcLoss(lp, tg, [6, -1, 4], tl)), /input_lengths must be non-negative/);
  assert.match(msg(() => F.ctcLoss(lp, tg, [6, 5.5, 4], tl)), /^ctcLoss\(\): argument 'inputLengths' \(position 3\) must be Tensor or int\[\] \(or one int\), but got array \[6, 5\.5, 4\]$/);
  assert.match(msg(() => F.ctcLoss(lp.select(1, 0), tg, 6, 3)), /unbatched log_probs \[T, C\] take 1-D targets \[S\], got shape \[3, 3\]/);
  assert.throws(() => F.ctcLoss(lp, tg, il, tl, { reduction: "batchmean" as never }), fx.ArgumentError);
  // a label past a sample's target length is padding: any value is fine there
  assert.doesNotThrow(() => F.ctcLoss(lp, tensor([[1, 2, 2], [3, 1, -7], [99, 4, 4]], { dtype: "int64" }), il, tl));
});

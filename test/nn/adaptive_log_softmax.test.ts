/**
 * nn.AdaptiveLogSoftmaxWithLoss against PyTorch 1.13 (fixtures/adaptive_log_softmax_torch.py):
 * PyTorch's weights copied in, forward's output and loss, the gradients of the loss for the
 * input and every parameter (none for a cluster no target falls in, as PyTorch), logProb and
 * predict (its shortlist-only, all-cluster and mixed paths); construction, printing and errors.
 */
import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DTypeError, FluxionError, ShapeError, nn, optim, randn, tensor, zeros, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const REF = JSON.parse(readFileSync(new URL("../fixtures/adaptive_log_softmax_torch.json", import.meta.url), "utf8"));
const EXTRA = JSON.parse(readFileSync(new URL("../fixtures/nn_extra_torch.json", import.meta.url), "utf8"));
type Enc = { shape: number[]; v: number[] };
interface Case {
  name: string; args: [number, number, number[], number, boolean]; dtype: "float32" | "float64";
  state: Record<string, Enc>; input: Enc; target: Enc; output: Enc; loss: number; gradInput: Enc;
  grads: Record<string, Enc | null>; logProb: Enc; predict: Enc;
}

function build(c: Case): nn.AdaptiveLogSoftmaxWithLoss {
  const [inF, n, cutoffs, div, headBias] = c.args;
  const m = new nn.AdaptiveLogSoftmaxWithLoss(inF, n, cutoffs, div, headBias, { dtype: c.dtype });
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, tensor(e.v, { shape: e.shape, dtype: c.dtype })])));
  return m;
}

describe("AdaptiveLogSoftmaxWithLoss against PyTorch", () => {
  for (const c of REF.cases as Case[]) {
    it(`${c.name}: output, loss, gradients, logProb and predict`, () => {
      const m = build(c);
      const tol = c.dtype === "float32" ? { atol: 1e-5, rtol: 1e-5 } : { atol: 1e-12, rtol: 1e-10 };
      const x = tensor(c.input.v, { shape: c.input.shape, dtype: c.dtype, requiresGrad: true });
      const target = tensor(c.target.v, { shape: c.target.shape, dtype: "int64" });
      const r = m(x, target);
      const [output, loss] = r;
      assert.equal(r.output, output);
      assert.equal(r.loss, loss);
      assert.deepEqual(output.shape, c.output.shape);
      assertClose(output, c.output.v, { ...tol, msg: "output" });
      assert.deepEqual(loss.shape, []);
      assertClose(loss, [c.loss], { ...tol, msg: "loss" });
      loss.backward();
      assertClose(x.grad, c.gradInput.v, { ...tol, msg: "input grad" });
      for (const [name, p] of m.namedParameters()) {
        const want = c.grads[name];
        if (want === null) assert.equal(p.grad, null, `${name}: PyTorch leaves this gradient None`);
        else assertClose(p.grad, want!.v, { ...tol, msg: `grad ${name}` });
      }
      const xb = x.detach().ndim === 2 ? x.detach() : x.detach().unsqueeze(0);
      assertClose(m.logProb(xb), c.logProb.v, { ...tol, msg: "logProb" });
      assert.deepEqual(Array.from(m.predict(xb).toTypedArray(), Number), c.predict.v, "predict");
    });
  }
});

test("logProb rows are distributions and predict is their argmax", () => {
  const m = new nn.AdaptiveLogSoftmaxWithLoss(6, 12, [2, 6], 1.0, true);
  const x = randn([30, 6]).mul(3);
  const lp = m.logProb(x);
  assertClose(lp.exp().sum(1), Array(30).fill(1), { atol: 1e-5 });
  assert.deepEqual(m.predict(x).tolist(), lp.argmax(1).tolist());
});

test("training: an optimizer step lowers the loss; stateDict keys are PyTorch's", () => {
  const m = new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]);
  const opt = new optim.Adam(m.parameters(), 0.05);
  const x = randn([16, 8]), y = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 5, 6, 7, 9], { dtype: "int64" });
  const first = m(x, y).loss.item();
  for (let i = 0; i < 20; i++) {
    opt.zeroGrad();
    m(x, y).loss.backward();
    opt.step();
  }
  assert.ok(m(x, y).loss.item() < first * 0.8);
  assert.deepEqual(Object.keys(m.stateDict()), ["head.weight", "tail.0.0.weight", "tail.0.1.weight"]);
});

test("prints as PyTorch, and errors name the module with PyTorch's wording", () => {
  assert.equal(String(new nn.AdaptiveLogSoftmaxWithLoss(16, 20, [5, 10], 2.0, true)), EXTRA.layers.AdaptiveLogSoftmaxWithLoss.repr);
  assert.equal(String(new nn.AdaptiveLogSoftmaxWithLoss(8, 10, { cutoffs: [4] })), EXTRA.layers.AdaptiveLogSoftmaxWithLossDefault.repr);
  const E = EXTRA.errors;
  assert.match(E.asm_cutoffs, /cutoffs should be a sequence of unique, positive integers/);
  for (const cutoffs of [[4, 4], [4, 10], [0, 3], [5, 3], []]) {
    assert.throws(() => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs), (e) => e instanceof FluxionError && /^AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of unique, positive integers sorted in an increasing order/.test(e.message), JSON.stringify(cutoffs));
  }
  const m = new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]);
  assert.match(E.asm_target, /^Target values should be in \[0, 9\], but values in range \[0, 10\] were found/);
  assert.throws(() => m(zeros([3, 8]), tensor([0, 10, 1], { dtype: "int64" })), (e) => e instanceof FluxionError && /Target values should be in \[0, 9\], but values in range \[0, 10\] were found/.test(e.message));
  assert.throws(() => m(zeros([3, 8]), tensor([0, -1, 1], { dtype: "int64" })), /Target values should be in \[0, 9\], but values in range \[-1, 1\]/);
  assert.match(E.asm_batch, /same size in the batch dimension/);
  assert.throws(() => m(zeros([3, 8]), zeros([2], { dtype: "int64" })), (e) => e instanceof ShapeError && /Input and target should have the same size in the batch dimension/.test(e.message));
  assert.throws(() => m(zeros([3, 7]), zeros([3], { dtype: "int64" })), (e) => e instanceof ShapeError && /expected input with 8 features/.test(e.message));
  assert.throws(() => m(zeros([3, 8]), zeros([3])), DTypeError);
  assert.throws(() => m(zeros([3, 8]), zeros([3, 1], { dtype: "int64" })), /0D or 1D target tensor expected, multi-target not supported/);
  assert.throws(() => m(zeros([2, 8]), zeros([], { dtype: "int64" })), /0D target tensor expects 1D input tensors/);
  assert.throws(() => m.logProb(zeros([3, 5]) as Tensor), /logProb\(\): expected input with 8 features/);
});

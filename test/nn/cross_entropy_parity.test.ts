/**
 * F.crossEntropy against PyTorch (test/fixtures/wrong_values_torch.json) where ignored
 * targets meet label smoothing: the smoothing term of the "mean" reduction is averaged over
 * the non-ignored targets (by their total weight with `weight`), as PyTorch does, not over
 * every row. Every reduction, class weights, an ignoreIndex that is a real class, [N, C, d]
 * and unbatched inputs, all-ignored batches, probability targets; the loss and the input's
 * gradient (of a weighted sum, so "none" gives every element its own gradient).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, autograd, nn, tensor, type Tensor } from "../../src/index.js";
import { WV, assertValues, decAll, fromEnc, type Enc } from "../fixtures/wrong_values.js";

const F = nn.F;

interface CeCase {
  name: string;
  x: Enc;
  target: Enc;
  opts: { weight?: Enc; ignoreIndex?: number; labelSmoothing?: number; reduction?: "mean" | "sum" | "none" };
  loss: Enc;
  grad: Enc;
}

function optsOf(c: CeCase) {
  return { ...c.opts, weight: c.opts.weight ? fromEnc(c.opts.weight) : undefined };
}

/** The weights PyTorch's script sums the loss with: linspace(0.5, 1.5, numel). */
function lossWeights(loss: Tensor): Tensor {
  const n = loss.numel();
  const w = Array.from({ length: n }, (_, i) => (n === 1 ? 0.5 : 0.5 + i / (n - 1)));
  return tensor(w, { dtype: "float64", shape: loss.shape });
}

for (const c of WV.crossEntropy as CeCase[]) {
  test(`crossEntropy matches PyTorch: ${c.name}`, () => {
    const x = fromEnc(c.x).requiresGrad_(true);
    const loss = F.crossEntropy(x, fromEnc(c.target), optsOf(c));
    assert.deepEqual(loss.shape, c.loss.shape);
    assertValues(loss, decAll(c.loss.v), { rtol: 1e-12, atol: 1e-14, msg: "loss" });
    loss.mul(lossWeights(loss)).sum().backward();
    assertValues(x.grad!, decAll(c.grad.v), { rtol: 1e-10, atol: 1e-14, msg: "grad" });
  });
}

test("the issue's case: ignored rows are not counted in the smoothing term's mean", () => {
  const c = (WV.crossEntropy as CeCase[]).find((k) => k.name.startsWith("12 rows, 3 ignored"))!;
  const x = fromEnc(c.x), t = fromEnc(c.target), eps = c.opts.labelSmoothing!;
  // by hand: (1 - eps) * nll mean over the 9 kept rows + eps / C * mean over them of -sum(logp)
  const logp = x.logSoftmax(1), rows = t.tolist() as number[], C = x.shape[1]!;
  let nll = 0, smooth = 0, kept = 0;
  rows.forEach((k, i) => {
    if (k === -100) return;
    kept++;
    nll -= logp.select(0, i).select(0, k).item() as number;
    smooth -= logp.select(0, i).sum().item() as number;
  });
  assert.equal(kept, 9);
  const want = (1 - eps) * (nll / kept) + (eps / C) * (smooth / kept);
  assertValues(F.crossEntropy(x, t, { labelSmoothing: eps }), [want], { rtol: 1e-12 });
  assertValues([want], decAll(c.loss.v), { rtol: 1e-12 });
});

test("crossEntropy with ignoreIndex and labelSmoothing passes gradcheck (weighted, mean)", () => {
  const x = tensor([[0.3, -1.2, 0.8], [1.1, 0.2, -0.4], [-0.7, 0.9, 0.1], [0.5, 0.5, -2]], { dtype: "float64", requiresGrad: true });
  const t = tensor([2, -100, 0, 1], { dtype: "int32" }), weight = tensor([0.5, 2, 1.5], { dtype: "float64" });
  assert.ok(autograd.gradcheck((a: Tensor) => F.crossEntropy(a, t, { labelSmoothing: 0.2, weight }), [x]));
  assert.ok(autograd.gradcheck((a: Tensor) => F.crossEntropy(a, t, { labelSmoothing: 0.2 }), [x]));
});

test("probability targets refuse an ignoreIndex that could be a class, as PyTorch", () => {
  assert.match(WV.crossEntropyProbIgnore, /ignore_index is not supported for floating point target/);
  const x = tensor([[0.3, -1.2], [1.1, 0.2]], { dtype: "float64" }), p = tensor([[0.5, 0.5], [1, 0]], { dtype: "float64" });
  assert.throws(() => F.crossEntropy(x, p, { ignoreIndex: 1 }), (e: Error) => e instanceof FluxionError && /crossEntropy: ignoreIndex is not supported for floating point \(probability\) targets, got ignoreIndex 1 with target float64 of shape \[2, 2\]/.test(e.message));
  // the default and any negative value are accepted (nothing to ignore)
  assert.doesNotThrow(() => F.crossEntropy(x, p, { ignoreIndex: -1 }));
});

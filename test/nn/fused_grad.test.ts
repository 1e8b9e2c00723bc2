/**
 * Finite-difference checks (float64 gradcheck and gradgradcheck) of the ops that run as fused
 * primitives: softmax and logSoftmax over several dims, crossEntropy with every option,
 * layerNorm, batchNorm (training and eval) and groupNorm with and without affine parameters.
 * First derivatives come from the fused backward primitives; second derivatives from the
 * composed formulas the backward closures switch to under createGraph (the same code on every
 * backend; test/nn/fused_parity.test.ts checks the decomposition's first derivatives against
 * PyTorch — gradcheck itself makes its probes on the CPU device).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { autograd, nn, tensor, type Tensor } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

const F = nn.F;

const device = "cpu";
const r = (shape: number[], seed: number, lo = -2, hi = 2) => randomTensor(shape, { seed, lo, hi }).requiresGrad_(true);
/**
 * gradcheck and gradgradcheck of fn, and the gradient taken with createGraph (the composed
 * formulas) equal to the one without (the fused backward primitives): gradgradcheck alone would
 * accept a composed gradient that is wrong but consistent with its own derivative.
 */
const check = (fn: (...t: Tensor[]) => Tensor, inputs: Tensor[]) => {
  assert.ok(autograd.gradcheck(fn, inputs, { atol: 1e-6, rtol: 1e-4 }));
  assert.ok(autograd.gradgradcheck(fn, inputs, { atol: 1e-5, rtol: 1e-3 }));
  const out = fn(...inputs);
  const g = randomTensor([...out.shape], { seed: 99 });
  const fused = autograd.grad(out, inputs, { gradOutputs: g, retainGraph: true });
  const composed = autograd.grad(out, inputs, { gradOutputs: g, createGraph: true });
  fused.forEach((t, i) => assertClose(composed[i], t, { rtol: 1e-10, atol: 1e-12, msg: `input ${i}: createGraph gradient` }));
};

describe("fused ops: gradcheck and gradgradcheck in float64", () => {
  it("softmax and logSoftmax over the last, first and a middle dim", () => {
    for (const [shape, dim] of [[[3, 5], -1], [[4, 3], 0], [[2, 3, 4], 1]] as [number[], number][]) {
      check((x) => x.softmax(dim), [r(shape, 1)]);
      check((x) => x.logSoftmax(dim), [r(shape, 2)]);
    }
    // an attention mask: -inf entries have zero gradient and leave the others exact
    const mask = tensor([[0, -Infinity, 0], [0, 0, -Infinity]], { dtype: "float64", device });
    check((x) => x.add(mask).softmax(-1), [r([2, 3], 3)]);
  });

  it("crossEntropy: reductions, class weights, ignoreIndex, labelSmoothing, [N, C, d]", () => {
    const t = tensor([2, 0, -100, 3, 1], { dtype: "int32", device });
    const w = randomTensor([4], { seed: 4, lo: 0.2, hi: 2 });
    for (const reduction of ["mean", "sum", "none"] as const) {
      for (const opts of [{}, { weight: w }, { labelSmoothing: 0.2 }, { weight: w, labelSmoothing: 0.1 }]) {
        const f = (x: Tensor) => {
          const l = F.crossEntropy(x, t, { ...opts, reduction });
          return reduction === "none" ? l.mul(tensor([1, 2, 3, 4, 5], { dtype: "float64", device })).sum() : l;
        };
        check(f, [r([5, 4], 5)]);
      }
    }
    const td = tensor([[1, 0, 2], [2, 2, -100]], { dtype: "int64", device });
    check((x) => F.crossEntropy(x, td, { labelSmoothing: 0.05, weight: w.narrow(0, 0, 3) }), [r([2, 3, 3], 6)]);
    check((x) => F.crossEntropy(x, tensor(1, { dtype: "int32", device })), [r([4], 7)]);
  });

  it("layerNorm over one and two trailing dims, with and without affine", () => {
    check((x, w, b) => F.layerNorm(x, [4], w, b), [r([3, 4], 8), r([4], 9), r([4], 10)]);
    check((x) => F.layerNorm(x, [3, 4]), [r([2, 3, 4], 11)]);
    check((x, w) => F.layerNorm(x, [5], w, null, { eps: 1e-3 }), [r([2, 2, 5], 12), r([5], 13)]);
  });

  it("batchNorm: training (with running stats) and eval, with and without affine", () => {
    const rm = () => randomTensor([3], { seed: 14 }), rv = () => randomTensor([3], { seed: 15, lo: 0.5, hi: 2 });
    check((x, w, b) => F.batchNorm(x, rm(), rv(), w, b, { training: true }), [r([4, 3, 2], 16), r([3], 17), r([3], 18)]);
    check((x) => F.batchNorm(x, null, null, null, null, { training: true, momentum: 0.3 }), [r([5, 3], 19)]);
    check((x, w, b) => F.batchNorm(x, rm(), rv(), w, b, { training: false }), [r([2, 3, 2, 2], 20), r([3], 21), r([3], 22)]);
  });

  it("groupNorm: several groups, one group per channel, no affine", () => {
    check((x, w, b) => F.groupNorm(x, 2, w, b), [r([2, 4, 3], 23), r([4], 24), r([4], 25)]);
    check((x, w, b) => F.groupNorm(x, 3, w, b), [r([2, 3, 2, 2], 26), r([3], 27), r([3], 28)]);
    check((x) => F.groupNorm(x, 1), [r([3, 4], 29)]);
  });
});

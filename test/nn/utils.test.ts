import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

function withGrads(...grads: number[][]) {
  return grads.map((g) => {
    const p = new nn.Parameter(tensor(g.map(() => 0)));
    p.grad = tensor(g);
    return p;
  });
}

test("clipGradNorm_ scales all gradients to the max norm and returns the total norm", () => {
  const ps = withGrads([3, 0], [0, 4]); // total 2-norm 5
  const total = nn.utils.clipGradNorm_(ps, 1);
  assertClose(total, [5]);
  assertClose(ps[0]!.grad!, [3 / 5, 0], { rtol: 1e-5 });
  assertClose(ps[1]!.grad!, [0, 4 / 5], { rtol: 1e-5 });
  const small = withGrads([0.3, 0.4]);
  nn.utils.clipGradNorm_(small, 1);
  assertClose(small[0]!.grad!, [0.3, 0.4], { rtol: 0 });
  const inf = withGrads([1, -7], [2]);
  assertClose(nn.utils.clipGradNorm_(inf, 3.5, Infinity), [7]);
  assertClose(inf[0]!.grad!, [0.5, -3.5], { rtol: 1e-5 });
  assert.throws(() => nn.utils.clipGradNorm_(withGrads([NaN]), 1, 2, { errorIfNonfinite: true }), /non-finite/);
});

test("clipGradNorm_ of order 0, -inf and fractional orders is the norm of the per-gradient norms, as PyTorch 1.13's", () => {
  // PyTorch 1.13: grads [0.5, -2, 0] and [1.5, 0.25], maxNorm 1
  const cases: Array<[number, number, number[]]> = [
    [0, 2, [0.24999988079071045, -0.9999995231628418, 0]], // two nonzero norms: norm 0 counts them
    [-Infinity, 0, [0.5, -2, 0]], // the smallest |g|, 0: nothing is clipped
    [0.5, 14.792216300964355, [0.03380155935883522, -0.13520623743534088, 0]],
    [3, 2.2582006454467773, [0.22141513228416443, -0.8856605291366577, 0]],
  ];
  for (const [p, total, first] of cases) {
    const ps = withGrads([0.5, -2, 0], [1.5, 0.25]);
    assert.equal(nn.utils.clipGradNorm_(ps, 1.0, { normType: p }).item(), total, `normType ${p}`);
    assert.deepEqual(ps[0]!.grad!.tolist(), first, `normType ${p}`);
  }
});

test("clipGradValue_ clamps elementwise; parameters round-trip through a vector", () => {
  const ps = withGrads([-3, 0.5, 2]);
  nn.utils.clipGradValue_(ps, 1);
  assert.deepEqual(ps[0]!.grad!.tolist(), [-1, 0.5, 1]);
  const lin = new nn.Linear(3, 2);
  const v = nn.utils.parametersToVector(lin.parameters());
  assert.deepEqual(v.shape, [8]);
  nn.utils.vectorToParameters(v.mul(2), lin.parameters());
  assertClose(nn.utils.parametersToVector(lin.parameters()), v.mul(2));
  assert.throws(() => nn.utils.vectorToParameters(v.narrow(0, 0, 5), lin.parameters()), /expected a 1-D vector of 8 elements, got shape \[5\]/);
});

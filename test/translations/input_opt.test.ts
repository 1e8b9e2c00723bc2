/**
 * Optimizing an input image through a fixed conv net, translated line by line from
 * test/fixtures/translations/input_opt.py (-> input_opt.json, PyTorch 1.13): the net frozen
 * with requiresGrad_(false) in eval mode, its feature extractor built as the neural-style
 * tutorial does (renamed layers, then cut with model[:(i + 1)], here model.slice(0, i + 1));
 * the input made a leaf by clone().requiresGrad_(true) and optimized by optim.LBFGS with a
 * closure (the default line search at lr 0.5 and lineSearchFn "strong_wolfe" at lr 1);
 * content MSE, a Gram-matrix style loss (features.view(c, h * w) @ .t()) and total variation
 * by slicing; x.clamp_(0, 1) under noGrad between steps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const FIX = loadFixture("input_opt.json");

const cnn = new nn.Sequential(
  new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.ReLU(),
  new nn.Conv2d(4, 6, 3, { padding: 1 }), new nn.ReLU(),
  new nn.MaxPool2d(2), new nn.Conv2d(6, 6, 3, { padding: 1 }), new nn.ReLU(),
);
initDeterministic(cnn, 500);
cnn.eval();
for (const p of cnn.parameters()) p.requiresGrad_(false);

// the neural-style tutorial's feature extractor: the layers renamed, then cut after the last one used
let net = new nn.Sequential();
let i = 0;
for (const layer of cnn.children()) {
  let name: string;
  if (layer instanceof nn.Conv2d) {
    i += 1;
    name = `conv_${i}`;
  } else if (layer instanceof nn.ReLU) {
    name = `relu_${i}`;
  } else if (layer instanceof nn.MaxPool2d) {
    name = `pool_${i}`;
  } else {
    throw new Error(`Unrecognized layer: ${layer.constructor.name}`);
  }
  net.addModule(name, layer);
}
const last = [...net.namedChildren()].map(([k]) => k).indexOf("relu_2");
net = net.slice(0, last + 1);
const netNames = [...net.namedChildren()].map(([k]) => k);

function gramMatrix(features: Tensor): Tensor {
  const [b, c, h, w] = features.size();
  void b;
  const f = features.view(c!, h! * w!);
  return f.matmul(f.t()).div(c! * h! * w!);
}

function tvLoss(x: Tensor): Tensor {
  const dh = x.index(":", ":", "1:", ":").sub(x.index(":", ":", ":-1", ":"));
  const dw = x.index(":", ":", ":", "1:").sub(x.index(":", ":", ":", ":-1"));
  return dh.pow(2).mean().add(dw.pow(2).mean());
}

const contentImg = det([1, 3, 8, 8], 510, 0.5, 0.5);
const styleImg = det([1, 3, 8, 8], 520, 0.5, 0.5);
const [contentTarget, styleTarget] = torch.noGrad(() => [net(contentImg), gramMatrix(net(styleImg))] as const);

function run(lineSearchFn: "strong_wolfe" | null, lr: number, steps = 3) {
  let x = contentImg.clone().add(det([1, 3, 8, 8], 530).mul(0.1));
  x = x.clone().requiresGrad_(true);
  const optimizer = new torch.optim.LBFGS([x], { lr, maxIter: 4, historySize: 5, lineSearchFn });
  const losses: number[] = [], evals: number[] = [];
  let nCalls = 0;

  const closure = () => {
    optimizer.zeroGrad();
    const feats = net(x);
    const cLoss = F.mseLoss(feats, contentTarget);
    const sLoss = F.mseLoss(gramMatrix(feats), styleTarget);
    const loss = cLoss.add(sLoss.mul(100.0)).add(tvLoss(x).mul(0.5));
    loss.backward();
    nCalls += 1;
    return loss;
  };

  for (let step = 0; step < steps; step++) {
    const loss = optimizer.step(closure);
    torch.noGrad(() => {
      x.clamp_(0, 1);
    });
    losses.push(loss.item());
    evals.push(nCalls);
  }
  const state = optimizer.state.get(x)!; // LBFGS keeps its state under its first parameter
  return { losses, evals, funcEvals: state.funcEvals, nIter: state.nIter, x, xGrad: x.grad!, isLeaf: x.isLeaf, requiresGrad: x.requiresGrad };
}

test("input optimization: the feature extractor cut by slicing, the frozen net's targets, Gram matrix and total variation match PyTorch", () => {
  assert.deepEqual(netNames, FIX.net_names);
  assert.deepEqual(Object.keys(net.stateDict()), FIX.net_state_keys);
  assertTensor(contentTarget, FIX.content_target, { atol: 1e-5, msg: "content_target" });
  assertTensor(styleTarget, FIX.style_target, { atol: 1e-6, msg: "style_target" });
  assert.ok(Math.abs(tvLoss(contentImg).item() - FIX.tv0) < 1e-6, "tv0");
  assertTensor(gramMatrix(net(contentImg)), FIX.gram0, { atol: 1e-6, msg: "gram0" });
});

for (const [name, lineSearchFn, lr] of [["default", null, 0.5], ["strong_wolfe", "strong_wolfe", 1.0]] as const) {
  test(`input optimization: LBFGS (${name} line search) on an input leaf with clamp_ between steps matches PyTorch`, () => {
    const r = run(lineSearchFn, lr);
    const e = FIX[name];
    r.losses.forEach((l, i) => assert.ok(Math.abs(l - e.losses[i]) < 1e-5, `step ${i}: loss ${l} vs PyTorch ${e.losses[i]}`));
    assert.deepEqual(r.evals, e.evals);
    assert.equal(r.funcEvals, e.func_evals);
    assert.equal(r.nIter, e.n_iter);
    assertTensor(r.x, e.x, { atol: 1e-4, msg: "x" });
    assertTensor(r.xGrad, e.x_grad, { atol: 1e-5, msg: "x.grad" });
    assert.equal(r.isLeaf, e.is_leaf);
    assert.equal(r.requiresGrad, e.requires_grad);
    assert.equal(cnn.parameters().every((p) => p.grad === null), FIX.net_grad_is_none);
  });
}

/**
 * Constrained weights with nn.utils.parametrize, translated line by line from
 * test/fixtures/translations/parametrize.py (-> parametrize.json, PyTorch 1.13): a recurrent
 * classifier with an orthogonal recurrent matrix (parametrizations.orthogonal), a spectrally
 * normalized head (parametrizations.spectralNorm) and a symmetric mixing layer (a custom
 * parametrization with rightInverse), the recurrent weight read at every step inside
 * parametrize.cached(); Adam steps, eval mode, a stateDict round trip into a fresh
 * constrained model, stateless.functionalCall with other weights, assignment through
 * rightInverse, removeParametrizations; and the error a misspelt name gives.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { FluxionError, nn, noGrad, optim, type Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("parametrize.json");
const F = nn.functional;
const P = nn.utils.parametrize;
const { parametrizations } = nn.utils;
const { functionalCall } = nn.utils.stateless;

const [inDim, hid, classes, T, N] = [5, 6, 3, 4, 7];

class Symmetric extends nn.Module {
  forward(X: Tensor): Tensor {
    return X.triu().add(X.triu(1).transpose(0, 1));
  }
  rightInverse(A: Tensor): Tensor {
    return A.triu();
  }
}

class OrthoRNN extends nn.Module {
  inp = new nn.Linear(inDim, hid);
  rec = new nn.Linear(hid, hid, { bias: false });
  mix = new nn.Linear(hid, hid);
  head = new nn.Linear(hid, classes);

  forward(x: Tensor): Tensor {
    let h = torch.zeros([x.shape[0]!, hid]);
    for (let t = 0; t < x.shape[1]!; t++) h = torch.tanh(this.inp(x.select(1, t)).add(this.rec(h)));
    return this.head(F.relu(this.mix(h)));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pz = (m: nn.Module) => (m as any).parametrizations;

function constrain(model: OrthoRNN): OrthoRNN {
  parametrizations.orthogonal(model.rec);
  parametrizations.spectralNorm(model.head);
  P.registerParametrization(model.mix, "weight", new Symmetric());
  noGrad(() => {
    const sn = pz(model.head).weight.at(0);
    sn._u.copy_(F.normalize(det([classes], 71), { dim: 0 }));
    sn._v.copy_(F.normalize(det([hid], 72), { dim: 0 }));
  });
  return model;
}

test("an orthogonal RNN with spectral-norm and symmetric layers trains, saves, loads and calls functionally as in PyTorch", () => {
  const model = new OrthoRNN();
  initDeterministic(model, 500);
  constrain(model);
  assert.deepEqual([...model.namedParameters()].map(([n]) => n), FIX.names);
  assert.deepEqual(Object.keys(model.stateDict()), FIX.keys);
  assert.equal(String(model), FIX.repr);
  assertTensor(model.rec.weight, FIX.rec_weight0, { atol: 1e-6 });
  assert.deepEqual([P.isParametrized(model.rec), P.isParametrized(model.inp), P.isParametrized(model.head, "bias")], FIX.is_parametrized);

  const x = det([N, T, inDim], 80);
  const y = detLabels(N, 81, classes);
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const losses: number[] = [];
  for (let step = 0; step < 4; step++) {
    opt.zeroGrad();
    const loss = P.cached(() => F.crossEntropy(model(x), y));
    loss.backward();
    if (step === 0) for (const [n, p] of model.namedParameters()) assertTensor(p.grad!, FIX.grads0[n], { atol: 1e-5, msg: `grad of ${n}` });
    opt.step();
    losses.push(loss.item());
  }
  assert.deepEqual(losses.map((l) => l.toFixed(5)), FIX.losses.map((l: number) => l.toFixed(5)));
  const W = model.rec.weight;
  const orthoErr = W.t().matmul(W).sub(torch.eye(hid)).abs().max().item();
  assert.ok(orthoErr < 1e-5, `the recurrent weight stays orthogonal (max error ${orthoErr}; PyTorch ${FIX.ortho_err})`);
  for (const [n, m] of [["rec", model.rec], ["mix", model.mix], ["head", model.head]] as const) assertTensor(m.weight, FIX.after[n], { atol: 1e-5, msg: `${n}.weight after training` });
  assertTensor(pz(model.head).weight.at(0)._u, FIX.u_after, { atol: 1e-5 });

  model.eval();
  const [logits, logits2] = noGrad(() => [model(x), model(x)]);
  assertTensor(logits, FIX.eval_logits, { atol: 1e-5 });
  assert.equal(torch.equal(logits, logits2), FIX.eval_same);
  assertTensor(pz(model.head).weight.at(0)._u, FIX.u_eval, { atol: 1e-5, msg: "u frozen in eval mode" });

  // a checkpoint loads into a fresh model constrained the same way
  const fresh = constrain(new OrthoRNN());
  fresh.loadStateDict(model.stateDict());
  fresh.eval();
  assertTensor(noGrad(() => fresh(x)), FIX.fresh_logits, { atol: 1e-5 });

  // other weights through functionalCall: the constrained originals under their own names
  const params = Object.fromEntries([...model.namedParameters()].map(([n, p]) => [n, p.detach().mul(0.9).requiresGrad_()]));
  const fc = functionalCall(model, params, [x]) as Tensor;
  F.crossEntropy(fc, y).backward();
  assertTensor(fc, FIX.fc_logits, { atol: 1e-5 });
  assertTensor(params["rec.parametrizations.weight.original"]!.grad!, FIX.fc_grad, { atol: 1e-5 });

  // assigning to a parametrized weight goes through rightInverse
  const S = det([hid, hid], 90);
  model.mix.weight = S.add(S.t()) as nn.Parameter;
  assertTensor(pz(model.mix).weight.original, FIX.mix_original, { atol: 1e-6 });

  P.removeParametrizations(model.mix, "weight");
  P.removeParametrizations(model.rec, "weight", { leaveParametrized: true });
  assert.deepEqual(Object.keys(model.stateDict()), FIX.removed_keys);
  assert.equal(String(model), FIX.removed_repr);
  assertTensor(model.rec.weight, FIX.rec_removed, { atol: 1e-5 });

  // a misspelt name says what the module has
  assert.throws(() => P.registerParametrization(model.inp, "weigth", new Symmetric()), (e: Error) => e instanceof FluxionError && /does not have a parameter, a buffer, or a parametrized element with name 'weigth' \(its parameters and buffers: weight, bias\)/.test(e.message));
});

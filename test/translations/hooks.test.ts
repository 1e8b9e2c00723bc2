/**
 * Hooks and introspection, translated line by line from test/fixtures/translations/hooks.py
 * (-> hooks.json, PyTorch 1.13): namedModules, namedChildren, namedParameters({ recurse:
 * false }), model.apply(initFn) with instanceof checks, train()/eval() propagating;
 * activations collected by forward hooks (feature extraction), a forward pre-hook and a
 * forward hook changing what flows, a full backward hook reading gradOutput and halving
 * gradInput, Tensor.registerHook scaling gradients; then every hook removed by its handle.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, noGrad, type Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("hooks.json");

class Block extends nn.Module {
  fc: nn.Linear;
  act = new nn.ReLU();
  drop = new nn.Dropout(0.5);
  constructor(c: number) {
    super();
    this.fc = new nn.Linear(c, c);
  }

  forward(x: Tensor): Tensor {
    return this.drop(this.act(this.fc(x))).add(x);
  }
}

class Net extends nn.Module {
  stem = new nn.Linear(5, 8);
  blocks = new nn.Sequential(new Block(8), new Block(8));
  norm = new nn.LayerNorm(8);
  head = new nn.Linear(8, 3);

  forward(x: Tensor): Tensor {
    let h = this.stem(x);
    h = this.blocks(h);
    return this.head(this.norm(h));
  }
}

test("hooks, feature extraction and module introspection match PyTorch", () => {
  const model = new Net();
  initDeterministic(model, 400);

  const names = [...model.namedModules()].map(([name, m]) => [name, m.constructor.name]);
  const children = [...model.namedChildren()].map(([name]) => name);
  const ownParams = [...model.namedParameters({ recurse: false })].map(([name]) => name);
  const headParams = [...model.head.namedParameters({ recurse: false })].map(([name]) => name);
  const allParams = [...model.namedParameters()].map(([name]) => name);
  assert.deepEqual(names, FIX.names);
  assert.deepEqual(children, FIX.children);
  assert.deepEqual(ownParams, FIX.own_params);
  assert.deepEqual(headParams, FIX.head_params);
  assert.deepEqual(allParams, FIX.all_params);

  const visited: string[] = [];
  const initFn = (m: nn.Module) => {
    visited.push(m.constructor.name);
    if (m instanceof nn.Linear) {
      noGrad(() => m.bias!.fill_(0.01));
    } else if (m instanceof nn.LayerNorm) {
      nn.init.constant_(m.weight!, 1.5);
    }
  };
  model.apply(initFn);
  assert.deepEqual(visited, FIX.visited);

  model.eval();
  const flagsEval = [...model.modules()].map((m) => m.training);
  model.blocks.train();
  const flagsMixed = [...model.modules()].map((m) => m.training);
  model.train();
  const flagsTrain = [...model.modules()].map((m) => m.training);
  model.eval(); // no dropout below
  assert.deepEqual(flagsEval, FIX.flags_eval);
  assert.deepEqual(flagsMixed, FIX.flags_mixed);
  assert.deepEqual(flagsTrain, FIX.flags_train);

  // feature extraction
  const activations: Record<string, Tensor> = {};
  const getActivation = (name: string) => (_module: nn.Module, _input: unknown[], output: unknown) => {
    activations[name] = (output as Tensor).detach();
  };
  const handles: { remove(): void }[] = [];
  for (const [name, m] of model.namedModules()) {
    if (m instanceof Block || m instanceof nn.LayerNorm) handles.push(m.registerForwardHook(getActivation(name)));
  }

  const preInputs: number[][] = [];
  const doubleInput = (_module: nn.Module, inputs: unknown[]) => {
    const x0 = inputs[0] as Tensor;
    preInputs.push([...x0.shape]);
    return [x0.mul(2)];
  };
  handles.push(model.head.registerForwardPreHook(doubleInput));
  handles.push(model.stem.registerForwardHook((_m, _inp, out) => (out as Tensor).add(1.0)));

  const gradOutNorms: number[] = [];
  const halveGrad = (_module: nn.Module, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => {
    gradOutNorms.push(gradOutput[0]!.norm().item());
    return [gradInput[0]!.mul(0.5)];
  };
  handles.push((model.blocks.at(1) as Block).registerFullBackwardHook(halveGrad));
  handles.push(model.head.weight.registerHook((g) => g.mul(10)));

  const x = det([4, 5], 410).requiresGrad_();
  const out = model(x);
  const stemOut = model.stem(x); // the stem's forward hook runs here too
  const actHook = stemOut.registerHook((g) => g.mul(3));
  stemOut.sum().backward(); // x.grad: 3x the stem's input gradient
  const xGradStem = x.grad!.clone();
  x.grad = null;
  out.pow(2).sum().backward();
  const H = FIX.hooked;
  assertTensor(out, H.out, { atol: 1e-5, msg: "hooked output" });
  assertTensor(x.grad!, H.x_grad, { atol: 1e-4, msg: "x.grad through the hooks" });
  assertTensor(xGradStem, H.x_grad_stem, { atol: 1e-5, msg: "x.grad through the activation hook" });
  assertTensor(model.head.weight.grad!, H.head_weight_grad, { atol: 1e-3, rtol: 1e-5, msg: "head.weight.grad (x10)" });
  assertTensor(model.stem.weight.grad!, H.stem_weight_grad, { atol: 1e-4, msg: "stem.weight.grad" });
  assert.deepEqual(Object.keys(activations), Object.keys(H.activations));
  for (const [k, v] of Object.entries(activations)) assertTensor(v, H.activations[k], { atol: 1e-5, msg: `activation ${k}` });
  assert.deepEqual(preInputs, FIX.pre_inputs);
  assert.equal(gradOutNorms.length, FIX.grad_out_norms.length);
  gradOutNorms.forEach((n, i) => assert.ok(Math.abs(n - FIX.grad_out_norms[i]) < 1e-3, `gradOutput norm ${n} vs PyTorch ${FIX.grad_out_norms[i]}`));

  for (const h of handles) h.remove();
  actHook.remove();
  model.zeroGrad();
  x.grad = null;
  for (const k of Object.keys(activations)) delete activations[k]; // activations.clear()
  const out2 = model(x);
  out2.pow(2).sum().backward();
  const U = FIX.unhooked;
  assertTensor(out2, U.out, { atol: 1e-5, msg: "output without hooks" });
  assertTensor(x.grad!, U.x_grad, { atol: 1e-4, msg: "x.grad without hooks" });
  assertTensor(model.head.weight.grad!, U.head_weight_grad, { atol: 1e-4, msg: "head.weight.grad without hooks" });
  assert.equal(Object.keys(activations).length, U.activations);
});

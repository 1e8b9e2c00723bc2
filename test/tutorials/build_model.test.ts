/**
 * The "Build the Neural Network" tutorial (pytorch.org/tutorials/beginner/basics/buildmodel_tutorial)
 * translated line by line, checked against PyTorch 1.13 (test/fixtures/tutorials/buildmodel.py
 * -> buildmodel.json; the model class is in neural_network.ts). Weights and inputs are common.py's deterministic values instead of
 * torch.rand and the default initialisation. Lines that needed more than the mechanical
 * changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nn } from "../../src/index.js";
import { assertTensor, camel, det, initDeterministic, loadFixture } from "./common.js";
import { NeuralNetwork } from "./neural_network.js";

const F = loadFixture("buildmodel.json");
const device = "cpu"; // not mechanical: "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu" -- no device queries; backends() lists the devices

/** Python's module repr with the attribute names camelCased, as the translation names them. */
function camelRepr(s: string): string {
  return s.replace(/\((\w+)\): /g, (_, name: string) => `(${camel(name)}): `);
}

test("Build the Neural Network: the model, its printout, a prediction", () => {
  const model = new NeuralNetwork().to(device);
  initDeterministic(model, 1);
  assert.equal(`${model}`, camelRepr(F.model_str)); // print(model)

  const X = det([1, 28, 28], 100, 0.5, 0.5); // torch.rand(1, 28, 28, device=device)
  const logits = model(X);
  const predProbab = new nn.Softmax({ dim: 1 })(logits); // nn.Softmax(dim=1)(logits)
  const yPred = predProbab.argmax(1);
  assertTensor(logits, F.logits, { atol: 1e-6, rtol: 1e-5 });
  assertTensor(predProbab, F.pred_probab, { atol: 1e-6, rtol: 1e-5 });
  assert.equal(`Predicted class: ${yPred}`, F.y_pred);
});

test("Build the Neural Network: Flatten, Linear, ReLU, Sequential, Softmax one by one", () => {
  let inputImage = det([3, 28, 28], 101, 0.5, 0.5); // torch.rand(3, 28, 28)
  assert.deepEqual(inputImage.size(), F.input_size);
  const flatten = new nn.Flatten();
  const flatImage = flatten(inputImage);
  assert.deepEqual(flatImage.size(), F.flat_size);
  const layer1 = new nn.Linear({ inFeatures: 28 * 28, outFeatures: 20 }); // nn.Linear(in_features=28*28, out_features=20)
  initDeterministic(layer1, 200);
  let hidden1 = layer1(flatImage);
  assert.deepEqual(hidden1.size(), F.hidden1_size);
  assertTensor(hidden1, F.before_relu, { atol: 1e-6, rtol: 1e-5 });
  hidden1 = new nn.ReLU()(hidden1);
  assertTensor(hidden1, F.after_relu, { atol: 1e-6, rtol: 1e-5 });
  assert.equal(`After ReLU: ${hidden1}`, F.after_relu_str);

  const seqModules = new nn.Sequential(
    flatten,
    layer1,
    new nn.ReLU(),
    new nn.Linear(20, 10),
  );
  initDeterministic(seqModules[3], 300); // seq_modules[3]
  inputImage = det([3, 28, 28], 102, 0.5, 0.5); // torch.rand(3, 28, 28)
  const logits = seqModules(inputImage);
  const softmax = new nn.Softmax({ dim: 1 });
  const predProbab = softmax(logits);
  assertTensor(logits, F.seq_logits, { atol: 1e-6, rtol: 1e-5 });
  assertTensor(predProbab, F.seq_pred_probab, { atol: 1e-6, rtol: 1e-5 });
  assert.equal(`${seqModules}`, F.seq_str);
});

test("Build the Neural Network: named parameters, their sizes and first rows", () => {
  const model = new NeuralNetwork();
  initDeterministic(model, 1);
  const got = [...model.namedParameters()];
  assert.equal(got.length, F.params.length);
  for (const [i, [name, param]] of got.entries()) {
    const want = F.params[i];
    assert.equal(name, camel(want.name)); // "linear_relu_stack.0.weight" -> "linearReluStack.0.weight"
    assert.deepEqual(param.size(), want.size);
    assertTensor(param.index(":2"), want.values, { atol: 0, rtol: 0 }); // param[:2]
  }
});

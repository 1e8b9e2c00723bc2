/**
 * The "Save and Load the Model" tutorial (pytorch.org/tutorials/beginner/basics/saveloadrun_tutorial)
 * and the general-checkpoint recipe, translated line by line with the tutorial's
 * NeuralNetwork in place of a downloaded VGG16, checked against PyTorch 1.13
 * (test/fixtures/tutorials/saveload.py -> saveload.json). Files are safetensors
 * (`fx.save`/`fx.load` are torch.save/torch.load). Lines that needed more than the
 * mechanical changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import * as fx from "../../src/index.js";
import { nn, optim } from "../../src/index.js";
import { assertClose, withTempDir } from "../helpers.js";
import { assertTensor, camel, det, detLabels, initDeterministic, loadFixture } from "./common.js";
import { NeuralNetwork } from "./neural_network.js";

const F = loadFixture("saveload.json");
const X = det([16, 1, 28, 28], 2000, 0.5, 0.5);
const y = detLabels(16, 2001, 10);

test("Save & Load: model weights through stateDict, save, load and loadStateDict", () => {
  withTempDir("tutorial", (tmp) => {
    let model = new NeuralNetwork();
    initDeterministic(model, 1);
    fx.save(model.stateDict(), join(tmp, "model_weights.safetensors")); // torch.save(model.state_dict(), 'model_weights.pth'): a .pth name would warn that the file is safetensors
    model = new NeuralNetwork(); // we do not specify weights, i.e. create untrained model
    model.loadStateDict(fx.load(join(tmp, "model_weights.safetensors")));
    model.eval();
    assertTensor(model(X).index(":2"), F.eval_logits, { atol: 1e-6, rtol: 1e-5 });
    assert.deepEqual(Object.keys(model.stateDict()), F.state_dict_keys.map(camel));
  });
});

test("Save & Load: saving the whole model object (torch.save(model, 'model.pth'))", { skip: "missing feature: a whole Module (class and weights) cannot be saved or loaded; torch.save(model) pickles the object, fx.save takes state dicts, tensors and plain values only" }, () => {
  withTempDir("tutorial", (tmp) => {
    let model = new NeuralNetwork();
    initDeterministic(model, 1);
    model.eval();
    fx.save(model as any, join(tmp, "model.safetensors"));
    model = fx.load(join(tmp, "model.safetensors"));
    assertTensor(model(X).index(":2"), F.whole_model_logits, { atol: 1e-6, rtol: 1e-5 });
  });
});

test("Save & Load: a general checkpoint {epoch, model, optimizer, loss} resumes training exactly", () => {
  withTempDir("tutorial", (tmp) => {
    const lossFn = new nn.CrossEntropyLoss();
    const step = (model: NeuralNetwork, optimizer: optim.SGD): number => {
      optimizer.zeroGrad();
      const loss = lossFn(model(X), y);
      loss.backward();
      optimizer.step();
      return loss.item();
    };

    const net = new NeuralNetwork();
    initDeterministic(net, 1);
    let optimizer = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const lossesBefore = [step(net, optimizer), step(net, optimizer)];
    assertClose(lossesBefore, F.losses_before, { atol: 1e-6, rtol: 1e-6 });
    const EPOCH = 2;
    const LOSS = lossesBefore[1]!;
    const PATH = join(tmp, "model.safetensors"); // "model.pt": a .pt name would warn that the file is safetensors
    fx.save({
      epoch: EPOCH,
      model_state_dict: net.stateDict(),
      optimizer_state_dict: optimizer.stateDict(),
      loss: LOSS,
    }, PATH);

    const model = new NeuralNetwork();
    optimizer = new optim.SGD(model.parameters(), { lr: 0.001, momentum: 0.5 }); // the saved hyperparameters replace these
    const checkpoint = fx.load(PATH);
    model.loadStateDict(checkpoint["model_state_dict"]);
    optimizer.loadStateDict(checkpoint["optimizer_state_dict"]);
    const epoch = checkpoint["epoch"];
    const loss = checkpoint["loss"];
    assert.equal(epoch, F.epoch);
    assert.equal(loss, LOSS); // the number comes back exactly
    assert.equal(optimizer.paramGroups[0]!.lr, F.lr_after_load); // optimizer.param_groups[0]["lr"]
    assert.equal(optimizer.paramGroups[0]!.momentum, F.momentum_after_load);

    model.train();
    const lossesAfter = [step(model, optimizer), step(model, optimizer)];
    assertClose(lossesAfter, F.losses_after, { atol: 1e-6, rtol: 1e-6 }); // equal only if the momentum buffers came back
    assertTensor((model.linearReluStack[4] as nn.Linear).bias!, F.final_bias, { atol: 1e-6, rtol: 1e-4 }); // model.linear_relu_stack[4].bias: the element type of Sequential indexing is Module, so a cast
  });
});

test("Save & Load: a checkpoint whose safetensors header is 896 bytes long loads back", () => {
  withTempDir("tutorial", (tmp) => {
    // a tensor name long enough that the header (padded to 8 bytes) is 0x380 = 896 bytes
    let name = "w";
    while (new DataView(fx.io.serialize({ [name]: fx.zeros(1) }).buffer).getUint32(0, true) < 896) name += "w";
    const bytes = fx.io.serialize({ [name]: fx.zeros(1) });
    assert.deepEqual([bytes[0], bytes[1]], [0x80, 0x03]);
    fx.save({ [name]: fx.ones(1) }, join(tmp, "w.safetensors"));
    assert.deepEqual(fx.load(join(tmp, "w.safetensors"))[name].tolist(), [1]);
  });
});

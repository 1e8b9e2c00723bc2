/**
 * The "Optimizing Model Parameters" tutorial
 * (pytorch.org/tutorials/beginner/basics/optimization_tutorial) translated line by line,
 * on the synthetic data of test/fixtures/tutorials/optimization.py, checked against
 * PyTorch 1.13 (optimization.json): every batch's loss, the test loss and accuracy, the
 * printed lines, and the parameter updates. Lines that needed more than the mechanical
 * changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { data, nn, noGrad, optim, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { det, detLabels, initDeterministic, loadFixture } from "./common.js";
import { NeuralNetwork } from "./neural_network.js";

const { DataLoader, TensorDataset } = data;
const F = loadFixture("optimization.json");

test("Optimization: train_loop and test_loop over three epochs match PyTorch's losses, accuracy and updates", () => {
  const trainingData = new TensorDataset(det([320, 1, 28, 28], 1000, 0.5, 0.5), detLabels(320, 1001, 10));
  const testData = new TensorDataset(det([128, 1, 28, 28], 1002, 0.5, 0.5), detLabels(128, 1003, 10));
  const trainDataloader = new DataLoader(trainingData, { batchSize: 64 });
  const testDataloader = new DataLoader(testData, { batchSize: 64 });

  const model = new NeuralNetwork();
  initDeterministic(model, 1);
  const initial = new Map([...model.namedParameters()].map(([name, p]) => [name, p.detach().clone()]));

  const learningRate = 1e-3;
  const epochs = 3;

  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: learningRate });
  const trainLosses: number[] = [], printed: string[] = [], testResults: { test_loss: number; correct: number }[] = [];

  function trainLoop(dataloader: data.DataLoader<[Tensor, Tensor]>, model: NeuralNetwork, lossFn: nn.CrossEntropyLoss, optimizer: optim.SGD) {
    const size = dataloader.dataset.length; // len(dataloader.dataset)
    // Set the model to training mode - important for batch normalization and dropout layers
    model.train();
    let batch = 0;
    for (const [X, y] of dataloader) { // for batch, (X, y) in enumerate(dataloader): not mechanical, JS has no enumerate
      // Compute prediction and loss
      const pred = model(X);
      const loss = lossFn(pred, y);

      // Backpropagation
      loss.backward();
      optimizer.step();
      optimizer.zeroGrad();

      trainLosses.push(loss.item());
      if (batch % 2 === 0) {
        const [lossV, current] = [loss.item(), (batch + 1) * X.shape[0]!]; // len(X) is X.shape[0]
        printed.push(`loss: ${lossV.toFixed(6).padStart(7)}  [${String(current).padStart(5)}/${String(size).padStart(5)}]`); // f"{loss:>7f}": JS has no format specs
      }
      batch++;
    }
  }

  function testLoop(dataloader: data.DataLoader<[Tensor, Tensor]>, model: NeuralNetwork, lossFn: nn.CrossEntropyLoss) {
    // Set the model to evaluation mode - important for batch normalization and dropout layers
    model.eval();
    const size = dataloader.dataset.length;
    const numBatches = dataloader.length; // len(dataloader)
    let [testLoss, correct] = [0, 0];

    // Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
    noGrad(() => {
      for (const [X, y] of dataloader) {
        const pred = model(X);
        testLoss += lossFn(pred, y).item();
        correct += pred.argmax(1).eq(y).type(fx.float).sum().item(); // (pred.argmax(1) == y).type(torch.float)
      }
    });

    testLoss /= numBatches;
    correct /= size;
    testResults.push({ test_loss: testLoss, correct });
    printed.push(`Test Error: \n Accuracy: ${(100 * correct).toFixed(1)}%, Avg loss: ${testLoss.toFixed(6).padStart(8)} \n`);
  }

  for (let t = 0; t < epochs; t++) {
    printed.push(`Epoch ${t + 1}\n-------------------------------`);
    trainLoop(trainDataloader, model, lossFn, optimizer);
    testLoop(testDataloader, model, lossFn);
  }
  printed.push("Done!");

  assertClose(trainLosses, F.train_losses, { atol: 1e-6, rtol: 1e-6 });
  for (const [i, r] of testResults.entries()) {
    assertClose(r.test_loss, F.test_results[i].test_loss, { atol: 1e-6, rtol: 1e-6 });
    assert.equal(r.correct, F.test_results[i].correct);
  }
  // the printed lines, to one digit less than printed: the losses agree to a float32 ulp, not to the 6th decimal
  const coarse = (lines: string[]) => lines.map((l) => l.replace(/(\d+\.\d{5})\d/g, "$1"));
  assert.deepEqual(coarse(printed), coarse(F.printed));

  const named = [...model.namedParameters()];
  assert.equal(named.length, F.updates.length);
  for (const [i, [name, p]] of named.entries()) {
    const want = F.updates[i];
    const d = p.detach().sub(initial.get(name)!);
    // the updates are ~1e-5 against weights ~3e-2: float32 rounding of p - p0 alone is ~4e-9
    assertClose(d.abs().sum().item(), want.abs_sum, { rtol: 1e-3, msg: `${name} |update|` });
    assertClose(d.sum().item(), want.sum, { atol: 1e-3 * want.abs_sum, rtol: 1e-3, msg: `${name} sum(update)` });
    assertClose(d.reshape(-1).index(":16"), want.head.v, { atol: 1e-8, rtol: 2e-3, msg: `${name} update[:16]` });
  }
});

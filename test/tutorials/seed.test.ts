/**
 * The seed example (README.md, DESIGN.md) as written there, checked against PyTorch 1.13
 * running the same program (test/fixtures/tutorials/seed.py -> seed.json): SimpleNet on
 * Fashion-MNIST, CrossEntropyLoss, SGD(lr=0.01), shuffled batches of 64. Weights are
 * common.py's deterministic ones, and PyTorch's seeded shuffle order is replayed through a
 * Subset (the random streams differ).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, noGrad, optim, data, Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { FASHION_ROOT, NO_FASHION, assertTensor, initDeterministic, loadFixture } from "./common.js";

const F = loadFixture("seed.json");

class SimpleNet extends nn.Module {
  fc1 = new nn.Linear(784, 128);
  relu = new nn.ReLU();
  fc2 = new nn.Linear(128, 10);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(x.flatten(1))));
  }
}

test("the seed example: SimpleNet on Fashion-MNIST gives PyTorch's losses, test loss and accuracy", { skip: NO_FASHION }, () => {
  const model = new SimpleNet();
  initDeterministic(model, 1);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });

  const train = new data.datasets.FashionMNIST({ root: FASHION_ROOT, train: true, transform: new data.transforms.ToTensor() });
  // shuffle: true draws its own order; PyTorch's (seeded) order is replayed instead
  const loader = new data.DataLoader(new data.Subset(train, F.order), { batchSize: 64 });
  const losses: number[] = [];
  for (const [x, y] of loader) {
    optimizer.zeroGrad();
    const loss = criterion(model(x), y); // modules are callable; .forward() works too
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  assert.equal(losses.length, F.steps);
  assertClose(losses, F.losses, { atol: 1e-5, rtol: 1e-5 });

  const test = new data.datasets.FashionMNIST({ root: FASHION_ROOT, train: false, transform: new data.transforms.ToTensor() });
  model.eval();
  let totalLoss = 0, correct = 0;
  noGrad(() => {
    for (const [x, y] of new data.DataLoader(test, { batchSize: 1000 })) {
      const logits = model(x);
      totalLoss += criterion(logits, y).item() * y.shape[0]!;
      correct += logits.argmax(1).eq(y).sum().item();
    }
  });
  assertClose(totalLoss / test.length, F.test_loss, { rtol: 1e-5 });
  // a test image whose two top logits are within float32 noise could flip: allow one
  assert.ok(Math.abs(correct - F.test_correct) <= 1, `${correct} correct vs PyTorch's ${F.test_correct}`);
  assertTensor(model.fc2.bias!, F.fc2_bias, { atol: 1e-6, rtol: 1e-4 });
  assertTensor(model.fc1.weight.index(":2", "300:308"), F.fc1_weight_head, { atol: 1e-6, rtol: 1e-4 });
});

/**
 * "Spatial Transformer Networks" (pytorch.org/tutorials/intermediate/spatial_transformer_tutorial)
 * translated line by line, on test/fixtures/tutorials/spatial_transformer.py's deterministic
 * images and weights (no MNIST download; dropout off so both sides compute the same step;
 * float64, since float32 rounding moves grid_sample's sample points across pixel boundaries),
 * checked against PyTorch 1.13 (spatial_transformer.json): every training loss, the printed
 * lines, the test loss with `size_average=False`, the localization regressor's parameters
 * after training and the images the STN produces. Lines that needed more than the mechanical
 * changes carry a comment.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { data as tdata, nn, noGrad, optim, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const FX = loadFixture("spatial_transformer.json");

/** Python's '{:.0f}': rounds half to even (12.5 -> "12"), where toFixed(0) rounds it up. */
function fixed0(v: number): string {
  const r = Math.round(v);
  return String(Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r);
}

test("Spatial transformer: affine_grid + grid_sample with their defaults, training and the size_average=False test loss match PyTorch", () => {
  const device = "cpu";
  const trainSet = new tdata.TensorDataset(det([64, 1, 28, 28], 5000, 0.5, 0.5).double(), detLabels(64, 5001, 10));
  const testSet = new tdata.TensorDataset(det([32, 1, 28, 28], 5002, 0.5, 0.5).double(), detLabels(32, 5003, 10));
  const trainLoader = new tdata.DataLoader(trainSet, { batchSize: 16, shuffle: false });
  const testLoader = new tdata.DataLoader(testSet, { batchSize: 16, shuffle: false });

  class Net extends nn.Module {
    conv1 = new nn.Conv2d(1, 10, { kernelSize: 5 });
    conv2 = new nn.Conv2d(10, 20, { kernelSize: 5 });
    conv2_drop = new nn.Dropout2d({ p: 0 }); // p=0 (the tutorial's 0.5 draws random masks)
    fc1 = new nn.Linear(320, 50);
    fc2 = new nn.Linear(50, 10);

    // Spatial transformer localization-network
    localization = new nn.Sequential(
      new nn.Conv2d(1, 8, { kernelSize: 7 }),
      new nn.MaxPool2d(2, { stride: 2 }),
      new nn.ReLU(true),
      new nn.Conv2d(8, 10, { kernelSize: 5 }),
      new nn.MaxPool2d(2, { stride: 2 }),
      new nn.ReLU(true),
    );

    // Regressor for the 3 * 2 affine matrix
    fc_loc = new nn.Sequential(
      new nn.Linear(10 * 3 * 3, 32),
      new nn.ReLU(true),
      new nn.Linear(32, 3 * 2),
    );

    initIdentity(): void {
      // Initialize the weights/bias with identity transformation
      (this.fc_loc.at(2) as nn.Linear).weight.data.zero_();
      (this.fc_loc.at(2) as nn.Linear).bias!.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], { dtype: torch.float }));
    }

    // Spatial transformer network forward function
    stn(x: Tensor): Tensor {
      let xs = this.localization(x);
      xs = xs.view(-1, 10 * 3 * 3);
      let theta = this.fc_loc(xs);
      theta = theta.view(-1, 2, 3);

      const grid = F.affineGrid(theta, x.size());
      x = F.gridSample(x, grid);

      return x;
    }

    forward(x: Tensor): Tensor {
      // transform the input
      x = this.stn(x);

      // Perform the usual forward pass
      x = F.relu(F.maxPool2d(this.conv1(x), 2));
      x = F.relu(F.maxPool2d(this.conv2_drop(this.conv2(x)), 2));
      x = x.view(-1, 320);
      x = F.relu(this.fc1(x));
      x = F.dropout(x, { training: false }); // training=False (the tutorial's self.training draws random masks)
      x = this.fc2(x);
      return F.logSoftmax(x, { dim: 1 });
    }
  }

  const model = new Net().to(device).double(); // in float64, as the fixture (see spatial_transformer.py)
  initDeterministic(model, 5100);
  // the identity start of the tutorial, plus a small deterministic perturbation (as the fixture)
  model.initIdentity();
  noGrad(() => {
    (model.fc_loc.at(2) as nn.Linear).bias!.add_(det([6], 5200, 0.05));
    (model.fc_loc.at(2) as nn.Linear).weight.copy_(det([6, 32], 5201, 0.01));
  });

  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  const printed: string[] = [];
  const losses: number[] = [];

  function train(epoch: number): void {
    model.train();
    let batchIdx = 0;
    for (let [data, target] of trainLoader) { // enumerate(train_loader): JS has no enumerate
      [data, target] = [data.to(device), target.to(device)];

      optimizer.zeroGrad();
      const output = model(data);
      const loss = F.nllLoss(output, target);
      loss.backward();
      optimizer.step();
      losses.push(loss.item());
      if (batchIdx % 2 === 0) {
        // '{:.0f}%' and '{:.6f}': JS has no format specs
        printed.push(`Train Epoch: ${epoch} [${batchIdx * data.shape[0]!}/${trainLoader.dataset.length} (${fixed0(100 * batchIdx / trainLoader.length)}%)]\tLoss: ${loss.item().toFixed(6)}`);
      }
      batchIdx++;
    }
  }

  // A simple test procedure to measure the STN performances on MNIST.
  function testModel(): [number, number] {
    return noGrad(() => {
      model.eval();
      let testLoss = 0;
      let correct = 0;
      for (let [data, target] of testLoader) {
        [data, target] = [data.to(device), target.to(device)];
        const output = model(data);

        // sum up batch loss
        testLoss += F.nllLoss(output, target, { sizeAverage: false }).item();
        // get the index of the max log-probability
        const pred = output.max(1, { keepdim: true })[1];
        correct += pred.eq(target.viewAs(pred)).sum().item();
      }

      testLoss /= testLoader.dataset.length;
      printed.push(`\nTest set: Average loss: ${testLoss.toFixed(4)}, Accuracy: ${correct}/${testLoader.dataset.length} (${fixed0(100 * correct / testLoader.dataset.length)}%)\n`);
      return [testLoss, correct];
    });
  }

  const results: [number, number][] = [];
  for (let epoch = 1; epoch < 2 + 1; epoch++) {
    train(epoch);
    results.push(testModel());
  }

  const data = noGrad(() => testLoader[Symbol.iterator]().next().value![0].to(device)); // next(iter(test_loader))[0]
  const transformed = noGrad(() => model.stn(data).cpu());

  assertClose(losses, FX.losses, { rtol: 1e-9 });
  assert.deepEqual(printed, FX.printed);
  assertClose(results.map(([l]) => l), (FX.results as [number, number][]).map(([l]) => l), { rtol: 1e-9 });
  assert.deepEqual(results.map(([, c]) => c), (FX.results as [number, number][]).map(([, c]) => c));
  assertTensor(transformed.narrow(0, 0, 2), FX.transformed, { atol: 1e-9 });
  for (const [name, p] of model.namedParameters()) {
    if (name.startsWith("fc_loc")) assertTensor(p, FX.params[name], { atol: 1e-10, rtol: 1e-8, msg: name });
  }
});

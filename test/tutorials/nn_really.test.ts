/**
 * "What is torch.nn really?" (pytorch.org/tutorials/beginner/nn_tutorial) translated line by
 * line, on test/fixtures/tutorials/nn_really.py's deterministic data and initial weights (no
 * MNIST download; the random streams differ), checked against PyTorch 1.13 (nn_really.json):
 * the from-scratch logistic regression (manual log_softmax, `input[range(n), target]`, updates
 * under no_grad), each refactoring (F.cross_entropy, nn.Module + nn.Parameter, nn.Linear,
 * optim, Dataset/DataLoader), fit() with validation, the CNN, nn.Sequential with a Lambda
 * layer and the WrappedDataLoader. Lines that needed more than the mechanical changes carry
 * a comment.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { data, nn, noGrad, optim, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const { DataLoader, TensorDataset } = data;
const FX = loadFixture("nn_really.json");

test("What is torch.nn really: from scratch, then each refactoring, match PyTorch's losses, accuracies and weights", () => {
  const [nTrain, nValid] = [256, 128];
  const [xTrain, yTrain] = [det([nTrain, 784], 6000, 0.5, 0.5), detLabels(nTrain, 6001, 10)];
  const [xValid, yValid] = [det([nValid, 784], 6002, 0.5, 0.5), detLabels(nValid, 6003, 10)];
  const [n, c] = xTrain.shape as [number, number];
  assert.deepEqual([n, c], FX.shape);
  assert.deepEqual([yTrain.min().item(), yTrain.max().item()], FX.y_minmax);

  // ---- Neural net from scratch (no torch.nn)
  const weights = det([784, 10], 6010).div(Math.sqrt(784)); // torch.randn(784, 10) / math.sqrt(784)
  weights.requiresGrad_();
  const bias = torch.zeros(10, { requiresGrad: true });

  const logSoftmax = (x: Tensor) => x.sub(x.exp().sum(-1).log().unsqueeze(-1));
  let model: (xb: Tensor) => Tensor = (xb) => logSoftmax(xb.matmul(weights).add(bias));

  const bs = 64; // batch size

  let xb = xTrain.index("0:" + bs); // x_train[0:bs]: a mini-batch from x
  const preds = model(xb); // predictions
  assertTensor(preds.index(0), FX.preds0, { atol: 1e-6 });
  assert.deepEqual(preds.shape, FX.preds_shape);

  const nll = (input: Tensor, target: Tensor) => input.index(torch.arange(target.shape[0]!), target).mean().neg(); // input[range(n), target]

  let lossFunc = nll;
  let yb = yTrain.index(`0:${bs}`);
  assertClose(lossFunc(preds, yb).item(), FX.loss0, { rtol: 1e-6 });

  const accuracy = (out: Tensor, yb: Tensor) => {
    const preds = torch.argmax(out, { dim: 1 });
    return preds.eq(yb).float().mean(); // (preds == yb).float().mean()
  };
  assertClose(accuracy(preds, yb).item(), FX.acc0);

  let lr = 0.5; // learning rate
  const epochs = 2; // how many epochs to train for

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
      const startI = i * bs;
      const endI = startI + bs;
      xb = xTrain.index(`${startI}:${endI}`);
      yb = yTrain.index(`${startI}:${endI}`);
      const pred = model(xb);
      const loss = lossFunc(pred, yb);

      loss.backward();
      noGrad(() => {
        weights.sub_(weights.grad!.mul(lr)); // weights -= weights.grad * lr
        bias.sub_(bias.grad!.mul(lr));
        weights.grad!.zero_();
        bias.grad!.zero_();
      });
    }
  }
  assertClose([lossFunc(model(xb), yb).item(), accuracy(model(xb), yb).item()], FX.scratch, { rtol: 1e-4 });
  assertTensor(weights.index(":5"), FX.scratch_weights, { atol: 1e-5, rtol: 1e-4 });

  // ---- Using torch.nn.functional
  lossFunc = F.crossEntropy;
  model = (xb) => xb.matmul(weights).add(bias);
  assertClose([lossFunc(model(xb), yb).item(), accuracy(model(xb), yb).item()], FX.functional, { rtol: 1e-4 });

  // ---- Refactor using nn.Module
  class MnistLogistic extends nn.Module {
    weights = new nn.Parameter(det([784, 10], 6010).div(Math.sqrt(784)));
    bias = new nn.Parameter(torch.zeros(10));
    forward(xb: Tensor): Tensor {
      return xb.matmul(this.weights).add(this.bias);
    }
  }

  let module: nn.Module = new MnistLogistic();
  assertClose(lossFunc(module(xb), yb).item(), FX.module_loss0, { rtol: 1e-6 });

  const fit0 = () => {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = 0; i < Math.floor((n - 1) / bs) + 1; i++) {
        const startI = i * bs;
        const endI = startI + bs;
        const xb = xTrain.index(`${startI}:${endI}`);
        const yb = yTrain.index(`${startI}:${endI}`);
        const pred = module(xb);
        const loss = lossFunc(pred, yb);

        loss.backward();
        noGrad(() => {
          for (const p of module.parameters()) p.sub_(p.grad!.mul(lr)); // p -= p.grad * lr
          module.zeroGrad();
        });
      }
    }
  };
  fit0();
  assertClose(lossFunc(module(xb), yb).item(), FX.module_loss, { rtol: 1e-4 });

  // ---- Refactor using nn.Linear
  class MnistLogisticLinear extends nn.Module { // redefines Mnist_Logistic: a class name is bound once in JS
    lin = new nn.Linear(784, 10);
    forward(xb: Tensor): Tensor {
      return this.lin(xb);
    }
  }
  module = new MnistLogisticLinear();
  initDeterministic(module, 6020);
  assertClose(lossFunc(module(xb), yb).item(), FX.linear_loss0, { rtol: 1e-6 });
  fit0();
  assertClose(lossFunc(module(xb), yb).item(), FX.linear_loss, { rtol: 1e-4 });

  // ---- Refactor using optim, Dataset, DataLoader
  const getModel = (): [nn.Module, optim.SGD] => {
    const model = new MnistLogisticLinear();
    initDeterministic(model, 6020);
    return [model, new optim.SGD(model.parameters(), { lr })];
  };

  let opt: optim.SGD;
  [module, opt] = getModel();
  const trainDs = new TensorDataset(xTrain, yTrain);
  let trainDl: Iterable<[Tensor, Tensor]> & { length: number } = new DataLoader(trainDs, { batchSize: bs });

  for (let epoch = 0; epoch < epochs; epoch++) {
    for ([xb, yb] of trainDl) {
      const pred = module(xb);
      const loss = lossFunc(pred, yb);

      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
  }
  assertClose(lossFunc(module(xb), yb).item(), FX.dl_loss, { rtol: 1e-4 });

  // ---- Add validation; create fit() and get_data()
  const validDs = new TensorDataset(xValid, yValid);
  const printed: [number, number][] = [];

  const lossBatch = (model: nn.Module, lossFunc: (a: Tensor, b: Tensor) => Tensor, xb: Tensor, yb: Tensor, opt: optim.Optimizer | null = null): [number, number] => {
    const loss = lossFunc(model(xb), yb);

    if (opt !== null) {
      loss.backward();
      opt.step();
      opt.zeroGrad();
    }

    return [loss.item(), xb.shape[0]!]; // len(xb)
  };

  const fit = (epochs: number, model: nn.Module, lossFunc: (a: Tensor, b: Tensor) => Tensor, opt: optim.Optimizer, trainDl: Iterable<[Tensor, Tensor]>, validDl: Iterable<[Tensor, Tensor]>) => {
    for (let epoch = 0; epoch < epochs; epoch++) {
      model.train();
      for (const [xb, yb] of trainDl) lossBatch(model, lossFunc, xb, yb, opt);

      model.eval();
      const [losses, nums] = noGrad(() => {
        const pairs = [...validDl].map(([xb, yb]) => lossBatch(model, lossFunc, xb, yb)); // zip(*[...]): no zip in JS
        return [pairs.map(([l]) => l), pairs.map(([, k]) => k)];
      });
      // np.sum(np.multiply(losses, nums)) / np.sum(nums): plain JS sums
      const valLoss = losses.reduce((s, l, i) => s + l * nums[i]!, 0) / nums.reduce((s, k) => s + k, 0);

      printed.push([epoch, valLoss]);
    }
  };

  const getData = (trainDs: data.Dataset<[Tensor, Tensor]>, validDs: data.Dataset<[Tensor, Tensor]>, bs: number) => [
    new DataLoader(trainDs, { batchSize: bs, shuffle: false }), // shuffle=True draws a random order
    new DataLoader(validDs, { batchSize: bs * 2 }),
  ] as const;

  let validDl: Iterable<[Tensor, Tensor]> & { length: number };
  [trainDl, validDl] = getData(trainDs, validDs, bs);
  [module, opt] = getModel();
  fit(epochs, module, lossFunc, opt, trainDl, validDl);

  // ---- Switch to CNN
  class MnistCNN extends nn.Module {
    conv1 = new nn.Conv2d(1, 16, { kernelSize: 3, stride: 2, padding: 1 });
    conv2 = new nn.Conv2d(16, 16, { kernelSize: 3, stride: 2, padding: 1 });
    conv3 = new nn.Conv2d(16, 10, { kernelSize: 3, stride: 2, padding: 1 });
    forward(xb: Tensor): Tensor {
      xb = xb.view(-1, 1, 28, 28);
      xb = F.relu(this.conv1(xb));
      xb = F.relu(this.conv2(xb));
      xb = F.relu(this.conv3(xb));
      xb = F.avgPool2d(xb, 4);
      return xb.view(-1, xb.size(1));
    }
  }

  lr = 0.1;
  module = new MnistCNN();
  initDeterministic(module, 6030);
  opt = new optim.SGD(module.parameters(), { lr, momentum: 0.9 });
  fit(epochs, module, lossFunc, opt, trainDl, validDl);

  // ---- nn.Sequential with a Lambda layer
  class Lambda extends nn.Module {
    constructor(readonly func: (x: Tensor) => Tensor) {
      super();
    }
    forward(x: Tensor): Tensor {
      return this.func(x);
    }
  }

  const preprocess = (x: Tensor) => x.view(-1, 1, 28, 28);

  module = new nn.Sequential(
    new Lambda(preprocess),
    new nn.Conv2d(1, 16, { kernelSize: 3, stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 16, { kernelSize: 3, stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 10, { kernelSize: 3, stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.AvgPool2d(4),
    new Lambda((x) => x.view(x.size(0), -1)),
  );
  initDeterministic(module, 6030);
  opt = new optim.SGD(module.parameters(), { lr, momentum: 0.9 });
  fit(epochs, module, lossFunc, opt, trainDl, validDl);

  // ---- Wrapping the DataLoader
  const preprocessXY = (x: Tensor, y: Tensor): [Tensor, Tensor] => [x.view(-1, 1, 28, 28), y]; // redefines preprocess

  class WrappedDataLoader {
    constructor(readonly dl: Iterable<[Tensor, Tensor]> & { length: number }, readonly func: (x: Tensor, y: Tensor) => [Tensor, Tensor]) {}
    get length(): number { // __len__
      return this.dl.length;
    }
    *[Symbol.iterator](): Generator<[Tensor, Tensor]> { // __iter__
      const batches = this.dl[Symbol.iterator]();
      for (let b = batches.next(); !b.done; b = batches.next()) yield this.func(...b.value);
    }
  }

  [trainDl, validDl] = getData(trainDs, validDs, bs);
  trainDl = new WrappedDataLoader(trainDl, preprocessXY);
  validDl = new WrappedDataLoader(validDl, preprocessXY);

  module = new nn.Sequential(
    new nn.Conv2d(1, 16, { kernelSize: 3, stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 16, { kernelSize: 3, stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(16, 10, { kernelSize: 3, stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1),
    new Lambda((x) => x.view(x.size(0), -1)),
  );
  initDeterministic(module, 6030);
  opt = new optim.SGD(module.parameters(), { lr, momentum: 0.9 });
  fit(epochs, module, lossFunc, opt, trainDl, validDl);

  assert.equal(trainDl.length, FX.wrapped_len);
  assert.deepEqual(printed.map(([e]) => e), (FX.printed as [number, number][]).map(([e]) => e));
  assertClose(printed.map(([, l]) => l), (FX.printed as [number, number][]).map(([, l]) => l), { rtol: 1e-4 });
  for (const [name, p] of module.namedParameters()) {
    if (name.startsWith("4.")) assertTensor(p, FX.final_params[name], { atol: 1e-5, rtol: 1e-4, msg: name });
  }
});

/**
 * The main job: the seed's SimpleNet (784-128-10, ReLU) — or a small CNN — trained on
 * Fashion-MNIST with CrossEntropyLoss and SGD, a progress bar per epoch, test accuracy
 * after each epoch, a safetensors checkpoint and the loss/accuracy curves as an SVG.
 *
 *   node --import tsx examples/fashion-mnist.ts --epochs 5 --lr 0.01 --batch-size 64 --model mlp
 *
 * Options: --epochs N, --lr X, --momentum X, --optimizer sgd|adam, --batch-size N, --model mlp|cnn, --seed N,
 * --data DIR (else FLUXION_DATA, else Debian's /usr/share/datasets/fashion-mnist), --out DIR.
 */
import { parseArgs } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nn, optim, data, io, utils, noGrad, manualSeed, Generator } from "../src/index.js";
import { SimpleNet, SmallCNN } from "./models.js";

const { values: args } = parseArgs({
  options: {
    epochs: { type: "string", default: "5" },
    lr: { type: "string", default: "0.01" },
    momentum: { type: "string", default: "0" },
    optimizer: { type: "string", default: "sgd" },
    "batch-size": { type: "string", default: "64" },
    model: { type: "string", default: "mlp" },
    seed: { type: "string", default: "0" },
    data: { type: "string" },
    out: { type: "string", default: "runs/fashion-mnist" },
  },
});
const epochs = Number(args.epochs), lr = Number(args.lr), momentum = Number(args.momentum);
const batchSize = Number(args["batch-size"]), seed = Number(args.seed);
if (args.model !== "mlp" && args.model !== "cnn") throw new Error(`--model must be mlp or cnn, got ${args.model}`);
if (args.optimizer !== "sgd" && args.optimizer !== "adam") throw new Error(`--optimizer must be sgd or adam, got ${args.optimizer}`);

manualSeed(seed);
const toTensor = new data.transforms.ToTensor();
const trainSet = new data.datasets.FashionMNIST({ root: args.data, train: true, transform: toTensor });
const testSet = new data.datasets.FashionMNIST({ root: args.data, train: false, transform: toTensor });
const trainLoader = new data.DataLoader(trainSet, { batchSize, shuffle: true, generator: new Generator(seed) });
const testLoader = new data.DataLoader(testSet, { batchSize: 1000 });

const model = args.model === "cnn" ? new SmallCNN() : new SimpleNet();
const criterion = new nn.CrossEntropyLoss();
const optimizer = args.optimizer === "adam" ? new optim.Adam(model.parameters(), { lr }) : new optim.SGD(model.parameters(), { lr, momentum });
console.log(model.toString());
console.log(`Fashion-MNIST: ${trainSet.length} training / ${testSet.length} test images from ${trainSet.files.images.replace(/\/[^/]*$/, "")}`);
console.log(`${args.optimizer === "adam" ? `Adam lr=${lr}` : `SGD lr=${lr} momentum=${momentum}`}, batch ${batchSize}, ${epochs} epochs, seed ${seed}`);

function evaluate(): { loss: number; accuracy: number } {
  model.eval();
  let correct = 0, total = 0, lossSum = 0;
  noGrad(() => {
    for (const [x, y] of testLoader) {
      const logits = model(x);
      lossSum += (criterion(logits, y).item() as number) * y.numel();
      correct += logits.argmax(1).eq(y).sum().item() as number;
      total += y.numel();
    }
  });
  model.train();
  return { loss: lossSum / total, accuracy: correct / total };
}

const history = { trainLoss: [] as number[], testLoss: [] as number[], testAccuracy: [] as number[], seconds: [] as number[] };
const started = Date.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  const t0 = Date.now();
  const bar = new utils.ProgressBar({ total: trainLoader.length, desc: `epoch ${epoch}/${epochs}` });
  let running = 0, seen = 0;
  for (const [x, y] of trainLoader) {
    optimizer.zeroGrad();
    const loss = criterion(model(x), y);
    loss.backward();
    optimizer.step();
    const l = loss.item() as number;
    running += l * y.numel();
    seen += y.numel();
    bar.update(1, { loss: l });
  }
  bar.close();
  const seconds = (Date.now() - t0) / 1000;
  const { loss, accuracy } = evaluate();
  history.trainLoss.push(running / seen);
  history.testLoss.push(loss);
  history.testAccuracy.push(accuracy);
  history.seconds.push(seconds);
  console.log(`epoch ${epoch}: train loss ${(running / seen).toFixed(4)}, test loss ${loss.toFixed(4)}, test accuracy ${(100 * accuracy).toFixed(2)}% (${seconds.toFixed(1)} s)`);
}

mkdirSync(args.out!, { recursive: true });
const checkpoint = join(args.out!, `${args.model}.safetensors`);
io.save(model.stateDict(), checkpoint);
const xs = history.trainLoss.map((_, i) => i + 1);
const svg = [
  utils.lineChartSvg({ title: `Fashion-MNIST ${args.model}: loss`, xLabel: "epoch", yLabel: "cross entropy", series: [{ name: "train", values: history.trainLoss, x: xs }, { name: "test", values: history.testLoss, x: xs }] }),
  utils.lineChartSvg({ title: `Fashion-MNIST ${args.model}: test accuracy`, xLabel: "epoch", yLabel: "accuracy", series: [{ name: "test", values: history.testAccuracy, x: xs }] }),
];
const curves = join(args.out!, `${args.model}-curves.svg`);
// two charts stacked in one SVG document
writeFileSync(curves, `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="800">\n<g>${svg[0]}</g>\n<g transform="translate(0 400)">${svg[1]}</g>\n</svg>\n`);
writeFileSync(join(args.out!, `${args.model}-metrics.json`), JSON.stringify({ args, ...history, totalSeconds: (Date.now() - started) / 1000 }, null, 2));
console.log(`final test accuracy ${(100 * history.testAccuracy.at(-1)!).toFixed(2)}%; checkpoint ${checkpoint}; curves ${curves}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);

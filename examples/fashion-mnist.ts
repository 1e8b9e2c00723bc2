/**
 * The main job: the seed's SimpleNet (784-128-10, ReLU) — or a small CNN — trained on
 * Fashion-MNIST with CrossEntropyLoss and SGD (or Adam), a progress bar per epoch (on
 * stderr), the test accuracy after each epoch, and per run a folder with the checkpoint,
 * the loss/accuracy curves (SVG) and the metrics (JSON). A best-<model>.safetensors next
 * to the run folders is replaced only by a better test accuracy (examples/runs.ts).
 *
 *   node --import tsx examples/fashion-mnist.ts --epochs 5 --lr 0.01 --model mlp
 *   node --import tsx examples/fashion-mnist.ts --help
 *
 * Exit codes: 0 done (or --help), 1 the run failed (e.g. the data is missing), 2 a bad
 * command line (a one-line message on stderr).
 */
import { createHash } from "node:crypto";
import { realpathSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { FluxionError, amp, compile, nn, optim, data, io, utils, noGrad, manualSeed, Generator, type Tensor } from "../src/index.js";
import { UsageError, decimal, existingDir, oneOf, optionsHelp, outputDir, parseOptions, wantsHelp, wholeNumber, type OptionTable, type ParsedOptions } from "./cli.js";
import { SimpleNet, SmallCNN } from "./models.js";
import { BestCheckpoint, claimRunDir } from "./runs.js";

export const OPTIONS = {
  epochs: { arg: "N", default: "5", help: "training epochs, a whole number >= 1", parse: wholeNumber(1) },
  lr: { arg: "X", default: "0.01", help: "learning rate, a number > 0", parse: decimal((v) => v > 0, "> 0") },
  momentum: { arg: "X", default: "0", help: "SGD momentum, 0 <= X < 1; SGD only", parse: decimal((v) => v >= 0 && v < 1, "from 0 up to (not including) 1") },
  optimizer: { arg: "sgd|adam", default: "sgd", help: "the optimizer", parse: oneOf("sgd", "adam") },
  "batch-size": { arg: "N", default: "64", help: "training batch size, a whole number >= 1", parse: wholeNumber(1) },
  model: { arg: "mlp|cnn", default: "mlp", help: "SimpleNet (784-128-10) or the small CNN", parse: oneOf("mlp", "cnn") },
  compile: { arg: "", flag: true, default: "false", help: "run the training step through compile() (one fused graph per step; docs/compile.md): the same results as without", parse: (raw) => raw === "true" },
  amp: { arg: "none|bf16", default: "none", help: "automatic mixed precision: bf16 runs matmuls and convolutions in bfloat16 (amp.autocast, docs/amp.md)", parse: oneOf("none", "bf16") },
  seed: { arg: "N", default: "0", help: "random seed (initialisation and shuffling), a whole number >= 0", parse: wholeNumber(0) },
  data: { arg: "DIR", defaultText: "$FLUXION_DATA, else /usr/share/datasets/fashion-mnist, else ~/.cache/fluxion/fashion-mnist", help: "directory holding the four Fashion-MNIST files; when given, the only place looked in", parse: existingDir },
  out: { arg: "DIR", default: "runs/fashion-mnist", help: "where run folders and best-<model>.safetensors go", parse: outputDir },
} satisfies OptionTable;

export const HELP = `Usage: scripts/fashion-mnist.sh [options]
   or: node --import tsx examples/fashion-mnist.ts [options]

Trains SimpleNet (or a small CNN) on Fashion-MNIST and reports the test accuracy after
each epoch. Each run writes a new folder OUT/<model>-<date>-<time>/ (model.safetensors,
curves.svg, metrics.json); OUT/best-<model>.safetensors is replaced only when a run
reaches a higher test accuracy on the same test set.

Options (--name value or --name=value):
${optionsHelp(OPTIONS)}

Exit codes: 0 done, 1 the run failed (e.g. data not found), 2 bad options.`;

const PROG = "fashion-mnist";

/** The command line's options, or "help"; a mistake is a UsageError (one line). */
export function parseCommandLine(argv: readonly string[]): ParsedOptions<typeof OPTIONS> | "help" {
  if (wantsHelp(argv, OPTIONS)) return "help";
  const args = parseOptions(argv, OPTIONS);
  if (args.optimizer === "adam" && args.momentum !== 0) throw new UsageError(`--momentum applies to --optimizer sgd only (Adam has no momentum option), got ${args.momentum}`);
  return args;
}

function main(argv: readonly string[]): number {
  const args = parseCommandLine(argv);
  if (args === "help") {
    console.log(HELP);
    return 0;
  }
  const { epochs, lr, momentum, seed } = args;
  const batchSize = args["batch-size"];

  manualSeed(seed);
  const toTensor = new data.transforms.ToTensor();
  const trainSet = new data.datasets.FashionMNIST({ root: args.data, train: true, transform: toTensor });
  const testSet = new data.datasets.FashionMNIST({ root: args.data, train: false, transform: toTensor });
  const trainLoader = new data.DataLoader(trainSet, { batchSize, shuffle: true, generator: new Generator(seed) });
  const testLoader = new data.DataLoader(testSet, { batchSize: 1000 });
  // identifies the test set, so a best checkpoint is only compared with runs measured on the same one
  const testDigest = createHash("sha256").update(testSet.images).update(testSet.labels).digest("hex").slice(0, 16);

  const model = args.model === "cnn" ? new SmallCNN() : new SimpleNet();
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = args.optimizer === "adam" ? new optim.Adam(model.parameters(), { lr }) : new optim.SGD(model.parameters(), { lr, momentum });
  console.log(model.toString());
  console.log(`Fashion-MNIST: ${trainSet.length} training / ${testSet.length} test images from ${trainSet.files.images.replace(/\/[^/]*$/, "")}`);
  console.log(`${args.optimizer === "adam" ? `Adam lr=${lr}` : `SGD lr=${lr} momentum=${momentum}`}, batch ${batchSize}, ${epochs} epoch${epochs === 1 ? "" : "s"}, seed ${seed}${args.amp === "bf16" ? ", bfloat16 autocast" : ""}${args.compile ? ", compiled step" : ""}`);
  // --amp bf16: forward and loss under autocast, backward outside it (as PyTorch's recipe);
  // bfloat16 has float32's range, so no GradScaler
  const autocast = { deviceType: "cpu", dtype: "bfloat16", enabled: args.amp === "bf16" } as const;

  const runDir = claimRunDir(args.out, args.model);
  const runName = relative(args.out, runDir);
  const bestPath = join(args.out, `best-${args.model}.safetensors`);
  const checkpoint = join(runDir, "model.safetensors"), curves = join(runDir, "curves.svg"), metricsPath = join(runDir, "metrics.json");
  console.log(`run folder: ${runDir}`);

  function evaluate(): { loss: number; accuracy: number } {
    model.eval();
    let correct = 0, total = 0, lossSum = 0;
    noGrad(() => {
      for (const [x, y] of testLoader) {
        const logits = amp.autocast(autocast, () => model(x));
        lossSum += (amp.autocast(autocast, () => criterion(logits, y)).item() as number) * y.numel();
        correct += logits.argmax(1).eq(y).sum().item() as number;
        total += y.numel();
      }
    });
    model.train();
    return { loss: lossSum / total, accuracy: correct / total };
  }

  const trainStep = (x: Tensor, y: Tensor): Tensor => {
    optimizer.zeroGrad();
    const loss = amp.autocast(autocast, () => criterion(model(x), y));
    loss.backward();
    optimizer.step();
    return loss;
  };
  // --compile: the same step recorded and run as one optimized graph per call (same results)
  const step = args.compile ? compile(trainStep) : trainStep;

  const history = { trainLoss: [] as number[], testLoss: [] as number[], testAccuracy: [] as number[], seconds: [] as number[] };
  const started = Date.now();
  const best = new BestCheckpoint(bestPath, testDigest);
  let runBest = { accuracy: -1, epoch: 0 };

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = Date.now();
    const bar = new utils.ProgressBar({ total: trainLoader.length, desc: `epoch ${epoch}/${epochs}` });
    let running = 0, seen = 0;
    for (const [x, y] of trainLoader) {
      const loss = step(x, y);
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

    // after every epoch, so an interrupted run keeps what it did
    const weights = model.stateDict();
    io.save(weights, checkpoint, { metadata: { model: args.model, epoch: String(epoch), testAccuracy: String(accuracy), testSet: testDigest } });
    if (accuracy > runBest.accuracy) runBest = { accuracy, epoch };
    best.offer(weights, { accuracy, run: runName, epoch, testSet: testDigest }, { model: args.model });
    writeFileSync(curves, curvesSvg(args.model, history));
    writeFileSync(metricsPath, `${JSON.stringify({ args, run: runName, testSet: testDigest, ...history, totalSeconds: (Date.now() - started) / 1000, best: best.outcome }, null, 2)}\n`);
  }

  console.log(`final test accuracy ${(100 * history.testAccuracy.at(-1)!).toFixed(2)}%; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`wrote ${checkpoint} (epoch ${epochs}), ${curves}, ${metricsPath}`);
  console.log(best.summary(runBest));
  return 0;
}

/** The loss and accuracy curves, stacked in one SVG; accuracy in percent as printed above. */
function curvesSvg(model: string, h: { trainLoss: number[]; testLoss: number[]; testAccuracy: number[] }): string {
  const xs = h.trainLoss.map((_, i) => i + 1);
  return utils.stackSvgs([
    utils.lineChartSvg({ title: `Fashion-MNIST ${model}: loss`, xLabel: "epoch", yLabel: "cross entropy", valueDecimals: 4, series: [{ name: "train", values: h.trainLoss, x: xs }, { name: "test", values: h.testLoss, x: xs }] }),
    utils.lineChartSvg({ title: `Fashion-MNIST ${model}: test accuracy`, xLabel: "epoch", yLabel: "test accuracy (%)", yUnit: "%", yBounds: [0, 100], valueDecimals: 2, series: [{ name: "test", values: h.testAccuracy.map((a) => 100 * a), x: xs }] }),
  ]);
}

// run only as a program: tests import OPTIONS and parseCommandLine
function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(resolve(process.argv[1]))).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${PROG}: ${e.message} (see --help)`);
      process.exitCode = 2;
    } else if (e instanceof FluxionError) {
      console.error(`${PROG}: ${e.message}`);
      process.exitCode = 1;
    } else throw e;
  }
}

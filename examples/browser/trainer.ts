/**
 * The browser demo's model side, free of the DOM: fetching Fashion-MNIST's IDX files from the
 * page's server (gunzipped in the page with DecompressionStream), training the seed's SimpleNet
 * on "cpu" or "webgpu" a batch at a time, measuring accuracy on held-out test images, and
 * predicting the class probabilities of one 28x28 image.
 *
 * The loop yields to the event loop after every step (the page stays responsive) and reads
 * values only with the asynchronous calls (`itemAsync`, `toArrayAsync`), which every device
 * answers; on WebGPU they are the only reads there are. Not here: anything on screen (main.ts).
 */
import { Generator, data, manualSeed, noGrad, nn, optim, tensor, type Tensor } from "../../src/index.js";
import { SimpleNet } from "../models.js";
import { splitFiles } from "./files.js";

/** Fashion-MNIST's ten classes, in label order. */
export const CLASSES: readonly string[] = data.datasets.FASHION_MNIST_SPEC.classes;
/** The training images' pixel mean and standard deviation (in [0, 1]): inputs are standardized with them. */
export const MEAN = 0.286, STD = 0.353;
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/** One split of the data set: count images of 28x28 bytes, and their labels. */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** An IDX file's bytes from `url`, gunzipped when they are gzip (the server may send either). */
async function fetchIdx(url: string, fetchFn: typeof fetch): Promise<data.IdxContents> {
  const res = await fetchFn(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${res.statusText}: ${(await res.text()).slice(0, 300)}`);
  let bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(inflated).arrayBuffer());
  }
  return data.parseIdx(bytes, url);
}

/** A split fetched from `base` (a URL folder holding the four files), checked for shape and labels. */
export async function fetchSplit(base: string, train: boolean, fetchFn: typeof fetch = fetch): Promise<Split> {
  const files = splitFiles(train);
  const dir = base.endsWith("/") ? base : `${base}/`;
  const [img, lbl] = await Promise.all([fetchIdx(dir + files.images, fetchFn), fetchIdx(dir + files.labels, fetchFn)]);
  if (img.type !== "uint8" || img.shape.length !== 3 || img.shape[1] !== SIDE || img.shape[2] !== SIDE) {
    throw new Error(`${files.images}: expected uint8 images [N, 28, 28], found ${img.type} [${img.shape.join(", ")}]`);
  }
  if (lbl.type !== "uint8" || lbl.shape.length !== 1 || lbl.shape[0] !== img.shape[0]) {
    throw new Error(`${files.labels}: expected ${img.shape[0]} uint8 labels, found ${lbl.type} [${lbl.shape.join(", ")}]`);
  }
  const labels = lbl.data as Uint8Array;
  if (labels.some((v) => v >= CLASSES.length)) throw new Error(`${files.labels}: a label outside 0..9; the file is corrupt`);
  return { images: img.data as Uint8Array, labels, count: img.shape[0]! };
}

/** Images (bytes, n of them) as the model's float32 input [n, 784] on the CPU, standardized. */
export function toInput(pixels: Uint8Array, n: number): Tensor {
  const x = new Float32Array(n * PIXELS);
  const scale = 1 / (255 * STD), shift = MEAN / STD;
  for (let i = 0; i < x.length; i++) x[i] = pixels[i]! * scale - shift;
  return tensor(x).reshape([n, PIXELS]);
}

export type Device = "cpu" | "webgpu";

export interface TrainOptions {
  device: Device;
  /** Optimizer steps (batches) to run. */
  steps: number;
  batchSize: number;
  /** Adam's learning rate. */
  lr: number;
  /** Train on the first trainSize training images (all by default). */
  trainSize?: number;
  /** Held-out test images the accuracy is measured on (the first evalSize of the test split). */
  evalSize: number;
  /** Measure accuracy every evalEvery steps (and after the last). */
  evalEvery: number;
  seed: number;
}

/** What the loop reports after each step. */
export interface StepReport {
  step: number;
  loss: number;
  /** Test accuracy in [0, 1], on the steps where it was measured. */
  accuracy?: number;
  /** Milliseconds since training started. */
  elapsedMs: number;
}

/**
 * Lets the browser render and handle input (and timers) between steps: a message posted to
 * ourselves comes back as an ordinary task, queued behind what is already waiting, and without
 * the 4 ms minimum of nested timeouts. (`scheduler.yield()` is not used: its continuation runs
 * before other waiting tasks, such as timers.)
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * SimpleNet, its optimizer and the data, on one device. `train` runs the steps; `evaluate`
 * and `predict` may be called at any time (they run without gradients).
 */
export class DemoTrainer {
  readonly model: SimpleNet;
  readonly device: Device;
  private readonly optimizer: optim.Adam;
  private readonly criterion = new nn.CrossEntropyLoss();
  private readonly loader: data.DataLoader<[Tensor, Tensor], [Tensor, Tensor]>;
  private readonly evalX: Tensor;
  private readonly evalY: Uint8Array;
  private stepsDone = 0;

  constructor(train: Split, test: Split, readonly opts: TrainOptions) {
    this.device = opts.device;
    manualSeed(opts.seed);
    this.model = new SimpleNet();
    this.model.to(opts.device);
    this.optimizer = new optim.Adam(this.model.parameters(), { lr: opts.lr });
    const n = Math.min(opts.trainSize ?? train.count, train.count);
    const images = tensor(train.images.subarray(0, n * PIXELS)).reshape([n, SIDE, SIDE]);
    const labels = tensor(Int32Array.from(train.labels.subarray(0, n)));
    this.loader = new data.DataLoader(new data.TensorDataset(images, labels), {
      batchSize: opts.batchSize, shuffle: true, dropLast: true, generator: new Generator(opts.seed),
    }) as data.DataLoader<[Tensor, Tensor], [Tensor, Tensor]>;
    const m = Math.min(opts.evalSize, test.count);
    this.evalX = toInput(test.images.subarray(0, m * PIXELS), m).to(opts.device);
    this.evalY = test.labels.subarray(0, m);
  }

  get step(): number {
    return this.stepsDone;
  }

  /**
   * Runs the remaining steps, calling `onStep` after each (awaited) and yielding to the event
   * loop; stops early when `shouldStop()` turns true.
   */
  async train(onStep: (r: StepReport) => void | Promise<void>, shouldStop: () => boolean = () => false): Promise<void> {
    const { steps, evalEvery } = this.opts;
    const start = performance.now();
    this.model.train();
    while (this.stepsDone < steps && !shouldStop()) {
      for (const [images, labels] of this.loader) {
        const n = images.shape[0]!;
        const x = toInput(images.toTypedArray() as Uint8Array, n).to(this.device);
        const y = labels.to(this.device);
        this.optimizer.zeroGrad();
        const loss = this.criterion.forward(this.model.forward(x), y);
        loss.backward();
        this.optimizer.step();
        const report: StepReport = { step: ++this.stepsDone, loss: await loss.itemAsync(), elapsedMs: 0 };
        if (this.stepsDone % evalEvery === 0 || this.stepsDone === steps) report.accuracy = await this.evaluate();
        report.elapsedMs = performance.now() - start;
        await onStep(report);
        await yieldToEventLoop();
        if (this.stepsDone >= steps || shouldStop()) break;
      }
    }
  }

  /** Accuracy in [0, 1] on the held-out test images. */
  async evaluate(): Promise<number> {
    const wasTraining = this.model.training;
    this.model.eval();
    const predicted = noGrad(() => this.model.forward(this.evalX).argmax(1));
    if (wasTraining) this.model.train();
    const got = (await predicted.toArrayAsync()) as ArrayLike<number>;
    let right = 0;
    for (let i = 0; i < this.evalY.length; i++) if (got[i] === this.evalY[i]) right++;
    return right / this.evalY.length;
  }

  /** The ten class probabilities for one image of 784 bytes (0 = black background, 255 = white). */
  async predict(pixels: Uint8Array): Promise<number[]> {
    if (pixels.length !== PIXELS) throw new Error(`predict: expected ${PIXELS} pixels (28x28), got ${pixels.length}`);
    const wasTraining = this.model.training;
    this.model.eval();
    const probs = noGrad(() => this.model.forward(toInput(pixels, 1).to(this.device)).softmax(1));
    if (wasTraining) this.model.train();
    return Array.from((await probs.toArrayAsync()) as Float32Array);
  }
}

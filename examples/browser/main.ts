/**
 * The browser demo's page: the backend switch (WebGPU when `navigator.gpu` gives an adapter,
 * else the CPU's TypeScript kernels), the training controls, the progress bar and the live
 * loss/accuracy charts (utils.lineChartSvg), and the canvas where the user draws, or picks a
 * test image, and sees the predicted class with its probabilities. The model side lives in
 * trainer.ts; this file only wires it to the DOM.
 *
 * URL parameters preset the form and the data (the browser test uses them): backend=cpu|webgpu,
 * steps, batch, lr, train (train on the first N images), eval (held-out test images), every
 * (steps between accuracy measurements), seed, data (the URL folder of the IDX files).
 * `window.fluxionDemo` exposes the page's state for tests and for the curious.
 */
import { initWebGPU, utils } from "../../src/index.js";
import { CLASSES, DemoTrainer, PIXELS, SIDE, fetchSplit, type Device, type Split, type StepReport } from "./trainer.js";

const params = new URLSearchParams(location.search);
const intParam = (name: string, fallback: number) => {
  const v = Number(params.get(name));
  return params.has(name) && Number.isInteger(v) && v > 0 ? v : fallback;
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const backendSelect = $<HTMLSelectElement>("backend");
const stepsInput = $<HTMLInputElement>("steps");
const batchInput = $<HTMLInputElement>("batch");
const lrInput = $<HTMLInputElement>("lr");
const trainButton = $<HTMLButtonElement>("train");
const stopButton = $<HTMLButtonElement>("stop");
const progress = $<HTMLProgressElement>("progress");
const statusLine = $<HTMLParagraphElement>("status");
const lossChart = $<HTMLDivElement>("loss-chart");
const accuracyChart = $<HTMLDivElement>("accuracy-chart");
const canvas = $<HTMLCanvasElement>("canvas");
const pickButton = $<HTMLButtonElement>("pick");
const clearButton = $<HTMLButtonElement>("clear");
const truthLine = $<HTMLParagraphElement>("truth");
const predictionList = $<HTMLOListElement>("prediction");

type State = "loading" | "ready" | "training" | "done" | "error";

/** Finished runs, the picked image and the last prediction: read by the browser test. */
interface DemoState {
  state: State;
  webgpu: { adapter: string } | { error: string } | null;
  runs: { backend: Device; steps: number; accuracy: number; loss: number; elapsedMs: number }[];
  pick: { index: number; label: number } | null;
  /** The 28x28 bytes the last prediction was made from (read back from the canvas). */
  input: number[] | null;
  probabilities: number[] | null;
  /** Predictions shown so far. */
  predictions: number;
}
const demo: DemoState = { state: "loading", webgpu: null, runs: [], pick: null, input: null, probabilities: null, predictions: 0 };
(window as unknown as { fluxionDemo: DemoState }).fluxionDemo = demo;

function setState(state: State, message?: string): void {
  demo.state = state;
  document.body.dataset.state = state;
  if (message !== undefined) statusLine.textContent = message;
}

let train: Split | null = null;
let test: Split | null = null;
let trainer: DemoTrainer | null = null;
let stopRequested = false;

// ---- start: the data and WebGPU, together --------------------------------------------------

async function start(): Promise<void> {
  stepsInput.value = String(intParam("steps", Number(stepsInput.value)));
  batchInput.value = String(intParam("batch", Number(batchInput.value)));
  if (params.has("lr")) lrInput.value = params.get("lr")!;
  const base = params.get("data") ?? "data/";
  const gpu = findWebGPU();
  try {
    [train, test] = await Promise.all([fetchSplit(base, true), fetchSplit(base, false)]);
  } catch (e) {
    setState("error", `Could not load Fashion-MNIST: ${(e as Error).message}\nServe the page with \`npm run demo\`, which serves the IDX files too.`);
    return;
  }
  await gpu;
  const wanted = params.get("backend");
  if (wanted === "cpu" || wanted === "webgpu") selectBackend(wanted);
  trainButton.disabled = false;
  pickButton.disabled = false;
  setState("ready", `Fashion-MNIST loaded: ${train.count} training and ${test.count} test images. Pick a backend and train.`);
}

async function findWebGPU(): Promise<void> {
  const option = backendSelect.querySelector<HTMLOptionElement>('option[value="webgpu"]')!;
  try {
    const { adapter } = await initWebGPU();
    demo.webgpu = { adapter };
    option.disabled = false;
    option.textContent = `WebGPU (${adapter || "adapter"})`;
    backendSelect.value = "webgpu";
  } catch (e) {
    const why = (e as Error).message.replace(/^initWebGPU: /, "");
    demo.webgpu = { error: why };
    option.textContent = "WebGPU (not available here)";
    option.title = why;
    backendSelect.value = "cpu";
  }
}

function selectBackend(device: Device): void {
  const option = backendSelect.querySelector<HTMLOptionElement>(`option[value="${device}"]`)!;
  if (!option.disabled) backendSelect.value = device;
}

// ---- training ------------------------------------------------------------------------------

function numberFrom(input: HTMLInputElement, what: string, check: (v: number) => boolean): number {
  const v = Number(input.value);
  if (!input.value || !check(v)) throw new Error(`${what}: ${input.value || "(empty)"} is not valid (${input.min}..${input.max})`);
  return v;
}

$<HTMLFormElement>("settings").addEventListener("submit", (event) => {
  event.preventDefault();
  void runTraining();
});
stopButton.addEventListener("click", () => (stopRequested = true));

async function runTraining(): Promise<void> {
  if (!train || !test || demo.state === "training") return;
  let steps: number, batchSize: number, lr: number;
  try {
    steps = numberFrom(stepsInput, "steps", (v) => Number.isInteger(v) && v >= 1);
    batchSize = numberFrom(batchInput, "batch size", (v) => Number.isInteger(v) && v >= 1 && v <= 1024);
    lr = numberFrom(lrInput, "learning rate", (v) => v > 0 && v <= 1);
  } catch (e) {
    statusLine.textContent = (e as Error).message;
    return;
  }
  const device = backendSelect.value as Device;
  const evalEvery = intParam("every", Math.max(10, Math.round(steps / 20)));
  trainer = new DemoTrainer(train, test, {
    device, steps, batchSize, lr, evalEvery,
    trainSize: intParam("train", train.count), evalSize: intParam("eval", 1000), seed: intParam("seed", 0),
  });
  stopRequested = false;
  trainButton.disabled = true;
  backendSelect.disabled = true;
  stopButton.disabled = false;
  progress.max = steps;
  progress.value = 0;
  setState("training", `Training on ${device}…`);
  const curves = new Curves(Math.max(1, Math.round(steps / 100)));
  let last: StepReport | null = null, accuracy = NaN;
  try {
    await trainer.train((r) => {
      last = r;
      progress.value = r.step;
      curves.add(r);
      if (r.accuracy !== undefined) accuracy = r.accuracy;
      const rate = (r.step / r.elapsedMs) * 1000;
      statusLine.textContent = `${device}: step ${r.step}/${steps} · loss ${r.loss.toFixed(3)} · test accuracy ${fmtPercent(accuracy)} · ${rate.toFixed(1)} steps/s`;
    }, () => stopRequested);
  } catch (e) {
    setState("error", `Training failed on ${device}: ${(e as Error).message}`);
    console.error(e);
    return;
  } finally {
    trainButton.disabled = false;
    backendSelect.disabled = false;
    stopButton.disabled = true;
  }
  const r = last as StepReport | null;
  if (r === null) {
    setState("done", "Stopped before the first step.");
    return;
  }
  if (r.accuracy === undefined) accuracy = await trainer.evaluate(); // stopped between measurements
  demo.runs.push({ backend: device, steps: r.step, accuracy, loss: r.loss, elapsedMs: r.elapsedMs });
  setState("done", `Done on ${device}: ${r.step} steps in ${(r.elapsedMs / 1000).toFixed(1)} s; test accuracy ${fmtPercent(accuracy)} on ${intParam("eval", 1000)} held-out images. Draw or pick an image →`);
  if (demo.input) void predict(new Uint8Array(demo.input)); // refresh the shown prediction
}

function fmtPercent(v: number): string {
  return Number.isNaN(v) ? "–" : `${(v * 100).toFixed(1)}%`;
}

/** The charts' data: the loss averaged over windows of `every` steps, and the accuracy when measured. */
class Curves {
  private lossX: number[] = [];
  private loss: number[] = [];
  private accX: number[] = [];
  private acc: number[] = [];
  private sum = 0;
  private count = 0;
  constructor(private readonly every: number) {
    this.draw();
  }
  add(r: StepReport): void {
    this.sum += r.loss;
    this.count++;
    let changed = false;
    if (this.count === this.every) {
      this.lossX.push(r.step);
      this.loss.push(this.sum / this.count);
      this.sum = this.count = 0;
      changed = true;
    }
    if (r.accuracy !== undefined) {
      this.accX.push(r.step);
      this.acc.push(r.accuracy * 100);
      changed = true;
    }
    if (changed) this.draw();
  }
  private draw(): void {
    const size = { width: 520, height: 300 };
    lossChart.innerHTML = utils.lineChartSvg({ ...size, title: "training loss", xLabel: "step", series: [{ name: "loss", values: this.loss, x: this.lossX }] });
    accuracyChart.innerHTML = utils.lineChartSvg({
      ...size, title: "test accuracy", xLabel: "step", yUnit: "%", yBounds: [0, 100], valueDecimals: 1,
      series: [{ name: "held-out", values: this.acc, x: this.accX, color: "#2ca02c" }],
    });
  }
}

// ---- the canvas: drawing, picking, predicting ----------------------------------------------

const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
const SCALE = canvas.width / SIDE;

function clearCanvas(): void {
  ctx.fillStyle = "black";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}
clearCanvas();

let drawing = false;
function pointAt(event: PointerEvent): [number, number] {
  const box = canvas.getBoundingClientRect();
  return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
}
canvas.addEventListener("pointerdown", (event) => {
  drawing = true;
  canvas.setPointerCapture(event.pointerId);
  if (demo.pick) {
    // drawing over a test image starts a new drawing
    clearCanvas();
    demo.pick = null;
    truthLine.textContent = "";
  }
  const [x, y] = pointAt(event);
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x + 0.01, y);
  stroke();
});
canvas.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const [x, y] = pointAt(event);
  ctx.lineTo(x, y);
  stroke();
});
const endStroke = () => {
  if (!drawing) return;
  drawing = false;
  void predict(canvasPixels());
};
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);

function stroke(): void {
  ctx.strokeStyle = "white";
  ctx.lineWidth = 2.2 * SCALE;
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.stroke();
}

clearButton.addEventListener("click", () => {
  clearCanvas();
  demo.pick = null;
  demo.input = demo.probabilities = null;
  truthLine.textContent = "";
  predictionList.replaceChildren();
});

/** The canvas as 28x28 bytes: the mean brightness of each SCALE x SCALE block. */
function canvasPixels(): Uint8Array {
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const out = new Uint8Array(PIXELS);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let sum = 0;
      for (let y = r * SCALE; y < (r + 1) * SCALE; y++) {
        for (let x = c * SCALE; x < (c + 1) * SCALE; x++) sum += data[(y * canvas.width + x) * 4]!; // red = gray
      }
      out[r * SIDE + c] = Math.round(sum / (SCALE * SCALE));
    }
  }
  return out;
}

/** Test images in a seeded random order, so a page with the same `seed` picks the same ones. */
let pickCount = 0;
function nextPick(count: number): number {
  // a multiplicative walk over the indices (Knuth's hash), seeded
  return (Math.imul(pickCount++ + intParam("seed", 0) * 7919 + 1, 2654435761) >>> 0) % count;
}

pickButton.addEventListener("click", () => {
  if (!test) return;
  const index = nextPick(test.count), label = test.labels[index]!;
  const img = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < PIXELS; i++) {
    const v = test.images[index * PIXELS + i]!;
    img.data.set([v, v, v, 255], i * 4);
  }
  // draw the 28x28 image scaled up, each pixel a SCALE x SCALE block
  const small = document.createElement("canvas");
  small.width = small.height = SIDE;
  small.getContext("2d")!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  demo.pick = { index, label };
  truthLine.textContent = `Test image #${index}: ${CLASSES[label]}`;
  void predict(canvasPixels());
});

let predicting = 0;
async function predict(pixels: Uint8Array): Promise<void> {
  demo.input = Array.from(pixels);
  if (!trainer) {
    predictionList.replaceChildren(Object.assign(document.createElement("li"), { textContent: "Train the model first." }));
    return;
  }
  const ticket = ++predicting;
  const probs = await trainer.predict(pixels);
  if (ticket !== predicting) return; // a later prediction is on its way
  demo.probabilities = probs;
  demo.predictions++;
  const top = probs.indexOf(Math.max(...probs));
  predictionList.dataset.predicted = String(top);
  predictionList.replaceChildren(...probs.map((p, i) => {
    const li = document.createElement("li");
    li.className = i === top ? "top" : "";
    const name = Object.assign(document.createElement("span"), { textContent: CLASSES[i]! });
    const track = document.createElement("span");
    const bar = Object.assign(document.createElement("div"), { className: "bar" });
    bar.style.width = `${(p * 100).toFixed(1)}%`;
    track.append(bar);
    const value = Object.assign(document.createElement("span"), { className: "value", textContent: `${(p * 100).toFixed(1)}%` });
    li.append(name, track, value);
    return li;
  }));
}

void start();

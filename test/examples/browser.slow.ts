/**
 * The browser demo (examples/browser/) in real headless Chromium, driven by playwright-core
 * pointed at the system's Chromium (no browser download): the page is built with esbuild and
 * served with the demo's own server, fetches Fashion-MNIST's IDX files from it, and trains
 * the seed's SimpleNet a few hundred steps on a subset, on each backend — the CPU's TypeScript
 * kernels, and WebGPU through Chromium's software Vulkan driver (SwiftShader). The held-out
 * accuracy the page measures must pass 70%. The canvas path is checked too, against the test
 * files read here in Node: a picked test image comes back from the canvas as the file's exact
 * pixels, the page shows the file's label, and most predictions match it; a stroke drawn
 * with the mouse is read back where it was drawn and predicted (ten probabilities summing to 1).
 *
 * Skips, saying why, without Chromium (/usr/bin/chromium, or $CHROMIUM) or the data set
 * (Debian's dataset-fashion-mnist); .ci/run installs both. The WebGPU test skips when the
 * page finds no adapter. The demo server's own test (what it serves, and refuses) needs neither.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { data } from "../../src/index.js";
import { buildDemo } from "../../examples/browser/build.js";
import { DEFAULT_DATA_DIR, missingDataFiles, startDemoServer, type DemoServer } from "../../examples/browser/serve.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const dataDir = process.env.FLUXION_DATA ?? DEFAULT_DATA_DIR;

function skipReason(): string | false {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (on Debian: apt-get install chromium, as .ci/run does; or set CHROMIUM)`;
  const missing = existsSync(dataDir) ? missingDataFiles(dataDir) : ["the folder"];
  if (missing.length) return `Fashion-MNIST not in ${dataDir} (missing ${missing.join(", ")}; on Debian: apt-get install dataset-fashion-mnist)`;
  return false;
}
const skip = skipReason();

/**
 * The runs, on a 10000-image subset: on the CPU a few hundred steps (about 5 s on two cores),
 * reaching ~82% held-out. SwiftShader runs the WebGPU kernels some 100 times slower than a GPU
 * (~0.4 s a step here, mostly the matmuls; ~2 s to evaluate 500 images), so there fewer,
 * larger steps at a higher learning rate, which reach ~80% as well (the same runs in Node:
 * 79-82% over seeds).
 */
const RUNS = {
  cpu: { steps: 200, batch: 32, lr: 0.001, train: 10000, eval: 1000, every: 50 },
  webgpu: { steps: 60, batch: 64, lr: 0.002, train: 10000, eval: 500, every: 30 },
};
type Backend = keyof typeof RUNS;

let browser: Browser | null = null;
let server: DemoServer | null = null;
let outDir = "";
const testImages = skip ? null : data.readIdxFile(path.join(dataDir, "t10k-images-idx3-ubyte.gz")).data as Uint8Array;
const testLabels = skip ? null : data.readIdxFile(path.join(dataDir, "t10k-labels-idx1-ubyte.gz")).data as Uint8Array;

before(async () => {
  if (skip) return;
  outDir = mkdtempSync(path.join(os.tmpdir(), "fluxion-demo-"));
  const built = await buildDemo(outDir);
  assert.deepEqual(built.inputs.filter((f) => f.startsWith("node:") || !f.includes("/")), [], "no Node built-in in the bundle");
  server = await startDemoServer({ pageDir: outDir, dataDir });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: ["--headless"],
    args: [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--enable-unsafe-webgpu",
    ], // playwright gives the browser a fresh temporary --user-data-dir of its own
    env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD },
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

interface DemoState {
  state: string;
  webgpu: { adapter: string } | { error: string } | null;
  runs: { backend: string; steps: number; accuracy: number; loss: number; elapsedMs: number }[];
  pick: { index: number; label: number } | null;
  input: number[] | null;
  probabilities: number[] | null;
  predictions: number;
}

// what runs in the page is written as expression strings: this file is checked without the DOM's types
const demoState = (page: Page) => page.evaluate("window.fluxionDemo") as Promise<DemoState>;
const progressValue = (page: Page) => page.evaluate('document.getElementById("progress").value') as Promise<number>;
const stateIn = (states: string[]) => `${JSON.stringify(states)}.includes(document.body.dataset.state)`;
const predictionsAbove = (n: number) => `window.fluxionDemo.predictions > ${n}`;

/** Opens the page with the run's settings; fails on any page error. */
async function openPage(backend: Backend): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const query = new URLSearchParams({ backend, ...Object.fromEntries(Object.entries(RUNS[backend]).map(([k, v]) => [k, String(v)])) });
  await page.goto(`${server!.url}?${query}`);
  await page.waitForFunction(stateIn(["ready", "error"]), null, { timeout: 60_000 });
  assert.equal(await page.getAttribute("body", "data-state"), "ready", await page.textContent("#status") ?? "");
  return { page, errors };
}

/** Trains through the UI (backend switch, Train button) and returns the finished run. */
async function trainOn(page: Page, backend: Backend): Promise<DemoState["runs"][number]> {
  const RUN = RUNS[backend];
  await page.selectOption("#backend", backend);
  await page.click("#train");
  // the loop yields between steps: while it trains, the page answers at once and the bar moves
  await page.waitForFunction('document.getElementById("progress").value >= 2', null, { timeout: 120_000, polling: 50 });
  const t0 = performance.now();
  const midway = await progressValue(page);
  assert.ok(performance.now() - t0 < 2000, `the page took ${performance.now() - t0} ms to answer while training`);
  assert.equal(await page.getAttribute("body", "data-state"), "training");
  assert.ok(midway < RUN.steps, "the progress bar shows a step before the last");
  await page.waitForFunction(stateIn(["done", "error"]), null, { timeout: 300_000, polling: 200 });
  const status = (await page.textContent("#status")) ?? "";
  assert.equal(await page.getAttribute("body", "data-state"), "done", status);
  const { runs } = await demoState(page);
  const run = runs.at(-1)!;
  assert.equal(run.backend, backend);
  assert.equal(run.steps, RUN.steps);
  assert.equal(await progressValue(page), RUN.steps, "the progress bar is full");
  // the charts: a loss curve and an accuracy curve with a point per measurement
  assert.ok(await page.$("#loss-chart svg polyline"), "a loss curve is drawn");
  assert.equal(await page.$$eval("#accuracy-chart svg circle", (c) => c.length), RUN.steps / RUN.every);
  return run;
}

/** Picks the next test image and waits for its prediction. */
async function pick(page: Page): Promise<DemoState> {
  const before = (await demoState(page)).predictions;
  await page.click("#pick");
  await page.waitForFunction(predictionsAbove(before));
  return demoState(page);
}

function checkProbabilities(probs: number[] | null, what: string): number {
  assert.ok(probs && probs.length === 10, `${what}: ten probabilities`);
  assert.ok(probs.every((p) => p >= 0 && p <= 1), `${what}: probabilities in [0, 1]: ${probs}`);
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4, `${what}: they sum to 1`);
  return probs.indexOf(Math.max(...probs));
}

/**
 * The canvas path: picked test images come back from the 280x280 canvas as the file's pixels,
 * the predictions shown are ten probabilities, and most are right (the model is past 70%).
 * Then a stroke drawn with the mouse is predicted from what was drawn.
 */
async function checkCanvas(page: Page, picks: number): Promise<{ right: number }> {
  let right = 0;
  for (let i = 0; i < picks; i++) {
    const s = await pick(page);
    const { index, label } = s.pick!;
    assert.equal(label, testLabels![index], "the page shows the file's label");
    assert.deepEqual(s.input, Array.from(testImages!.subarray(index * 784, (index + 1) * 784)), `test image ${index} read back from the canvas`);
    const top = checkProbabilities(s.probabilities, `test image ${index}`);
    assert.equal(await page.getAttribute("#prediction", "data-predicted"), String(top));
    assert.equal(await page.$$eval("#prediction li", (li) => li.length), 10);
    if (top === label) right++;
  }
  // draw: a vertical bar down the middle of the canvas, with the mouse
  await page.click("#clear");
  const { x, y, width, height } = (await page.locator("#canvas").boundingBox())!;
  const before = (await demoState(page)).predictions;
  await page.mouse.move(x + width / 2, y + height * 0.15);
  await page.mouse.down();
  for (let t = 1; t <= 10; t++) await page.mouse.move(x + width / 2, y + height * (0.15 + 0.07 * t));
  await page.mouse.up();
  await page.waitForFunction(predictionsAbove(before));
  const drawn = await demoState(page);
  assert.equal(drawn.pick, null);
  const input = drawn.input!;
  assert.equal(input.length, 784);
  assert.ok(input[14 * 28 + 14]! > 200, "the stroke's middle is white");
  assert.equal(input[14 * 28 + 2], 0, "away from the stroke the canvas is black");
  assert.equal(input[1 * 28 + 14], 0, "above the stroke's start the canvas is black");
  checkProbabilities(drawn.probabilities, "the drawing");
  return { right };
}

test("the page trains SimpleNet on the CPU backend past 70% held-out accuracy, and predicts from the canvas", { skip, timeout: 600_000 }, async () => {
  const { page, errors } = await openPage("cpu");
  const run = await trainOn(page, "cpu");
  console.log(`# cpu: ${run.steps} steps (batch ${RUNS.cpu.batch}) in ${(run.elapsedMs / 1000).toFixed(1)} s, held-out accuracy ${(run.accuracy * 100).toFixed(1)}%`);
  assert.ok(run.accuracy > 0.7, `held-out accuracy ${run.accuracy}`);
  const { right } = await checkCanvas(page, 20);
  assert.ok(right >= 12, `${right} of 20 picked test images predicted right`);
  // train again on the same page, and stop it midway with the Stop button
  await page.click("#train");
  await page.waitForFunction('document.getElementById("progress").value >= 5', null, { polling: 20 });
  await page.click("#stop");
  await page.waitForFunction(stateIn(["done", "error"]), null, { polling: 50 });
  const { runs } = await demoState(page);
  assert.equal(runs.length, 2, (await page.textContent("#status")) ?? "");
  assert.ok(runs[1]!.steps >= 5 && runs[1]!.steps < RUNS.cpu.steps, `stopped after ${runs[1]!.steps} steps`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page trains SimpleNet on WebGPU (SwiftShader) past 70% held-out accuracy, and predicts from the canvas", { skip, timeout: 600_000 }, async (t) => {
  const { page, errors } = await openPage("webgpu");
  const { webgpu } = await demoState(page);
  if (webgpu === null || "error" in webgpu) {
    t.skip(`the page found no WebGPU adapter: ${webgpu && "error" in webgpu ? webgpu.error : "?"}`);
    await page.close();
    return;
  }
  const run = await trainOn(page, "webgpu");
  console.log(`# webgpu (${webgpu.adapter || "adapter"}): ${run.steps} steps (batch ${RUNS.webgpu.batch}) in ${(run.elapsedMs / 1000).toFixed(1)} s, held-out accuracy ${(run.accuracy * 100).toFixed(1)}%`);
  assert.ok(run.accuracy > 0.7, `held-out accuracy ${run.accuracy}`);
  const { right } = await checkCanvas(page, 10);
  assert.ok(right >= 6, `${right} of 10 picked test images predicted right`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the demo server serves the page and the four data files, nothing else, and lists what data is missing", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fluxion-demo-server-"));
  try {
    const page = path.join(dir, "page"), dataFolder = path.join(dir, "data");
    mkdirSync(page);
    mkdirSync(dataFolder);
    writeFileSync(path.join(page, "index.html"), "<p>page</p>");
    writeFileSync(path.join(dir, "secret.txt"), "secret");
    writeFileSync(path.join(dataFolder, "t10k-labels-idx1-ubyte.gz"), "labels");
    assert.deepEqual(missingDataFiles(dataFolder), ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]);
    const srv = await startDemoServer({ pageDir: page, dataDir: dataFolder });
    try {
      const get = async (p: string) => {
        const r = await fetch(srv.url + p);
        return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
      };
      assert.deepEqual(await get(""), { status: 200, type: "text/html; charset=utf-8", body: "<p>page</p>" });
      const headers = (await fetch(srv.url)).headers;
      assert.deepEqual([headers.get("cross-origin-opener-policy"), headers.get("cross-origin-embedder-policy")], ["same-origin", "require-corp"], "cross-origin isolated");
      assert.deepEqual(await get("data/t10k-labels-idx1-ubyte.gz"), { status: 200, type: "application/gzip", body: "labels" });
      const missing = await get("data/train-images-idx3-ubyte.gz");
      assert.equal(missing.status, 404);
      assert.ok(missing.body.includes(`looked for in ${dataFolder}`), missing.body);
      for (const p of ["secret.txt", "../secret.txt", "%2e%2e/secret.txt", "data/../secret.txt", "data/%2e%2e%2fsecret.txt", "page/index.html"]) {
        assert.equal((await get(p)).status, 404, p);
      }
      assert.equal((await fetch(srv.url, { method: "POST" })).status, 405);
    } finally {
      await srv.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

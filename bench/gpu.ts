/**
 * `npm run bench:gpu`: the WebGPU backend's speed targets of issue 14, in one short run meant for
 * a machine with a real GPU (bench/gpu_pack.sh packs it for one without Node.js):
 *   - float32 GEMM n = 1024, 2048, 4096 on "webgpu", in TFLOP/s (target at 4096: >= 25 on an
 *     H100/H200 through Dawn/Vulkan);
 *   - the seed's SimpleNet training step at batch 1024 (SGD, CrossEntropyLoss) on "webgpu"
 *     against the same step on the CPU backend at all of the machine's cores (target: >= 5x).
 * GPU timings sync by reading one value back after a run of calls (reads wait for the queue).
 * On a software driver (SwiftShader, lavapipe) the numbers are correctness-only: `--quick` runs
 * small sizes there (what test/bench/gpu_bench.test.ts checks).
 *
 *   npm run bench:gpu [-- --quick] [-- --json FILE]
 */
import { cpus } from "node:os";
import { writeFileSync } from "node:fs";
import { initWebGPU, nn, optim, randn, randint, setNumThreads, getNumThreads, manualSeed, nativeStatus, type Tensor } from "../src/index.js";
import { SimpleNet } from "../examples/models.js";

interface Row { case: string; device: string; ms: number; reps: number; tflops?: number; note?: string }

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const jsonAt = args.indexOf("--json");
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !jsonFile) throw new Error("bench/gpu.ts: --json needs a file name");
for (const a of args) if (a.startsWith("--") && a !== "--quick" && a !== "--json") throw new Error(`bench/gpu.ts: unknown option ${a} (--quick, --json FILE)`);

/** Waits until every queued kernel that wrote `t` ran (a read of one element). */
async function sync(t: Tensor): Promise<void> {
  await t.reshape([-1]).narrow(0, 0, 1).toArrayAsync();
}

/**
 * Median milliseconds per call of `call` (run `inner` times between syncs), after warm-up;
 * rounds until `budgetMs` is spent and at least 3 rounds ran.
 */
async function time(call: () => Tensor, inner: number, budgetMs: number): Promise<{ ms: number; reps: number }> {
  for (let i = 0; i < 2; i++) await sync(call());
  const per: number[] = [];
  const start = performance.now();
  while (per.length < 3 || (performance.now() - start < budgetMs && per.length < 50)) {
    const t0 = performance.now();
    let last!: Tensor;
    for (let i = 0; i < inner; i++) last = call();
    await sync(last);
    per.push((performance.now() - t0) / inner);
  }
  per.sort((a, b) => a - b);
  return { ms: per[per.length >> 1]!, reps: per.length * inner };
}

function simpleNetStep(device: "cpu" | "webgpu", batch: number): () => Tensor {
  manualSeed(0);
  const model = new SimpleNet().to(device);
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const lossFn = new nn.CrossEntropyLoss();
  const x = randn([batch, 1, 28, 28]).to(device);
  const y = randint(0, 10, [batch], { dtype: "int32" }).to(device);
  return () => {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

const info = await initWebGPU();
const software = /swiftshader|llvmpipe|lavapipe/i.test(info.adapter);
const rows: Row[] = [];
const budget = quick ? 300 : 2000;

for (const n of quick ? [64, 128] : [1024, 2048, 4096]) {
  const a = randn([n, n]).to("webgpu"), b = randn([n, n]).to("webgpu");
  const r = await time(() => a.matmul(b), quick ? 2 : n >= 4096 ? 5 : 20, budget);
  rows.push({ case: `gemm.f32.n${n}`, device: "webgpu", ...r, tflops: (2 * n ** 3) / (r.ms * 1e9) });
}

const batch = quick ? 64 : 1024;
setNumThreads(cpus().length);
for (const device of ["cpu", "webgpu"] as const) {
  const step = simpleNetStep(device, batch);
  const r = await time(step, quick ? 2 : 20, budget);
  rows.push({ case: `mlp.train.b${batch}`, device, ...r, note: device === "cpu" ? `${getNumThreads()} threads, native ${nativeStatus().active ? nativeStatus().isa : "off"}` : undefined });
}

const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`);
console.log(`\nWebGPU: ${info.adapter} (${info.source})${software ? " — a software driver: correctness-only numbers" : ""}; CPU: ${cpus()[0]?.model ?? "?"} x${cpus().length}\n`);
console.log("| case | device | time | reps | TFLOP/s | note |\n| --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.case} | ${r.device} | ${fmt(r.ms)} | ${r.reps} | ${r.tflops?.toFixed(3) ?? ""} | ${r.note ?? ""} |`);
const gemm = rows.find((r) => r.case === "gemm.f32.n4096");
const cpuStep = rows.find((r) => r.case.startsWith("mlp") && r.device === "cpu")!;
const gpuStep = rows.find((r) => r.case.startsWith("mlp") && r.device === "webgpu")!;
const speedup = cpuStep.ms / gpuStep.ms;
console.log("\n| target (issue 14) | this run | |\n| --- | --- | --- |");
if (gemm) console.log(`| float32 GEMM 4096 >= 25 TFLOP/s | ${gemm.tflops!.toFixed(2)} | ${gemm.tflops! >= 25 ? "met" : "**not met**"} |`);
console.log(`| SimpleNet step b${batch}: webgpu >= 5x the CPU step | ${speedup.toFixed(2)}x | ${speedup >= 5 ? "met" : "**not met**"} |`);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ adapter: info.adapter, software, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString(), rows, speedup }, null, 1) + "\n");
process.exit(0); // Dawn keeps the event loop alive

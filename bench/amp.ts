/**
 * A quick measurement of bfloat16 autocast against float32 on this machine (issue 13): the
 * native GEMM at n = 512 and 1024 in both dtypes, and a training step (batch 64) of the main
 * job's models with and without amp.autocast. Cases alternate and each reports the median of
 * its repeats, so a busy shared machine moves both sides alike. Also each pass of the small
 * CNN's convolutions in bfloat16 on both kernel paths (which "auto" should pick: see
 * src/backend/cpu/conv.ts setBf16ConvPath). The same steps with PyTorch's
 * rows are `npm run bench`'s amp group (bench/amp_cases.ts, bench/amp_torch.py):
 *   node --import tsx bench/amp.ts [--quick]
 */
import { readFileSync } from "node:fs";
import { amp, dispatch, nn, optim, randn, randint, manualSeed, nativeStatus, getNumThreads, type Tensor } from "../src/index.js";
import { SimpleNet, SmallCNN } from "../examples/models.js";
import { transformerEncoder } from "./amp_cases.js";
import { setBf16ConvPath } from "../src/backend/cpu/conv.js";

const quick = process.argv.includes("--quick");
const cpu = (() => {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const name = /model name\s*:\s*(.*)/.exec(info)?.[1] ?? "unknown CPU";
    const flags = /flags\s*:\s*(.*)/.exec(info)?.[1]?.split(" ") ?? [];
    return `${name} (${["avx512f", "avx512_bf16", "amx_bf16"].filter((f) => flags.includes(f)).join(", ") || "no AVX-512"})`;
  } catch {
    return "unknown CPU";
  }
})();
const s = nativeStatus();
console.log(`${cpu}; native ${s.active ? s.isa : "off"}, ${getNumThreads()} threads`);

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)]!;
}

/** Median ms of `fns` run alternately, `rounds` times each after a warm-up call. */
function interleaved(fns: (() => void)[], rounds: number): number[] {
  fns.forEach((f) => f());
  const times = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((f, i) => {
      const t = performance.now();
      f();
      times[i]!.push(performance.now() - t);
    });
  }
  return times.map(median);
}

// the small CNN's convolutions in bfloat16 on both kernels (src/backend/cpu/conv.ts
// setBf16ConvPath): "bf16" the native driver on the bfloat16 GEMM, "widen" the float32
// kernels on widened copies; against the float32 pass. "auto" picks per CPU and layer.
for (const [C, O, H] of [[1, 32, 28], [32, 64, 13]] as const) {
  const x = randn([64, C, H, H]), w = randn([O, C, 3, 3]), b = randn([O]), dy = randn([64, O, H - 2, H - 2]);
  const win = { kernel: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1] } as const;
  const passes = [
    ["forward+relu+pool", [x, w, b], { pass: "forward", ...win, activation: "relu", pool: { kernel: [2, 2], stride: [2, 2], indices: true } }],
    ["input", [dy, w], { pass: "input", ...win, inputSize: [H, H] }],
    ["weight", [x, dy], { pass: "weight", ...win }],
  ] as const;
  for (const [name, ins, attrs] of passes) {
    const half = ins.map((t) => t.to("bfloat16"));
    const run = (path: "auto" | "bf16" | "widen", xs: readonly Tensor[]) => () => {
      const prev = setBf16ConvPath(path);
      dispatch("conv2d", xs, attrs as never);
      setBf16ConvPath(prev);
    };
    const [f32, bf16, widen] = interleaved([run("auto", ins), run("bf16", half), run("widen", half)], quick ? 3 : 10);
    console.log(`conv ${C}->${O} ${H}x${H} ${name}, batch 64: float32 ${f32!.toFixed(2)} ms, bfloat16 on the bf16 GEMM ${bf16!.toFixed(2)} ms (${(bf16! / f32!).toFixed(2)}x), widened ${widen!.toFixed(2)} ms (${(widen! / f32!).toFixed(2)}x)`);
  }
}

for (const n of [512, 1024]) {
  const a = randn([n, n]), b = randn([n, n]);
  const a16 = a.to("bfloat16"), b16 = b.to("bfloat16");
  const [f32, bf16] = interleaved([() => dispatch("matmul", [a, b], {}), () => dispatch("matmul", [a16, b16], {})], quick ? 5 : n === 512 ? 30 : 10);
  const gflop = (2 * n ** 3) / 1e9;
  console.log(`GEMM ${n}: float32 ${f32!.toFixed(2)} ms (${(gflop / f32! * 1e3).toFixed(0)} GFLOP/s), bfloat16 ${bf16!.toFixed(2)} ms (${(gflop / bf16! * 1e3).toFixed(0)} GFLOP/s): ${(f32! / bf16!).toFixed(2)}x`);
}

function step(Model: new () => nn.Module, useAmp: boolean): () => void {
  manualSeed(0);
  const model = new Model(), criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  const x = randn([64, 1, 28, 28]), y = randint(0, 10, [64]);
  const ac = { deviceType: "cpu", dtype: "bfloat16", enabled: useAmp } as const;
  return () => {
    optimizer.zeroGrad();
    const loss: Tensor = amp.autocast(ac, () => criterion(model(x), y));
    loss.backward();
    optimizer.step();
  };
}

for (const [name, Model, rounds] of [["SimpleNet", SimpleNet, 50], ["SmallCNN", SmallCNN, 8]] as const) {
  const [f32, bf16] = interleaved([step(Model, false), step(Model, true)], quick ? 3 : rounds);
  console.log(`${name} training step, batch 64: float32 ${f32!.toFixed(2)} ms, bfloat16 autocast ${bf16!.toFixed(2)} ms: ${(bf16! / f32!).toFixed(2)}x the float32 time`);
}

// the 2-layer TransformerEncoder (d_model 128, 4 heads, seq 64, batch 16), MSE against a fixed target
function encoderStep(useAmp: boolean): () => void {
  manualSeed(0);
  const model = transformerEncoder(), optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  const x = randn([16, 64, 128]), y = randn([16, 64, 128]);
  const ac = { deviceType: "cpu", dtype: "bfloat16", enabled: useAmp } as const;
  return () => {
    optimizer.zeroGrad();
    amp.autocast(ac, () => nn.functional.mseLoss(model(x), y)).backward();
    optimizer.step();
  };
}
{
  const [f32, bf16] = interleaved([encoderStep(false), encoderStep(true)], quick ? 3 : 8);
  console.log(`TransformerEncoder training step, batch 16: float32 ${f32!.toFixed(2)} ms, bfloat16 autocast ${bf16!.toFixed(2)} ms: ${(bf16! / f32!).toFixed(2)}x the float32 time`);
}

/**
 * float16 in the WebGPU kernels beyond elementwise, reductions and matmul (float16.test.ts):
 * gather/scatter/indexPut, random draws, sort, scans, the sliding windows and conv2d, and cross
 * entropy, each against the CPU backend's float16 results (bit for bit where both round once
 * from the same float32 value, else within float16 ulps) and, where the CPU rounds more often
 * than the GPU, against float64 references of the float16 inputs; and small float16 models'
 * gradients. Runs on Mesa's lavapipe (shader-f16); skips, saying why, where no adapter has it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, bernoulli, compile, dispatch, dispatchAll, full, manualSeed, nn, rand, randn, tensor, zeros, type Tensor } from "../../../src/index.js";
import { FUSABLE_BINARY, FUSABLE_UNARY, fusedProgramDecomposed, type FusedProgramAttrs } from "../../../src/backend/fused_program.js";
import { scalarOperandProgram } from "../scalar_operand_program.js";
import { half, halfUlp, halfValues, sameAsCpuHalf, startWebGPUHalf, valuesOf } from "./setup.js";

const skip = await startWebGPUHalf();
const i32 = (v: unknown) => tensor(v as number[], { dtype: "int32" });
const i64 = (v: unknown) => tensor(v as number[], { dtype: "int64" });

/** Each of `got` within `ulps` float16 ulps of the float64 `want`. */
function closeToExact(got: readonly number[], want: readonly number[], ulps: number, msg: string): void {
  assert.equal(got.length, want.length, `${msg}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) <= ulps * halfUlp(want[i]!), `${msg}: element ${i} is ${got[i]}, float64 gives ${want[i]}`);
  }
}

test("float16 gather, indexSelect and integer indexing copy values exactly (int32 and int64 indices, views)", { skip }, async () => {
  const x = half([4, 5], 1);
  const idx = i32([[0, 4, 2], [1, 1, 3], [4, 0, 0]]);
  await sameAsCpuHalf([x, idx], (a, i) => a.gather(1, i), "gather");
  await sameAsCpuHalf([x, i64([[0, 4, 2], [1, 1, 3], [4, 0, 0]])], (a, i) => a.t().gather(0, i.t()), "gather, int64 indices, strided operands");
  await sameAsCpuHalf([x, i32([3, 0, 3, 1])], (a, i) => a.indexSelect(0, i), "indexSelect");
  await sameAsCpuHalf([x, i32([1, 3]), i32([0, 2])], (a, i, j) => a.index(i, j), "index");
});

test("float16 scatter: none stores exactly; add and multiply accumulate in float32 and round once, as the CPU does", { skip }, async () => {
  const x = half([4, 5], 2), src = half([3, 3], 3);
  const unique = i32([[0, 4, 2], [1, 3, 0], [4, 0, 1]]), repeats = i32([[0, 4, 2], [1, 1, 3], [4, 0, 0]]);
  await sameAsCpuHalf([x, unique, src], (a, i, s) => a.scatter(1, i, s), "scatter (distinct indices)");
  // float32 sums in another order, each rounded once: the same float16 but where a sum lies on a rounding boundary
  await sameAsCpuHalf([x, repeats, src], (a, i, s) => a.scatterAdd(1, i, s), "scatterAdd with repeats", 1);
  await sameAsCpuHalf([x, i64([[0, 4, 2], [1, 1, 3], [4, 0, 0]]), src], (a, i, s) => a.t().scatterAdd(0, i.t(), s.t()), "scatterAdd, int64 indices, transposed", 1);
  await sameAsCpuHalf([x, repeats, src], (a, i, s) => dispatch("scatter", [a, i, s], { axis: 1, reduce: "multiply" }), "scatter multiply", 1);
  // 4096 adds of 1.25 into one element: float16 steps would stall at 4096 (its ulp there is 4), float32's reach 5120
  const many = full([1, 4096], 1.25, { dtype: "float16" });
  const into = zeros([1, 1], { dtype: "float16" });
  const at = zeros([1, 4096], { dtype: "int32" });
  const got = await sameAsCpuHalf([into, at, many], (a, i, s) => a.scatterAdd(1, i, s), "4096 adds into one element");
  assert.deepEqual(await halfValues(got), [5120]);
  // an index out of range still raises at the next read
  const bad = x.to("webgpu").scatterAdd(1, i32([[5]]).to("webgpu"), src.to("webgpu").narrow(0, 0, 1).narrow(1, 0, 1));
  await assert.rejects(bad.toArrayAsync(), /index 5 is out of bounds/);
});

test("float16 indexPut_: set exactly, accumulate in float32 rounded once, through views", { skip }, async () => {
  const x = half([5, 4], 4);
  await sameAsCpuHalf([x, i32([2, 0]), half([2, 4], 5)], (a, i, v) => a.clone().indexPut_([i], v), "set rows");
  await sameAsCpuHalf([x, i32([2, 0, 2]), half([3], 6)], (a, i, v) => a.clone().t().indexPut_([i32([1, 1, 1]).to(i.device), i], v, true), "accumulate with repeats through a transposed view", 1);
  await sameAsCpuHalf([x, i32([2, 0, 2]), tensor([0.1, 0.2, 0.3])], (a, i, v) => a.clone().indexPut_([i, i32([3, 3, 3]).to(i.device)], v, true), "accumulate float32 values into float16", 1);
  const sum = await sameAsCpuHalf([zeros([3], { dtype: "float16" }), zeros([4096], { dtype: "int64" })], (a, i) => a.clone().indexPut_([i], full([4096], 1.25, { dtype: "float16", device: a.device }), true), "4096 accumulations into one element");
  assert.deepEqual(await halfValues(sum), [5120, 0, 0]);
});

test("a float16 Embedding's lookup and its gradient (scatter add) give the CPU's", { skip }, async () => {
  const run = async (device: string) => {
    manualSeed(5);
    const emb = new nn.Embedding(10, 3).half().to(device);
    const ids = tensor([[1, 4, 4], [9, 0, 1]], { dtype: "int64", device });
    const y = emb.forward(ids) as Tensor;
    y.mul(tensor([1, -2, 3], { dtype: "float16", device })).sum().backward();
    return { y, grad: emb.weight.grad! };
  };
  const cpu = await run("cpu"), gpu = await run("webgpu");
  assert.equal(gpu.y.dtype, "float16");
  assert.equal(gpu.grad.dtype, "float16");
  assert.deepEqual(await halfValues(gpu.y), await halfValues(cpu.y));
  assert.deepEqual(await halfValues(gpu.grad), await halfValues(cpu.grad));
});

test("float16 random draws: rand and bernoulli bit-identical to the CPU's for a seed, randn and uniform_ within a float16 ulp", { skip }, async () => {
  const both = async (make: (device: string, g: Generator) => Tensor) => {
    const gc = new Generator(7), gg = new Generator(7);
    const want = make("cpu", gc), got = make("webgpu", gg);
    assert.equal(got.dtype, "float16");
    assert.equal(want.dtype, "float16");
    assert.deepEqual(gg.getState(), gc.getState(), "the generator advances alike");
    return { cpu: await halfValues(want), gpu: await halfValues(got) };
  };
  for (const n of [1, 7, 1027]) {
    const r = await both((device, generator) => rand([n], { dtype: "float16", device, generator }));
    assert.deepEqual(r.gpu, r.cpu, `rand ${n}`);
    assert.ok(r.gpu.every((v) => v >= 0 && v < 1 && Number.isInteger(v * 2048)), `rand ${n}: 11-bit values in [0, 1)`);
    const p = tensor(Array.from({ length: n }, (_, i) => (i % 9) / 8), { dtype: "float16" });
    const b = await both((device, generator) => bernoulli(p.to(device), { generator }));
    assert.deepEqual(b.gpu, b.cpu, `bernoulli ${n}`);
    const z = await both((device, generator) => randn([n], { dtype: "float16", device, generator }));
    let exact = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(z.gpu[i]! - z.cpu[i]!) <= halfUlp(z.cpu[i]!), `randn ${n} element ${i}: ${z.gpu[i]} vs ${z.cpu[i]}`);
      if (z.gpu[i] === z.cpu[i]) exact++;
    }
    assert.ok(exact >= 0.9 * n, `randn ${n}: only ${exact} bit-identical`);
    const u = await both((device, generator) => zeros([n], { dtype: "float16", device }).uniform_(-3, 7, { generator }));
    for (let i = 0; i < n; i++) {
      assert.ok(u.gpu[i]! >= -3 && u.gpu[i]! <= 7, `uniform_ ${n}: ${u.gpu[i]}`);
      assert.ok(Math.abs(u.gpu[i]! - u.cpu[i]!) <= halfUlp(u.cpu[i]!), `uniform_(-3, 7) ${n} element ${i}: ${u.gpu[i]} vs ${u.cpu[i]}`);
    }
  }
  manualSeed(4);
  const want = nn.functional.dropout(half([4, 6], 8), 0.5, { training: true });
  manualSeed(4);
  const got = nn.functional.dropout(half([4, 6], 8).to("webgpu"), 0.5, { training: true });
  assert.deepEqual(await halfValues(got), await halfValues(want), "dropout");
});

test("float16 sort: stable, NaN last (first when descending), -0 equal to 0, any axis; topk, median, kthvalue", { skip }, async () => {
  const x = tensor([[3, NaN, -0, 0, 1, 3, -2, 65504], [5, 5, 1, -Infinity, NaN, 2, 2, 1e-7]], { dtype: "float16" });
  for (const descending of [false, true]) {
    for (const [t, axis] of [[x, 1], [x, 0], [x.t(), 0]] as const) {
      const want = dispatchAll("sort", [t], { axis, descending }), got = dispatchAll("sort", [t.to("webgpu")], { axis, descending });
      assert.equal(got[0]!.dtype, "float16");
      assert.equal(got[1]!.dtype, "int32");
      assert.deepEqual(await halfValues(got[0]!), await halfValues(want[0]!), `values ${axis} ${descending}`);
      assert.deepEqual(await valuesOf(got[1]!), await valuesOf(want[1]!), `indices ${axis} ${descending}`);
    }
  }
  const r = half([4, 9], 9);
  await sameAsCpuHalf([r], (t) => t.sort(1, { descending: true }).values, "sort values");
  await sameAsCpuHalf([r], (t) => t.topk(3, 1).values, "topk values");
  await sameAsCpuHalf([r], (t) => t.topk(2, 0, { largest: false }).indices, "topk indices");
  await sameAsCpuHalf([r], (t) => t.median(1).values, "median");
  await sameAsCpuHalf([r], (t) => t.kthvalue(2, 1).values, "kthvalue");
});

test("float16 cumsum and cumprod accumulate in float32, each prefix rounded once, along any axis", { skip }, async () => {
  const x = half([3, 40, 5], 10);
  for (const axis of [0, 1, 2]) {
    await sameAsCpuHalf([x], (t) => t.cumsum(axis), `cumsum ${axis}`, 1);
    await sameAsCpuHalf([x], (t) => t.mul(0.25).add(1).cumprod(axis), `cumprod ${axis}`, 1);
  }
  await sameAsCpuHalf([x], (t) => t.transpose(0, 2).cumsum(1), "cumsum of a transposed view", 1);
  // 4096 terms of 1.25: a float16 accumulator would stall at 4096
  const ones = full([4096], 1.25, { dtype: "float16" }).to("webgpu").cumsum(0);
  assert.equal(ones.dtype, "float16");
  const v = await halfValues(ones);
  assert.equal(v[4095], 5120);
  assert.equal(v[1000], 1251.0);
});

test("float16 unfold, fold and max pooling: values as the CPU's (copies exact, fold's sums rounded once), int32 positions", { skip }, async () => {
  const x = half([2, 3, 7, 6], 11);
  const win = { kernel: [3, 2] as const, stride: [2, 1] as const, padding: [1, 0] as const, dilation: [1, 2] as const };
  const cols = await sameAsCpuHalf([x], (t) => dispatch("unfold", [t], win), "unfold");
  await sameAsCpuHalf([x], (t) => dispatch("unfold", [t.transpose(2, 3).transpose(2, 3)], win), "unfold of a strided input");
  await sameAsCpuHalf([half([...cols.shape], 12)], (t) => dispatch("fold", [t], { ...win, outputSize: [7, 6] }), "fold", 1);
  const m = tensor([[[[1, 3, 3, 0], [2, 2, 5, 5], [9, 1, 1, 9], [0, NaN, 0, 7], [4, 4, 4, 4]]]], { dtype: "float16" });
  for (const attrs of [
    { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], outputSize: [2, 2] },
    { kernel: [3, 3], stride: [1, 2], padding: [1, 1], dilation: [1, 1], outputSize: [5, 2] },
  ] as const) {
    const want = dispatchAll("maxPool", [m], attrs), got = dispatchAll("maxPool", [m.to("webgpu")], attrs);
    assert.equal(got[0]!.dtype, "float16");
    assert.equal(got[1]!.dtype, "int32");
    assert.deepEqual(await halfValues(got[0]!), await halfValues(want[0]!));
    assert.deepEqual(await valuesOf(got[1]!), await valuesOf(want[1]!));
  }
  await sameAsCpuHalf([half([2, 3, 6, 5], 13)], (t) => nn.functional.maxPool2d(t, 3, { stride: 2, padding: 1 }), "maxPool2d");
  await sameAsCpuHalf([half([2, 3, 6, 5], 14)], (t) => nn.functional.avgPool2d(t, 2), "avgPool2d", 1);
});

test("float16 conv2d: forward (bias, ReLU, pooling), input and weight passes accumulate in float32 and round once", { skip }, async () => {
  const x = half([2, 3, 8, 7], 15), w = half([4, 3, 3, 3], 16), b = half([4], 17);
  const win = { kernel: [3, 3] as const, stride: [1, 2] as const, padding: [1, 1] as const, dilation: [1, 1] as const };
  const y = await sameAsCpuHalf([x, w, b], (t, k, c) => dispatch("conv2d", [t, k, c], { pass: "forward", ...win, activation: "relu" }), "forward, bias and relu", 1);
  await sameAsCpuHalf([x, w], (t, k) => dispatch("conv2d", [t, k], { pass: "forward", ...win, dilation: [2, 1] }), "dilated", 1);
  const pooled = dispatchAll("conv2d", [x.to("webgpu"), w.to("webgpu"), b.to("webgpu")], { pass: "forward", ...win, stride: [1, 1], activation: "relu", pool: { kernel: [2, 2], stride: [2, 2], indices: true } });
  const pooledCpu = dispatchAll("conv2d", [x, w, b], { pass: "forward", ...win, stride: [1, 1], activation: "relu", pool: { kernel: [2, 2], stride: [2, 2], indices: true } });
  assert.equal(pooled[0]!.dtype, "float16");
  assert.equal(pooled[1]!.dtype, "int32");
  closeToExact(await halfValues(pooled[0]!), await halfValues(pooledCpu[0]!), 1, "fused pool");
  const dy = half([...y.shape], 18);
  await sameAsCpuHalf([dy, w], (g, k) => dispatch("conv2d", [g, k], { pass: "input", ...win, inputSize: [8, 7] }), "input pass", 1);
  const want = dispatchAll("conv2d", [x, dy], { pass: "weight", ...win });
  const got = dispatchAll("conv2d", [x.to("webgpu"), dy.to("webgpu")], { pass: "weight", ...win });
  closeToExact(await halfValues(got[0]!), await halfValues(want[0]!), 1, "weight pass: dw");
  closeToExact(await halfValues(got[1]!), await halfValues(want[1]!), 1, "weight pass: db");
  // against float64 of the float16 operands: one output of the forward pass
  const [xv, wv, bv, yv] = [await halfValues(x), await halfValues(w), await halfValues(b), await halfValues(y)];
  const [n, o, oy, ox] = [1, 2, 3, 1];
  let exact = bv[o]!;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const iy = oy - 1 + i, ix = ox * 2 - 1 + j;
        if (iy >= 0 && iy < 8 && ix >= 0 && ix < 7) exact += xv[((n * 3 + c) * 8 + iy) * 7 + ix]! * wv[((o * 3 + c) * 3 + i) * 3 + j]!;
      }
    }
  }
  closeToExact([yv[((n * 4 + o) * y.shape[2]! + oy) * y.shape[3]! + ox]!], [Math.max(exact, 0)], 1, "forward against float64");
});

/** F.crossEntropy's loss and logits gradient on `device` (float16 logits). */
async function crossEntropyOn(device: string, x0: Tensor, target0: Tensor, opts: nn.functional.CrossEntropyOptions, gradOut?: Tensor) {
  const x = (device === "cpu" ? x0.clone() : x0.to(device)).requiresGrad_();
  const loss = nn.functional.crossEntropy(x, target0.to(device), { ...opts, weight: opts.weight?.to(device) });
  loss.backward(gradOut?.to(device));
  return { loss, grad: x.grad! };
}

/** Float64 cross entropy of float16 logits `x` [N, C] (targets, weights, smoothing): per-row losses and gradients. */
function crossEntropy64(x: number[], N: number, C: number, t: number[], w: number[] | null, eps: number, ignore: number) {
  const loss: number[] = [], wt: number[] = [], grad: number[] = [];
  for (let i = 0; i < N; i++) {
    const row = x.slice(i * C, i * C + C);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    const ti = t[i]!, W = (c: number) => (w ? w[c]! : 1);
    if (ti === ignore) {
      loss.push(0);
      wt.push(0);
      grad.push(...row.map(() => 0));
      continue;
    }
    const wsum = w ? w.reduce((s, v) => s + v, 0) : C;
    let l = (1 - eps) * W(ti) * (lse - row[ti]!);
    for (let c = 0; c < C; c++) l += (eps / C) * W(c) * (lse - row[c]!);
    loss.push(l);
    wt.push(W(ti));
    for (let c = 0; c < C; c++) grad.push(Math.exp(row[c]! - lse) * ((1 - eps) * W(ti) + (eps / C) * wsum) - (c === ti ? (1 - eps) * W(ti) : 0) - (eps / C) * W(c));
  }
  return { loss, wt, grad };
}

test("float16 crossEntropy and its gradient run in float32 and round once: against float64, and the CPU's within float16 rounding", { skip }, async () => {
  const x = half([6, 5], 19, -3, 3);
  const t = [0, 4, 2, -100, 1, 4];
  const target = tensor(t, { dtype: "int32" });
  const weight = tensor([0.5, 2, 1, 0.25, 3], { dtype: "float16" });
  const xv = await halfValues(x), wv = await halfValues(weight);
  for (const reduction of ["mean", "sum", "none"] as const) {
    for (const [eps, w] of [[0, null], [0.1, null], [0, wv], [0.1, wv]] as const) {
      const name = `${reduction} eps=${eps}${w ? " weighted" : ""}`;
      const opts = { reduction, labelSmoothing: eps, weight: w ? weight : undefined };
      const gradOut = reduction === "none" ? half([6], 20, 0.5, 1.5) : undefined;
      const cpu = await crossEntropyOn("cpu", x, target, opts, gradOut);
      const gpu = await crossEntropyOn("webgpu", x, target, opts, gradOut);
      assert.equal(gpu.loss.dtype, "float16", name);
      assert.equal(gpu.grad.dtype, "float16", name);
      assert.deepEqual([...gpu.loss.shape], [...cpu.loss.shape], name);
      // float64 of the float16 inputs
      const ref = crossEntropy64(xv, 6, 5, t, w ? [...w] : null, eps, -100);
      const sumL = ref.loss.reduce((s, v) => s + v, 0), sumW = ref.wt.reduce((s, v) => s + v, 0);
      const g = gradOut ? await halfValues(gradOut) : null;
      const lossRef = reduction === "none" ? ref.loss : reduction === "sum" ? [sumL] : [sumL / sumW];
      const scale = (i: number) => (g ? g[i]! : reduction === "mean" ? 1 / sumW : 1);
      const gradRef = ref.grad.map((v, k) => v * scale(Math.floor(k / 5)));
      const gl = await halfValues(gpu.loss), gg = await halfValues(gpu.grad);
      closeToExact(gl, lossRef, 1, `${name}: loss`);
      // the gradient reads the saved lse, rounded to float16: p = exp(x - lse) carries its rounding
      gg.forEach((v, k) => assert.ok(Math.abs(v - gradRef[k]!) <= 2 * halfUlp(gradRef[k]!) + 2 ** -12 * Math.abs(scale(Math.floor(k / 5))), `${name}: grad ${k} is ${v}, float64 gives ${gradRef[k]}`));
      // the CPU decomposes, rounding each step: the same to a few float16 ulps (of the largest gradient, for gradients)
      const cl = await halfValues(cpu.loss), cg = await halfValues(cpu.grad);
      cl.forEach((v, k) => assert.ok(Math.abs(gl[k]! - v) <= 3 * halfUlp(v), `${name}: loss ${k} is ${gl[k]}, the CPU's ${v}`));
      const gmax = Math.max(...cg.map(Math.abs));
      cg.forEach((v, k) => assert.ok(Math.abs(gg[k]! - v) <= 2 * halfUlp(gmax), `${name}: grad ${k} is ${gg[k]}, the CPU's ${v}`));
    }
  }
  // spatial logits [N, C, H, W] with int64 targets and ignoreIndex
  const sp = half([2, 4, 3, 2], 21);
  const st = tensor([[[0, 3], [1, 1], [2, 0]], [[3, 3], [0, 2], [1, 7]]], { dtype: "int64" });
  const cpu = await crossEntropyOn("cpu", sp, st, { ignoreIndex: 7 }), gpu = await crossEntropyOn("webgpu", sp, st, { ignoreIndex: 7 });
  closeToExact(await halfValues(gpu.loss), await halfValues(cpu.loss), 3, "spatial loss (the CPU's)");
  const cg = await halfValues(cpu.grad), gg = await halfValues(gpu.grad), gmax = Math.max(...cg.map(Math.abs));
  cg.forEach((v, k) => assert.ok(Math.abs(gg[k]! - v) <= 2 * halfUlp(gmax), `spatial grad ${k}: ${gg[k]} vs the CPU's ${v}`));
  // a bad target still raises at the next read
  const bad = nn.functional.crossEntropy(x.to("webgpu"), tensor([0, 5, 0, 0, 0, 0], { dtype: "int32", device: "webgpu" }));
  await assert.rejects(bad.toArrayAsync(), /target 5 is out of bounds for 5 classes/);
});

test("a small float16 CNN (Conv2d, ReLU, MaxPool2d, Linear, CrossEntropyLoss): the CPU's loss and gradients within float16 rounding", { skip }, async () => {
  const run = async (device: string) => {
    manualSeed(9);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 6, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(6 * 2 * 2, 3),
    ).half().to(device);
    const x = randn([5, 1, 8, 8]).half().to(device), y = tensor([0, 2, 1, 1, 0], { dtype: "int64", device });
    const loss = new nn.CrossEntropyLoss().forward(model.forward(x) as Tensor, y);
    loss.backward();
    return { loss, grads: await Promise.all(model.parameters().map((p) => halfValues(p.grad!))) };
  };
  const cpu = await run("cpu"), gpu = await run("webgpu");
  assert.equal(gpu.loss.dtype, "float16");
  const [gl, cl] = [(await halfValues(gpu.loss))[0]!, (await halfValues(cpu.loss))[0]!];
  assert.ok(Math.abs(gl - cl) <= 4 * halfUlp(cl), `loss ${gl} vs the CPU's ${cl}`);
  cpu.grads.forEach((g, i) => {
    const scale = Math.max(...g.map(Math.abs));
    g.forEach((v, k) => assert.ok(Math.abs(gpu.grads[i]![k]! - v) <= 0.01 * scale + 1e-3, `parameter ${i} grad ${k}: ${gpu.grads[i]![k]} vs the CPU's ${v}`));
  });
});

test("float16 softmax and logSoftmax (and their gradients) run widened to float32 and round once, as the CPU's; layerNorm decomposes as on the CPU", { skip }, async () => {
  const x = half([4, 7], 22, -4, 4), g = half([4, 7], 23);
  for (const log of [false, true]) {
    const name = log ? "logSoftmax" : "softmax";
    await sameAsCpuHalf([x], (t) => (log ? t.logSoftmax(1) : t.softmax(1)), name, 1);
    await sameAsCpuHalf([x.t()], (t) => (log ? t.logSoftmax(0) : t.softmax(0)), `${name} along dim 0 of a view`, 1);
    await sameAsCpuHalf([x, g], (t, u) => {
      const leaf = t.detach().requiresGrad_();
      (log ? leaf.logSoftmax(1) : leaf.softmax(1)).backward(u);
      return leaf.grad!;
    }, `${name} gradient`, 1);
  }
  const got = await sameAsCpuHalf([x], (t) => nn.functional.layerNorm(t, [7]), "layerNorm", 2);
  // its decomposition rounds the mean and variance to float16: against float64
  const v = await halfValues(x), y = await halfValues(got);
  for (let r = 0; r < 4; r++) {
    const row = v.slice(r * 7, r * 7 + 7);
    const mean = row.reduce((s, a) => s + a, 0) / 7;
    const sd = Math.sqrt(row.reduce((s, a) => s + (a - mean) ** 2, 0) / 7 + 1e-5);
    row.forEach((a, k) => assert.ok(Math.abs(y[r * 7 + k]! - (a - mean) / sd) <= 0.01, `layerNorm (${r}, ${k}): ${y[r * 7 + k]} vs ${(a - mean) / sd}`));
  }
});

/** A float16 program of every fusable op on x (strided) and y (broadcast, positive), a chain through registers, and an in-place store into x. */
function halfProgram(rows: number, cols: number): { attrs: FusedProgramAttrs; inputs: Tensor[] } {
  const x = half([cols, rows], 24, -3, 3).t(), y = half([cols], 25, 0.5, 2);
  const params: Record<string, number[]> = { leakyRelu: [0.01], clamp: [-0.5, 0.75], addScaled: [-0.3] };
  const code: FusedProgramAttrs["code"][number][] = [{ op: "load", input: 0 }, { op: "load", input: 1 }];
  const scalars: number[] = [];
  const outputs: { reg: number; inPlace?: number }[] = [];
  const slot = (fn: string) => params[fn]?.map((v) => scalars.push(v) - 1);
  for (const fn of Object.keys(FUSABLE_UNARY)) {
    const p = slot(fn);
    code.push({ op: "unary", fn: fn as never, a: ["sqrt", "log", "rsqrt"].includes(fn) ? 1 : 0, ...(p ? { params: p } : {}) });
    outputs.push({ reg: code.length - 1 });
  }
  for (const fn of Object.keys(FUSABLE_BINARY)) {
    const p = slot(fn);
    code.push({ op: "binary", fn: fn as never, a: 0, b: 1, ...(p ? { params: p } : {}) });
    outputs.push({ reg: code.length - 1 });
  }
  code.push({ op: "binary", fn: "mul", a: code.length - 1, b: code.length - 2 }); // a chain through registers
  outputs.push({ reg: code.length - 1, inPlace: 0 });
  return { attrs: { shape: [rows, cols], dtype: "float16", code, scalars, outputs }, inputs: [x, y] };
}

test("a float16 fusedProgram gives its unfused float16 ops' values bit for bit (every fusable op, scalar operands, in place), and the CPU's within a float16 ulp", { skip }, async () => {
  const { attrs, inputs } = halfProgram(5, 70);
  const gpuIn = () => inputs.map((t) => t.to("webgpu").t().contiguous().t()); // fresh copies, x strided
  const got = dispatchAll("fusedProgram", gpuIn(), attrs);
  const unfused = fusedProgramDecomposed(gpuIn(), attrs);
  const cpuIn = inputs.map((t) => t.clone());
  const cpu = dispatchAll("fusedProgram", cpuIn, attrs);
  assert.equal(got.length, attrs.outputs.length);
  for (let k = 0; k < got.length; k++) {
    assert.equal(got[k]!.dtype, "float16", `output ${k}`);
    assert.deepEqual(await halfValues(got[k]!), await halfValues(unfused[k]!), `output ${k} against the unfused ops on webgpu`);
    const w = await halfValues(cpu[k]!), g = await halfValues(got[k]!);
    w.forEach((v, i) => assert.ok(Object.is(v, g[i]) || (Number.isNaN(v) && Number.isNaN(g[i]!)) || Math.abs(v - g[i]!) <= halfUlp(v), `output ${k} element ${i}: ${g[i]} vs the CPU's ${v}`));
  }
  // scalar operands are rounded to float16 as `full` fills are (0.1 and 1/3 are not float16 numbers)
  const sp = { ...scalarOperandProgram(3, 20), dtype: "float16" as const };
  const xs = half([20, 3], 26).t(), ys = half([20], 27, 0.5, 2);
  const [g0, g1] = dispatchAll("fusedProgram", [xs.to("webgpu"), ys.to("webgpu")], sp);
  const [u0, u1] = fusedProgramDecomposed([xs.to("webgpu"), ys.to("webgpu")], sp);
  assert.deepEqual(await halfValues(g0!), await halfValues(u0!));
  assert.deepEqual(await halfValues(g1!), await halfValues(u1!));
  assert.deepEqual([...new Set(await halfValues(g1!))], [0.333251953125], "the splat of 1/3, rounded to float16");
});

test("compile() fuses float16 elementwise runs on webgpu into float16 programs: the eager values bit for bit", { skip }, async () => {
  const fn = (x: Tensor, b: Tensor) => x.mul(b).add(x).tanh().mul(2).sub(b.mul(0.1));
  const step = compile(fn);
  for (const seed of [28, 29]) {
    const x = half([6, 9], seed).to("webgpu"), b = half([9], seed + 10).to("webgpu");
    const want = fn(x, b), got = step(x, b);
    assert.equal(got.dtype, "float16");
    assert.deepEqual(await halfValues(got), await halfValues(want), `seed ${seed}`);
  }
  const programs = step.graph!.nodes.filter((n) => n.op === "fusedProgram");
  assert.equal(programs.length, 1);
  assert.equal(programs[0]!.attrs.dtype, "float16");
});

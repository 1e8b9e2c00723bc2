/**
 * amp.GradScaler: scale sequences, skipped steps and final parameters against PyTorch 1.13's
 * GradScaler on the same sequence of clean and overflowing steps
 * (test/fixtures/amp_grad_scaler_torch.json), a float16 training run that really overflows,
 * unscale_ before clipping, the state dict, and every misuse PyTorch refuses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { amp, nn, optim, tensor, full, where, manualSeed, randn, noGrad, FluxionError, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

interface Scenario {
  initScale: number; growthFactor: number; backoffFactor: number; growthInterval: number; overflow: boolean[];
  weight0: number[][]; bias0: number[]; x: number[][]; y: number[][];
  scales: number[]; stepped: boolean[]; weight: number[][]; bias: number[];
  stateDict: { scale: number; growth_factor: number; backoff_factor: number; growth_interval: number; _growth_tracker: number };
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/amp_grad_scaler_torch.json", import.meta.url), "utf8")) as { scenarios: Scenario[] };

/** Whether two tensors hold exactly the same values. */
function sameValues(a: Tensor, b: Tensor): boolean {
  const x = a.toTypedArray(), y = b.toTypedArray();
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

/** Linear(3, 2) with the fixture's weights, its data and an SGD(lr 0.1). */
function setup(s: { weight0: number[][]; bias0: number[] }) {
  const lin = new nn.Linear(3, 2);
  noGrad(() => {
    lin.weight.copy_(tensor(s.weight0));
    lin.bias!.copy_(tensor(s.bias0));
  });
  return { lin, opt: new optim.SGD(lin.parameters(), { lr: 0.1 }) };
}

/** The gradient with element [0, 1] replaced by inf (the fixture's forced overflow). */
function withInf(g: Tensor): Tensor {
  const mask = tensor([[false, true, false], [false, false, false]]);
  return where(mask, full([2, 3], Infinity), g);
}

fixture.scenarios.forEach((s, k) => {
  test(`GradScaler: scale sequence, skipped steps and parameters match PyTorch's (scenario ${k})`, () => {
    const { lin, opt } = setup(s);
    const x = tensor(s.x), y = tensor(s.y);
    const scaler = new amp.GradScaler(s.initScale, s.growthFactor, s.backoffFactor, s.growthInterval);
    const scales: number[] = [], stepped: boolean[] = [];
    for (const bad of s.overflow) {
      opt.zeroGrad();
      scaler.scale(nn.F.mseLoss(lin(x), y)).backward();
      if (bad) lin.weight.grad = withInf(lin.weight.grad!);
      const before = lin.weight.clone();
      scaler.step(opt);
      stepped.push(!sameValues(before, lin.weight));
      scaler.update();
      scales.push(scaler.getScale());
    }
    assert.deepEqual(scales, s.scales);
    assert.deepEqual(stepped, s.stepped);
    assertClose(lin.weight, s.weight, { atol: 1e-6, rtol: 1e-5 });
    assertClose(lin.bias!, s.bias, { atol: 1e-6, rtol: 1e-5 });
    const sd = scaler.stateDict();
    assert.deepEqual(sd, { scale: s.stateDict.scale, growthFactor: s.stateDict.growth_factor, backoffFactor: s.stateDict.backoff_factor, growthInterval: s.stateDict.growth_interval, growthTracker: s.stateDict._growth_tracker });
    // PyTorch's own state dict loads, and continues the same way
    const other = new amp.GradScaler();
    other.loadStateDict(s.stateDict);
    assert.deepEqual(other.stateDict(), sd);
  });
});

test("GradScaler: unscale_ gives the true gradients (clipGradNorm_ sees them) and step does not unscale twice", () => {
  const s = fixture.scenarios[0]!;
  const ref = setup(s), scaled = setup(s);
  const x = tensor(s.x), y = tensor(s.y);
  nn.F.mseLoss(ref.lin(x), y).backward();
  const scaler = new amp.GradScaler(1024);
  assert.equal(scaler.scale(nn.F.mseLoss(scaled.lin(x), y)).item(), nn.F.mseLoss(ref.lin(x), y).item() as number * 1024);
  scaler.scale(nn.F.mseLoss(scaled.lin(x), y)).backward();
  assertClose(scaled.lin.weight.grad!, ref.lin.weight.grad!.mul(1024), { atol: 0, rtol: 1e-6 });
  scaler.unscale_(scaled.opt);
  assertClose(scaled.lin.weight.grad!, ref.lin.weight.grad!, { atol: 0, rtol: 1e-6 });
  const normScaled = nn.utils.clipGradNorm_(scaled.lin.parameters(), 1e9).item() as number;
  const normRef = nn.utils.clipGradNorm_(ref.lin.parameters(), 1e9).item() as number;
  assertClose(normScaled, normRef, { atol: 0, rtol: 1e-6 });
  scaler.step(scaled.opt);
  ref.opt.step();
  assertClose(scaled.lin.weight, ref.lin.weight, { atol: 1e-7, rtol: 1e-6 });
  scaler.update();
  assert.equal(scaler.getScale(), 1024);
});

test("GradScaler: misuse raises PyTorch's errors and changes nothing", () => {
  const s = fixture.scenarios[0]!;
  const { lin, opt } = setup(s);
  const scaler = new amp.GradScaler(8);
  assert.throws(() => scaler.update(), { name: "FluxionError", message: /No inf checks were recorded prior to update/ });
  scaler.scale(nn.F.mseLoss(lin(tensor(s.x)), tensor(s.y))).backward();
  scaler.unscale_(opt);
  assert.throws(() => scaler.unscale_(opt), { message: /unscale_\(\) has already been called on this optimizer since the last update\(\)/ });
  assert.throws(() => scaler.step(opt, () => 1), { message: /Closure use is not currently supported/ });
  scaler.step(opt);
  assert.throws(() => scaler.step(opt), { message: /step\(\) has already been called since the last update\(\)/ });
  assert.throws(() => scaler.unscale_(opt), { message: /unscale_\(\) is being called after step\(\)/ });
  scaler.update();
  // update(newScale), a number or a 1-element tensor
  scaler.update(4);
  assert.equal(scaler.getScale(), 4);
  scaler.update(tensor([2.5]));
  assert.equal(scaler.getScale(), 2.5);
  assert.throws(() => scaler.update(tensor([1, 2])), FluxionError);
  // bad settings, bad state dicts: nothing changes
  assert.throws(() => new amp.GradScaler(1, 0.5), { message: /growthFactor should be > 1/ });
  assert.throws(() => new amp.GradScaler(1, 2, 1.5), { message: /backoffFactor/ });
  assert.throws(() => new amp.GradScaler(-1), { message: /initScale/ });
  const before = scaler.stateDict();
  assert.throws(() => scaler.loadStateDict({}), { message: /The source state dict is empty/ });
  assert.throws(() => scaler.loadStateDict({ scale: 3, growthFactor: 0.5, backoffFactor: 0.5, growthInterval: 2, growthTracker: 0 }), FluxionError);
  assert.throws(() => scaler.loadStateDict({ scale: 3, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2 }), { message: /growthTracker/ });
  assert.deepEqual(scaler.stateDict(), before);
  // float16 gradients are refused, as PyTorch's "Attempting to unscale FP16 gradients."
  const half = new nn.Linear(2, 1, { dtype: "float16" });
  half(tensor([[1, 2]], { dtype: "float16" })).sum().backward();
  assert.throws(() => new amp.GradScaler().unscale_(new optim.SGD(half.parameters(), { lr: 1 })), { message: /Attempting to unscale FP16 gradients/ });
});

test("GradScaler: disabled, it passes everything through", () => {
  const s = fixture.scenarios[0]!;
  const { lin, opt } = setup(s);
  const scaler = new amp.GradScaler({ enabled: false });
  const loss = nn.F.mseLoss(lin(tensor(s.x)), tensor(s.y));
  assert.equal(scaler.scale(loss), loss);
  loss.backward();
  lin.weight.grad = withInf(lin.weight.grad!);
  const before = lin.bias!.clone();
  scaler.step(opt); // steps even with inf: a disabled scaler checks nothing
  assert.ok(!sameValues(before, lin.bias!));
  scaler.update();
  assert.equal(scaler.getScale(), 1);
  assert.deepEqual(scaler.stateDict(), {});
  assert.equal(scaler.isEnabled(), false);
});

test("GradScaler: float16 autocast training overflows, skips and backs off, then grows again after the interval", () => {
  manualSeed(3);
  const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 1));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const x = randn([32, 8]), y = randn([32, 1]).mul(4); // large errors: float16 gradients overflow at a large scale
  const interval = 2;
  const scaler = new amp.GradScaler({ initScale: 2 ** 20, growthInterval: interval });
  const log: { scale: number; stepped: boolean; finite: boolean }[] = [];
  for (let i = 0; i < 14; i++) {
    opt.zeroGrad();
    const loss = amp.autocast({ deviceType: "cpu", dtype: "float16" }, () => {
      const out = model(x);
      assert.equal(out.dtype, "float16");
      const l = nn.F.mseLoss(out, y);
      assert.equal(l.dtype, "float32");
      return l;
    });
    const scale = scaler.getScale();
    scaler.scale(loss).backward();
    const grads = model.parameters().map((p) => p.grad!);
    for (const g of grads) assert.equal(g.dtype, "float32");
    const finite = grads.every((g) => g.isfinite().all().item());
    const before = model.parameters().map((p) => p.clone());
    scaler.step(opt);
    const stepped = model.parameters().some((p, k) => !sameValues(p, before[k]!));
    scaler.update();
    log.push({ scale, stepped, finite });
  }
  // the first step overflows in float16 and is skipped; the scale halves after every overflow
  assert.equal(log[0]!.finite, false);
  assert.equal(log[0]!.stepped, false);
  let clean = 0;
  for (let i = 0; i < log.length; i++) {
    const e = log[i]!;
    assert.equal(e.stepped, e.finite, `step ${i}: stepped exactly when the gradients were finite`);
    const next = i + 1 < log.length ? log[i + 1]!.scale : scaler.getScale();
    if (!e.finite) {
      clean = 0;
      assert.equal(next, e.scale / 2, `step ${i}: backoff`);
    } else if (++clean === interval) {
      clean = 0;
      assert.equal(next, e.scale * 2, `step ${i}: growth after ${interval} clean steps`);
    } else assert.equal(next, e.scale, `step ${i}: unchanged`);
  }
  assert.ok(log.some((e) => e.stepped), "some steps ran");
  assert.ok(log.some((e, i) => i > 0 && e.scale > log[i - 1]!.scale), "the scale grew again");
});

/**
 * optim.swaUtils against PyTorch 1.13 (test/fixtures/swa_utils_torch.py): AveragedModel
 * (SWA average, EMA avgFn with useBuffers) over SGD steps while SWALR anneals the lr,
 * updateBn's recomputed running statistics and the averaged model's outputs, SWALR's lr
 * sequences; plus the current-PyTorch EMA helpers, stateDict keys, and the refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, FluxionError, nn, optim, tensor, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const REF = JSON.parse(readFileSync(new URL("../fixtures/swa_utils_torch.json", import.meta.url), "utf8"));
const { AveragedModel, SWALR, updateBn } = optim.swaUtils;
const f64 = (v: unknown) => tensor(v as number[], { dtype: "float64" });

function model(): nn.Sequential {
  const m = new nn.Sequential(new nn.Linear(3, 4, { dtype: "float64" }), new nn.BatchNorm1d(4, { dtype: "float64" }), new nn.ReLU(), new nn.Linear(4, 2, { dtype: "float64" }));
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(REF.init as Record<string, unknown>)) sd[k] = k.endsWith("num_batches_tracked") ? tensor(v as number, { dtype: "int64" }) : f64(v);
  m.loadStateDict(sd);
  return m;
}
function compareState(actual: Record<string, Tensor>, expected: Record<string, unknown>, msg: string): void {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), `${msg}: keys`);
  for (const [k, v] of Object.entries(expected)) assertClose(actual[k]!.tolist(), v, { atol: 1e-12, rtol: 1e-10, msg: `${msg}: ${k}` });
}
const batches = (REF.batches as [unknown, unknown][]).map(([x, y]) => [f64(x), f64(y)] as [Tensor, Tensor]);

test("AveragedModel + SWALR over SGD steps match PyTorch: SWA average, EMA avgFn with useBuffers, the annealed lr", () => {
  const m = model();
  const opt = new optim.SGD(m.parameters(), { lr: 0.2, momentum: 0.9 });
  const swa = new AveragedModel(m);
  const ema = new AveragedModel(m, { avgFn: (a: Tensor, p: Tensor) => a.mul(0.75).add(p.mul(0.25)), useBuffers: true });
  const sched = new SWALR(opt, { swaLr: 0.05, annealEpochs: 3, annealStrategy: "linear" });
  assert.equal(swa.nAveraged.dtype, "int64");
  assert.equal(swa.nAveraged.item(), 0);
  REF.steps.forEach((step: { lr: number; model: Record<string, unknown>; swa: Record<string, unknown>; ema: Record<string, unknown> }, epoch: number) => {
    for (const [x, y] of batches) {
      opt.zeroGrad();
      nn.F.mseLoss(m(x), y).backward();
      opt.step();
    }
    swa.updateParameters(m);
    ema.updateParameters(m);
    sched.step();
    assertClose(opt.paramGroups[0]!.lr, step.lr, { atol: 1e-15, msg: `lr at epoch ${epoch}` });
    compareState(m.stateDict(), step.model, `model at epoch ${epoch}`);
    compareState(swa.stateDict(), step.swa, `swa at epoch ${epoch}`);
    compareState(ema.stateDict(), step.ema, `ema at epoch ${epoch}`);
  });
  assert.equal(swa.nAveraged.item(), 5);
  assert.equal(opt.paramGroups[0]!.swaLr, 0.05);
});

test("updateBn recomputes BatchNorm running statistics over the batches (momentum null), restores momentum and mode; outputs match PyTorch", () => {
  const m = model();
  const swa = new AveragedModel(m);
  // the averaged state PyTorch had before updateBn
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(REF.beforeBn as Record<string, unknown>)) sd[k] = /num_batches_tracked|n_averaged/.test(k) ? tensor(v as number, { dtype: "int64" }) : f64(v);
  swa.loadStateDict(sd);
  swa.eval();
  const probe = f64(REF.probe);
  assertClose((swa(probe) as Tensor).tolist(), REF.outBefore, { atol: 1e-12 });
  const bn = swa.module.getSubmodule("1") as nn.BatchNorm1d;
  const oldMean = bn.running_mean;
  updateBn(batches, swa);
  compareState(swa.stateDict(), REF.afterBn, "after updateBn");
  assert.equal(bn.momentum, 0.1);
  assert.equal(swa.training, false);
  assert.equal(bn.training, false);
  assert.notEqual(bn.running_mean, oldMean, "fresh tensors, as PyTorch's zeros_like");
  assertClose((swa(probe) as Tensor).tolist(), REF.outAfter, { atol: 1e-12 });
  // a loader of plain tensors works too, as does a model without BatchNorm (left unchanged)
  updateBn(batches.map(([x]) => x), swa);
  compareState(swa.stateDict(), REF.afterBn, "after updateBn of tensors");
  const plain = new nn.Linear(3, 2);
  updateBn([tensor([[1, 2, 3]])], plain);
  assert.equal(plain.training, true);
});

test("SWALR lr sequences match PyTorch: cos (default 10 epochs), cos over 3, linear, annealEpochs 0, per-group swaLr", () => {
  const runs: Record<string, (o: optim.SGD) => optim.swaUtils.SWALR> = {
    cos10: (o) => new SWALR(o, 0.05),
    cos3: (o) => new SWALR(o, { swaLr: 0.1, annealEpochs: 3 }),
    linear4: (o) => new SWALR(o, 0.1, 4, "linear"),
    zero: (o) => new SWALR(o, 0.1, { annealEpochs: 0 }),
    groups: (o) => new SWALR(o, [0.1, 0.2], { annealEpochs: 2, annealStrategy: "cos" }),
  };
  for (const [name, make] of Object.entries(runs)) {
    const expected = REF.schedules[name] as number[][];
    const groups = expected[0]!.length;
    const ps = Array.from({ length: groups }, () => new nn.Parameter(tensor([0])));
    const o = new optim.SGD(ps.map((p, i) => ({ params: [p], lr: 0.5 + i })), { lr: 0.5 });
    const s = make(o);
    const got = [o.paramGroups.map((g) => g.lr)];
    for (let i = 0; i < expected.length - 1; i++) {
      o.step();
      s.step();
      got.push(o.paramGroups.map((g) => g.lr));
    }
    assertClose(got, expected, { atol: 1e-15, msg: name });
    assert.deepEqual(s.getLastLr(), got[got.length - 1]);
  }
});

test("SWALR state round-trips through stateDict; bad arguments are refused before any group changes", () => {
  const p = new nn.Parameter(tensor([0]));
  const o = new optim.SGD([p], { lr: 0.5 });
  const s = new SWALR(o, 0.1, { annealEpochs: 4 });
  s.step();
  const saved = s.stateDict();
  assert.equal(saved.annealEpochs, 4);
  assert.equal(saved.annealStrategy, "cos");
  const s2 = new SWALR(o, 0.1);
  s2.loadStateDict(saved);
  assert.equal(s2.annealEpochs, 4);
  assert.equal(s2.lastEpoch, s.lastEpoch);
  const o2 = new optim.SGD([new nn.Parameter(tensor([0]))], { lr: 0.5 });
  assert.throws(() => new SWALR(o2, 0.1, { annealStrategy: "exp" as "cos" }), (e: Error) => e instanceof FluxionError && /annealStrategy/.test(e.message));
  assert.throws(() => new SWALR(o2, 0.1, -1), (e: Error) => e instanceof FluxionError && /annealEpochs must be equal or greater than 0, got -1/.test(e.message));
  assert.throws(() => new SWALR(o2, [0.1, 0.2]), (e: Error) => e instanceof FluxionError && /swaLr.*2/.test(e.message));
  assert.throws(() => new SWALR({} as optim.SGD, 0.1), (e: Error) => e instanceof ArgumentError && /SWALR.*optimizer/.test(e.message));
  assert.equal(o2.paramGroups[0]!.swaLr, undefined);
  assert.equal(o2.paramGroups[0]!.lr, 0.5);
});

test("AveragedModel: a deep copy (training the model leaves it alone), forward delegates, stateDict keys as PyTorch's, device and the EMA helpers", () => {
  const m = new nn.Linear(2, 2, { dtype: "float64" });
  const avg = new AveragedModel(m);
  assert.notEqual(avg.module, m);
  assert.ok(avg.module instanceof nn.Linear);
  assert.deepEqual(Object.keys(avg.stateDict()), ["n_averaged", "module.weight", "module.bias"]);
  const x = f64([[1, -2]]);
  assert.deepEqual((avg(x) as Tensor).tolist(), m(x).tolist());
  const w0 = (avg.module as nn.Linear).weight.tolist();
  m.weight.data.add_(1);
  assert.deepEqual((avg.module as nn.Linear).weight.tolist(), w0, "the copy is independent");
  // EMA: first update copies, later ones mix with decay
  const ema = new AveragedModel(m, { avgFn: optim.swaUtils.getEmaAvgFn(0.5) });
  const emaMulti = new AveragedModel(m, { multiAvgFn: optim.swaUtils.getEmaMultiAvgFn(0.5) });
  const swaMulti = new AveragedModel(m, null, null, false, { multiAvgFn: optim.swaUtils.getSwaMultiAvgFn() });
  const swaFn = new AveragedModel(m, { avgFn: optim.swaUtils.getSwaAvgFn() });
  const values: number[] = [];
  for (const v of [1, 3, 7]) {
    m.weight.data.fill_(v);
    for (const a of [ema, emaMulti, swaMulti, swaFn]) a.updateParameters(m);
    values.push(v);
  }
  // EMA with decay 0.5: 1 -> 0.5*1+0.5*3 = 2 -> 0.5*2+0.5*7 = 4.5; SWA: mean(1, 3, 7)
  for (const a of [ema, emaMulti]) assertClose((a.module as nn.Linear).weight.tolist(), [[4.5, 4.5], [4.5, 4.5]], { atol: 1e-12 });
  for (const a of [swaMulti, swaFn]) assertClose((a.module as nn.Linear).weight.tolist(), [[11 / 3, 11 / 3], [11 / 3, 11 / 3]], { atol: 1e-12 });
  assert.equal(ema.nAveraged.item(), 3);
  const moved = new AveragedModel(m, "cpu");
  assert.equal(moved.nAveraged.device, "cpu");
  assert.throws(() => avg.updateParameters(3 as unknown as nn.Module), (e: Error) => e instanceof ArgumentError && /updateParameters\(\): argument 'model' must be a Module/.test(e.message));
  assert.throws(() => new AveragedModel(3 as unknown as nn.Module), (e: Error) => e instanceof FluxionError && /AveragedModel.*model/.test(e.message));
  assert.throws(() => new AveragedModel(m, ""), (e: Error) => e instanceof FluxionError && /^AveragedModel: unknown or unavailable device ''/.test(e.message));
  assert.throws(() => optim.swaUtils.updateBn([], m, "tpu"), (e: Error) => e instanceof FluxionError && /^updateBn: unknown or unavailable device 'tpu'/.test(e.message));
  const bad = new AveragedModel(m, { avgFn: (() => 1) as unknown as optim.swaUtils.AvgFn });
  assert.throws(() => bad.updateParameters(m), (e: Error) => e instanceof ArgumentError && /avgFn must return a Tensor/.test(e.message));
});

test("updateBn refuses a loader that is not iterable and a BatchNorm without running statistics, changing nothing", () => {
  const m = new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2), new nn.BatchNorm1d(2, { trackRunningStats: false }));
  const bn = m.getSubmodule("1") as nn.BatchNorm1d;
  bn.running_mean!.fill_(5);
  assert.throws(() => updateBn(3, m), (e: Error) => e instanceof ArgumentError && /updateBn\(\): argument 'loader' must be an iterable/.test(e.message));
  assert.throws(() => updateBn([tensor([[1, 2]])], m), (e: Error) => e instanceof FluxionError && /updateBn\(\): BatchNorm1d '2' has no running statistics/.test(e.message));
  assert.deepEqual(bn.running_mean!.tolist(), [5, 5]);
  assert.throws(() => updateBn([], {} as nn.Module), (e: Error) => e instanceof FluxionError && /model/.test(e.message));
});

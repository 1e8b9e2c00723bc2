/**
 * optim.lrScheduler against PyTorch 1.13's printed learning rates (30 steps each, two
 * parameter groups, test/fixtures/optim_reference.py), OneCycleLR's momentum cycling,
 * state-dict round trips that resume a schedule exactly, and the errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, nn, optim, zeros } from "../../src/index.js";
import { REF, makeParams } from "./reference.js";

const S = optim.lrScheduler;
type Sched = { step(m?: any): void; getLastLr(): number[]; stateDict(): Record<string, unknown>; loadStateDict(sd: Record<string, unknown>): void };

function makeOptimizer(kind: "SGD" | "Adam"): optim.Optimizer<any> {
  const [a, b] = makeParams();
  const groups = [{ params: [a!], lr: 0.1 }, { params: [b!], lr: 0.05 }];
  return kind === "SGD" ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(groups, { lr: 0.1 });
}

/** The same schedulers as the Python script builds, by case name. */
const BUILD: Record<string, (o: optim.Optimizer<any>) => Sched> = {
  StepLR: (o) => new S.StepLR(o, 7, { gamma: 0.5 }),
  MultiStepLR: (o) => new S.MultiStepLR(o, [3, 10, 10, 20], { gamma: 0.3 }),
  ExponentialLR: (o) => new S.ExponentialLR(o, 0.9),
  CosineAnnealingLR: (o) => new S.CosineAnnealingLR(o, 12, { etaMin: 0.001 }),
  LinearLR: (o) => new S.LinearLR(o, { startFactor: 0.25, endFactor: 0.9, totalIters: 8 }),
  ConstantLR: (o) => new S.ConstantLR(o, { factor: 0.5, totalIters: 4 }),
  LambdaLR: (o) => new S.LambdaLR(o, [(e) => 0.95 ** e, (e) => 1.0 / (1 + e)]),
  OneCycleLR_cos: (o) => new S.OneCycleLR(o, [1.0, 0.5], { totalSteps: 30 }),
  OneCycleLR_linear_three: (o) => new S.OneCycleLR(o, 0.8, { totalSteps: 30, annealStrategy: "linear", threePhase: true, pctStart: 0.25 }),
  OneCycleLR_adam: (o) => new S.OneCycleLR(o, 0.01, { epochs: 5, stepsPerEpoch: 6, baseMomentum: 0.8, maxMomentum: 0.9, divFactor: 10, finalDivFactor: 100 }),
  SequentialLR: (o) => new S.SequentialLR(o, [new S.LinearLR(o, { startFactor: 0.1, totalIters: 5 }), new S.ExponentialLR(o, 0.9)], [5]),
  SequentialLR_three: (o) => new S.SequentialLR(o, [new S.ConstantLR(o, { factor: 0.1, totalIters: 2 }), new S.CosineAnnealingLR(o, 10), new S.StepLR(o, 3, { gamma: 0.5 })], [4, 15]),
  ReduceLROnPlateau: (o) => new S.ReduceLROnPlateau(o, { patience: 2, factor: 0.5, minLr: [0.01, 0.02] }),
  ReduceLROnPlateau_abs_cooldown: (o) => new S.ReduceLROnPlateau(o, { mode: "min", threshold: 0.05, thresholdMode: "abs", cooldown: 3, patience: 1, factor: 0.7 }),
  CosineAnnealingWarmRestarts: (o) => new S.CosineAnnealingWarmRestarts(o, 5, { etaMin: 0.01 }),
  CosineAnnealingWarmRestarts_mult: (o) => new S.CosineAnnealingWarmRestarts(o, 3, 2),
  ReduceLROnPlateau_max: (o) => new S.ReduceLROnPlateau(o, { mode: "max", patience: 3, factor: 0.2, threshold: 0.1 }),
};

function metricsFor(name: string): number[] | null {
  if (!name.startsWith("ReduceLROnPlateau")) return null;
  return name.endsWith("_max") ? REF.plateauMetrics.max : REF.plateauMetrics.min;
}

function momenta(o: optim.Optimizer<any>): number[] {
  return o.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas as number[])[0]! : (g.momentum as number)));
}

function assertLrs(actual: number[], expected: number[], msg: string): void {
  assert.equal(actual.length, expected.length, msg);
  actual.forEach((x, i) => assert.ok(Math.abs(x - expected[i]!) <= 1e-14 * Math.abs(expected[i]!), `${msg} group ${i}: ${x} vs PyTorch ${expected[i]}`));
}

for (const c of REF.schedulers) {
  test(`${c.name}: the learning rates (and momenta) of 30 steps match PyTorch's`, () => {
    const opt = makeOptimizer(c.optimizer);
    const sched = BUILD[c.name]!(opt);
    const metrics = metricsFor(c.name);
    assertLrs(sched.getLastLr(), c.lrs[0]!, "initial");
    for (let i = 0; i < c.lrs.length - 1; i++) {
      opt.step();
      if (metrics) sched.step(metrics[i]);
      else sched.step();
      assertLrs(sched.getLastLr(), c.lrs[i + 1]!, `step ${i + 1}`);
      assertLrs(opt.paramGroups.map((g) => g.lr), c.lrs[i + 1]!, `optimizer lr, step ${i + 1}`);
      assertLrs(momenta(opt), c.momenta[i + 1]!, `momentum, step ${i + 1}`);
    }
  });
}

for (const c of REF.schedulers) {
  test(`${c.name}: stateDict after 12 steps, loaded into a fresh optimizer + scheduler, resumes the same schedule`, () => {
    const metrics = metricsFor(c.name);
    const optA = makeOptimizer(c.optimizer);
    const a = BUILD[c.name]!(optA);
    for (let i = 0; i < 12; i++) a.step(metrics?.[i]);
    const saved = { opt: optA.stateDict(), sched: JSON.parse(JSON.stringify(a.stateDict())) };
    const optB = makeOptimizer(c.optimizer);
    const b = BUILD[c.name]!(optB);
    optB.loadStateDict(saved.opt);
    b.loadStateDict(saved.sched);
    assert.deepEqual(b.getLastLr(), a.getLastLr());
    for (let i = 12; i < 30; i++) {
      a.step(metrics?.[i]);
      b.step(metrics?.[i]);
      assert.deepEqual(b.getLastLr(), a.getLastLr(), `step ${i + 1}`);
      assertLrs(b.getLastLr(), c.lrs[i + 1]!, `step ${i + 1}`);
    }
  });
}

test("a scheduler's stateDict holds its fields, not the optimizer; LambdaLR leaves out its functions", () => {
  const opt = makeOptimizer("SGD");
  const s = new S.StepLR(opt, 3, { gamma: 0.5 });
  s.step();
  // verbose is part of the state, as in PyTorch's state_dict
  assert.deepEqual(s.stateDict(), { baseLrs: [0.1, 0.05], lastEpoch: 1, verbose: false, _stepCount: 2, _lastLr: [0.1, 0.05], stepSize: 3, gamma: 0.5 });
  const l = new S.LambdaLR(makeOptimizer("SGD"), (e) => e);
  assert.equal("lrLambdas" in l.stateDict(), false);
  assert.throws(() => s.loadStateDict({ stepsize: 4 }), /StepLR.loadStateDict: unexpected key 'stepsize'/);
  assert.equal(s.stepSize, 3);
});

test("schedulers record initialLr in each group and resuming with lastEpoch needs it", () => {
  const opt = makeOptimizer("SGD");
  new S.ExponentialLR(opt, 0.5);
  assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), [0.1, 0.05]);
  assert.throws(() => new S.ExponentialLR(makeOptimizer("SGD"), 0.5, { lastEpoch: 3 }), /param 'initialLr' is not specified in paramGroups\[0\] when resuming/);
  // with initialLr present, lastEpoch resumes the chainable rule from the current lr
  opt.paramGroups.forEach((g) => (g.lr = 0.025));
  const s = new S.ExponentialLR(opt, 0.5, { lastEpoch: 2 });
  assert.deepEqual(s.getLastLr(), [0.0125, 0.0125]);
  assert.equal(s.lastEpoch, 3);
});

test("scheduler errors are FluxionErrors that name the problem", () => {
  const o = () => makeOptimizer("SGD");
  const cases: [() => unknown, RegExp][] = [
    [() => new S.StepLR({} as any, 3), /StepLR: Object is not an Optimizer/],
    [() => new S.StepLR(o(), 0), /stepSize must be a positive integer, got 0/],
    [() => new S.LinearLR(o(), { startFactor: 1.5 }), /starting multiplicative factor expected to be between 0 and 1, got 1.5/],
    [() => new S.ConstantLR(o(), { factor: -1 }), /between 0 and 1, got -1/],
    [() => new S.LambdaLR(o(), [(e) => e]), /LambdaLR: expected 2 values for lrLambda \(one per parameter group\), got 1/],
    [() => new S.OneCycleLR(o(), 0.1), /you must define either totalSteps OR \(epochs AND stepsPerEpoch\)/],
    [() => new S.OneCycleLR(o(), 0.1, { totalSteps: 0 }), /expected positive integer totalSteps, but got 0/],
    [() => new S.OneCycleLR(o(), [0.1], { totalSteps: 10 }), /expected 2 values for maxLr/],
    [() => new S.OneCycleLR(o(), 0.1, { totalSteps: 10, annealStrategy: "exp" as any }), /OneCycleLR\(\): option 'annealStrategy' must be "cos" or "linear", but got string "exp"/],
    [() => new S.OneCycleLR(new optim.Adagrad(makeParams()), 0.1, { totalSteps: 10 }), /optimizer must support momentum/],
    [() => new S.SequentialLR(o(), [new S.StepLR(o(), 2)], [3]), /belong to the same optimizer/],
    [() => { const opt = o(); return new S.SequentialLR(opt, [new S.StepLR(opt, 2), new S.StepLR(opt, 3)], []); }, /one more than the number of milestone points, but got 2 schedulers and 0 milestones/],
    [() => new S.ReduceLROnPlateau(o(), { factor: 1 }), /factor should be < 1.0, got 1/],
    [() => new S.ReduceLROnPlateau(o(), { mode: "up" as any }), /ReduceLROnPlateau\(\): option 'mode' must be "min" or "max", but got string "up"/],
    [() => new S.ReduceLROnPlateau(o(), { minLr: [0.1] }), /expected 2 values for minLr/],
  ];
  for (const [fn, re] of cases) assert.throws(fn, (e: Error) => e instanceof FluxionError && re.test(e.message), String(re));
});

test("OneCycleLR refuses to step past totalSteps", () => {
  const s = new S.OneCycleLR(makeOptimizer("SGD"), 0.1, { totalSteps: 3 });
  s.step();
  s.step();
  s.step();
  assert.throws(() => s.step(), /OneCycleLR: tried to step 5 times. The specified number of total steps is 3/);
});

test("ReduceLROnPlateau accepts a one-element tensor as the metric", async () => {
  const { tensor } = await import("../../src/index.js");
  const opt = makeOptimizer("SGD");
  const s = new S.ReduceLROnPlateau(opt, { patience: 0 });
  s.step(tensor(1.0));
  s.step(tensor([2.0]));
  assert.deepEqual(s.getLastLr().map((x) => +x.toPrecision(12)), [0.01, 0.005]);
});

test("ReduceLROnPlateau state survives JSON before any step (best = Infinity is written as null)", () => {
  const a = new S.ReduceLROnPlateau(makeOptimizer("SGD"), { patience: 0 });
  const b = new S.ReduceLROnPlateau(makeOptimizer("SGD"), { patience: 0 });
  b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
  assert.equal(b.best, Infinity);
  b.step(5);
  assert.equal(b.best, 5);
  assert.deepEqual(b.getLastLr(), [0.1, 0.05]);
});

for (const c of REF.warmRestartsEpochs) {
  test(`CosineAnnealingWarmRestarts(t0=${c.T0}, tMult=${c.TMult}) stepped with fractional epochs (step(epoch + i / iters)) matches PyTorch`, () => {
    const opt = makeOptimizer("SGD");
    const sched = new S.CosineAnnealingWarmRestarts(opt, c.T0, c.TMult, 0.001);
    c.epochs.forEach((e, i) => {
      sched.step(e);
      assertLrs(sched.getLastLr(), c.lrs[i]!, `epoch ${e}`);
    });
    sched.step();
    assertLrs(sched.getLastLr(), c.lrs[c.epochs.length]!, "the step after");
    assert.equal(sched.lastEpoch, c.lastEpoch);
  });
}

test("CosineAnnealingWarmRestarts refuses t0 < 1, tMult < 1 and a negative epoch", () => {
  assert.throws(() => new S.CosineAnnealingWarmRestarts(makeOptimizer("SGD"), 0), (e) => e instanceof FluxionError && /expected a positive integer t0, but got 0/.test(e.message));
  assert.throws(() => new S.CosineAnnealingWarmRestarts(makeOptimizer("SGD"), 2, 0), (e) => e instanceof FluxionError && /expected an integer tMult >= 1, but got 0/.test(e.message));
  assert.throws(() => new S.CosineAnnealingWarmRestarts(makeOptimizer("SGD"), 2, 1.5), (e) => e instanceof FluxionError && /tMult/.test(e.message));
  const s = new S.CosineAnnealingWarmRestarts(makeOptimizer("SGD"), 2);
  assert.throws(() => s.step(-1), (e) => e instanceof FluxionError && /expected a non-negative epoch, but got -1/.test(e.message));
});

test("ChainedScheduler: every scheduler steps in turn on the lr the previous left (PyTorch 1.13's values); building it steps nothing; state round-trips; mismatched optimizers raise", () => {
  const make = () => {
    const p = new nn.Parameter(zeros([1]));
    const opt = new optim.SGD([p], { lr: 1.0 });
    const s1 = new optim.lrScheduler.ConstantLR(opt, { factor: 0.1, totalIters: 2 });
    const s2 = new optim.lrScheduler.ExponentialLR(opt, 0.9);
    return { opt, s: new optim.lrScheduler.ChainedScheduler([s1, s2]) };
  };
  const { opt, s } = make();
  // torch: ChainedScheduler([ConstantLR(opt, factor=0.1, total_iters=2), ExponentialLR(opt, gamma=0.9)]), lr=1.0
  const want = [0.1, 0.09000000000000001, 0.8100000000000002, 0.7290000000000002, 0.6561000000000002, 0.5904900000000002];
  const got = [opt.paramGroups[0]!.lr];
  for (let i = 0; i < 5; i++) {
    s.step();
    got.push(opt.paramGroups[0]!.lr);
  }
  assert.deepEqual(got, want);
  assert.deepEqual(s.getLastLr(), [want[5]]);
  const saved = s.stateDict();
  const again = make();
  again.s.loadStateDict(saved);
  again.opt.loadStateDict(opt.stateDict()); // the lr itself lives in the optimizer's state, as in PyTorch
  again.s.step();
  s.step();
  assert.equal(again.opt.paramGroups[0]!.lr, opt.paramGroups[0]!.lr);
  const other = new optim.SGD([new nn.Parameter(zeros([1]))], { lr: 1 });
  assert.throws(() => new optim.lrScheduler.ChainedScheduler([new optim.lrScheduler.ExponentialLR(opt, 0.9), new optim.lrScheduler.ExponentialLR(other, 0.9)]), /ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and 1 to be different/);
  assert.throws(() => new optim.lrScheduler.ChainedScheduler([]), /at least one scheduler/);
});

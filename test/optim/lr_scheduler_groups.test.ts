/**
 * Schedulers over an optimizer that changes under them, as PyTorch 1.13's behave: a group
 * added by addParamGroup after the scheduler was built (kept as it is by schedulers with
 * per-group base lrs, scaled by the chainable ones), ReduceLROnPlateau's minLr for such a
 * group, and the warning when scheduler.step() comes before optimizer.step().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, nn, optim, tensor, utils } from "../../src/index.js";

const S = optim.lrScheduler;

function twoGroups(): [optim.SGD, nn.Parameter] {
  const opt = new optim.SGD([{ params: [new nn.Parameter(tensor([1, 2]))], lr: 0.1 }, { params: [new nn.Parameter(tensor([3]))], lr: 0.05 }], { lr: 0.1, momentum: 0.9 });
  return [opt, new nn.Parameter(tensor([4, 5]))];
}

test("a group added after LambdaLR / CosineAnnealingWarmRestarts keeps its lr; getLastLr lists every group", () => {
  let [opt, extra] = twoGroups();
  const lambda = new S.LambdaLR(opt, (e: number) => 1 / (1 + e));
  opt.addParamGroup({ params: [extra], lr: 0.02 });
  opt.step();
  lambda.step();
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.05, 0.025, 0.02]);
  assert.deepEqual(lambda.getLastLr(), [0.05, 0.025, 0.02]);
  [opt, extra] = twoGroups();
  const wr = new S.CosineAnnealingWarmRestarts(opt, { t0: 2 });
  opt.addParamGroup({ params: [extra], lr: 0.02 });
  opt.step();
  wr.step(0.5);
  assert.equal(opt.paramGroups[2]!.lr, 0.02);
  assert.equal(wr.getLastLr().length, 3);
  // a chainable rule reads each group's lr, so it scales the new group too (as PyTorch's)
  [opt, extra] = twoGroups();
  const step = new S.StepLR(opt, 1, 0.5);
  opt.addParamGroup({ params: [extra], lr: 0.02 });
  opt.step();
  step.step();
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.05, 0.025, 0.01]);
});

function warningsOf(fn: () => void): string[] {
  const seen: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void seen.push(a.map(String).join(" "));
  try {
    fn();
  } finally {
    console.warn = orig;
  }
  return seen;
}

test("scheduler.step() before optimizer.step() warns once, at the scheduler's first step, as PyTorch's", () => {
  let [opt] = twoGroups();
  let sched = new S.ExponentialLR(opt, 0.5);
  let seen = warningsOf(() => {
    sched.step();
    sched.step();
    opt.step();
    sched.step();
  });
  assert.equal(seen.length, 1);
  assert.match(seen[0]!, /Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`/);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.0125, 0.00625]); // the schedule itself is unchanged

  [opt] = twoGroups();
  sched = new S.ExponentialLR(opt, 0.5);
  assert.deepEqual(warningsOf(() => { opt.step(); sched.step(); }), []);
  // a scheduler built later counts optimizer steps from its own construction (PyTorch resets the count)
  const swa = new optim.swaUtils.SWALR(opt, { swaLr: 0.01 });
  assert.equal(warningsOf(() => swa.step()).length, 1);
  // ReduceLROnPlateau and CosineAnnealingWarmRestarts.step do not check, as in 1.13
  [opt] = twoGroups();
  const plateau = new S.ReduceLROnPlateau(opt);
  const wr = new S.CosineAnnealingWarmRestarts(opt, 2);
  assert.deepEqual(warningsOf(() => { plateau.step(1.0); wr.step(); }), []);
});

test("the step count follows subclasses' own step, a deepcopy of the optimizer, and a step replaced after the scheduler", () => {
  class MySGD extends optim.SGD {
    calls = 0;
    override step(): undefined {
      this.calls++; // never calls super.step(): still counted, as PyTorch wraps the instance's step
      return undefined;
    }
  }
  const opt = new MySGD([new nn.Parameter(tensor([1]))], { lr: 0.1 });
  const sched = new S.StepLR(opt, 1);
  assert.deepEqual(warningsOf(() => { opt.step(); sched.step(); }), []);
  assert.equal(opt.calls, 1);

  // a deepcopy shares the counting step but counts its own calls
  const [base] = twoGroups();
  const s1 = new S.StepLR(base, 1);
  const clone = utils.deepcopy(base);
  const s2 = new S.StepLR(clone, 1);
  assert.deepEqual(warningsOf(() => { clone.step(); s2.step(); }), []);
  assert.equal(warningsOf(() => s1.step()).length, 1, "the original optimizer never stepped");

  const [other] = twoGroups();
  const s3 = new S.StepLR(other, 1);
  other.step = (() => undefined) as typeof other.step; // replaced after the scheduler was built
  const seen = warningsOf(() => { other.step(); s3.step(); });
  assert.equal(seen.length, 1);
  assert.match(seen[0]!, /overridden after learning rate scheduler initialization/);
  assert.throws(() => new S.StepLR(opt, 0), FluxionError);
});

test("ReduceLROnPlateau after addParamGroup: one minLr covers the new group, a per-group list is refused at the reduction", () => {
  let [opt, extra] = twoGroups();
  const one = new S.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5, minLr: 0.03 });
  opt.addParamGroup({ params: [extra], lr: 0.2 });
  one.step(1.0);
  one.step(2.0); // no improvement: reduce
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.05, 0.03, 0.1]); // 0.025 held at minLr
  assert.deepEqual(one.minLrs, [0.03, 0.03, 0.03]);

  [opt, extra] = twoGroups();
  const perGroup = new S.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5, minLr: [0.03, 0.01] });
  opt.addParamGroup({ params: [extra], lr: 0.2 });
  perGroup.step(1.0); // an improvement: nothing to reduce, no check
  assert.throws(() => perGroup.step(2.0), (e: Error) => e instanceof FluxionError && /3 parameter groups but minLr has 2 values/.test(e.message));
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1, 0.05, 0.2]); // nothing changed
  perGroup.minLrs = [0.03, 0.01, 0.0];
  perGroup.step(3.0);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.05, 0.025, 0.1]);
});

test("step(epoch) warns once that the epoch parameter is deprecated; SequentialLR's own step(0) at a milestone does not", () => {
  const [opt] = twoGroups();
  const seq = new S.SequentialLR(opt, [new S.ConstantLR(opt, { factor: 0.5, totalIters: 1 }), new S.ExponentialLR(opt, 0.9)], { milestones: [2] });
  assert.deepEqual(warningsOf(() => { for (let i = 0; i < 4; i++) { opt.step(); seq.step(); } }), []);
  const step = new S.StepLR(opt, 2);
  opt.step();
  const first = warningsOf(() => step.step(5));
  assert.equal(first.length, 1);
  assert.match(first[0]!, /The epoch parameter in `scheduler.step\(\)` was not necessary/);
  const plateau = new S.ReduceLROnPlateau(opt);
  assert.deepEqual(warningsOf(() => { step.step(6); plateau.step(1.0, 3); }), []); // once per process, as Python's default filter
  assert.equal(plateau.lastEpoch, 3);
});

test("a user's LRScheduler subclass: super(optimizer, lastEpoch, verbose) as in PyTorch, initialStep() required", () => {
  class Halving extends S.LRScheduler {
    constructor(optimizer: optim.Optimizer<any>, lastEpoch = -1, verbose = false, initial = true) {
      super(optimizer, lastEpoch, verbose);
      if (initial) this.initialStep();
    }
    protected getLr(): number[] {
      return this.baseLrs.map((b) => b / 2 ** Math.max(0, this.lastEpoch));
    }
  }
  let [opt] = twoGroups();
  const logs: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void logs.push(a.map(String).join(" "));
  let sched: Halving;
  try {
    sched = new Halving(opt, -1, true);
  } finally {
    console.log = log;
  }
  assert.equal(sched.verbose, true);
  assert.deepEqual(logs, ["Adjusting learning rate of group 0 to 1.0000e-01.", "Adjusting learning rate of group 1 to 5.0000e-02."]);
  sched.verbose = false;
  opt.step();
  sched.step();
  assert.deepEqual(sched.getLastLr(), [0.05, 0.025]);
  assert.deepEqual(Object.keys(sched.stateDict()).sort(), ["_lastLr", "_stepCount", "baseLrs", "lastEpoch", "verbose"]);

  [opt] = twoGroups();
  const forgot = new Halving(opt, -1, false, false);
  assert.throws(() => forgot.step(), (e: Error) => e instanceof FluxionError && /Halving.step\(\): the scheduler has not taken its initial step; .*this.initialStep\(\)/.test(e.message));
});

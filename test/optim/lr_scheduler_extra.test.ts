/**
 * MultiplicativeLR, PolynomialLR and CyclicLR against PyTorch 1.13's learning rates and
 * momenta (30 steps, two parameter groups, test/fixtures/lr_scheduler_extra_torch.py),
 * PolynomialLR's closed form under step(epoch), state-dict round trips that resume a
 * schedule exactly, and the errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, FluxionError, nn, optim, tensor } from "../../src/index.js";

const S = optim.lrScheduler;
type Sched = { step(epoch?: any): void; getLastLr(): number[]; stateDict(): Record<string, unknown>; loadStateDict(sd: Record<string, unknown>): void };
interface Case { name: string; optimizer: "SGD" | "Adam"; lrs: number[][]; momenta: number[][] }
const REF: { cases: Case[]; polynomialEpochs: { epochs: number[]; lrs: number[][] } } = JSON.parse(
  readFileSync(new URL("../fixtures/lr_scheduler_extra_torch.json", import.meta.url), "utf8"),
);

function makeOptimizer(kind: "SGD" | "Adam" | "Adagrad"): optim.Optimizer<any> {
  const groups = [{ params: [new nn.Parameter(tensor([[0, 0, 0], [0, 0, 0]]))], lr: 0.1 }, { params: [new nn.Parameter(tensor([0, 0, 0, 0]))], lr: 0.05 }];
  if (kind === "SGD") return new optim.SGD(groups, { lr: 0.1, momentum: 0.9 });
  return kind === "Adam" ? new optim.Adam(groups, { lr: 0.1 }) : new optim.Adagrad(groups, { lr: 0.1 });
}

const cycleScale = (x: number) => 0.5 * (1 + Math.sin((x * Math.PI) / 2));
const iterationScale = (x: number) => 1 / (1 + 0.1 * x);

/** The same schedulers as the Python script builds, by case name. */
const BUILD: Record<string, (o: optim.Optimizer<any>) => Sched> = {
  MultiplicativeLR: (o) => new S.MultiplicativeLR(o, () => 0.95),
  MultiplicativeLR_per_group: (o) => new S.MultiplicativeLR(o, [() => 0.9, (e) => 1.0 - 0.01 * e]),
  PolynomialLR: (o) => new S.PolynomialLR(o),
  PolynomialLR_power: (o) => new S.PolynomialLR(o, { totalIters: 20, power: 2.5 }),
  PolynomialLR_sqrt: (o) => new S.PolynomialLR(o, 12, 0.5),
  CyclicLR_triangular: (o) => new S.CyclicLR(o, 0.01, 0.1, { stepSizeUp: 4 }),
  CyclicLR_triangular2: (o) => new S.CyclicLR(o, [0.01, 0.001], [0.1, 0.05], { stepSizeUp: 3, stepSizeDown: 5, mode: "triangular2", baseMomentum: [0.8, 0.7], maxMomentum: 0.95 }),
  CyclicLR_exp_range: (o) => new S.CyclicLR(o, 0.01, 0.2, 5, { mode: "exp_range", gamma: 0.9 }),
  CyclicLR_scale_fn_cycle: (o) => new S.CyclicLR(o, 0.02, 0.1, 2, 4, { scaleFn: cycleScale }),
  CyclicLR_scale_fn_iterations: (o) => new S.CyclicLR(o, 0.02, 0.1, { stepSizeUp: 3, scaleFn: iterationScale, scaleMode: "iterations" }),
  CyclicLR_no_momentum: (o) => new S.CyclicLR(o, 0.001, 0.01, { stepSizeUp: 6, cycleMomentum: false }),
  CyclicLR_betas: (o) => new S.CyclicLR(o, 0.001, 0.01, { stepSizeUp: 4, baseMomentum: 0.85, maxMomentum: 0.95 }),
};

function momenta(o: optim.Optimizer<any>): number[] {
  return o.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas as number[])[0]! : (g.momentum as number)));
}

function assertClose(actual: number[], expected: number[], msg: string): void {
  assert.equal(actual.length, expected.length, msg);
  actual.forEach((x, i) => assert.ok(Math.abs(x - expected[i]!) <= 1e-14 * Math.abs(expected[i]!), `${msg} group ${i}: ${x} vs PyTorch ${expected[i]}`));
}

for (const c of REF.cases) {
  test(`${c.name}: the learning rates and momenta of 30 steps match PyTorch's (${c.optimizer})`, () => {
    const opt = makeOptimizer(c.optimizer);
    const sched = BUILD[c.name]!(opt);
    assertClose(sched.getLastLr(), c.lrs[0]!, "initial");
    assertClose(momenta(opt), c.momenta[0]!, "initial momentum");
    for (let i = 1; i < c.lrs.length; i++) {
      opt.step();
      sched.step();
      assertClose(sched.getLastLr(), c.lrs[i]!, `step ${i}`);
      assertClose(opt.paramGroups.map((g) => g.lr), c.lrs[i]!, `optimizer lr, step ${i}`);
      assertClose(momenta(opt), c.momenta[i]!, `momentum, step ${i}`);
    }
  });

  test(`${c.name}: stateDict after 12 steps, loaded into a fresh optimizer and scheduler, resumes the same schedule`, () => {
    const optA = makeOptimizer(c.optimizer);
    const a = BUILD[c.name]!(optA);
    for (let i = 0; i < 12; i++) a.step();
    const saved = { opt: optA.stateDict(), sched: JSON.parse(JSON.stringify(a.stateDict())) };
    const optB = makeOptimizer(c.optimizer);
    const b = BUILD[c.name]!(optB);
    optB.loadStateDict(saved.opt);
    b.loadStateDict(saved.sched);
    assert.deepEqual(b.getLastLr(), a.getLastLr());
    for (let i = 13; i < c.lrs.length; i++) {
      b.step();
      assertClose(b.getLastLr(), c.lrs[i]!, `step ${i}`);
      assertClose(momenta(optB), c.momenta[i]!, `momentum, step ${i}`);
    }
  });
}

test("PolynomialLR.step(epoch) uses PyTorch's closed form; a later step() continues the chainable rule", () => {
  const opt = makeOptimizer("SGD");
  const s = new S.PolynomialLR(opt, 8, 1.5);
  const { epochs, lrs } = REF.polynomialEpochs;
  epochs.forEach((e, i) => {
    s.step(e);
    assertClose(s.getLastLr(), lrs[i]!, `step(${e})`);
  });
  s.step();
  assertClose(s.getLastLr(), lrs.at(-1)!, "step() after step(7)");
  assert.equal(s.lastEpoch, 8);
});

test("stateDicts hold the schedule, not the functions", () => {
  const m = new S.MultiplicativeLR(makeOptimizer("SGD"), () => 0.5);
  m.step();
  assert.deepEqual(m.stateDict(), { baseLrs: [0.1, 0.05], lastEpoch: 1, verbose: false, _stepCount: 2, _lastLr: [0.05, 0.025] });
  const p = new S.PolynomialLR(makeOptimizer("SGD"), 4, 2);
  assert.deepEqual(Object.keys(p.stateDict()).sort(), ["_lastLr", "_stepCount", "baseLrs", "lastEpoch", "power", "totalIters", "verbose"]);
  const c = new S.CyclicLR(makeOptimizer("SGD"), 0.01, 0.1, { stepSizeUp: 4, stepSizeDown: 2, scaleFn: cycleScale });
  const sd = c.stateDict();
  assert.deepEqual(Object.keys(sd).sort(), ["_lastLr", "_stepCount", "baseLrs", "baseMomentums", "cycleMomentum", "gamma", "lastEpoch", "maxLrs", "maxMomentums", "mode", "scaleMode", "stepRatio", "totalSize", "useBeta1", "verbose"]);
  assert.equal(sd.totalSize, 6);
  assert.equal(sd.stepRatio, 4 / 6);
  assert.equal(c.scaleFn(1), cycleScale(1), "the custom scale function is used");
  assert.throws(() => c.loadStateDict({ totalsize: 3 }), /CyclicLR.loadStateDict: unexpected key 'totalsize'/);
});

test("CyclicLR starts each group at baseLr (recorded as initialLr) and momentum at maxMomentum; PyTorch's positional order works", () => {
  const opt = makeOptimizer("SGD");
  const s = new S.CyclicLR(opt, [0.02, 0.01], 0.1);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.02, 0.01]);
  assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), [0.02, 0.01]);
  assert.deepEqual(opt.paramGroups.map((g) => g.momentum), [0.9, 0.9]);
  assert.deepEqual(s.baseLrs, [0.02, 0.01]);
  assert.equal(s.totalSize, 4000, "stepSizeUp 2000, stepSizeDown = stepSizeUp");
  const lrs = (x: Sched) => Array.from({ length: 9 }, () => (x.step(), x.getLastLr()[0]));
  const positional = new S.CyclicLR(makeOptimizer("SGD"), 0.01, 0.1, 3, 2, "exp_range", 0.8, null, "cycle", true, 0.7, 0.99);
  const options = new S.CyclicLR(makeOptimizer("SGD"), 0.01, 0.1, { stepSizeUp: 3, stepSizeDown: 2, mode: "exp_range", gamma: 0.8, baseMomentum: 0.7, maxMomentum: 0.99 });
  assert.deepEqual(lrs(positional), lrs(options));
  assert.equal(positional.scaleMode, "iterations", "exp_range scales per iteration whatever scaleMode says");
  // Adam: beta1 cycles, beta2 is kept
  const adam = makeOptimizer("Adam");
  new S.CyclicLR(adam, 0.001, 0.01, { stepSizeUp: 2 }).step();
  assert.deepEqual(adam.paramGroups.map((g) => (g.betas as number[])[1]), [0.999, 0.999]);
});

test("scheduler errors name the scheduler and the bad value", () => {
  const throwsFx = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof FluxionError && re.test(e.message), String(re));
  const throwsArg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ArgumentError && re.test(e.message), String(re));
  const o = () => makeOptimizer("SGD");
  throwsFx(() => new S.MultiplicativeLR(o(), [() => 1]), /MultiplicativeLR: expected 2 values for lrLambda \(one per parameter group\), got 1/);
  throwsArg(() => new S.MultiplicativeLR(o(), 0.9 as never), /MultiplicativeLR\(\): argument 'lrLambda' \(position 2\) must be Callable or Callable\[\], but got float 0.9/);
  const m = new S.MultiplicativeLR(o(), () => undefined as never);
  throwsFx(() => m.step(), /MultiplicativeLR: lrLambda of parameter group 0 returned undefined for epoch 1; it must return a number/);
  throwsFx(() => new S.MultiplicativeLR({} as never, () => 1), /MultiplicativeLR: Object is not an Optimizer/);
  // LambdaLR calls its lambdas in the constructor (as PyTorch's initial step does)
  throwsFx(() => new S.LambdaLR(o(), () => undefined as never), /LambdaLR: lrLambda of parameter group 0 returned undefined for epoch 0; it must return a number/);
  throwsFx(() => new S.LambdaLR(o(), [() => 1, (e: number) => (e < 1 ? 1 : ("0.5" as never))]).step(), /LambdaLR: lrLambda of parameter group 1 returned string "0.5" for epoch 1; it must return a number/);
  throwsArg(() => new S.PolynomialLR(o(), 2.5), /PolynomialLR\(\): argument 'totalIters' \(position 2\) must be int, but got float 2.5/);
  throwsArg(() => new S.PolynomialLR(o(), { powr: 2 } as never), /PolynomialLR\(\) got an unexpected option 'powr' \(did you mean 'power'\?\)/);
  const p0 = new S.PolynomialLR(o(), 0);
  p0.step();
  assert.deepEqual(p0.getLastLr(), [0.1, 0.05], "totalIters 0: the lr is kept, as in PyTorch");
  throwsFx(() => p0.step(3), /PolynomialLR: step\(epoch\) divides by totalIters, which is 0/);
  throwsFx(() => new S.CyclicLR(makeOptimizer("Adagrad"), 0.01, 0.1), /CyclicLR: optimizer must support momentum or beta1 with the cycleMomentum option enabled/);
  assert.doesNotThrow(() => new S.CyclicLR(makeOptimizer("Adagrad"), 0.01, 0.1, { cycleMomentum: false }));
  throwsFx(() => new S.CyclicLR(o(), [0.01, 0.02, 0.03], 0.1), /CyclicLR: expected 2 values for baseLr \(one per parameter group\), got 3/);
  throwsFx(() => new S.CyclicLR(o(), 0.01, 0.1, { maxMomentum: [0.9] }), /CyclicLR: expected 2 values for maxMomentum/);
  throwsFx(() => new S.CyclicLR(o(), 0.01, 0.1, 0), /CyclicLR: stepSizeUp must be a positive number of steps, got 0/);
  throwsFx(() => new S.CyclicLR(o(), 0.01, 0.1, 4, -1), /CyclicLR: stepSizeDown must be a non-negative number of steps, got -1/);
  throwsArg(() => new S.CyclicLR(o(), 0.01, 0.1, { mode: "triangle" as never }), /CyclicLR\(\): option 'mode' must be "triangular" or "triangular2" or "exp_range", but got string "triangle"/);
  throwsArg(() => new S.CyclicLR(o(), 0.01, 0.1, { scaleFn: 2 as never }), /CyclicLR\(\): option 'scaleFn' must be Callable or null, but got int 2/);
  throwsArg(() => new S.CyclicLR(o(), "0.01" as never, 0.1), /CyclicLR\(\): argument 'baseLr' \(position 2\) must be float or float\[\], but got string "0.01"/);
  // (the first step is taken at construction)
  throwsFx(() => new S.CyclicLR(o(), 0.01, 0.1, { scaleFn: () => "big" as never }), /CyclicLR: scaleFn\(1\) returned string "big"; it must return a number/);
  // a refused CyclicLR leaves the optimizer's groups as they were
  const opt = o();
  assert.throws(() => new S.CyclicLR(opt, 0.01, 0.1, { baseMomentum: [0.8, 0.8, 0.8] }));
  assert.deepEqual(opt.paramGroups.map((g) => [g.lr, g.momentum, "initialLr" in g]), [[0.1, 0.9, false], [0.05, 0.9, false]]);
});

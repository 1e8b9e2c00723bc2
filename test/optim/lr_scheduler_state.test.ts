/**
 * Scheduler state dicts saved by PyTorch 1.13 (test/fixtures/lr_scheduler_pytorch_state.py:
 * state_dict() mid-run, as JSON, with PyTorch's snake_case names) load into Fluxion's
 * schedulers, next to the optimizer's state dict, and the schedule continues with PyTorch's
 * lrs; and state dict keys are data, never prototypes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, FluxionError, nn, optim, tensor } from "../../src/index.js";

const S = optim.lrScheduler;
type Sched = { step(...a: unknown[]): void; loadStateDict(sd: Record<string, unknown>): void; stateDict(): Record<string, unknown> };
const REF: Record<string, { state: { optimizer: any; scheduler: Record<string, unknown> }; lrs: number[][] }> = JSON.parse(
  readFileSync(new URL("../fixtures/lr_scheduler_pytorch_state.json", import.meta.url), "utf8"),
);

function makeOpt(): optim.SGD {
  return new optim.SGD([{ params: [new nn.Parameter(tensor([1, 1]))], lr: 0.1 }, { params: [new nn.Parameter(tensor([1]))], lr: 0.05 }], { lr: 0.1, momentum: 0.9 });
}

const BUILD: Record<string, (o: optim.SGD) => Sched> = {
  StepLR: (o) => new S.StepLR(o, 4, 0.5),
  CosineAnnealingLR: (o) => new S.CosineAnnealingLR(o, { tMax: 12, etaMin: 0.001 }),
  CosineAnnealingWarmRestarts: (o) => new S.CosineAnnealingWarmRestarts(o, { t0: 3, tMult: 2 }),
  LambdaLR: (o) => new S.LambdaLR(o, (e: number) => 1 / (1 + e)),
  CyclicLR: (o) => new S.CyclicLR(o, 0.01, 0.1, { stepSizeUp: 3, mode: "triangular2" }),
  OneCycleLR: (o) => new S.OneCycleLR(o, 0.3, { totalSteps: 25, threePhase: true }),
  SequentialLR: (o) => new S.SequentialLR(o, [new S.LinearLR(o, 0.1, { totalIters: 5 }), new S.ExponentialLR(o, 0.9)], { milestones: [5] }),
  ChainedScheduler: (o) => new S.ChainedScheduler([new S.ConstantLR(o, 0.5, 4), new S.ExponentialLR(o, 0.9)]),
  SWALR: (o) => new optim.swaUtils.SWALR(o, 0.01, { annealEpochs: 6 }),
  ReduceLROnPlateau: (o) => new S.ReduceLROnPlateau(o, { patience: 1, factor: 0.5, minLr: [0.001, 0.002] }),
};
const metric = [1.0, 0.9, 0.95, 0.96, 0.8, 0.85, 0.86, 0.87, 0.7, 0.75, 0.76, 0.77, 0.78, 0.6, 0.65, 0.66, 0.67, 0.68, 0.69, 0.7];

test("PyTorch's scheduler state dicts (snake_case, as JSON) resume the schedule with PyTorch's lrs", () => {
  for (const [name, build] of Object.entries(BUILD)) {
    const { state, lrs } = REF[name]!;
    const opt = makeOpt();
    const sched = build(opt);
    opt.loadStateDict(state.optimizer);
    sched.loadStateDict(state.scheduler);
    const got: number[][] = [];
    for (let i = 9; i < 20; i++) {
      opt.step();
      if (name === "ReduceLROnPlateau") sched.step(metric[i]);
      else sched.step();
      got.push(opt.paramGroups.map((g) => g.lr));
    }
    assert.deepEqual(got, lrs.slice(9), name);
  }
});

test("loadStateDict refuses unknown keys and non-objects; '__proto__' is a key like any other", () => {
  const opt = makeOpt();
  const sched = new S.StepLR(opt, 4);
  assert.throws(() => sched.loadStateDict({ stepsize: 3 }), (e: Error) => e instanceof FluxionError && /unexpected key 'stepsize'/.test(e.message));
  for (const key of ["__proto__", "constructor", "toString"]) {
    const sd = JSON.parse(`{"${key}": {"step": 1}}`);
    assert.throws(() => sched.loadStateDict(sd), FluxionError, key);
  }
  assert.ok(sched instanceof S.StepLR);
  assert.equal(typeof sched.step, "function");
  assert.throws(() => sched.loadStateDict(null as never), ArgumentError);
  const seq = new S.SequentialLR(opt, [new S.ConstantLR(opt), new S.ExponentialLR(opt, 0.9)], [2]);
  assert.throws(() => seq.loadStateDict([] as never), ArgumentError);
  // a Fluxion state dict still round-trips
  const other = new S.StepLR(makeOpt(), 4);
  other.loadStateDict(JSON.parse(JSON.stringify(sched.stateDict())));
  assert.deepEqual(other.stateDict(), sched.stateDict());
});

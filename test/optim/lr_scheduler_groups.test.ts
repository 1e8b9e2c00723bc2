/**
 * Schedulers over an optimizer that changes under them, as PyTorch 1.13's behave: a group
 * added by addParamGroup after the scheduler was built (kept as it is by schedulers with
 * per-group base lrs, scaled by the chainable ones), ReduceLROnPlateau's minLr for such a
 * group, and the warning when scheduler.step() comes before optimizer.step().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, nn, optim, tensor } from "../../src/index.js";

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

/**
 * The schedules' cos, log and pow (src/optim/lr_scheduler/libm.ts) against correctly rounded
 * references (test/fixtures/lr_scheduler_libm.py, mpmath): every value must be the nearest
 * double, which is glibc's (Python's math, so PyTorch's) wherever glibc rounds correctly;
 * and the lr sequences they make match PyTorch's bit for bit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cos, log, pow } from "../../src/optim/lr_scheduler/libm.js";
import { nn, optim, tensor } from "../../src/index.js";

const REF: { cos: number[][]; pow: number[][]; log: number[][] } = JSON.parse(readFileSync(new URL("../fixtures/lr_scheduler_libm.json", import.meta.url), "utf8"));

test("cos, log and pow are correctly rounded", () => {
  let v8Misses = 0, glibcMisses = 0;
  for (const [x, cr, glibc] of REF.cos) {
    assert.equal(cos(x!), cr, `cos(${x})`);
    if (Math.cos(x!) !== cr) v8Misses++;
    if (glibc !== cr) glibcMisses++;
  }
  for (const [x, cr] of REF.log) assert.equal(log(x!), cr, `log(${x})`);
  for (const [x, y, cr, glibc] of REF.pow) {
    assert.equal(pow(x!, y!), cr, `pow(${x}, ${y})`);
    if (x! ** y! !== cr) v8Misses++;
    if (glibc !== cr) glibcMisses++;
  }
  // the point of it: V8's Math.cos and ** miss the nearest double far more often than glibc does
  assert.ok(v8Misses > 5 * Math.max(1, glibcMisses), `V8 ${v8Misses} vs glibc ${glibcMisses}`);
});

test("special values follow C's cos and pow", () => {
  assert.ok(Number.isNaN(cos(NaN)) && Number.isNaN(cos(Infinity)));
  assert.equal(cos(0), 1);
  assert.equal(cos(-0), 1);
  assert.equal(cos(1e12), Math.cos(1e12)); // beyond the exact reduction: Math.cos
  assert.equal(pow(NaN, 0), 1);
  assert.equal(pow(1, NaN), 1);
  assert.equal(pow(-1, Infinity), 1);
  assert.equal(pow(0, 2), 0);
  assert.equal(pow(0, -1), Infinity);
  assert.equal(pow(-2, 3), -8);
  assert.equal(pow(-0.5, 2), 0.25);
  assert.ok(Number.isNaN(pow(-2, 0.5)));
  assert.equal(pow(2, 1024), Infinity);
  assert.equal(pow(0.5, 1100), 0.5 ** 1100);
  assert.equal(log(1), 0);
  assert.equal(log(0), -Infinity);
  assert.ok(Number.isNaN(log(-1)));
});

test("CosineAnnealingLR and ExponentialLR.step(epoch) give PyTorch's lrs to the last bit", () => {
  // PyTorch 1.13: CosineAnnealingLR(SGD(lr=0.1), T_max=15, eta_min=0.001) for 20 steps; ExponentialLR(gamma=0.93).step(7)
  const w = new nn.Parameter(tensor([1]));
  const opt = new optim.SGD([w], { lr: 0.1 });
  const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 15, etaMin: 0.001 });
  const lrs: number[] = [];
  for (let i = 0; i < 20; i++) {
    opt.step();
    sched.step();
    lrs.push(sched.getLastLr()[0]!);
  }
  assert.equal(lrs[17], 0.010453658778440095); // Math.cos made 0.010453658778440102
  assert.equal(lrs[19], 0.025749999999999974);
  const opt2 = new optim.SGD([new nn.Parameter(tensor([1]))], { lr: 0.1 });
  const exp = new optim.lrScheduler.ExponentialLR(opt2, 0.9);
  opt2.step();
  exp.step(4);
  assert.equal(opt2.paramGroups[0]!.lr, 0.06561); // 0.1 * 0.9 ** 4 in JS is 0.06561000000000002
  exp.step(23);
  assert.equal(opt2.paramGroups[0]!.lr, 0.008862938119652507);
});

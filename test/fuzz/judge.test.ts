/** The fuzz's verdict on one call (values.ts judge): what counts as a failure. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, tensor } from "../../src/index.js";
import { judge } from "./values.js";

const burn = (ms: number) => {
  const end = process.cpuUsage().user + ms * 1000;
  let x = 0;
  while (process.cpuUsage().user < end) x++;
  return x;
};

test("judge: a call that burns past the CPU limit fails; sleeping wall time (a loaded machine) does not count", () => {
  assert.match(judge("slow(x)", ["slow"], () => burn(80), null, false, 40) ?? "", /^slow\(x\): took \d+ ms of CPU$/);
  const wait = new Int32Array(new SharedArrayBuffer(4));
  assert.equal(judge("sleepy(x)", ["sleepy"], () => Atomics.wait(wait, 0, 0, 120), null, false, 40), null);
});

test("judge: errors must be FluxionErrors naming the op; results pass", () => {
  assert.equal(judge("f(x)", ["f"], () => { throw new FluxionError("f: bad x"); }, null), null);
  assert.match(judge("f(x)", ["f"], () => { throw new FluxionError("g: bad x"); }, null) ?? "", /does not name f/);
  assert.match(judge("f(x)", ["f"], () => { throw new TypeError("oops"); }, null) ?? "", /threw TypeError/);
  assert.equal(judge("f(x)", ["f"], () => tensor([1]), null, true), null);
});

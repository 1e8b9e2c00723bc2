/**
 * torch.linalg and the torch.* linear-algebra functions against PyTorch 1.13
 * (test/fixtures/linalg_torch.json): values of every case — float32 and float64, batched,
 * empty batches, 0 x 0, 0 x n and 1 x 1 matrices, every mode and driver — and, for float64,
 * the gradients of sum_i sum(w_i · out_i) for the fixture's weights. Eigen- and singular
 * vectors are compared through sign-invariant forms (|V|, V², U·Vh), as the fixture records
 * them. Each case runs on the CPU backend (the linalg kernel) and on a backend without fused
 * kernels (the linalg primitive's decomposition into core primitives, as WebGPU runs it).
 *
 * One deliberate difference: at an exactly singular matrix PyTorch 1.13's det gradient is
 * zero (its LU solve of a zero right-hand side), where the derivative is the cofactor matrix;
 * Fluxion gives the cofactor matrix (as later PyTorch does), checked against the fixture's
 * `trueGrads` (minors computed by the fixture script).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Tensor } from "../../src/index.js";
import { NOFUSED } from "../backend/fused_helpers.js";
import { FIXTURE, FNS, comparable, decode, kwOf, match, type Case } from "./cases.js";

const DEVICES = [
  { name: "CPU kernel", device: "cpu" },
  { name: "decomposition", device: NOFUSED },
];

/** Runs a case's values, and its gradients when the fixture has them. */
function runCase(c: Case, device: string): void {
  const fn = FNS[c.fn];
  assert.ok(fn, `no Fluxion function for fixture fn ${c.fn}`);
  const kw = kwOf(c);
  const outs = fn(c.inputs.map((e) => decode(e, device)), kw);
  assert.equal(outs.length, c.out.length, `${c.name}: number of outputs`);
  outs.forEach((t, i) => {
    assert.equal(t.device, device, `${c.name}: output ${i} device`);
    const [a, e] = comparable(c, i, t, c.out[i]!);
    match(a, e, `${c.name}: output ${i}`);
  });
  if (!c.grads) return;
  const xs = c.inputs.map((e, i) => decode(e, device, c.grads![i] !== null));
  const ys = fn(xs, kw);
  let loss: Tensor | null = null;
  ys.forEach((y, i) => {
    const w = c.w![i];
    if (!w) return;
    const term = y.mul(decode(w, device)).sum();
    loss = loss === null ? term : loss.add(term);
  });
  (loss as unknown as Tensor).backward();
  (c.trueGrads ?? c.grads).forEach((g, i) => {
    if (g === null) return;
    assert.ok(xs[i]!.grad, `${c.name}: input ${i} got no gradient`);
    match(xs[i]!.grad!, g, `${c.name}: gradient of input ${i}`, "grad");
  });
}

const groups = new Map<string, Case[]>();
for (const c of FIXTURE.cases) {
  const list = groups.get(c.fn) ?? [];
  list.push(c);
  groups.set(c.fn, list);
}

for (const { name, device } of DEVICES) {
  describe(`linalg against PyTorch ${FIXTURE.torch} (${name})`, () => {
    for (const [fn, cases] of groups) {
      it(`${fn}: ${cases.length} cases`, () => {
        for (const c of cases) runCase(c, device);
      });
    }
  });
}

it("the fixture covers every function of the table, float32 and float64, batched and empty inputs", () => {
  assert.deepEqual(new Set(FIXTURE.cases.map((c) => c.fn)), new Set(Object.keys(FNS)));
  const names = FIXTURE.cases.map((c) => c.name).join("\n");
  for (const what of ["float32", "float64", "batched", "0x0", "1x1", "empty batch", "0x3"]) assert.ok(names.includes(what), what);
  assert.ok(FIXTURE.cases.filter((c) => c.grads).length > 80);
});

/**
 * Gradients through views and in-place ops against PyTorch (test/fixtures/autograd_reference.py):
 * each case below mirrors the Python case of the same name line by line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor, arange, autograd, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";

interface Case { name: string; x: number[][]; shape: number[]; value: number[]; grad: number[] }
const cases: Case[] = JSON.parse(readFileSync(new URL("../fixtures/autograd_reference.json", import.meta.url), "utf8"));

const CASES: Record<string, (x: Tensor) => Tensor> = {
  copyslices_select(x) {
    const y = x.mul(2);
    y.select(0, 1).mul_(3);
    return y;
  },
  copyslices_narrow_with_operand(x) {
    const y = x.mul(1);
    y.narrow(1, 1, 2).mul_(x.narrow(1, 0, 2));
    return y;
  },
  write_through_transpose(x) {
    const y = x.sin();
    y.t().select(0, 2).add_(x.select(1, 0).pow(2));
    return y;
  },
  stale_view(x) {
    const y = x.mul(2);
    const v = y.select(0, 0);
    y.mul_(x);
    return v.mul(1);
  },
  overlapping_views(x) {
    const y = x.reshape(-1).mul(1);
    const a = y.narrow(0, 0, 8);
    const b = y.narrow(0, 4, 8);
    a.mul_(x.reshape(-1).narrow(0, 4, 8));
    b.sigmoid_();
    return y.view(3, 4);
  },
  zero_and_fill(x) {
    const y = x.mul(3);
    y.select(1, 0).zero_();
    y.select(1, 3).fill_(2);
    return y.mul(x);
  },
  copy_into_buffer(x) {
    const buf = zeros([2, 3, 4], { dtype: "float64" });
    buf.select(0, 1).narrow(0, 0, 3).copy_(x.tanh());
    buf.select(0, 0).copy_(x.sum(0));
    return buf;
  },
  relu_chain(x) {
    const y = x.clone();
    y.mul_(x).add_(1).relu_();
    return y;
  },
  second_derivative(x) {
    const y = x.mul(1);
    y.narrow(0, 0, 2).pow_(3);
    const [g] = autograd.grad(y.sum(), x, { createGraph: true });
    return g!;
  },
};

test("every reference case has a mirror here", () => {
  assert.deepEqual(cases.map((c) => c.name).sort(), Object.keys(CASES).sort());
});

for (const c of cases) {
  test(`matches PyTorch: ${c.name}`, () => {
    const x = tensor(c.x, { dtype: "float64", requiresGrad: true });
    const r = CASES[c.name]!(x);
    assert.deepEqual([...r.shape], c.shape);
    assertClose(r, c.value, { atol: 1e-12, rtol: 1e-10, msg: `${c.name} value` });
    const w = arange(1, r.numel() + 1).double().reshape(r.shape).div(7);
    r.mul(w).sum().backward();
    assertClose(x.grad!, c.grad, { atol: 1e-12, rtol: 1e-10, msg: `${c.name} grad` });
  });
}

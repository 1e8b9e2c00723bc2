/** nn dropout: masks and scaling, train/eval behaviour, reproducibility, dropout2d channels, gradients, modules. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { autograd, Generator, manualSeed, nn, ones, type Tensor } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";
import { buildModule, reprsOf } from "../fixtures/nn_cases.js";

const F = nn.F;

describe("F.dropout", () => {
  it("zeroes about p of the elements and scales the rest by 1/(1-p)", () => {
    manualSeed(42);
    const x = ones([100, 100]);
    const y = F.dropout(x, 0.3);
    const v = Array.from(y.toTypedArray());
    const zeros = v.filter((a) => a === 0).length;
    assert.ok(Math.abs(zeros / 10000 - 0.3) < 0.015, `zero fraction ${zeros / 10000}`);
    assert.ok(v.every((a) => a === 0 || Math.abs(a - 1 / 0.7) < 1e-6));
  });
  it("is the identity when not training or p = 0; p = 1 zeroes everything", () => {
    const x = randomTensor([4, 5], { dtype: "float32" });
    assert.equal(F.dropout(x, 0.5, { training: false }), x);
    assert.equal(F.dropout(x, 0), x);
    assert.ok(Array.from(F.dropout(x, 1).toTypedArray()).every((v) => v === 0));
  });
  it("is reproducible under manualSeed and uses the generator given", () => {
    const x = ones([50]);
    manualSeed(7);
    const a = F.dropout(x, 0.5).tolist();
    manualSeed(7);
    assert.deepEqual(F.dropout(x, 0.5).tolist(), a);
    assert.deepEqual(F.dropout(x, 0.5, { generator: new Generator(1) }).tolist(), F.dropout(x, 0.5, { generator: new Generator(1) }).tolist());
  });
  it("the gradient is the same mask, scaled", () => {
    manualSeed(1);
    const x = randomTensor([30], { dtype: "float32", requiresGrad: true });
    const y = F.dropout(x, 0.4);
    y.sum().backward();
    const g = Array.from(x.grad!.toTypedArray()), yv = Array.from(y.toTypedArray());
    g.forEach((gi, i) => assert.ok(yv[i] === 0 ? gi === 0 : Math.abs(gi - 1 / 0.6) < 1e-6));
  });
  it("gradcheck (float64, fixed mask)", () => {
    const x = randomTensor([3, 4], { requiresGrad: true });
    assert.ok(autograd.gradcheck((t) => F.dropout(t, 0.5, { generator: new Generator(5) }), [x]));
    assert.ok(autograd.gradcheck((t) => F.dropout2d(t, 0.5, { generator: new Generator(5) }), [randomTensor([2, 3, 2, 2], { requiresGrad: true })]));
  });
  it("inplace writes into x", () => {
    manualSeed(3);
    const x = ones([20]);
    const y = F.dropout(x, 0.5, { inplace: true });
    assert.deepEqual(x.tolist(), y.tolist());
    assert.ok(x.tolist().some((v: number) => v === 0));
  });
  it("rejects p outside [0, 1]", () => {
    assert.throws(() => F.dropout(ones([2]), 1.5), /dropout probability has to be between 0 and 1, but got 1.5/);
    assert.throws(() => new nn.Dropout(-0.1), /Dropout: dropout probability has to be between 0 and 1, but got -0.1/);
  });
});

describe("F.dropout2d", () => {
  it("zeroes whole channels: each (n, c) plane is all zero or all 1/(1-p)", () => {
    manualSeed(9);
    const y = F.dropout2d(ones([8, 16, 3, 3]), 0.5);
    const planes = y.reshape([128, 9]).tolist() as number[][];
    let dropped = 0;
    for (const p of planes) {
      assert.ok(p.every((v) => v === p[0]) && (p[0] === 0 || p[0] === 2));
      if (p[0] === 0) dropped++;
    }
    assert.ok(dropped > 30 && dropped < 98, `dropped ${dropped} of 128`);
  });
  it("rejects a 2-D input", () => {
    assert.throws(() => F.dropout2d(ones([2, 3]), 0.5), /dropout2d: expected a 3-D or 4-D input/);
  });
});

describe("Dropout modules", () => {
  for (const cls of ["Dropout", "Dropout2d"]) {
    for (const r of reprsOf(cls)) {
      it(`prints ${r.repr}`, () => {
        const m = buildModule(nn, r);
        assert.equal(String(m), r.repr);
        assert.deepEqual(Object.keys(m.stateDict()), []);
      });
    }
  }
  it("Dropout is active in train mode and the identity after eval()", () => {
    manualSeed(0);
    const m = new nn.Dropout(0.5);
    const x = ones([200]);
    assert.ok((m.forward(x).tolist() as number[]).some((v) => v === 0));
    m.eval();
    const y: Tensor = m.forward(x);
    assertClose(y, x);
  });
});

/**
 * pad with negative amounts against PyTorch 1.13 (test/fixtures/wrong_values_torch.json), in
 * every mode: reflect and replicate pad the whole input and then crop, circular crops first
 * and wraps around what is left, constant crops and fills; one padded dim of a [1, 2, 6]
 * input and two of a [1, 1, 4, 5] one, mixing signs. Where PyTorch refuses (the output would
 * be empty, a reflection too long) Fluxion raises a ShapeError. PyTorch 1.13's circular mode
 * reads uninitialised memory (or refuses, depending on the layout) when a pad is longer than
 * what is left after cropping: those cases are not in the fixture; Fluxion wraps around what
 * is left again, checked here against index arithmetic. Gradients with gradcheck.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError, autograd, pad, type PadMode, type Tensor } from "../../src/index.js";
import { WV, assertValues, decAll, fromEnc, type Enc } from "../fixtures/wrong_values.js";
import { randomTensor } from "../helpers.js";

interface PadCase {
  mode: PadMode;
  x: Enc;
  pad: number[];
  out: Enc | { error: string };
}

for (const mode of ["reflect", "replicate", "circular", "constant"] as const) {
  test(`pad with negative amounts in ${mode} mode matches PyTorch 1.13`, () => {
    const cases = (WV.pad as PadCase[]).filter((c) => c.mode === mode);
    assert.ok(cases.length >= 14);
    let errors = 0;
    for (const c of cases) {
      const x = fromEnc(c.x);
      const opts = mode === "constant" ? { mode, value: 0.5 } : { mode };
      const what = `${mode} [${c.pad}] of [${c.x.shape}]`;
      if ("error" in c.out) {
        errors++;
        assert.throws(() => pad(x, c.pad, opts), (e: Error) => e instanceof ShapeError && /^pad: /.test(e.message), what);
        continue;
      }
      const y = pad(x, c.pad, opts);
      assert.deepEqual(y.shape, c.out.shape, what);
      assertValues(y, decAll(c.out.v), { rtol: 0, msg: what });
      // a new tensor, even when it only crops
      assert.notEqual(y.storage, x.storage, `${what}: not a view`);
    }
    // PyTorch's refusals are among the cases, except in circular mode (see the fixture script)
    assert.ok(mode === "circular" ? errors === 0 : errors > 0 && errors < cases.length);
  });
}

test("circular: crops past the input raise; pads longer than what is left wrap around it again (PyTorch 1.13: garbage or errors)", () => {
  const x = fromEnc((WV.pad as PadCase[])[0]!.x); // [1, 2, 6]
  for (const [p, msg] of [
    [[-6, 2], /pad: circular padding has nothing left to wrap around after cropping, got padding \(-6, 2\)/],
    [[-7, 1], /pad: negative circular padding crops more than the input has, got padding \(-7, 1\) at dimension 2 of input \[1, 2, 6\]: the output would have size 0/],
    [[7, 0], /pad: circular padding size should be at most the corresponding input dimension, but got padding \(7, 0\)/],
  ] as const) {
    assert.throws(() => pad(x, p, { mode: "circular" }), (e: Error) => e instanceof ShapeError && msg.test(e.message), `[${p}]`);
  }
  assert.deepEqual(pad(x, [-6, 0], { mode: "circular" }).shape, [1, 2, 0]);
  // out[j] = kept[(j - before) mod n], kept = x cropped: by index arithmetic
  const rows = x.tolist() as number[][][];
  for (const [before, after] of [[-2, 5], [5, -2], [-4, 3], [3, -4], [-5, 6], [6, -5]]) {
    const kept = rows[0]!.map((r) => r.slice(Math.max(0, -before), 6 - Math.max(0, -after)));
    const n = kept[0]!.length, len = n + Math.max(0, before) + Math.max(0, after);
    const want = kept.map((r) => Array.from({ length: len }, (_, j) => r[(((j - Math.max(0, before)) % n) + n) % n]!));
    assert.deepEqual(pad(x, [before, after], { mode: "circular" }).tolist(), [want], `[${before}, ${after}]`);
  }
});

test("pad with negative amounts passes gradcheck in every mode", () => {
  const x = randomTensor([1, 2, 4, 5], { seed: 3, requiresGrad: true });
  for (const mode of ["reflect", "replicate", "circular", "constant"] as const) {
    for (const p of [[-1, 2, 1, -2], [2, -1, -1, 1], [-2, -1, 0, 0]]) {
      assert.ok(autograd.gradcheck((t: Tensor) => pad(t, p, { mode }), [x]), `${mode} [${p}]`);
    }
  }
});

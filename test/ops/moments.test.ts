/**
 * stdMean and varMean (torch.std_mean / torch.var_mean) against PyTorch 1.13
 * (test/fixtures/missing_ops_torch.json): all dims, one or several dims, dim=[] (all),
 * unbiased, correction, keepdim, the positional unbiased overload; plain [std, mean] pairs;
 * gradients; errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, autograd, stdMean, tensor, varMean, type Tensor } from "../../src/index.js";
import { MO, assertValues, decAll, fromEnc, type Enc } from "../fixtures/missing_ops.js";
import { randomTensor } from "../helpers.js";

interface MomCase { fn: "stdMean" | "varMean"; kw?: { dim?: number | number[]; unbiased?: boolean; keepdim?: boolean; correction?: number }; unbiasedPositional?: boolean; x: Enc; out: [Enc, Enc] }

test("stdMean and varMean match PyTorch", () => {
  for (const c of MO.moments as MomCase[]) {
    const x = fromEnc(c.x), fn = c.fn === "stdMean" ? stdMean : varMean;
    const r = c.unbiasedPositional !== undefined ? fn(x, c.unbiasedPositional) : fn(x, c.kw!);
    const msg = `${c.fn} ${JSON.stringify(c.kw ?? { unbiased: c.unbiasedPositional })}`;
    assert.ok(Array.isArray(r) && r.length === 2 && Object.getPrototypeOf(r) === Array.prototype, "a plain pair, as torch returns");
    const [a, b] = r;
    assert.deepEqual(a.shape, c.out[0].shape, msg);
    assert.deepEqual(b.shape, c.out[1].shape, msg);
    assertValues(a, decAll(c.out[0].v), { rtol: 1e-12, msg });
    assertValues(b, decAll(c.out[1].v), { rtol: 1e-12, atol: 1e-15, msg });
  }
});

test("stdMean/varMean take std's positional order: dim, unbiased, keepdim", () => {
  const x = tensor([[1, 2, 4], [3, 5, 9]], { dtype: "float64" });
  const [s, m] = stdMean(x, 1, false, true);
  assert.deepEqual(m.tolist(), [[7 / 3], [17 / 3]]);
  assertValues(s, [x.select(0, 0).std({ correction: 0 }).item() as number, x.select(0, 1).std({ correction: 0 }).item() as number]);
  const [v] = varMean(x, [0, 1], { correction: 0 });
  assertValues(v, [x.var({ correction: 0 }).item() as number]);
});

test("stdMean/varMean gradients (gradcheck, gradgradcheck)", () => {
  const x = randomTensor([3, 4], { seed: 51, requiresGrad: true });
  for (const fn of [stdMean, varMean]) {
    const f = (t: Tensor) => {
      const [a, b] = fn(t, 1, { keepdim: true });
      return a.add(b.mul(2));
    };
    assert.ok(autograd.gradcheck(f, [x]));
    assert.ok(autograd.gradgradcheck(f, [x]));
  }
});

test("stdMean/varMean errors", () => {
  assert.throws(() => varMean(tensor([1, 2], { dtype: "int32" }), 0), (e: Error) => e instanceof DTypeError && /varMean: only floating point dtypes are supported, got int32/.test(e.message));
  assert.throws(() => stdMean(tensor([1, 2]), 0, true, { correction: 0 }), (e: Error) => e instanceof ArgumentError && /stdMean\(\): pass either unbiased or correction, not both/.test(e.message));
  assert.throws(() => stdMean(tensor([1, 2]), 0, { keepDim: true } as never), /unexpected option 'keepDim' \(did you mean 'keepdim'\?\)/);
  assert.equal(typeof (tensor([1]) as unknown as Record<string, unknown>).stdMean, "undefined", "function only, as in PyTorch");
});

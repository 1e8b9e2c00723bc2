// The F functions added for issue 11 section 3 against PyTorch 1.13 (fixtures/nn_new_reference.json,
// made by fixtures/nn_new_reference.py): every case calls F[fn](...inputs, ...args, kwargs)
// as the fixture's Python call was made, and compares outputs (indices exactly) and the
// gradients of sum(out · gout). Also: their declarations against PyTorch's signatures.
import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { nn, tensor, type Tensor } from "../../src/index.js";
import { assertClose, assertShape } from "../helpers.js";
import { camel, declaredOp, differences, type Departures } from "../fixtures/api_signatures.js";
import { NEW_REF, type FCase as Case } from "../fixtures/nn_new_cases.js";

const F = nn.F as unknown as Record<string, (...a: unknown[]) => unknown>;

function build(c: Case): (Tensor | null)[] {
  return c.inputs.map((e, i) => {
    if (!e) return null;
    if (c.intInputs.includes(i)) return tensor(e.v, { shape: e.shape, dtype: "int32" });
    return tensor(e.v, { shape: e.shape, dtype: c.dtype, requiresGrad: c.gout !== undefined && !c.nograd.includes(i) });
  });
}

describe("new F functions against PyTorch 1.13", () => {
  for (const c of NEW_REF.cases) {
    it(`${c.name}: outputs${c.gout ? " and gradients" : ""} match`, () => {
      const inputs = build(c);
      const r = F[c.fn]!(...inputs, ...c.args, c.kwargs);
      const outs = (Array.isArray(r) ? r : [r]) as Tensor[];
      assert.equal(outs.length, c.outs.length, "number of outputs");
      const tol = c.dtype === "float32" ? { atol: 2e-5, rtol: 2e-5 } : { atol: 1e-10, rtol: 1e-9 };
      outs.forEach((o, i) => {
        assertShape(o, c.outs[i]!.shape);
        if (i > 0) assert.deepEqual(Array.from(o.toTypedArray(), Number), c.outs[i]!.v, "indices");
        else assertClose(o, c.outs[i]!.v, { ...tol, msg: "out" });
      });
      if (!c.gout) return;
      outs[0]!.mul(tensor(c.gout.v, { shape: c.gout.shape, dtype: c.dtype })).sum().backward();
      inputs.forEach((t, i) => {
        const want = c.grads![i];
        if (!t || !t.requiresGrad) return;
        assert.ok(want, `input ${i} has a gradient here but not in PyTorch`);
        assertClose(t.grad, want.v, { ...tol, msg: `grad of input ${i}` });
      });
    });
  }
});

/** Where the new F functions depart from PyTorch 1.13's Python signatures, and why. */
const DEPARTURES: Record<string, Departures> = {
  // as softmax: _stacklevel is an implementation detail of a warning; dim's implicit choice is deprecated
  softmin: { omit: ["_stacklevel"], keywordOnly: ["dtype"], defaults: { dim: undefined } },
  // `out` (write into a given tensor) is not a Fluxion convention
  normalize: { omit: ["out"] },
};

test("the new F functions are declared in PyTorch 1.13's positional order with its defaults", () => {
  const mismatches: string[] = [];
  for (const [pyName, py] of Object.entries(NEW_REF.signatures.functional)) {
    const name = camel(pyName);
    const sig = declaredOp("nn.functional", name);
    if (!sig) mismatches.push(`${name}: not declared`);
    else for (const d of differences(sig, py, DEPARTURES[name])) mismatches.push(`F.${name}: ${d}`);
  }
  assert.deepEqual(mismatches, []);
});

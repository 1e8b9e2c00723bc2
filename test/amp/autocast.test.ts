/**
 * amp.autocast: gradients under bfloat16 autocast (bit-identical to the same computation cast
 * by hand, close to float32, float32 for float32 parameters), the parameter cast cache,
 * nesting and `enabled: false`, the enter/exit/`using` forms, state after exceptions, and the
 * argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { amp, nn, randn, randint, tensor, manualSeed, addDispatchLayer, FluxionError, DTypeError, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const AC = { deviceType: "cpu", dtype: "bfloat16" } as const;

/** A two-layer MLP and a batch, seeded. */
function mlp() {
  manualSeed(7);
  const fc1 = new nn.Linear(20, 16), fc2 = new nn.Linear(16, 5);
  const x = randn([8, 20]), y = randint(0, 5, [8]);
  return { fc1, fc2, x, y, params: [fc1.weight, fc1.bias!, fc2.weight, fc2.bias!] };
}

function grads(ps: Tensor[]): Tensor[] {
  return ps.map((p) => {
    const g = p.grad!;
    p.grad = null;
    return g;
  });
}

test("autocast: gradients equal the bfloat16 computation written out by hand, reach float32 parameters in float32, and are close to float32's", () => {
  const { fc1, fc2, x, y, params } = mlp();
  const loss = amp.autocast(AC, () => {
    const h = fc1.forward(x).relu();
    assert.equal(h.dtype, "bfloat16");
    const out = fc2.forward(h);
    assert.equal(out.dtype, "bfloat16");
    return nn.F.crossEntropy(out, y);
  });
  assert.equal(loss.dtype, "float32");
  loss.backward();
  const got = grads(params);
  for (const g of got) assert.equal(g.dtype, "float32");

  // by hand: the casts PyTorch's autocast inserts, with the same ops
  const b = (t: Tensor) => t.to("bfloat16");
  const h = nn.F.linear(b(x), b(fc1.weight), b(fc1.bias!)).relu();
  const manual = nn.F.crossEntropy(nn.F.linear(h, b(fc2.weight), b(fc2.bias!)).to("float32"), y);
  assert.equal(loss.item(), manual.item());
  manual.backward();
  const want = grads(params);
  got.forEach((g, i) => assert.deepEqual(Array.from(g.toTypedArray()), Array.from(want[i]!.toTypedArray()), `parameter ${i}`));

  // float32 reference: within bfloat16's precision
  const ref = nn.F.crossEntropy(fc2.forward(fc1.forward(x).relu()), y);
  assertClose(loss.item(), ref.item(), { atol: 2e-2, rtol: 2e-2 });
  ref.backward();
  grads(params).forEach((g, i) => {
    const scale = Math.max(...Array.from(g.abs().toTypedArray(), Number));
    assertClose(got[i]!, g, { atol: 3e-2 * scale, rtol: 0, msg: `parameter ${i}` });
  });
});

test("autocast: a parameter used twice is cast once (cached) and gets both gradients; cacheEnabled false casts each time", () => {
  const lin = new nn.Linear(6, 6);
  const x = randn([3, 6]);
  const countCasts = (opts: { cacheEnabled?: boolean }) => {
    let casts = 0;
    const remove = addDispatchLayer((c, next) => {
      if (c.op === "cast" && c.inputs[0]!.dtype === "float32" && (c.attrs as { dtype: string }).dtype === "bfloat16" && c.inputs[0]!.shape.join() === "6,6") casts++;
      return next(c);
    });
    try {
      const out = amp.autocast({ ...AC, ...opts }, () => lin.forward(lin.forward(x)).sum());
      out.backward();
    } finally {
      remove();
    }
    return casts;
  };
  assert.equal(countCasts({}), 1);
  const g = lin.weight.grad!;
  lin.weight.grad = null;
  assert.equal(countCasts({ cacheEnabled: false }), 2);
  // the cached cast sums both uses' gradients in bfloat16 before casting (as PyTorch's), the uncached in float32
  assertClose(lin.weight.grad!, g, { atol: 1e-2, rtol: 1e-2 });
  // an in-place change of the parameter inside the region is seen: the cast is redone
  const seen = amp.autocast(AC, () => {
    const before = lin.forward(x);
    fx.noGrad(() => lin.weight.mul_(2));
    const after = lin.forward(x);
    return [before, after];
  });
  assert.notDeepEqual(Array.from(seen[0]!.toTypedArray()), Array.from(seen[1]!.toTypedArray()));
});

test("autocast: regions nest, enabled false turns it off inside, and each exit restores the outer state", () => {
  const a = randn([2, 3]), w = randn([3, 4]);
  assert.equal(amp.isAutocastEnabled(), false);
  amp.autocast(AC, () => {
    assert.equal(a.matmul(w).dtype, "bfloat16");
    amp.autocast({ deviceType: "cpu", enabled: false }, () => {
      assert.equal(amp.isAutocastEnabled(), false);
      assert.equal(a.matmul(w).dtype, "float32");
      amp.autocast({ deviceType: "cpu", dtype: "float16" }, () => {
        assert.equal(amp.getAutocastDtype(), "float16");
        assert.equal(a.matmul(w).dtype, "float16");
      });
      assert.equal(a.matmul(w).dtype, "float32");
    });
    assert.equal(amp.isAutocastEnabled(), true);
    assert.equal(amp.getAutocastDtype(), "bfloat16");
    assert.equal(a.matmul(w).dtype, "bfloat16");
    // float64 is never lowered (as PyTorch's)
    assert.equal(a.double().matmul(w.double()).dtype, "float64");
  });
  assert.equal(amp.isAutocastEnabled(), false);
  assert.equal(a.matmul(w).dtype, "float32");
});

test("autocast: an exception leaves nothing on (callback form, inside a listed op, and enter/exit with finally)", () => {
  const a = randn([2, 3]), w = randn([3, 4]);
  assert.throws(() => amp.autocast(AC, () => { a.matmul(w); throw new Error("boom"); }), /boom/);
  assert.equal(amp.isAutocastEnabled(), false);
  assert.equal(a.matmul(w).dtype, "float32");
  // a failing listed op inside a region: the region keeps autocasting afterwards
  amp.autocast(AC, () => {
    assert.throws(() => a.matmul(a), FluxionError);
    assert.equal(a.matmul(w).dtype, "bfloat16");
  });
  const ac = amp.autocast(AC);
  assert.equal(amp.isAutocastEnabled(), false, "not on before enter()");
  try {
    ac.enter();
    assert.equal(a.matmul(w).dtype, "bfloat16");
    throw new Error("boom");
  } catch {
    // handled
  } finally {
    ac.exit();
  }
  assert.equal(amp.isAutocastEnabled(), false);
  assert.equal(a.matmul(w).dtype, "float32");
});

test("autocast: enter()/exit() and `using` (torch.autocast as a context manager); misuse raises", () => {
  const a = randn([2, 3]), w = randn([3, 4]);
  {
    using _ac = amp.autocast({ deviceType: "cpu", dtype: "bfloat16" }).enter();
    assert.equal(a.matmul(w).dtype, "bfloat16");
  }
  assert.equal(amp.isAutocastEnabled(), false);
  // positional form, as torch.autocast("cpu", torch.bfloat16)
  assert.equal(amp.autocast("cpu", "bfloat16", () => a.matmul(w)).dtype, "bfloat16");
  const outer = amp.autocast(AC).enter(), inner = amp.autocast({ deviceType: "cpu", enabled: false }).enter();
  assert.throws(() => outer.exit(), { name: "FluxionError", message: /innermost first/ });
  inner.exit();
  outer.exit();
  assert.throws(() => outer.exit(), { message: /not entered/ });
  assert.equal(amp.isAutocastEnabled(), false);
  assert.throws(() => amp.autocast(AC, async () => a.matmul(w)), { message: /returned a Promise/ });
  assert.equal(amp.isAutocastEnabled(), false);
});

test("autocast: bad arguments raise FluxionErrors naming the parameter", () => {
  assert.throws(() => amp.autocast({ deviceType: "cuda" }), { name: "ArgumentError", message: /amp\.autocast: deviceType 'cuda' is not supported; autocast runs on 'cpu'/ });
  assert.throws(() => amp.autocast({ deviceType: "cpu", dtype: "float32" as "bfloat16" }), (e: unknown) => e instanceof DTypeError && /dtype must be "bfloat16" or "float16".*got float32/.test(e.message));
  assert.throws(() => amp.autocast({ deviceType: "cpu", dtype: "int8" as "bfloat16" }), DTypeError);
  assert.throws(() => amp.autocast({ deviceType: "cpu", dtype: "bf16" as "bfloat16" }), FluxionError);
  assert.throws(() => amp.autocast({ deviceType: "cpu", enabled: "yes" as unknown as boolean }), { name: "ArgumentError", message: /enabled/ });
  assert.throws(() => amp.autocast({} as { deviceType: string }), { message: /deviceType/ });
  assert.throws(() => amp.autocast({ deviceType: "cpu", fast: true } as { deviceType: string }), { message: /fast/ });
  assert.throws(() => amp.isAutocastEnabled("cuda"), FluxionError);
  assert.equal(amp.isAutocastEnabled(), false);
});

test("autocast: backward inside the region, and a float32 parameter's gradient accumulates across two regions", () => {
  const { fc1, fc2, x, y, params } = mlp();
  const step = () => amp.autocast(AC, () => nn.F.crossEntropy(fc2.forward(fc1.forward(x).relu()), y).backward());
  step();
  const once = params.map((p) => p.grad!.clone());
  step();
  params.forEach((p, i) => assertClose(p.grad!, once[i]!.mul(2), { atol: 1e-6, rtol: 1e-5 }));
  assert.equal(tensor([1]).dtype, "float32");
});

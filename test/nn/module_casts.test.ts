/**
 * model.half() / model.bfloat16() / model.double() / model.float(), as PyTorch's Module casts:
 * floating-point parameters and buffers change dtype (in place, the module is returned),
 * integer buffers (BatchNorm's num_batches_tracked) keep theirs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, nn, ones } from "../../src/index.js";

test("Module.half / bfloat16 cast floating parameters and buffers, not integer buffers", () => {
  const m = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
  assert.equal(m.half(), m);
  const dtypes = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.dtype]));
  assert.deepEqual(dtypes, {
    "0.weight": "float16", "0.bias": "float16", "1.weight": "float16", "1.bias": "float16",
    "1.running_mean": "float16", "1.running_var": "float16", "1.num_batches_tracked": "int64",
  });
  assert.ok(m.parameters().every((p) => p.requiresGrad && p instanceof nn.Parameter));
  m.bfloat16();
  assert.ok(m.parameters().every((p) => p.dtype === "bfloat16"));
  const lin = new nn.Linear(2, 1).double();
  assert.equal(lin.forward(ones([1, 2], { dtype: "float64" })).dtype, "float64");
  assert.equal(lin.float().weight.dtype, "float32");
});

test("float()/double()/half()/bfloat16() take no arguments: an extra one is refused, nothing cast", () => {
  const m = new nn.Linear(2, 1);
  for (const name of ["float", "double", "half", "bfloat16"] as const) {
    assert.throws(() => (m[name] as (x: unknown) => unknown).call(m, 3), (e: Error) => e instanceof ArgumentError && e.message.startsWith(`Module.${name}() takes at most 0 arguments`));
  }
  assert.equal(m.weight.dtype, "float32");
});

test("Module.to takes PyTorch's (device, dtype) and stateDict its prefix, destination and keepVars", () => {
  // model.to("cpu", torch.float64) casts (the dtype was ignored); extra arguments are refused
  assert.equal(new nn.Linear(1, 1).to("cpu", "float64").weight.dtype, "float64");
  assert.equal(new nn.Linear(1, 1).to("cpu", "float64", true).weight.dtype, "float64");
  assert.equal(new nn.Linear(1, 1).to("float64", false).weight.dtype, "float64");
  assert.throws(() => new nn.Linear(1, 1).to("float64", "float32"), /Module.to\(\): a dtype as the second argument follows a device/);
  const lin = new nn.Linear(1, 1);
  assert.throws(() => (lin.to as (...a: unknown[]) => unknown).call(lin, "cpu", "float64", true, 1), /takes at most 3 arguments/);
  // nn.Linear(1, 1).state_dict(prefix="a.").keys() -> ['a.weight', 'a.bias'] (the options were ignored)
  const m = new nn.Linear(1, 1);
  assert.deepEqual(Object.keys(m.stateDict({ prefix: "a." })), ["a.weight", "a.bias"]);
  const dest: Record<string, unknown> = { epoch: 1 };
  assert.equal(m.stateDict(dest as never, "m."), dest);
  assert.deepEqual(Object.keys(dest), ["epoch", "m.weight", "m.bias"]);
  assert.equal(m.stateDict({ keepVars: true }).weight, m.weight);
  assert.notEqual(m.stateDict().weight, m.weight);
  assert.throws(() => m.stateDict({ prefx: "a." } as never), /unexpected option 'prefx' \(did you mean 'prefix'\?\)/);
});

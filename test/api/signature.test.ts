// The op table: PyTorch's positional order and trailing options both bind; anything
// unexpected (count, type, unknown option, duplicate) is an ArgumentError naming the
// function, the parameter and what it got. Mirrors src/api/.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { ArgumentError, DTypeError, FluxionError, Tensor, nn, tensor } from "../../src/index.js";
import { parseSignature } from "../../src/api/schema.js";
import { registeredOps } from "../../src/api/registry.js";

const x = tensor([[1, 5, 3], [4, 2, 6]]);
const throwsArg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ArgumentError && re.test(e.message));

test("parseSignature reads types, defaults, keyword-only parameters and returns", () => {
  const s = parseSignature('sum(Tensor self, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null) -> Tensor');
  assert.equal(s.name, "sum");
  assert.equal(s.positionalCount, 3);
  assert.deepEqual(s.params.map((p) => [p.name, p.type.text, p.hasDefault, p.default, p.keywordOnly]), [
    ["self", "Tensor", false, undefined, false],
    ["dim", "int[]?", true, null, false],
    ["keepdim", "bool", true, false, false],
    ["dtype", "ScalarType?", true, null, true],
  ]);
  const m = parseSignature('max.dim(Tensor self, int dim, bool keepdim=false) -> (Tensor values, Tensor indices)');
  assert.equal(m.overload, "dim");
  assert.equal(m.returns, "(Tensor values, Tensor indices)");
  const lit = parseSignature('f(float|"fro"? p=2, "mean"|"sum" reduction="mean", int... size) -> Tensor');
  assert.deepEqual(lit.params[0]!.type.atoms, [{ kind: "base", base: "float" }, { kind: "literal", value: "fro" }]);
  assert.equal(lit.params[1]!.default, "mean");
  assert.equal(lit.params[2]!.type.varargs, true);
  assert.throws(() => parseSignature("f(Tensr x)"), /unknown type Tensr/);
  assert.throws(() => parseSignature("f(int... a, int b)"), /varargs must be the last/);
  assert.throws(() => parseSignature("f(int a, int a)"), /duplicate parameter a/);
});

test("positional order, options objects and both mixed give the same call", () => {
  const want = [[9], [12]];
  assert.deepEqual(x.sum(1, true).tolist(), want);
  assert.deepEqual(x.sum(1, { keepdim: true }).tolist(), want);
  assert.deepEqual(x.sum({ dim: 1, keepdim: true }).tolist(), want);
  assert.deepEqual(fx.sum(x, 1, true).tolist(), want);
  assert.deepEqual(fx.sum(x, { dim: 1, keepdim: true }).tolist(), want);
  assert.equal(x.sum(1, true, { dtype: "float64" }).dtype, "float64");
  // undefined means "not given", in any position
  assert.deepEqual(x.sum(undefined, true).tolist(), [[21]]);
  assert.deepEqual(x.sum(1, { keepdim: undefined }).tolist(), [9, 12]);
});

test("the issue's silent drops now bind as PyTorch does", () => {
  assert.deepEqual([...fx.rand(3, 4).shape], [3, 4]);
  assert.deepEqual([...fx.rand([3, 4]).shape], [3, 4]);
  assert.equal(new nn.Linear(784, 20, false).bias, null);
  assert.deepEqual(x.mean(1, true).shape, [2, 1]);
  assert.deepEqual(x.sort(1, true).values.tolist(), [[5, 3, 1], [6, 4, 2]]);
  assert.deepEqual(x.topk(2, 1, false).values.tolist(), [[1, 3], [2, 4]]);
  const v = tensor([1, 2, 3, 4]);
  assert.ok(Math.abs((v.std(0, false).item() as number) - Math.sqrt(1.25)) < 1e-6);
  assert.ok(Math.abs((v.std(false).item() as number) - Math.sqrt(1.25)) < 1e-6);
  assert.ok(Math.abs((v.std(0, { correction: 0 }).item() as number) - Math.sqrt(1.25)) < 1e-6);
  const idx = tensor([[0], [2]], { dtype: "int32" });
  assert.deepEqual(fx.zeros(2, 3).scatter_(1, idx, { value: 1 }).tolist(), [[1, 0, 0], [0, 0, 1]]);
});

test("wrong types, counts and option keys are ArgumentErrors naming the function and parameter", () => {
  throwsArg(() => x.add("abc" as never), /^Tensor\.add\(\): argument 'other' \(position 1\) must be Tensor or Scalar, but got string "abc"$/);
  throwsArg(() => fx.full([2, 2], "x" as never), /full\(\): argument 'fillValue' \(position 2\) must be Scalar, but got string "x"/);
  throwsArg(() => x.sum(1, "yes" as never), /argument 'keepdim' \(position 2\) must be bool, but got string "yes"/);
  throwsArg(() => x.sum(1.5 as never), /argument 'dim' \(position 1\) must be int\[\] \(or one int\) or null, but got float 1.5/);
  // @ts-expect-error too many positional arguments
  throwsArg(() => x.sum(1, true, "float64", 4), /Tensor\.sum\(\) takes 2 positional arguments but 4 were given; pass dtype, out in an options object/);
  throwsArg(() => x.sum({ keepDim: true } as never), /Tensor\.sum\(\) got an unexpected option 'keepDim' \(did you mean 'keepdim'\?\); valid options: dim, keepdim, dtype, out/);
  throwsArg(() => x.sum(1, { dim: 0 } as never), /got multiple values for argument 'dim'/);
  throwsArg(() => fx.matmul(x, 5 as never), /matmul\(\): argument 'other' \(position 2\) must be Tensor, but got int 5/);
  throwsArg(() => x.add(undefined as never), /Tensor\.add\(\) missing required argument 'other' \(position 1\)/);
  throwsArg(() => fx.cat([x, 5] as never), /cat\(\): argument 'tensors' \(position 1\) must be Tensor\[\], but got array \[Tensor, 5\]/);
  throwsArg(() => new nn.Linear(784 as never), /Linear\(\) missing required argument 'outFeatures' \(position 2\)/);
  throwsArg(() => new nn.Linear(784, 20, false, 3 as never), /Linear\(\) takes 3 positional arguments but 4 were given/);
  throwsArg(() => fx.neg(x, { foo: 1 } as never), /neg\(\) got an unexpected option 'foo'; valid options: self/);
  // a dtype that does not exist is a DTypeError, as dtype checks are elsewhere
  assert.throws(() => fx.zeros(2, { dtype: "int128" as never }), (e: Error) => e instanceof DTypeError && /unknown dtype "int128"/.test(e.message));
  // a method called off its tensor says how to call it
  const sum = x.sum;
  throwsArg(() => (sum as () => unknown)(), /Tensor\.sum\(\) called on undefined/);
});

test("overloads: the first that binds wins; when none does, the message lists them all", () => {
  assert.equal(x.max().item(), 6);
  const [values, indices] = x.max(1);
  assert.deepEqual(values!.tolist(), [5, 6]);
  assert.deepEqual(indices!.tolist(), [1, 2]);
  assert.deepEqual(x.max(tensor(4)).tolist(), [[4, 5, 4], [4, 4, 6]]);
  assert.throws(() => x.max("a" as never), (e: Error) => {
    assert.ok(e instanceof ArgumentError);
    assert.match(e.message, /^Tensor\.max\(\) received an invalid combination of arguments - got \(string "a"\), but expected one of:\n \* max\(\)\n \* max\(int dim, bool keepdim=false\)\n \* max\(Tensor other\)/);
    return true;
  });
});

test("of several overloads, the closest is the one whose positional arguments fitted: meshgrid([a, b], { indexing: \"IJ\" }) names the option", () => {
  // PyTorch: 'torch.meshgrid: indexing must be one of "xy" or "ij", but received: IJ'
  const [a, b] = [fx.arange(2), fx.arange(3)];
  for (const call of [() => fx.meshgrid([a, b], { indexing: "IJ" as never }), () => fx.meshgrid(a, b, { indexing: "ji" as never })]) {
    assert.throws(call, (e: Error) => {
      assert.ok(e instanceof ArgumentError);
      assert.match(e.message, /^meshgrid\(\) received an invalid combination of arguments/);
      assert.match(e.message, /\(closest: meshgrid\(\): option 'indexing' must be "ij" or "xy" or null, but got string "(IJ|ji)"\)$/);
      return true;
    });
  }
});

test("named tuples destructure and keep .values / .indices", () => {
  const r = x.topk(1);
  assert.ok(Array.isArray(r));
  assert.equal(r.length, 2);
  assert.equal(r.values, r[0]);
  assert.equal(r.indices, r[1]);
  assert.deepEqual(r.values.tolist(), [[5], [6]]);
  const [v, i] = x.sort();
  assert.deepEqual(v!.tolist(), [[1, 3, 5], [2, 4, 6]]);
  assert.deepEqual(i!.tolist(), [[0, 2, 1], [1, 0, 2]]);
  // map gives a plain array, and printing names the parts as torch.return_types does
  assert.equal(Object.getPrototypeOf(r.map((t) => t)), Array.prototype);
  assert.match(String(r), /^fluxion\.return_types\.topk\(\nvalues=tensor\(\[\[5\.\],\n\s+\[6\.\]\]\),\nindices=tensor/);
});

test("varargs sizes take numbers or one list", () => {
  assert.deepEqual(x.view(3, 2).shape, [3, 2]);
  assert.deepEqual(x.view([3, 2]).shape, [3, 2]);
  assert.deepEqual(x.permute(1, 0).shape, [3, 2]);
  assert.deepEqual(fx.zeros([2, 3], { dtype: "int32" }).dtype, "int32");
  throwsArg(() => x.view(3, "2" as never), /Tensor\.view\(\): argument 'size' must be int values \(or one list of them\), but element 1 is string "2"/);
});

test("every declared op is reachable as declared: methods on Tensor, functions on the module", () => {
  const ops = registeredOps();
  assert.ok(ops.length > 150, `only ${ops.length} ops declared`);
  const mod = fx as unknown as Record<string, unknown>;
  // functions documented under a namespace live there (F.relu is not fx.relu)
  const namespaces: Record<string, [string, Record<string, unknown>]> = {
    "nn.functional": ["nn.F", nn.F as unknown as Record<string, unknown>],
    "nn.utils": ["nn.utils", nn.utils as unknown as Record<string, unknown>],
    "nn.utils.rnn": ["nn.utils.rnn", nn.utils.rnn as unknown as Record<string, unknown>],
    "nn.utils.parametrize": ["nn.utils.parametrize", nn.utils.parametrize as unknown as Record<string, unknown>],
    "nn.utils.parametrizations": ["nn.utils.parametrizations", nn.utils.parametrizations as unknown as Record<string, unknown>],
    "nn.utils.stateless": ["nn.utils.stateless", nn.utils.stateless as unknown as Record<string, unknown>],
    "nn.grad": ["nn.grad", nn.grad as unknown as Record<string, unknown>],
    func: ["func", fx.func as unknown as Record<string, unknown>],
    "nn.init": ["nn.init", nn.init as unknown as Record<string, unknown>],
    linalg: ["linalg", fx.linalg as unknown as Record<string, unknown>],
    special: ["special", fx.special as unknown as Record<string, unknown>],
    "autograd.functional": ["autograd.functional", fx.autograd.functional as unknown as Record<string, unknown>],
    "optim.swaUtils": ["optim.swaUtils", fx.optim.swaUtils as unknown as Record<string, unknown>],
  };
  const missing: string[] = [];
  for (const op of ops) {
    if (op.method && typeof (Tensor.prototype as unknown as Record<string, unknown>)[op.name] !== "function") missing.push(`Tensor.${op.name}`);
    if (!op.function || op.group === "autograd") continue;
    const [where, ns] = namespaces[op.group] ?? ["fx", mod];
    if (typeof ns[op.name] !== "function") missing.push(`${where}.${op.name}`);
  }
  assert.deepEqual(missing, []);
});

test("dtype constants are the dtype strings", () => {
  assert.equal(fx.zeros(1, { dtype: fx.float64 }).dtype, "float64");
  assert.equal(fx.int, "int32");
  assert.equal(x.to(fx.half).dtype, "float16");
});

test("errors are FluxionErrors, never raw TypeErrors", () => {
  for (const f of [() => x.add(null as never), () => fx.cat(null as never), () => x.reshape(null as never), () => fx.where(null as never, x, x)]) {
    assert.throws(f, (e: Error) => e instanceof FluxionError);
  }
});

test("list items may be nullable (int?[2], as PyTorch's Tensor?[]); Module is a registered type; modules read by class name", async () => {
  const { bindCall } = await import("../../src/api/args.js");
  const s = parseSignature("f(int?[2] size, Module? m=null, Module... rest)");
  assert.deepEqual(s.params[0]!.type.atoms, [{ kind: "list", of: "int", length: 2, nullableItems: true }]);
  assert.deepEqual(bindCall([s], undefined, [[5, null]], false), [[5, null], null, []]);
  assert.deepEqual(bindCall([s], undefined, [3], false), [3, null, []]);
  const relu = new nn.ReLU();
  assert.deepEqual(bindCall([s], undefined, [[1, 2], relu, relu], false), [[1, 2], relu, [relu]]);
  throwsArg(() => bindCall([s], undefined, [[5, "a"]], false), /^f\(\): argument 'size' \(position 1\) must be int\?\[2\] \(or one int\), but got array \[5, a\]$/);
  throwsArg(() => bindCall([s], undefined, [[null, null, null]], false), /must be int\?\[2\]/);
  throwsArg(() => bindCall([parseSignature("g(int[2] size)")], undefined, [[5, null]], false), /^g\(\): argument 'size' \(position 1\) must be int\[2\] \(or one int\), but got array \[5, null\]$/);
  // a Module (a callable object) is named by its class, also inside lists; non-int varargs take no single list
  throwsArg(() => bindCall([s], undefined, [1, 2], false), /^f\(\): argument 'm' \(position 2\) must be Module or null, but got int 2$/);
  throwsArg(() => bindCall([parseSignature("h(Tensor x)")], undefined, [relu], false), /^h\(\): argument 'x' \(position 1\) must be Tensor, but got ReLU$/);
  throwsArg(() => bindCall([s], undefined, [1, null, [relu]], false), /^f\(\): argument 'rest' must be Module values, but element 0 is array \[ReLU\]$/);
});

test("an undefined among variadic tensors or indices is an error, not an argument dropped", () => {
  // x.index(i) with i undefined (an array read past its end, a misspelt property) read the
  // whole tensor, and x.index(0, i) x[0]; TensorDataset(X, y) with y undefined held X alone
  const x = fx.arange(6).reshape(2, 3);
  assert.throws(() => x.index(undefined as never), (e: unknown) => e instanceof ArgumentError && /Tensor.index\(\): argument 'indices' must be Any values, but element 0 is undefined/.test((e as Error).message));
  assert.throws(() => x.index(0, undefined as never), /element 1 is undefined/);
  assert.throws(() => new fx.data.TensorDataset(x, undefined as never), /TensorDataset\(\): argument 'tensors' must be Tensor values, but element 1 is undefined/);
  assert.throws(() => fx.broadcastTensors(x, undefined as never), ArgumentError);
  // elsewhere a trailing undefined is still an argument or options object not given
  assert.deepEqual(x.index().shape, [2, 3]);
  assert.deepEqual(x.sum(1, undefined).shape, [2]);
  assert.deepEqual(fx.zeros(2, 3, undefined as never).shape, [2, 3]);
  assert.deepEqual(x.view(6, undefined as never).shape, [6]);
});

/**
 * nn.utils.parametrize, nn.utils.parametrizations and nn.utils.stateless.functionalCall
 * against PyTorch 1.13 (test/fixtures/parametrize_torch.py, float64): state-dict keys and
 * names, printing, values and gradients, assignment through rightInverse, chaining and
 * removal, the orthogonal maps over SGD steps, spectral norm's power iteration (train vs
 * eval), weight norm's g and v, and functional calls; then caching, deepcopy, to(dtype),
 * loadStateDict round trips and the errors a user can run into.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, FluxionError, ShapeError, copy, eye, func, nn, ones, optim, relu, tensor, zeros, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { readFileSync } from "node:fs";

type Enc = { shape: number[]; v: number[] };
type State = Record<string, Enc>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const REF = JSON.parse(readFileSync(new URL("../fixtures/parametrize_torch.json", import.meta.url), "utf8")) as any;
const P = nn.utils.parametrize;
const PZ = nn.utils.parametrizations;
const f64 = (e: Enc) => tensor(e.v, { dtype: "float64" }).reshape(e.shape);
const close = (a: Tensor, e: Enc, msg: string, atol = 1e-9) => {
  assert.deepEqual(a.shape, e.shape, `${msg}: shape`);
  assertClose(a, e.v, { atol, rtol: 1e-7, msg });
};
const load = (m: nn.Module, s: State) => m.loadStateDict(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, f64(v)])));
const attrs = (m: unknown) => m as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const gradsOf = (m: nn.Module) => Object.fromEntries([...m.namedParameters()].map(([k, p]) => [k, p.grad!]));

class Symmetric extends nn.Module {
  forward(X: Tensor): Tensor {
    return X.triu().add(X.triu(1).mT);
  }
  rightInverse(A: Tensor): Tensor {
    return A.triu();
  }
}

class Scale extends nn.Module {
  declare s: Tensor;
  constructor() {
    super();
    this.registerBuffer("s", tensor([2], { dtype: "float64" }));
  }
  forward(X: Tensor): Tensor {
    return X.mul(this.s);
  }
  rightInverse(X: Tensor): Tensor {
    return X.div(this.s);
  }
}

const lin = (i: number, o: number) => new nn.Linear(i, o, { dtype: "float64" });

test("a custom parametrization: the weight is computed on every read, gradients reach the original, assignment, chaining and removal match PyTorch", () => {
  const c = REF.symmetric;
  const m = lin(4, 4);
  load(m, c.init);
  const original = m.weight;
  assert.equal(P.registerParametrization(m, "weight", new Symmetric()), m);
  assert.deepEqual(Object.keys(m.stateDict()), c.keys);
  assert.deepEqual([...m.namedParameters()].map(([k]) => k), c.names);
  assert.equal(String(m), c.repr);
  assert.equal(m.constructor.name, "ParametrizedLinear");
  assert.ok(m instanceof nn.Linear);
  assert.equal(P.typeBeforeParametrizations(m), nn.Linear);
  assert.equal(attrs(m).parametrizations.weight.original, original, "the parameter object itself moves (an optimizer holding it keeps working)");
  assert.ok(!(m.weight instanceof nn.Parameter));
  assert.notEqual(m.weight, m.weight, "computed on every access");
  close(m.weight, c.weight, "weight");
  const x = f64(c.x).requiresGrad_();
  const y = m(x);
  y.pow(2).sum().backward();
  close(y, c.y, "output");
  for (const [k, g] of Object.entries(gradsOf(m))) close(g, c.grads[k], `grad of ${k}`);
  close(x.grad!, c.xgrad, "input grad");
  // assignment runs rightInverse into the original, in place
  m.weight = f64(c.assigned) as nn.Parameter;
  close(attrs(m).parametrizations.weight.original, c.assignedOriginal, "original after assignment");
  assert.equal(attrs(m).parametrizations.weight.original, original);
  // a second parametrization chains (its buffers are saved under its index)
  P.registerParametrization(m, "weight", new Scale());
  assert.deepEqual(Object.keys(m.stateDict()), c.chainKeys);
  assert.equal(String(m), c.chainRepr);
  close(m.weight, c.chainWeight, "chained weight");
  P.removeParametrizations(m, "weight");
  assert.deepEqual(Object.keys(m.stateDict()), c.removedKeys);
  assert.equal(String(m), c.removedRepr);
  assert.equal(m.constructor, nn.Linear);
  assert.equal(m.weight, original, "the original parameter is back, holding the parametrized value");
  assert.ok(m.weight instanceof nn.Parameter);
  close(m.weight, c.removedWeight, "weight after removal");
  assert.equal(P.isParametrized(m), false);
  assert.equal(attrs(m).parametrizations, undefined);
  // typed: the module comes back with its parametrizations dict
  const typed = P.registerParametrization(lin(2, 2), "weight", new Symmetric());
  assert.deepEqual(typed.parametrizations.weight!.original.shape, [2, 2]);
  assert.deepEqual(PZ.weightNorm(lin(2, 3)).parametrizations.weight!.original0.shape, [3, 1]);
});

for (const c of REF.orthogonal) {
  const label = `orthogonal ${c.shape.join("x")} ${c.map}${c.triv ? "" : " without trivialization"}`;
  test(`${label}: registration, values, gradients and SGD steps match PyTorch; the weight stays orthogonal`, () => {
    const [out, inp] = c.shape as [number, number];
    const m = lin(inp, out);
    load(m, c.init);
    PZ.orthogonal(m, "weight", c.map, { useTrivialization: c.triv });
    assert.deepEqual(Object.keys(m.stateDict()), c.keys);
    const sd = m.stateDict();
    // deterministic starts compare as they are; a non-square base is random (PyTorch's is loaded)
    if (c.shape[0] === c.shape[1] || !c.triv) for (const k of c.keys) close(sd[k]!, c.state[k], `${label}: ${k} after registration`, 1e-8);
    load(m, c.state);
    close(m.weight, c.weight, `${label}: weight`, 1e-8);
    const x = f64(c.x);
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      const loss = m(x).pow(2).sum().add(m.weight.select(0, 0).sum());
      loss.backward();
      if (i === 0) for (const [k, g] of Object.entries(gradsOf(m))) close(g, c.grads[k], `${label}: grad of ${k}`, 1e-8);
      losses.push(loss.item());
      opt.step();
    }
    assertClose(losses, c.losses, { atol: 1e-8, rtol: 1e-7, msg: `${label}: losses` });
    close(m.weight, c.after, `${label}: weight after 3 steps`, 1e-8);
    const W = m.weight, k = Math.min(out, inp);
    const gram = out >= inp ? W.mT.matmul(W) : W.matmul(W.mT);
    assertClose(gram, eye(k, { dtype: "float64" }), { atol: 1e-10, msg: `${label}: orthogonal` });
    if (c.triv) {
      m.weight = f64(c.assigned) as nn.Parameter;
      close(m.weight, c.assignedWeight, `${label}: weight after assignment`, 1e-8);
    }
  });
}

for (const c of REF.spectral) {
  const label = `spectralNorm on ${c.kind} (${c.n} iterations)`;
  test(`${label}: buffers advance in training mode only, values and gradients match PyTorch`, () => {
    const create = { dtype: "float64" as const };
    const m = c.kind === "linear" ? new nn.Linear(4, 3, create) : c.kind === "conv" ? new nn.Conv2d(2, 3, 2, create) : new nn.ConvTranspose2d(2, 3, 2, create);
    load(m, c.init);
    PZ.spectralNorm(m, { nPowerIterations: c.n });
    assert.deepEqual(Object.keys(m.stateDict()), c.keys);
    load(m, c.state); // PyTorch's random start of u and v
    const x = f64(c.x);
    const sn = attrs(m).parametrizations.weight.at(0);
    c.calls.forEach((call: { y: Enc; u: Enc; v: Enc; grads: State }, i: number) => {
      m.train(i < 2);
      m.zeroGrad();
      const y = m(x) as Tensor;
      y.pow(2).sum().backward();
      close(y, call.y, `${label}: call ${i} output`);
      close(sn._u, call.u, `${label}: call ${i} u`);
      close(sn._v, call.v, `${label}: call ${i} v`);
      for (const [k, g] of Object.entries(gradsOf(m))) close(g, call.grads[k], `${label}: call ${i} grad of ${k}`);
    });
  });
}

for (const c of REF.weightNorm) {
  test(`parametrizations.weightNorm (dim ${c.dim}): g and v as original0/original1, output and gradients match PyTorch 2.1`, () => {
    const m = lin(4, 3);
    load(m, c.init);
    PZ.weightNorm(m, { dim: c.dim });
    assert.deepEqual(Object.keys(m.stateDict()), c.keys);
    const sd = m.stateDict();
    for (const k of c.keys) close(sd[k]!, c.state[k], `weightNorm: ${k}`);
    const y = m(f64(c.x)) as Tensor;
    y.pow(2).sum().backward();
    close(y, c.y, "weightNorm output");
    for (const [k, g] of Object.entries(gradsOf(m))) close(g, c.grads[k], `weightNorm grad of ${k}`);
  });
}

class Net extends nn.Module {
  fc1 = lin(3, 4);
  bn = new nn.BatchNorm1d(4, { dtype: "float64" });
  fc2 = lin(4, 2);
  forward(x: Tensor): Tensor {
    return this.fc2(relu(this.bn(this.fc1(x))));
  }
}

test("functionalCall runs the module on the tensors given: output, gradients to them, buffers updated in them, the module untouched", () => {
  const c = REF.functionalCall;
  const net = new Net();
  load(net, c.init);
  const given: Record<string, Tensor> = {};
  for (const [k, e] of Object.entries(c.given as State)) given[k] = k.includes("running") || k.includes("num_batches") ? f64(e).to(k.includes("num_batches") ? "int64" : "float64") : f64(e).requiresGrad_();
  const y = nn.utils.stateless.functionalCall(net, given, [f64(c.x)]) as Tensor;
  y.pow(2).sum().backward();
  close(y, c.y, "output");
  for (const [k, e] of Object.entries(c.grads as State)) close(given[k]!.grad!, e, `grad of ${k}`);
  for (const [k, e] of Object.entries(c.buffersAfter as State)) close(given[k]!, e, `buffer ${k} after the call`);
  const sd = net.stateDict();
  for (const [k, e] of Object.entries(c.moduleAfter as State)) close(sd[k]!, e, `module's ${k} untouched`);
  for (const [, p] of net.namedParameters()) assert.equal(p.grad, null);
  assert.ok(net.fc1.weight instanceof nn.Parameter);
  // torch.func's form takes parameters and buffers apart
  const params = Object.fromEntries(Object.entries(given).filter(([k]) => !k.startsWith("bn.running") && !k.startsWith("bn.num")));
  const buffers = Object.fromEntries(Object.entries(given).filter(([k]) => !(k in params)));
  assert.equal((func.functionalCall(net, [params, buffers], f64(c.x)) as Tensor).shape.join(), "5,2");
});

test("functionalCall on a parametrized module: the original's name keeps the parametrization, the tensor's name replaces it", () => {
  const c = REF.functionalCallParametrized;
  const m = lin(3, 3);
  load(m, c.init);
  P.registerParametrization(m, "weight", new Symmetric());
  const x = f64(c.x), W = f64(c.W);
  close(nn.utils.stateless.functionalCall(m, { "parametrizations.weight.original": W }, [x]) as Tensor, c.viaOriginal, "via original");
  close(nn.utils.stateless.functionalCall(m, { weight: W }, [x]) as Tensor, c.viaWeight, "via weight");
  assert.ok(P.isParametrized(m, "weight"), "the parametrization is back");
  const w: Tensor = m.weight;
  assert.ok(!(w instanceof nn.Parameter));
  assertClose(w, w.mT, { msg: "still symmetric" });
});

test("functionalCall restores the module when forward throws; strict and tieWeights", () => {
  class Boom extends nn.Module {
    fc = lin(2, 2);
    forward(x: Tensor): Tensor {
      this.fc(x);
      throw new FluxionError("boom");
    }
  }
  const b = new Boom();
  const w = b.fc.weight;
  assert.throws(() => nn.utils.stateless.functionalCall(b, { "fc.weight": zeros([2, 2], { dtype: "float64" }) }, [ones([1, 2], { dtype: "float64" })]), /boom/);
  assert.equal(b.fc.weight, w);
  assert.deepEqual(Object.keys(b.stateDict()), ["fc.weight", "fc.bias"]);
  // strict: every parameter and buffer, and nothing else
  assert.throws(
    () => nn.utils.stateless.functionalCall(b.fc, { weight: w, extra: w }, [ones([1, 2], { dtype: "float64" })], null, { strict: true }),
    (e: Error) => e instanceof FluxionError && /Error\(s\) in reparametrizing for Linear:\n\tUnexpected key\(s\): 'extra'\.\n\tMissing key\(s\): 'bias'\./.test(e.message),
  );
  // tied weights: a tensor held under two names is replaced under both (PyTorch 2.0's tie_weights)
  class Tied extends nn.Module {
    enc = lin(2, 2);
    dec = lin(2, 2);
    constructor() {
      super();
      this.dec.weight = this.enc.weight;
    }
    forward(x: Tensor): Tensor {
      return this.dec(this.enc(x));
    }
  }
  const t = new Tied();
  const W = eye(2, { dtype: "float64" }).mul(2);
  const x = ones([1, 2], { dtype: "float64" });
  const zb = { "enc.bias": zeros([2], { dtype: "float64" }), "dec.bias": zeros([2], { dtype: "float64" }) };
  assertClose(nn.utils.stateless.functionalCall(t, { "enc.weight": W, ...zb }, [x]) as Tensor, [4, 4]);
  assertClose(nn.utils.stateless.functionalCall(t, { "enc.weight": W, ...zb }, [x], null, { tieWeights: false }) as Tensor, t.dec.weight.matmul(W.matmul(x.mT)).mT);
  assert.throws(() => nn.utils.stateless.functionalCall(t, { "enc.weight": W, "dec.weight": W.mul(1) }, [x]), /multiple values for keys \['dec.weight', 'enc.weight'\], which are tied/);
  assert.throws(() => nn.utils.stateless.functionalCall(t, { "nope.weight": W }, [x]), (e: Error) => e instanceof ArgumentError && /has no submodule 'nope'/.test(e.message));
  assert.throws(() => nn.utils.stateless.functionalCall(t, { "enc.weight": [1, 2] as never }, [x]), (e: Error) => e instanceof ArgumentError && /must be a Tensor/.test(e.message));
});

test("cached(): a parametrized tensor read twice is computed once inside, afresh outside", () => {
  let calls = 0;
  class Counting extends nn.Module {
    forward(X: Tensor): Tensor {
      calls++;
      return X.mul(2);
    }
  }
  const m = P.registerParametrization(lin(2, 2), "weight", new Counting());
  calls = 0;
  const [a, b] = P.cached(() => [m.weight, m.weight]);
  assert.equal(a, b);
  assert.equal(calls, 1);
  assert.notEqual(m.weight, a);
  assert.equal(calls, 2);
  assert.throws(() => P.cached(() => {
    void m.weight;
    throw new Error("inside");
  }), /inside/);
  assert.notEqual(m.weight, m.weight, "the cache is dropped after a throw");
});

test("deepcopy, to(dtype), loadStateDict round trip and several originals (rightInverse returning two tensors)", () => {
  const m = PZ.orthogonal(lin(3, 3));
  const c = copy.deepcopy(m);
  assert.equal(c.constructor.name, "ParametrizedLinear");
  assertClose(c.weight, m.weight);
  noGradStep(c);
  assert.ok(Math.abs(c.weight.sub(m.weight).abs().sum().item()) > 1e-6, "the copy trains its own original");
  assertClose(c.weight.mT.matmul(c.weight), eye(3, { dtype: "float64" }), { atol: 1e-10 });
  const m2 = PZ.orthogonal(lin(3, 3));
  m2.loadStateDict(c.stateDict());
  assertClose(m2.weight, c.weight, { atol: 1e-12 });
  assert.throws(() => m2.loadStateDict({ weight: c.weight }), /Missing key\(s\) in state_dict: "bias", "parametrizations.weight.original", "parametrizations.weight.0.base"[\s\S]*Unexpected key\(s\) in state_dict: "weight"/);
  m2.to("float32");
  assert.equal(m2.weight.dtype, "float32");
  assert.equal(attrs(m2).parametrizations.weight.original.dtype, "float32");
  const w = PZ.weightNorm(lin(4, 3));
  assert.deepEqual(attrs(w).parametrizations.weight.original0.shape, [3, 1]);
  assert.equal(attrs(w).parametrizations.weight.ntensors, 2);
  const before = w.weight.detach().clone();
  assert.throws(() => P.removeParametrizations(w, "weight", false), /Cannot leave unparametrized/);
  P.removeParametrizations(w, "weight");
  assertClose(w.weight, before, { atol: 1e-12 });
  assert.ok(w.weight instanceof nn.Parameter);
  assert.deepEqual(Object.keys(w.stateDict()), ["bias", "weight"]);
});

function noGradStep(m: nn.Module & { weight: Tensor }): void {
  const opt = new optim.SGD(m.parameters(), { lr: 0.5 });
  m.weight.select(0, 0).sum().backward();
  opt.step();
}

test("errors: unknown tensor, a shape change without unsafe, removing what is not parametrized, assigning without rightInverse", () => {
  const m = lin(3, 2);
  assert.throws(() => P.registerParametrization(m, "wieght", new Symmetric()), (e: Error) => e instanceof FluxionError && /module Linear does not have a parameter, a buffer, or a parametrized element with name 'wieght' \(its parameters and buffers: weight, bias\)/.test(e.message));
  class Flatten extends nn.Module {
    forward(X: Tensor): Tensor {
      return X.reshape(-1);
    }
  }
  assert.throws(() => P.registerParametrization(m, "weight", new Flatten()), (e: Error) => e instanceof ShapeError && /may not change the shape of the tensor, unless `unsafe` flag is enabled.\nunparametrized shape: \[2, 3\]\nparametrized shape: \[6\]/.test(e.message));
  assert.equal(m.constructor, nn.Linear, "a refused parametrization leaves the module unchanged");
  assert.ok(m.weight instanceof nn.Parameter);
  P.registerParametrization(m, "weight", new Flatten(), { unsafe: true });
  assert.deepEqual(m.weight.shape, [6]);
  class ToFloat extends nn.Module {
    forward(X: Tensor): Tensor {
      return X.float();
    }
  }
  assert.throws(() => P.registerParametrization(lin(2, 2), "weight", new ToFloat()), (e: Error) => e instanceof DTypeError && /may not change the dtype/.test(e.message));
  assert.throws(() => P.removeParametrizations(lin(2, 2), "weight"), /module Linear does not have a parametrization on weight/);
  assert.throws(() => { m.weight = zeros([6], { dtype: "float64" }) as nn.Parameter; }, /parametrization Flatten does not implement rightInverse/);
  assert.throws(() => PZ.orthogonal(lin(3, 3), "bias"), /Expected a matrix or batch of matrices. Got a tensor of 1 dimensions/);
  assert.throws(() => PZ.orthogonal(lin(3, 3), "weight", "qr" as never), /orthogonalMap has to be one of "matrix_exp", "cayley", "householder". Got: qr/);
  assert.throws(() => PZ.spectralNorm(lin(3, 3), { nPowerIterations: 0 }), /Expected nPowerIterations to be positive/);
  assert.throws(() => PZ.orthogonal(lin(3, 3), "nope"), /has no parameter or buffer with name 'nope'/);
  const o = PZ.orthogonal(lin(3, 3), "weight", "matrix_exp", { useTrivialization: false });
  assert.throws(() => { o.weight = eye(3, { dtype: "float64" }) as nn.Parameter; }, /not possible to assign to the matrix exponential/);
  assert.throws(() => { attrs(PZ.orthogonal(lin(3, 3))).weight = eye(2, { dtype: "float64" }); }, /Expected a matrix or batch of matrices of shape \[3, 3\]. Got a tensor of shape \[2, 2\]/);
});

test("a parametrized buffer, and a model training under an orthogonal constraint keeps its weight orthogonal", () => {
  class WithBuffer extends nn.Module {
    declare w: Tensor;
    constructor() {
      super();
      this.registerBuffer("w", tensor([[1, 2], [3, 4]], { dtype: "float64" }));
    }
    forward(x: Tensor): Tensor {
      return x.matmul(this.w);
    }
  }
  const wb = P.registerParametrization(new WithBuffer(), "w", new Symmetric());
  assert.deepEqual(Object.keys(wb.stateDict()), ["parametrizations.w.original"]);
  assert.deepEqual(wb.parameters(), []);
  assert.deepEqual(wb.w.tolist(), [[1, 2], [2, 4]]);

  const model = new nn.Sequential(lin(4, 4), new nn.Tanh(), lin(4, 1));
  PZ.orthogonal(model.at(0));
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const x = tensor([[1, 0, -1, 2], [0.5, 1, 0, -1], [2, -1, 1, 0]], { dtype: "float64" });
  const target = tensor([[1], [-1], [0.5]], { dtype: "float64" });
  let first = 0, last = 0;
  for (let i = 0; i < 40; i++) {
    opt.zeroGrad();
    const loss = nn.F.mseLoss(model(x) as Tensor, target);
    loss.backward();
    opt.step();
    if (i === 0) first = loss.item();
    last = loss.item();
  }
  assert.ok(last < first / 2, `the loss falls (${first} -> ${last})`);
  const W = attrs(model.at(0)).weight as Tensor;
  assertClose(W.mT.matmul(W), eye(4, { dtype: "float64" }), { atol: 1e-10, msg: "still orthogonal after 40 Adam steps" });
});

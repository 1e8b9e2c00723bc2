/**
 * The Optimizer base: parameter groups, zeroGrad, stateDict/loadStateDict (structure,
 * bit-for-bit resumption, refusing mismatched dicts without side effects) and the errors
 * for bad options and bad parameter lists.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, Tensor, optim, tensor, zeros } from "../../src/index.js";
import { REF, makeOptimizer, makeParams, setGrads } from "./reference.js";

function snapshot(ts: Tensor[]): number[][] {
  return ts.map((t) => Array.from(t.toTypedArray()));
}

test("an array of tensors becomes one group with the defaults filled in", () => {
  const [a, b] = makeParams();
  const opt = new optim.SGD([a!, b!], { lr: 0.1, momentum: 0.9 });
  assert.equal(opt.paramGroups.length, 1);
  const { params, ...options } = opt.paramGroups[0]!;
  assert.deepEqual(params, [a, b]);
  assert.deepEqual(options, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
});

test("parameter groups override the defaults per group; addParamGroup appends one", () => {
  const [a, b] = makeParams();
  const opt = new optim.Adam([{ params: [a!], lr: 0.1 }], { betas: [0.8, 0.9] });
  opt.addParamGroup({ params: b!, amsgrad: true });
  assert.equal(opt.paramGroups[0]!.lr, 0.1);
  assert.deepEqual(opt.paramGroups[0]!.betas, [0.8, 0.9]);
  assert.equal(opt.paramGroups[1]!.lr, 1e-3);
  assert.equal(opt.paramGroups[1]!.amsgrad, true);
  assert.deepEqual(opt.paramGroups[1]!.params, [b]);
  // each group owns its betas array
  opt.paramGroups[0]!.betas[0] = 0.5;
  assert.equal(opt.paramGroups[1]!.betas[0], 0.8);
});

test("parameters are accepted from any iterable (a generator, as Module.parameters() may return)", () => {
  const ps = makeParams();
  function* gen() {
    yield* ps;
  }
  const opt = new optim.SGD(gen(), { lr: 1 });
  assert.deepEqual(opt.paramGroups[0]!.params, ps);
});

test("changing a group's lr between steps takes effect", () => {
  const [p] = makeParams();
  const opt = new optim.SGD([p!], { lr: 1 });
  p!.grad = tensor([[1, 1, 1], [1, 1, 1]]);
  const before = Array.from(p!.toTypedArray());
  opt.paramGroups[0]!.lr = 0.5;
  opt.step();
  Array.from(p!.toTypedArray()).forEach((x, i) => assert.equal(x, Math.fround(before[i]! - 0.5)));
});

test("zeroGrad sets gradients to null by default, or to zeros in place with setToNone: false", () => {
  const [a, b] = makeParams();
  const opt = new optim.SGD([a!, b!], { lr: 0.1 });
  a!.grad = tensor([[1, 2, 3], [4, 5, 6]]);
  const g = tensor([1, 2, 3, 4]);
  b!.grad = g;
  opt.zeroGrad({ setToNone: false });
  assert.deepEqual(Array.from(a!.grad!.toTypedArray()), [0, 0, 0, 0, 0, 0]);
  assert.equal(b!.grad, g, "the same tensor, zeroed in place");
  assert.deepEqual(Array.from(g.toTypedArray()), [0, 0, 0, 0]);
  opt.zeroGrad();
  assert.equal(a!.grad, null);
  assert.equal(b!.grad, null);
});

test("zeroGrad then backward accumulates fresh gradients", () => {
  const p = tensor([1, 2, 3]).requiresGrad_(true);
  const opt = new optim.SGD([p], { lr: 0.1 });
  p.mul(p).sum().backward();
  opt.zeroGrad();
  p.mul(3).sum().backward();
  assert.deepEqual(Array.from(p.grad!.toTypedArray()), [3, 3, 3]);
});

test("stateDict has PyTorch's layout in camelCase: state by parameter index, groups with param indices", () => {
  const params = makeParams();
  const opt = new optim.Adam([{ params: [params[1]!], lr: 0.05 }, { params: [params[0]!] }], { lr: 0.01, amsgrad: true });
  setGrads(params, 0);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd), ["state", "paramGroups"]);
  assert.deepEqual(sd.paramGroups, [
    { lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0] },
    { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [1] },
  ]);
  assert.deepEqual(Object.keys(sd.state), ["0", "1"]);
  assert.deepEqual(Object.keys(sd.state[0]!).sort(), ["expAvg", "expAvgSq", "maxExpAvgSq", "step"]);
  assert.equal(sd.state[0]!.step, 1);
  assert.deepEqual([...(sd.state[0]!.expAvg as Tensor).shape], [4], "index 0 is the first group's parameter");
  assert.deepEqual([...(sd.state[1]!.expAvg as Tensor).shape], [2, 3]);
});

for (const c of REF.optimizers) {
  test(`${c.name}: training 4 steps, saving, loading into a fresh optimizer and training 4 more matches an uninterrupted run bit for bit`, () => {
    const n = c.expected.length, half = n / 2;
    const straight = makeParams();
    const optA = makeOptimizer(c, straight);
    for (let s = 0; s < n; s++) {
      setGrads(straight, s);
      optA.step();
    }
    const params = makeParams();
    const optB = makeOptimizer(c, params);
    for (let s = 0; s < half; s++) {
      setGrads(params, s);
      optB.step();
    }
    const saved = optB.stateDict();
    const resumed = params.map((p) => tensor(p.toTypedArray(), { shape: p.shape }).requiresGrad_(true));
    const optC = makeOptimizer(c, resumed);
    optC.loadStateDict(saved);
    // the copy is independent of the optimizer it came from
    setGrads(params, half);
    optB.step();
    for (let s = half; s < n; s++) {
      setGrads(resumed, s);
      optC.step();
    }
    assert.deepEqual(snapshot(resumed), snapshot(straight));
    assert.deepEqual(JSON.stringify(optC.stateDict().paramGroups), JSON.stringify(optA.stateDict().paramGroups));
  });
}

test("loadStateDict restores group options (lr changed by a scheduler) and copies state tensors", () => {
  const [p] = makeParams();
  const a = new optim.SGD([p!], { lr: 0.1, momentum: 0.9 });
  p!.grad = tensor([[1, 1, 1], [1, 1, 1]]);
  a.step();
  a.paramGroups[0]!.lr = 0.02;
  const sd = a.stateDict();
  const q = tensor(p!.toTypedArray(), { shape: [2, 3] }).requiresGrad_(true);
  const b = new optim.SGD([q], { lr: 0.1, momentum: 0.9 });
  b.loadStateDict(sd);
  assert.equal(b.paramGroups[0]!.lr, 0.02);
  assert.equal(b.paramGroups[0]!.params[0], q);
  const buf = b.state.get(q)!.momentumBuffer as Tensor;
  assert.notEqual(buf, sd.state[0]!.momentumBuffer);
  assert.deepEqual(Array.from(buf.toTypedArray()), [1, 1, 1, 1, 1, 1]);
});

test("loadStateDict refuses a different number of groups or parameters, naming the mismatch, and changes nothing", () => {
  const params = makeParams();
  const two = new optim.SGD([{ params: [params[0]!] }, { params: [params[1]!] }], { lr: 0.1, momentum: 0.9 });
  setGrads(params, 0);
  two.step();
  const sdTwo = two.stateDict();

  const ps = makeParams();
  const one = new optim.SGD(ps, { lr: 0.3, momentum: 0.9 });
  assert.throws(() => one.loadStateDict(sdTwo), (e: Error) => e instanceof FluxionError && /loaded state dict has 2 parameter groups, but the optimizer has 1/.test(e.message));

  const ps2 = makeParams();
  const mismatch = new optim.SGD([{ params: [ps2[0]!, ps2[1]!] }, { params: [makeParams()[0]!] }], { lr: 0.3 });
  assert.throws(() => mismatch.loadStateDict(sdTwo), /parameter group 0 has 1 parameters in the state dict, but 2 in the optimizer/);
  assert.equal(mismatch.paramGroups[0]!.lr, 0.3);
  assert.equal(mismatch.state.size, 0);

  // same sizes but a state tensor of the wrong shape: refused before anything is written
  const swapped = makeParams();
  const opt = new optim.SGD([{ params: [swapped[1]!] }, { params: [swapped[0]!] }], { lr: 0.3, momentum: 0.9 });
  assert.throws(() => opt.loadStateDict(sdTwo), /state 'momentumBuffer' of parameter 0 has shape \[2, 3\], but the parameter has shape \[4\]/);
  assert.equal(opt.paramGroups[0]!.lr, 0.3);
  assert.equal(opt.state.size, 0);
});

test("bad options are FluxionErrors naming the option and the value", () => {
  const ps = () => makeParams();
  const cases: [() => unknown, RegExp][] = [
    [() => new optim.SGD(ps(), { lr: -1 }), /SGD: invalid learning rate: -1 \(parameter group 0; expected lr >= 0\)/],
    [() => new optim.SGD(ps()), /SGD: parameter group 0 didn't specify a value of the required option lr/],
    [() => new optim.SGD(ps(), { lr: 0.1, momentum: -0.5 }), /invalid momentum value: -0.5/],
    [() => new optim.SGD(ps(), { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/],
    [() => new optim.SGD(ps(), { lr: 0.1, weightDecay: -1 }), /invalid weightDecay value: -1/],
    [() => new optim.Adam(ps(), { betas: [0.9, 1.0] }), /Adam: invalid beta parameter at index 1: 1/],
    [() => new optim.Adam(ps(), { betas: [-0.1, 0.9] }), /invalid beta parameter at index 0: -0.1/],
    [() => new optim.AdamW(ps(), { eps: -1e-8 }), /AdamW: invalid epsilon value/],
    [() => new optim.RMSprop(ps(), { alpha: -0.1 }), /RMSprop: invalid alpha value: -0.1/],
    [() => new optim.Adagrad(ps(), { lrDecay: -1 }), /Adagrad: invalid lrDecay value: -1/],
    [() => new optim.Adagrad(ps(), { initialAccumulatorValue: -1 }), /invalid initialAccumulatorValue value: -1/],
    [() => new optim.Adam([{ params: ps(), lr: -0.5 }]), /Adam: invalid learning rate: -0.5 \(parameter group 0/],
    [() => new optim.SGD(ps(), { lr: 0.1, weight_decay: 0.1 } as any), /SGD\(\) got an unexpected option 'weight_decay' \(did you mean 'weightDecay'\?\)/],
  ];
  for (const [fn, re] of cases) assert.throws(fn, (e: Error) => e instanceof FluxionError && re.test(e.message), String(re));
});

test("bad parameter lists are FluxionErrors", () => {
  const [a, b] = makeParams();
  assert.throws(() => new optim.SGD([], { lr: 0.1 }), /SGD: optimizer got an empty parameter list/);
  assert.throws(() => new optim.SGD(a as any, { lr: 0.1 }), /got a single Tensor \(shape \[2, 3\]\); wrap it in an array/);
  assert.throws(() => new optim.SGD([{ params: [a!] }, { params: [b!, a!] }], { lr: 0.1 }), /some parameters appear in more than one parameter group \(params\[1\] of parameter group 1 is already in parameter group 0\)/);
  const opt = new optim.SGD([a!], { lr: 0.1 });
  assert.throws(() => opt.addParamGroup({ params: [a!] }), /appear in more than one parameter group/);
  assert.equal(opt.paramGroups.length, 1, "a refused group is not added");
  assert.throws(() => new optim.SGD([a!, a!], { lr: 0.1 }), /contains the same parameter more than once/);
  const nonLeaf = a!.mul(2);
  assert.throws(() => new optim.SGD([nonLeaf], { lr: 0.1 }), /can't optimize a non-leaf Tensor/);
  assert.throws(() => new optim.SGD([{ params: new Set([b!]) }], { lr: 0.1 }), /ordered collections/);
});

test("Adagrad creates its state at construction and for groups added later", () => {
  const [a, b] = makeParams();
  const opt = new optim.Adagrad([a!], { initialAccumulatorValue: 0.5 });
  assert.deepEqual(Array.from((opt.state.get(a!)!.sum as Tensor).toTypedArray()), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  opt.addParamGroup({ params: [b!] });
  b!.grad = zeros([4]);
  opt.step();
  assert.equal(opt.state.get(b!)!.step, 1);
  assert.equal(opt.state.get(a!)!.step, 0, "no gradient: not stepped");
});

test("toString lists each group's options", () => {
  const opt = new optim.SGD(makeParams(), { lr: 0.1 });
  // PyTorch 1.13 prints the same lines (plus its flags Fluxion has no use for: differentiable, foreach)
  assert.equal(opt.toString(), "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)");
});

// optim's constructors as declared: PyTorch 1.13's positional order and defaults (checked
// against test/fixtures/api_signatures.json), options objects as equivalents, parameter
// groups checked against the same declaration, and ArgumentErrors naming the optimizer or
// scheduler, the parameter and what it got. Mirrors src/optim/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, FluxionError, Tensor, nn, optim, tensor } from "../../src/index.js";
import { PYTORCH, camel, declaredCtor, differences, type Departures } from "../fixtures/api_signatures.js";

const S = optim.lrScheduler;
const throwsArg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ArgumentError && re.test(e.message), String(re));
const params = () => [new nn.Parameter(tensor([1, -2])), new nn.Parameter(tensor([0.5]))];

/** Where optim departs from PyTorch 1.13's signatures, and why. */
const DEPARTURES: Record<string, Departures> = {
  // PyTorch's `required` sentinel: null here, and then every parameter group must set lr
  SGD: { defaults: { lr: null } },
};

test("optimizers and schedulers are declared in PyTorch 1.13's positional order with its defaults", () => {
  const mismatches: string[] = [];
  for (const group of ["optim", "lr_scheduler"]) {
    for (const [name, py] of Object.entries(PYTORCH[group]!)) {
      const sig = declaredCtor(name);
      if (!sig) mismatches.push(`${name}: not declared`);
      else for (const d of differences(sig, py, DEPARTURES[name])) mismatches.push(`${name}: ${d}`);
    }
  }
  assert.deepEqual(mismatches, []);
  assert.equal(camel("T_max"), "tMax");
});

/** Steps `opt` three times on the loss sum(p²) and returns the parameters. */
function run(make: (ps: Tensor[]) => optim.Optimizer<any>): number[][] {
  const ps = params();
  const opt = make(ps);
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    ps.reduce((s: Tensor, p) => s.add(p.square().sum()), tensor(0)).backward();
    opt.step();
  }
  return ps.map((p) => p.tolist() as number[]);
}

test("new optim.X(params, positional...) equals the options form", () => {
  assert.deepEqual(run((p) => new optim.SGD(p, 0.1, 0.9, 0.1, 0.01, false, { maximize: false })), run((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })));
  assert.deepEqual(run((p) => new optim.SGD(p, 0.1, 0.9, 0, 0, true)), run((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })));
  assert.deepEqual(run((p) => new optim.Adam(p, 0.05, [0.8, 0.99], 1e-6, 0.1, true)), run((p) => new optim.Adam(p, { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1, amsgrad: true })));
  assert.deepEqual(run((p) => new optim.AdamW(p, 0.05, [0.8, 0.99], 1e-6, 0.1)), run((p) => new optim.AdamW(p, 0.05, { betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 })));
  // RMSprop's foreach and maximize are positional in PyTorch 1.13
  assert.deepEqual(run((p) => new optim.RMSprop(p, 0.01, 0.9, 1e-7, 0.1, 0.5, true, null, true)), run((p) => new optim.RMSprop(p, { lr: 0.01, alpha: 0.9, eps: 1e-7, weightDecay: 0.1, momentum: 0.5, centered: true, maximize: true })));
  assert.deepEqual(run((p) => new optim.Adagrad(p, 0.1, 0.01, 0.1, 0.2, 1e-9)), run((p) => new optim.Adagrad(p, { lr: 0.1, lrDecay: 0.01, weightDecay: 0.1, initialAccumulatorValue: 0.2, eps: 1e-9 })));
  // the defaults are PyTorch's
  const adam = new optim.Adam(params());
  assert.deepEqual(adam.defaults, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
  assert.equal(new optim.AdamW(params()).defaults.weightDecay, 1e-2);
});

test("PyTorch's example: SGD(params, lr=0.1, momentum=0.9) steps as computed by hand", () => {
  const p = new nn.Parameter(tensor([1], { dtype: "float64" }));
  const opt = new optim.SGD([p], 0.1, 0.9);
  const grads = [2, 2, -1];
  const want = [0.8, 0.42, 0.42 - 0.1 * (0.9 * 3.8 - 1)]; // buf: 2, 0.9·2 + 2 = 3.8, 0.9·3.8 − 1
  grads.forEach((g, i) => {
    p.grad = tensor([g], { dtype: "float64" });
    opt.step();
    assert.ok(Math.abs((p.item() as number) - want[i]!) < 1e-12, `step ${i + 1}: ${p.item()} vs ${want[i]}`);
  });
});

test("bad constructor arguments are ArgumentErrors naming the optimizer and the option", () => {
  throwsArg(() => new optim.SGD(params(), { lr: "0.1" as never }), /^SGD\(\): option 'lr' must be float or null, but got string "0.1"$/);
  throwsArg(() => new optim.SGD(params(), "0.1" as never), /^SGD\(\): argument 'lr' \(position 2\) must be float or null, but got string "0.1"$/);
  throwsArg(() => new optim.Adam(params(), 1e-3, 0.9 as never), /Adam\(\): argument 'betas' \(position 3\) must be float\[2\], but got float 0.9/);
  throwsArg(() => new optim.Adam(params(), { betas: [0.9, 0.99, 0.999] as never }), /Adam\(\): option 'betas' must be float\[2\]/);
  throwsArg(() => new optim.SGD(params(), { lr: 0.1, weight_decay: 0.1 } as never), /SGD\(\) got an unexpected option 'weight_decay' \(did you mean 'weightDecay'\?\)/);
  throwsArg(() => new (optim.SGD as unknown as new (...a: unknown[]) => unknown)(params(), 0.1, 0, 0, 0, false, true), /SGD\(\) takes 6 positional arguments but 7 were given; pass maximize, foreach, differentiable in an options object/);
  throwsArg(() => new optim.Adam(params(), { fused: true }), /Adam\(\): fused=true \(the fused CUDA implementation\) is not supported; leave 'fused' false/);
  throwsArg(() => new optim.SGD(params(), 0.1, { differentiable: true }), /SGD\(\): differentiable=true .* is not supported/);
  assert.doesNotThrow(() => new optim.Adam(params(), { foreach: true })); // the same numbers as the single-tensor loop
  // a NaN learning rate is refused, and the message says NaN (JSON would print null)
  assert.throws(() => new optim.SGD(params(), NaN), (e: Error) => e instanceof FluxionError && /^SGD: invalid learning rate: NaN \(parameter group 0; expected lr >= 0\)$/.test(e.message));
  assert.throws(() => new optim.Adam(params(), { betas: [NaN, 0.9] }), /Adam: invalid beta parameter at index 0: NaN/);
  assert.throws(() => new optim.RMSprop(params(), { lr: 0.1, momentum: -Infinity }), /RMSprop: invalid momentum value: -Infinity/);
});

test("parameter groups: values are type-checked, near misses refused, other keys kept", () => {
  const [a, b] = params();
  throwsArg(() => new optim.SGD([{ params: [a!], lr: "0.1" }], 0.1), /^SGD\(\): option 'lr' of parameter group 0 must be float, but got string "0.1"$/);
  throwsArg(() => new optim.SGD([{ params: [a!] }, { params: [b!], lr: null }], 0.1), /option 'lr' of parameter group 1 must be float, but got null/);
  throwsArg(() => new optim.Adam([{ params: [a!], betas: 0.9 }]), /Adam\(\): option 'betas' of parameter group 0 must be float\[2\], but got float 0.9/);
  throwsArg(() => new optim.SGD([{ params: [a!], nesterov: 1 }], 0.1), /option 'nesterov' of parameter group 0 must be bool, but got int 1/);
  for (const [key, near] of [["weight_decay", "weightDecay"], ["LR", "lr"], ["momentun", "momentum"], ["beta", "betas"]] as const) {
    const Opt = key === "beta" ? optim.Adam : optim.SGD;
    throwsArg(() => new Opt([{ params: [a!], [key]: 0.5 }], 0.1), new RegExp(`unknown option '${key}' in parameter group 0 \\(did you mean '${near}'\\?\\)`));
  }
  throwsArg(() => new optim.Adam([{ params: [a!], fused: true }]), /Adam\(\): fused=true/);
  // PyTorch keeps keys it does not know (a group's name, a scheduler's initialLr)
  const opt = new optim.SGD([{ params: [a!], name: "encoder", lr: 0.5 }], 0.1);
  assert.equal(opt.paramGroups[0]!.name, "encoder");
  throwsArg(() => opt.addParamGroup({ params: [b!], momentum: "0.9" as never }), /SGD\(\): option 'momentum' of parameter group 1 must be float, but got string "0.9"/);
  assert.equal(opt.paramGroups.length, 1, "nothing added by a refused group");
  // a loaded state dict's groups are checked the same way (PyTorch's snake_case keys are read as camelCase)
  const sd = opt.stateDict();
  throwsArg(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, weight_decay: "x" }] }), /option 'weightDecay' of parameter group 0 of the loaded state dict must be float, but got string "x"/);
  throwsArg(() => opt.loadStateDict(5 as never), /SGD\.loadStateDict\(\): expected a state dict object/);
});

test("zeroGrad and step take PyTorch's arguments", () => {
  const [a] = params();
  const opt = new optim.SGD([a!], 0.1);
  a!.grad = tensor([1, 1]);
  opt.zeroGrad(false);
  assert.deepEqual(a!.grad!.tolist(), [0, 0], "setToNone=false zeroes in place");
  opt.zeroGrad({ setToNone: true });
  assert.equal(a!.grad, null);
  throwsArg(() => opt.zeroGrad("no" as never), /^zeroGrad\(\): argument 'setToNone' \(position 1\) must be bool, but got string "no"$/);
  assert.equal(opt.step(() => 3), 3);
  throwsArg(() => opt.step(5 as never), /step\(\): argument 'closure' \(position 1\) must be Callable or null, but got int 5/);
});

test("schedulers: positional order equals the options form; bad arguments name the parameter", () => {
  const opt = () => new optim.SGD(params(), 0.1, 0.9);
  const lrs = (s: { step(): void; getLastLr(): number[] }) => Array.from({ length: 6 }, () => (s.step(), s.getLastLr()[0]));
  assert.deepEqual(lrs(new S.StepLR(opt(), 2, 0.5)), lrs(new S.StepLR(opt(), 2, { gamma: 0.5 })));
  assert.deepEqual(lrs(new S.MultiStepLR(opt(), [1, 3], 0.2)), lrs(new S.MultiStepLR(opt(), [1, 3], { gamma: 0.2 })));
  assert.deepEqual(lrs(new S.ConstantLR(opt(), 0.5, 3)), lrs(new S.ConstantLR(opt(), { factor: 0.5, totalIters: 3 })));
  assert.deepEqual(lrs(new S.LinearLR(opt(), 0.2, 0.8, 4)), lrs(new S.LinearLR(opt(), { startFactor: 0.2, endFactor: 0.8, totalIters: 4 })));
  assert.deepEqual(lrs(new S.CosineAnnealingLR(opt(), 5, 0.01)), lrs(new S.CosineAnnealingLR(opt(), 5, { etaMin: 0.01 })));
  assert.deepEqual(lrs(new S.OneCycleLR(opt(), 1.0, 10, null, null, 0.4, "linear")), lrs(new S.OneCycleLR(opt(), 1.0, { totalSteps: 10, pctStart: 0.4, annealStrategy: "linear" })));
  // StepLR(optimizer, step_size=2, gamma=0.5): 0.1, 0.1, 0.05, 0.05, 0.025 ...
  assert.deepEqual(lrs(new S.StepLR(opt(), 2, 0.5)).map((v) => Math.round(v! * 1e6) / 1e6), [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]);
  const o = opt();
  const p = new S.ReduceLROnPlateau(o, "max", 0.5, 0);
  p.step(1);
  p.step(0.5);
  assert.equal(o.paramGroups[0]!.lr, 0.05);
  throwsArg(() => new S.StepLR(opt(), 2.5), /^StepLR\(\): argument 'stepSize' \(position 2\) must be int, but got float 2.5$/);
  throwsArg(() => new S.StepLR(opt(), 2, { gama: 0.5 } as never), /StepLR\(\) got an unexpected option 'gama' \(did you mean 'gamma'\?\)/);
  throwsArg(() => new S.ExponentialLR(opt(), "0.9" as never), /ExponentialLR\(\): argument 'gamma' \(position 2\) must be float, but got string "0.9"/);
  throwsArg(() => new S.LambdaLR(opt(), 0.9 as never), /LambdaLR\(\): argument 'lrLambda' \(position 2\) must be Callable or Callable\[\], but got float 0.9/);
  throwsArg(() => new S.ReduceLROnPlateau(opt(), "up" as never), /ReduceLROnPlateau\(\): argument 'mode' \(position 2\) must be "min" or "max", but got string "up"/);
  throwsArg(() => new S.SequentialLR(o, [new S.StepLR(o, 2), 5 as never], [2]), /SequentialLR\(\): schedulers\[1\] must be an LRScheduler, but got int 5/);
  throwsArg(() => new S.StepLR(opt(), 2).step("3" as never), /^step\(\): argument 'epoch' \(position 1\) must be int or null, but got string "3"$/);
  throwsArg(() => (p.step as () => void)(), /^step\(\) missing required argument 'metrics' \(position 1\)$/);
  assert.throws(() => new S.StepLR({} as never, 2), (e: Error) => e instanceof FluxionError && /StepLR: Object is not an Optimizer/.test(e.message));
});

test("verbose prints PyTorch's messages", (t) => {
  const lines: string[] = [];
  t.mock.method(console, "log", (s: string) => lines.push(s));
  const o = new optim.SGD(params(), 0.1);
  const s = new S.StepLR(o, 2, 0.5, -1, true);
  for (let i = 0; i < 3; i++) s.step();
  s.step(5);
  const o2 = new optim.SGD(params(), 0.1);
  const r = new S.ReduceLROnPlateau(o2, { patience: 0, factor: 0.5, verbose: true });
  for (const m of [1, 1, 1]) r.step(m);
  // printed by PyTorch 1.13 for the same calls
  assert.deepEqual(lines, [
    "Adjusting learning rate of group 0 to 1.0000e-01.",
    "Adjusting learning rate of group 0 to 1.0000e-01.",
    "Adjusting learning rate of group 0 to 5.0000e-02.",
    "Adjusting learning rate of group 0 to 5.0000e-02.",
    "Epoch 00005: adjusting learning rate of group 0 to 2.5000e-02.",
    "Epoch 00002: reducing learning rate of group 0 to 5.0000e-02.",
    "Epoch 00003: reducing learning rate of group 0 to 2.5000e-02.",
  ]);
});

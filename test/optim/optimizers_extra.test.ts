/**
 * Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop and LBFGS against PyTorch 1.13
 * (test/fixtures/optim_extra_torch.py): parameters and state after each of 8 steps on fixed
 * gradients (some missing), per option set and with parameter groups, in float32 and
 * float64; resuming from a state dict PyTorch wrote and from Fluxion's own; LBFGS driven by
 * a closure on a 10-dimensional Rosenbrock-like function, with and without the strong-Wolfe line
 * search; and the argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, FluxionError, Tensor, cat, compile, manualSeed, nn, optim, randn, tensor, type DType } from "../../src/index.js";

type Values = number[];
type StateEntry = Record<string, number | { shape: number[]; values: Values }>;
interface Case {
  name: string;
  optimizer: "Adadelta" | "Adamax" | "NAdam" | "RAdam" | "ASGD" | "Rprop";
  options: Record<string, unknown>;
  groups: { params: number[]; options: Record<string, unknown> }[] | null;
  expected: Values[][];
  expected64: Values[][];
  states: StateEntry[][];
  states64: StateEntry[][];
  midStateDict: { state: Record<string, StateEntry>; param_groups: Record<string, unknown>[] };
}
interface LbfgsState {
  funcEvals: number; nIter: number; t: number; hDiag: number; prevLoss: number;
  d: Values; prevFlatGrad: Values; historyLength: number; ro: Values;
}
interface LbfgsCase {
  name: string;
  options: Record<string, unknown>;
  losses: Values; expected: Values[][]; states: LbfgsState[]; closureCalls: number[];
  losses64: Values; expected64: Values[][]; states64: LbfgsState[]; closureCalls64: number[];
  midStateDict64: { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] };
}
const REF: {
  paramShapes: number[][]; params0: Values[]; grads: Values[][]; noGrad: [number, number][];
  optimizers: Case[]; lbfgsX0: Values[]; lbfgsW: Values; lbfgs: LbfgsCase[];
} = JSON.parse(readFileSync(new URL("../fixtures/optim_extra_torch.json", import.meta.url), "utf8"));

const CLASSES = { Adadelta: optim.Adadelta, Adamax: optim.Adamax, NAdam: optim.NAdam, RAdam: optim.RAdam, ASGD: optim.ASGD, Rprop: optim.Rprop } as const;

function makeParams(values: Values[], dtype: DType): Tensor[] {
  return values.map((v, i) => tensor(v, { shape: REF.paramShapes[i]!, dtype }).requiresGrad_(true));
}

function makeOptimizer(c: Case, params: Tensor[]): optim.Optimizer<any> {
  const Ctor = CLASSES[c.optimizer] as unknown as new (p: unknown, o: unknown) => optim.Optimizer<any>;
  const spec = c.groups === null ? params : c.groups.map((g) => ({ params: g.params.map((i) => params[i]!), ...g.options }));
  return new Ctor(spec, c.options);
}

function setGrads(params: Tensor[], step: number): void {
  params.forEach((p, i) => {
    const none = REF.noGrad.some(([s, j]) => s === step && j === i);
    p.grad = none ? null : tensor(REF.grads[step]![i]!, { shape: REF.paramShapes[i]!, dtype: p.dtype });
  });
}

/**
 * float32: |ours − torch32| ≤ 1e-6·|torch32| + 1e-7 + 2·|torch32 − torch64| (float32 rounding,
 * plus the case's own float32 noise: PyTorch fuses `a + alpha·b` into one FMA where Fluxion
 * rounds twice). float64: `rel64` relative, 1e-12 by default: the update rules agree to the
 * last few bits, which also checks the float32 rounding PyTorch applies to NAdam's muProduct
 * and ASGD's eta and mu in float64 runs (a 1e-8 effect). LBFGS's float64 runs use 1e-6: its
 * curvature pairs subtract nearby gradients.
 */
function close(got: number, e32: number, e64: number, float64: boolean, rel64 = 1e-12): { ok: boolean; tol: number } {
  const want = float64 ? e64 : e32;
  const tol = float64 ? rel64 * Math.abs(e64) + rel64 * 1e-2 : 1e-6 * Math.abs(e32) + 1e-7 + 2 * Math.abs(e32 - e64);
  return { ok: Math.abs(got - want) <= tol, tol };
}

function assertValues(got: ArrayLike<number>, e32: Values, e64: Values, float64: boolean, what: string, rel64 = 1e-12): void {
  const want = float64 ? e64 : e32; // (LBFGS's float32 and float64 runs may keep histories of different lengths)
  assert.equal(got.length, want.length, `${what}: ${got.length} values, PyTorch has ${want.length}`);
  for (let j = 0; j < want.length; j++) {
    const { ok, tol } = close(got[j]!, e32[j]!, e64[j]!, float64, rel64);
    assert.ok(ok, `${what}[${j}]: ${got[j]} vs PyTorch ${float64 ? e64[j] : e32[j]} (tol ${tol.toExponential(2)})`);
  }
}

/** Every state entry PyTorch has, at its value (numbers as numbers, tensors by value). */
function assertState(opt: optim.Optimizer<any>, params: Tensor[], s32: StateEntry[], s64: StateEntry[], float64: boolean, what: string): void {
  params.forEach((p, i) => {
    const ours = opt.state.get(p) ?? {};
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(s32[i]!).sort(), `${what}: state keys of param ${i}`);
    for (const [key, want] of Object.entries(s32[i]!)) {
      const got = ours[key];
      const want64 = s64[i]![key]!;
      if (typeof want === "number") {
        assert.equal(typeof got, "number", `${what}: state '${key}' of param ${i} is a number`);
        assertValues([got as number], [want], [want64 as number], float64, `${what}: state '${key}' of param ${i}`);
      } else {
        assert.ok(got instanceof Tensor, `${what}: state '${key}' of param ${i} is a Tensor`);
        assert.deepEqual([...got.shape], want.shape, `${what}: shape of state '${key}' of param ${i}`);
        assert.equal(got.dtype, p.dtype, `${what}: dtype of state '${key}' of param ${i}`);
        assertValues(got.toTypedArray() as ArrayLike<number>, want.values, (want64 as { values: Values }).values, float64, `${what}: state '${key}' of param ${i}`);
      }
    }
  });
}

function describe(c: Case): string {
  return `${c.optimizer}(${JSON.stringify(c.options)}${c.groups ? `, groups ${JSON.stringify(c.groups)}` : ""})`;
}

for (const c of REF.optimizers) {
  for (const dtype of ["float32", "float64"] as const) {
    test(`${c.name}: ${describe(c)} matches PyTorch's parameters and state after each of ${c.expected.length} steps (${dtype})`, () => {
      const float64 = dtype === "float64";
      const params = makeParams(REF.params0, dtype);
      const opt = makeOptimizer(c, params);
      for (let s = 0; s < c.expected.length; s++) {
        setGrads(params, s);
        opt.step();
        params.forEach((p, i) => assertValues(p.toTypedArray() as ArrayLike<number>, c.expected[s]![i]!, c.expected64[s]![i]!, float64, `step ${s + 1}, param ${i}`));
        assertState(opt, params, c.states[s]!, c.states64[s]!, float64, `step ${s + 1}`);
      }
    });
  }
}

/** PyTorch's exported state dict ({shape, values} objects) with tensors rebuilt. */
function torchStateDict(sd: { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] }, dtype: DType = "float32"): any {
  const rebuild = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rebuild);
    if (v !== null && typeof v === "object" && "values" in v) return tensor((v as any).values, { shape: (v as any).shape, dtype });
    return v;
  };
  const state: Record<string, Record<string, unknown>> = {};
  for (const [k, s] of Object.entries(sd.state)) state[k] = Object.fromEntries(Object.entries(s).map(([kk, v]) => [kk, rebuild(v)]));
  return { state, param_groups: sd.param_groups };
}

for (const c of REF.optimizers) {
  test(`${c.name}: a state dict PyTorch wrote after 4 steps (snake_case keys, 0-d tensors as numbers) loads, and steps 5-8 match PyTorch`, () => {
    const mid = c.expected.length / 2;
    const params = makeParams(c.expected[mid - 1]!, "float32");
    const opt = makeOptimizer(c, params);
    opt.loadStateDict(torchStateDict(c.midStateDict));
    assertState(opt, params, c.states[mid - 1]!, c.states64[mid - 1]!, false, "after loading");
    for (let s = mid; s < c.expected.length; s++) {
      setGrads(params, s);
      opt.step();
      params.forEach((p, i) => assertValues(p.toTypedArray() as ArrayLike<number>, c.expected[s]![i]!, c.expected64[s]![i]!, false, `step ${s + 1}, param ${i}`));
    }
  });

  test(`${c.name}: stateDict after 4 steps, loaded into a fresh optimizer, resumes bit for bit`, () => {
    const straight = makeParams(REF.params0, "float32");
    const optA = makeOptimizer(c, straight);
    const params = makeParams(REF.params0, "float32");
    const optB = makeOptimizer(c, params);
    const n = c.expected.length;
    for (let s = 0; s < n / 2; s++) {
      setGrads(params, s);
      optB.step();
    }
    const saved = optB.stateDict();
    const resumed = params.map((p) => tensor(p.toTypedArray(), { shape: p.shape }).requiresGrad_(true));
    const optC = makeOptimizer(c, resumed);
    optC.loadStateDict(saved);
    setGrads(params, n / 2);
    optB.step(); // the loaded copy does not share tensors with the optimizer it came from
    for (let s = 0; s < n; s++) {
      setGrads(straight, s);
      optA.step();
      if (s >= n / 2) {
        setGrads(resumed, s);
        optC.step();
      }
    }
    assert.deepEqual(resumed.map((p) => Array.from(p.toTypedArray())), straight.map((p) => Array.from(p.toTypedArray())));
    assert.equal(JSON.stringify(optC.stateDict().paramGroups), JSON.stringify(optA.stateDict().paramGroups));
  });
}

test("a 0-d tensor step, muProduct, eta or mu (as PyTorch saves them) loads as a number; another shape is refused", () => {
  const p = new nn.Parameter(tensor([1, 2]));
  const nadam = new optim.NAdam([p]);
  nadam.loadStateDict({ state: { 0: { step: tensor(3), muProduct: tensor(0.5), expAvg: tensor([0, 1]), expAvgSq: tensor([1, 1]) } }, paramGroups: [nadam.stateDict().paramGroups[0]!] });
  assert.equal(nadam.state.get(p)!.step, 3);
  assert.equal(nadam.state.get(p)!.muProduct, 0.5);
  const asgd = new optim.ASGD([p]);
  const groups = asgd.stateDict().paramGroups;
  assert.throws(() => asgd.loadStateDict({ state: { 0: { step: 1, eta: tensor([0.1, 0.2]), mu: 1, ax: tensor([0, 0]) } }, paramGroups: groups }), /ASGD.loadStateDict: state 'eta' of parameter 0 must be a number or a one-element tensor, but got shape \[2\]/);
  assert.equal(asgd.state.size, 0, "nothing loaded");
});

test("defaults are PyTorch 1.13's; options reach each group; the positional form equals the options form", () => {
  const ps = () => [new nn.Parameter(tensor([1, -2])), new nn.Parameter(tensor([0.5]))];
  assert.deepEqual(new optim.Adadelta(ps()).defaults, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
  assert.deepEqual(new optim.Adamax(ps()).defaults, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false });
  assert.deepEqual(new optim.NAdam(ps()).defaults, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 });
  assert.deepEqual(new optim.RAdam(ps()).defaults, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  assert.deepEqual(new optim.ASGD(ps()).defaults, { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false });
  assert.deepEqual(new optim.Rprop(ps()).defaults, { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false });
  assert.deepEqual(new optim.LBFGS(ps()).defaults, { lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null });
  assert.equal(new optim.LBFGS(ps(), 1, 7).defaults.maxEval, 8, "maxEval defaults to maxIter·5/4, rounded down");

  // three steps on sum(p²) from each form
  const run = (make: (p: Tensor[]) => optim.Optimizer<any>) => {
    const p = ps();
    const opt = make(p);
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      p.reduce((s: Tensor, x) => s.add(x.square().sum()), tensor(0)).backward();
      opt.step();
    }
    return p.map((x) => x.tolist());
  };
  const same = (a: (p: Tensor[]) => optim.Optimizer<any>, b: (p: Tensor[]) => optim.Optimizer<any>) => {
    const [x, y] = [run(a), run(b)];
    assert.deepEqual(x, y);
    assert.notDeepEqual(x, run(() => new optim.SGD(ps(), 0)), "the parameters moved");
  };
  // foreach positional (any value: it picks PyTorch's loop, not the numbers); maximize keyword-only
  same((p) => new optim.Adadelta(p, 0.5, 0.8, 1e-5, 0.1, true, { maximize: true }), (p) => new optim.Adadelta(p, { lr: 0.5, rho: 0.8, eps: 1e-5, weightDecay: 0.1, maximize: true }));
  same((p) => new optim.Adamax(p, 0.1, [0.8, 0.9], 1e-6, 0.1, null, { maximize: true }), (p) => new optim.Adamax(p, { lr: 0.1, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, maximize: true }));
  same((p) => new optim.NAdam(p, 0.1, [0.8, 0.9], 1e-6, 0.1, 0.01), (p) => new optim.NAdam(p, { lr: 0.1, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, momentumDecay: 0.01 }));
  same((p) => new optim.RAdam(p, 0.1, [0.8, 0.9], 1e-6, 0.1), (p) => new optim.RAdam(p, { lr: 0.1, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1 }));
  // every ASGD and Rprop parameter is positional, maximize included
  same((p) => new optim.ASGD(p, 0.1, 0.01, 0.5, 1, 0.1, null, true), (p) => new optim.ASGD(p, { lr: 0.1, lambd: 0.01, alpha: 0.5, t0: 1, weightDecay: 0.1, maximize: true }));
  same((p) => new optim.Rprop(p, 0.1, [0.4, 1.5], [0.01, 1], null, true), (p) => new optim.Rprop(p, { lr: 0.1, etas: [0.4, 1.5], stepSizes: [0.01, 1], maximize: true }));
});

test("bad options are refused with PyTorch's checks, naming the optimizer, the option and the value", () => {
  const ps = () => [new nn.Parameter(tensor([1, -2]))];
  const bad: [() => unknown, RegExp][] = [
    [() => new optim.Adadelta(ps(), -1), /^Adadelta: invalid learning rate: -1 \(parameter group 0; expected lr >= 0\)$/],
    [() => new optim.Adadelta(ps(), { rho: 1.5 }), /^Adadelta: invalid rho value: 1.5 \(parameter group 0; expected 0 <= rho <= 1\)$/],
    [() => new optim.Adadelta(ps(), { eps: -1e-6 }), /^Adadelta: invalid epsilon value: -0.000001/],
    [() => new optim.Adadelta(ps(), { weightDecay: -0.1 }), /^Adadelta: invalid weightDecay value: -0.1/],
    [() => new optim.Adamax(ps(), { betas: [1, 0.9] }), /^Adamax: invalid beta parameter at index 0: 1 \(parameter group 0; expected 0 <= beta1 < 1\)$/],
    [() => new optim.Adamax(ps(), { betas: [0.9, -0.1] }), /^Adamax: invalid beta parameter at index 1: -0.1/],
    [() => new optim.Adamax(ps(), { lr: NaN }), /^Adamax: invalid learning rate: NaN/],
    [() => new optim.NAdam(ps(), { momentumDecay: -1 }), /^NAdam: invalid momentumDecay value: -1/],
    [() => new optim.NAdam(ps(), { eps: -1 }), /^NAdam: invalid epsilon value: -1/],
    [() => new optim.RAdam(ps(), { betas: [0.9, 1] }), /^RAdam: invalid beta parameter at index 1: 1/],
    [() => new optim.RAdam(ps(), { weightDecay: -1 }), /^RAdam: invalid weightDecay value: -1/],
    [() => new optim.ASGD(ps(), -0.5), /^ASGD: invalid learning rate: -0.5/],
    [() => new optim.ASGD(ps(), { weightDecay: -1 }), /^ASGD: invalid weightDecay value: -1/],
    [() => new optim.Rprop(ps(), { etas: [1.2, 0.5] }), /^Rprop: invalid eta values: \[1.2, 0.5\] \(parameter group 0; expected 0 < etaminus < 1 < etaplus\)$/],
    [() => new optim.Rprop(ps(), { etas: [0, 1.2] }), /^Rprop: invalid eta values: \[0, 1.2\]/],
    [() => new optim.Rprop(ps(), { lr: -1 }), /^Rprop: invalid learning rate: -1/],
    [() => new optim.LBFGS(ps(), { historySize: 0 }), /^LBFGS: invalid historySize value: 0 \(parameter group 0; expected an integer >= 1\)$/],
    [() => new optim.LBFGS(ps(), -1), /^LBFGS: invalid learning rate: -1/],
  ];
  for (const [f, re] of bad) assert.throws(f, (e: Error) => e instanceof FluxionError && re.test(e.message), String(re));
  const throwsArg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ArgumentError && re.test(e.message), String(re));
  throwsArg(() => new optim.Adadelta(ps(), "1" as never), /^Adadelta\(\): argument 'lr' \(position 2\) must be float, but got string "1"$/);
  throwsArg(() => new optim.Adamax(ps(), 0.1, 0.9 as never), /Adamax\(\): argument 'betas' \(position 3\) must be float\[2\], but got float 0.9/);
  throwsArg(() => new optim.NAdam(ps(), { maximize: true } as never), /NAdam\(\) got an unexpected option 'maximize'/);
  throwsArg(() => new optim.RAdam(ps(), { momentum_decay: 0.1 } as never), /RAdam\(\) got an unexpected option 'momentum_decay'/);
  throwsArg(() => new optim.Rprop(ps(), { step_sizes: [1, 2] } as never), /Rprop\(\) got an unexpected option 'step_sizes' \(did you mean 'stepSizes'\?\)/);
  throwsArg(() => new optim.Rprop([{ params: ps(), etas: 0.5 }]), /Rprop\(\): option 'etas' of parameter group 0 must be float\[2\], but got float 0.5/);
  throwsArg(() => new optim.LBFGS(ps(), { lineSearchFn: "armijo" as never }), /LBFGS\(\): option 'lineSearchFn' must be "strong_wolfe" or null, but got string "armijo"/);
  throwsArg(() => new optim.LBFGS(ps(), 1, 2.5), /LBFGS\(\): argument 'maxIter' \(position 3\) must be int, but got float 2.5/);
  throwsArg(() => new optim.Adadelta(ps(), { differentiable: true } as never), /Adadelta\(\) got an unexpected option 'differentiable'/);
  // a group edited after construction is checked again before the next step, and nothing moves
  const p = new nn.Parameter(tensor([1, 2]));
  const opt = new optim.Rprop([p]);
  p.grad = tensor([1, 1]);
  opt.paramGroups[0]!.etas = [0.5, 0.9];
  assert.throws(() => opt.step(), /Rprop: invalid eta values: \[0.5, 0.9\]/);
  assert.deepEqual(p.tolist(), [1, 2]);
});

test("inside compile(), a training step with each of them gives the eager parameters bit for bit", () => {
  for (const name of ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"] as const) {
    const run = (compiled: boolean) => {
      manualSeed(0);
      const lin = new nn.Linear(4, 3);
      const x = randn([8, 4]), y = randn([8, 3]);
      // ASGD starts averaging at step 4, RAdam rectifies from step 7 (beta2 0.8)
      const options = { ASGD: { lr: 0.05, t0: 1 }, RAdam: { lr: 0.05, betas: [0.9, 0.8] } }[name as string] ?? { lr: 0.05 };
      const opt = new (CLASSES[name] as unknown as new (p: unknown, o: unknown) => optim.Optimizer<any>)(lin.parameters(), options);
      const step = () => {
        opt.zeroGrad();
        const loss = lin.forward(x).sub(y).square().mean();
        loss.backward();
        opt.step();
        return loss;
      };
      const f = compiled ? compile(step) : step;
      for (let i = 0; i < 8; i++) f();
      return [...lin.parameters()].map((p) => Array.from(p.toTypedArray()));
    };
    assert.deepEqual(run(true), run(false), name);
  }
});

// ---- LBFGS ------------------------------------------------------------------------------

const LBFGS_SHAPES = [[2, 3], [4]];

/** The fixture's objective: 10-dimensional Rosenbrock (valley factor 10) plus 0.5·Σ w·x², x = [p0.flatten(), p1]. */
function lbfgsSetup(c: LbfgsCase, dtype: DType, x0: Values[] = REF.lbfgsX0) {
  const params = x0.map((v, i) => tensor(v, { shape: LBFGS_SHAPES[i]!, dtype }).requiresGrad_(true));
  const w = tensor(REF.lbfgsW, { dtype });
  const opt = new optim.LBFGS(params, c.options);
  let calls = 0;
  const closure = () => {
    calls++;
    opt.zeroGrad();
    const x = cat([params[0]!.reshape(-1), params[1]!]);
    const a = x.narrow(0, 0, 9), b = x.narrow(0, 1, 9);
    const loss = b.sub(a.mul(a)).pow(2).mul(10).add(a.neg().add(1).pow(2)).sum().add(w.mul(x).mul(x).sum().mul(0.5));
    loss.backward();
    return loss;
  };
  return { params, opt, closure, calls: () => calls };
}

function num(v: unknown): number {
  return v instanceof Tensor ? (v.item() as number) : (v as number);
}

function assertLbfgsStep(c: LbfgsCase, s: number, float64: boolean, params: Tensor[], opt: optim.LBFGS, loss: number, calls: number): void {
  const what = `${c.name} step ${s + 1}`;
  const [e32, e64] = [c.expected[s]!, c.expected64[s]!];
  assertValues([loss], [c.losses[s]!], [c.losses64[s]!], float64, `${what}: loss`, 1e-6);
  params.forEach((p, i) => assertValues(p.toTypedArray() as ArrayLike<number>, e32[i]!, e64[i]!, float64, `${what}: param ${i}`, 1e-6));
  assert.equal(calls, (float64 ? c.closureCalls64 : c.closureCalls)[s], `${what}: closure calls`);
  const st = opt.state.get(params[0]!)!;
  const [w32, w64] = [c.states[s]!, c.states64[s]!];
  const w = float64 ? w64 : w32;
  assert.equal(st.funcEvals, w.funcEvals, `${what}: funcEvals`);
  assert.equal(st.nIter, w.nIter, `${what}: nIter`);
  assert.equal((st.oldDirs as Tensor[]).length, w.historyLength, `${what}: history length`);
  for (const k of ["t", "hDiag", "prevLoss"] as const) assertValues([num(st[k])], [w32[k]], [w64[k]], float64, `${what}: state ${k}`, 1e-6);
  assertValues((st.ro as Tensor[]).map(num), w32.ro, w64.ro, float64, `${what}: state ro`, 1e-6);
  assertValues((st.d as Tensor).toTypedArray() as ArrayLike<number>, w32.d, w64.d, float64, `${what}: state d`, 1e-6);
  assertValues((st.prevFlatGrad as Tensor).toTypedArray() as ArrayLike<number>, w32.prevFlatGrad, w64.prevFlatGrad, float64, `${what}: state prevFlatGrad`, 1e-6);
}

for (const c of REF.lbfgs) {
  test(`${c.name}: LBFGS(${JSON.stringify(c.options)}) matches PyTorch's losses, parameters, closure calls and state for ${c.losses.length} steps (float64)`, () => {
    const { params, opt, closure, calls } = lbfgsSetup(c, "float64");
    for (let s = 0; s < c.losses.length; s++) {
      const loss = opt.step(closure);
      assert.ok(loss instanceof Tensor, "step returns what the closure returned first");
      assertLbfgsStep(c, s, true, params, opt, loss.item() as number, calls());
    }
  });

  // In float32, LBFGS amplifies rounding differences (a dot product summed in another order)
  // through its iterations: PyTorch's own float32 run strays from its float64 one by up to
  // 4e-4 (relative) here. What must hold is that Fluxion's float32 run is as close to the
  // float64 answer as PyTorch's is: within 10x PyTorch's float32 error at that step.
  test(`${c.name}: in float32, LBFGS(${JSON.stringify(c.options)}) is as close to PyTorch's float64 losses and parameters as PyTorch's float32 run is`, () => {
    const { params, opt, closure } = lbfgsSetup(c, "float32");
    for (let s = 0; s < c.losses.length; s++) {
      const loss = opt.step(closure).item() as number;
      const [e32, e64] = [c.expected[s]!.flat(), c.expected64[s]!.flat()];
      const noise = Math.max(...e32.map((v, j) => Math.abs(v - e64[j]!)), Math.abs(c.losses[s]! - c.losses64[s]!) / Math.max(1, Math.abs(c.losses64[s]!)));
      const got = [...params.flatMap((p) => Array.from(p.toTypedArray() as Float32Array))];
      got.forEach((v, j) => {
        const tol = 1e-6 * Math.abs(e64[j]!) + 1e-7 + 10 * noise;
        assert.ok(Math.abs(v - e64[j]!) <= tol, `step ${s + 1}, x[${j}]: ${v} vs PyTorch float64 ${e64[j]} (float32 ${e32[j]}, tol ${tol.toExponential(2)})`);
      });
      const lossTol = (1e-6 + 10 * noise) * Math.max(1, Math.abs(c.losses64[s]!));
      assert.ok(Math.abs(loss - c.losses64[s]!) <= lossTol, `step ${s + 1}: loss ${loss} vs PyTorch float64 ${c.losses64[s]} (tol ${lossTol.toExponential(2)})`);
    }
  });
}

for (const c of REF.lbfgs) {
  test(`${c.name}: a state dict PyTorch wrote after 2 steps (old_dirs, ro, H_diag, ...) loads, and steps 3-5 match PyTorch (float64)`, () => {
    const { params, opt, closure, calls } = lbfgsSetup(c, "float64", c.expected64[1]);
    opt.loadStateDict(torchStateDict(c.midStateDict64, "float64"));
    const base = c.closureCalls64[1]!;
    for (let s = 2; s < c.losses.length; s++) {
      const loss = opt.step(closure);
      assertLbfgsStep(c, s, true, params, opt, loss.item() as number, calls() + base);
    }
  });
}

test("LBFGS: stateDict after 2 steps, loaded into a fresh optimizer, resumes bit for bit; the loaded history is a copy", () => {
  const c = REF.lbfgs.find((x) => x.name === "lbfgs_wolfe_limited")!;
  const a = lbfgsSetup(c, "float32");
  const b = lbfgsSetup(c, "float32");
  for (let s = 0; s < 2; s++) {
    a.opt.step(a.closure);
    b.opt.step(b.closure);
  }
  const saved = b.opt.stateDict();
  const resumed = lbfgsSetup(c, "float32", b.params.map((p) => Array.from(p.toTypedArray() as Float32Array)));
  resumed.opt.loadStateDict(saved);
  const hist = saved.state[0]!.oldDirs as Tensor[];
  assert.notEqual((resumed.opt.state.get(resumed.params[0]!)!.oldDirs as Tensor[])[0], hist[0]);
  b.opt.step(b.closure); // changes b's history, not the copy
  for (let s = 2; s < 5; s++) {
    a.opt.step(a.closure);
    resumed.opt.step(resumed.closure);
  }
  assert.deepEqual(resumed.params.map((p) => p.tolist()), a.params.map((p) => p.tolist()));
  assert.equal(resumed.opt.state.get(resumed.params[0]!)!.funcEvals, a.opt.state.get(a.params[0]!)!.funcEvals, "the counters carried over");
});

test("LBFGS: one parameter group only; step needs a closure that returns the loss", () => {
  const [p, q] = [new nn.Parameter(tensor([1, 2])), new nn.Parameter(tensor([3]))];
  assert.throws(() => new optim.LBFGS([{ params: [p] }, { params: [q] }]), (e: Error) => e instanceof FluxionError && e.message === "LBFGS doesn't support per-parameter options (parameter groups)");
  const opt = new optim.LBFGS([p, q]);
  assert.throws(() => opt.addParamGroup({ params: [new nn.Parameter(tensor([0]))] }), /LBFGS doesn't support per-parameter options/);
  assert.throws(() => (opt.step as () => unknown)(), (e: Error) => e instanceof ArgumentError && /^LBFGS.step\(\): a closure is required/.test(e.message));
  assert.throws(() => opt.step(() => tensor([1, 2])), /LBFGS: the closure must return the loss as a one-element Tensor or a number, but it returned a Tensor of shape \[2\]/);
  assert.throws(() => opt.step(() => "loss"), /LBFGS: the closure must return the loss \(a one-element Tensor or a number\), but it returned string "loss"/);
  // a closure that leaves a parameter without a gradient: it counts as zeros (PyTorch's p.new(numel).zero_())
  const loss = opt.step(() => {
    opt.zeroGrad();
    const l = p.sub(tensor([2, 2])).square().sum();
    l.backward();
    return l;
  });
  assert.equal((loss as Tensor).item(), 1);
  assert.deepEqual(p.tolist().map((v: number) => Math.round(v * 1e4) / 1e4), [2, 2], "converged on p");
  assert.deepEqual(q.tolist(), [3], "q, without a gradient, did not move");
  // a loaded state dict with a wrongly shaped history is refused, naming the entry
  const sd = opt.stateDict();
  const bad = { ...sd, state: { 0: { ...sd.state[0], d: tensor([1, 2]) } } };
  assert.throws(() => opt.loadStateDict(bad), /LBFGS.loadStateDict: LBFGS state 'd' of parameter 0 has shape \[2\], but the parameters' flat vector has shape \[3\]/);
});

test("LBFGS stops at once when the first gradient is below toleranceGrad (one closure call, no state but the counters)", () => {
  const p = new nn.Parameter(tensor([1, 2]));
  const opt = new optim.LBFGS([p], { toleranceGrad: 10 });
  let calls = 0;
  opt.step(() => {
    calls++;
    opt.zeroGrad();
    const l = p.square().sum();
    l.backward();
    return l;
  });
  assert.equal(calls, 1);
  assert.deepEqual(p.tolist(), [1, 2]);
  assert.deepEqual(opt.state.get(p), { funcEvals: 1, nIter: 0 });
});

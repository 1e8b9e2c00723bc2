/**
 * SparseAdam against PyTorch 1.13 (test/fixtures/sparse_adam_torch.py): PyTorch steps an
 * nn.Embedding(sparse=True) with padding row 0, Fluxion the same embedding with its dense
 * gradient; the weight and the state after every step must agree, rows a step does not look up
 * (and the padding row) keeping their values and moments. Also the 1-D case, options in both
 * forms, state-dict round trips and the argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, FluxionError, nn, optim, tensor, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

interface Step { weight: number[]; exp_avg: number[]; exp_avg_sq: number[]; step: number }
const REF: { w0: number[]; lookups: number[][]; coef: number[]; default: Step[]; options: Step[]; maximize: Step[] } =
  JSON.parse(readFileSync(new URL("../fixtures/sparse_adam_torch.json", import.meta.url), "utf8"));

function run(opts: Partial<optim.SparseAdamOptions> | undefined, ref: Step[], label: string): void {
  const emb = new nn.Embedding(6, 3, { paddingIdx: 0 });
  emb.weight.data.copy_(tensor(REF.w0, { shape: [6, 3] }));
  const opt = opts === undefined ? new optim.SparseAdam(emb.parameters()) : new optim.SparseAdam(emb.parameters(), opts);
  const coef = tensor(REF.coef);
  REF.lookups.forEach((idx, s) => {
    opt.zeroGrad();
    emb(tensor(idx, { dtype: "int64" })).mul(coef).pow(2).sum().backward();
    opt.step();
    const st = opt.state.get(emb.weight)!;
    assertClose(emb.weight, ref[s]!.weight, { atol: 1e-6, msg: `${label} step ${s + 1}: weight` });
    assertClose(st.expAvg as Tensor, ref[s]!.exp_avg, { atol: 1e-6, msg: `${label} step ${s + 1}: expAvg` });
    assertClose(st.expAvgSq as Tensor, ref[s]!.exp_avg_sq, { atol: 1e-7, msg: `${label} step ${s + 1}: expAvgSq` });
    assert.equal(st.step, ref[s]!.step);
  });
}

test("SparseAdam updates only the looked-up rows, as PyTorch's SparseAdam on a sparse embedding gradient", () => {
  run(undefined, REF.default, "default");
  run({ lr: 0.05, betas: [0.8, 0.9], eps: 1e-4 }, REF.options, "options");
  run({ lr: 0.02, betas: [0.5, 0.99], maximize: true }, REF.maximize, "maximize");
  // the padding row never moves, nor its moments
  assert.deepEqual(REF.default.at(-1)!.weight.slice(0, 3), REF.w0.slice(0, 3));
});

test("SparseAdam on a 1-D parameter updates the elements with a nonzero gradient; positional and options forms agree", () => {
  const p = tensor([1, 2, 3, 4], { requiresGrad: true });
  const opt = new optim.SparseAdam([p], 0.1, [0.9, 0.999], 1e-8);
  p.mul(tensor([1, 0, -2, 0])).sum().backward();
  opt.step();
  // first Adam step: each updated element moves by lr (m / sqrt(v) = sign(g) after bias correction)
  assertClose(p.detach(), [0.9, 2, 3.1, 4], { atol: 1e-6 });
  assertClose(opt.state.get(p)!.expAvg as Tensor, [0.1, 0, -0.2, 0], { atol: 1e-7 });
  assert.deepEqual(opt.defaults, { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, maximize: false });
  assert.deepEqual(new optim.SparseAdam([p], { lr: 0.1 }).defaults, opt.defaults);
});

test("SparseAdam's state dict round-trips into a fresh optimizer, which then steps as the original", () => {
  const make = () => tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
  const a = make(), b = make();
  const optA = new optim.SparseAdam([a], { lr: 0.1 });
  const step = (p: Tensor, o: optim.SparseAdam, row: number) => {
    o.zeroGrad();
    p.index(row).pow(2).sum().backward();
    o.step();
  };
  step(a, optA, 0);
  const optB = new optim.SparseAdam([b], { lr: 0.1 });
  b.data.copy_(a.detach());
  optB.loadStateDict(optA.stateDict());
  step(a, optA, 2);
  step(b, optB, 2);
  assertClose(b.detach(), a.detach().flatten().tolist() as number[], { atol: 0 });
  assert.equal(optB.state.get(b)!.step, 2);
});

test("SparseAdam refuses PyTorch's invalid options with its messages", () => {
  const ps = () => [tensor([1, 2], { requiresGrad: true })];
  const bad: [() => unknown, RegExp][] = [
    [() => new optim.SparseAdam(ps(), { lr: 0 }), /^SparseAdam: invalid learning rate: 0 \(parameter group 0; expected lr > 0\)$/],
    [() => new optim.SparseAdam(ps(), { eps: 0 }), /^SparseAdam: invalid epsilon value: 0/],
    [() => new optim.SparseAdam(ps(), { betas: [1, 0.9] }), /^SparseAdam: invalid beta parameter at index 0: 1/],
    [() => new optim.SparseAdam(ps(), { betas: [0.9, -0.1] }), /^SparseAdam: invalid beta parameter at index 1: -0.1/],
  ];
  for (const [f, re] of bad) assert.throws(f, (e: Error) => e instanceof FluxionError && re.test(e.message), String(re));
  assert.throws(() => new optim.SparseAdam(ps(), { weightDecay: 0.1 } as never), (e: Error) => e instanceof ArgumentError && /SparseAdam\(\) got an unexpected option 'weightDecay'/.test(e.message));
});

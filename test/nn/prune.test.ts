/**
 * nn.utils.prune against PyTorch 1.13 (test/fixtures/prune_torch.py, following the Pruning
 * tutorial on its LeNet): the reparameterization's names and state dict keys, masks and
 * pruned weights of l1Unstructured (fraction, count, importance scores), lnStructured on top
 * (a PruningContainer with the history), forward/backward through pruned weights, remove,
 * globalUnstructured, a custom method, other norms and dims; and the errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { nn, tensor, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const prune = nn.utils.prune;
const F = nn.F;
const REF = JSON.parse(readFileSync(new URL("../fixtures/prune_torch.json", import.meta.url), "utf8"));
type Enc = { shape: number[]; v: number[] };
const dec = (e: Enc) => tensor(e.v).view(e.shape);
const assertEnc = (t: Tensor, e: Enc, msg?: string) => {
  assert.deepEqual([...t.shape], e.shape, msg);
  assertClose(t, e.v, { atol: 1e-6, rtol: 1e-5 });
};

class LeNet extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 3);
  conv2 = new nn.Conv2d(6, 16, 3);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);
  forward(x: Tensor): Tensor {
    x = F.maxPool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.maxPool2d(F.relu(this.conv2(x)), 2);
    x = x.view(-1, Math.trunc(x.numel() / x.shape[0]!));
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);
  }
}

function lenet(): LeNet {
  const m = new LeNet();
  m.loadStateDict(Object.fromEntries(Object.entries(REF.init as Record<string, Enc>).map(([k, v]) => [k, dec(v)])));
  return m;
}
const names = (it: Iterable<[string, unknown]>) => [...it].map(([n]) => n);
type Attrs = Record<string, Tensor>;

test("prune: l1Unstructured, lnStructured on top (a container), forward/backward and remove follow PyTorch", () => {
  const model = lenet();
  const module = model.conv1 as nn.Conv2d & Attrs;

  prune.l1Unstructured(module, "weight", 0.3);
  assert.deepEqual(names(module.namedParameters()), REF.l1.params);
  assert.deepEqual(names(module.namedBuffers()), REF.l1.buffers);
  assert.deepEqual(Object.keys(module.stateDict()), REF.l1.state_dict);
  assertEnc(module.weight_mask!, REF.l1.mask);
  assertEnc(module.weight, REF.l1.weight);
  assert.equal(prune.isPruned(model), REF.l1.is_pruned);
  assert.ok(module.weight_orig instanceof nn.Parameter && !(module.weight instanceof nn.Parameter));

  // a count (an integer) and importance scores
  prune.l1Unstructured(module, "bias", 2, { importanceScores: fx.arange(6, 0, -1).float() });
  assertEnc(module.bias_mask!, REF.bias_count.mask);
  assertEnc(module.bias!, REF.bias_count.bias);
  assert.deepEqual(names(module.namedParameters()), REF.bias_count.params);

  prune.lnStructured(module, "weight", 0.5, 2, 0);
  const hook = prune.pruningMethodOf(module, "weight");
  assert.ok(hook instanceof prune.PruningContainer);
  assert.deepEqual([...hook].map((h) => h.constructor.name), REF.ln.history);
  assertEnc(module.weight_mask!, REF.ln.mask);
  assertEnc(module.weight, REF.ln.weight);

  const y = model(dec(REF.x));
  y.sum().backward();
  assertEnc(y, REF.forward.y, "output");
  assertEnc(module.weight_orig!.grad!, REF.forward.grad_weight_orig, "grad of weight_orig (masked)");
  assertEnc(module.bias_orig!.grad!, REF.forward.grad_bias_orig);

  prune.remove(module, "weight");
  assert.deepEqual(names(module.namedParameters()), REF.remove.params);
  assert.deepEqual(names(module.namedBuffers()), REF.remove.buffers);
  assertEnc(module.weight, REF.remove.weight);
  assert.ok((module.weight as unknown) instanceof nn.Parameter);
  assert.equal(prune.pruningMethodOf(module, "weight"), null);
});

test("prune: a whole model's pruned layers give PyTorch's state dict; globalUnstructured ranks all weights together", () => {
  const newModel = lenet();
  for (const [, mod] of newModel.namedModules()) {
    if (mod instanceof nn.Conv2d) prune.l1Unstructured(mod, "weight", 0.2);
    else if (mod instanceof nn.Linear) prune.l1Unstructured(mod, "weight", 0.4);
  }
  assert.deepEqual(names(newModel.namedBuffers()), REF.model_buffers);
  assert.deepEqual(Object.keys(newModel.stateDict()), REF.model_state_dict);
  // a pruned model's state dict loads into another pruned model
  const other = lenet();
  for (const [, mod] of other.namedModules()) if (mod instanceof nn.Conv2d || mod instanceof nn.Linear) prune.identity(mod, "weight");
  other.loadStateDict(newModel.stateDict());
  other(fx.zeros([1, 1, 28, 28])); // the hook recomputes weight from the loaded orig and mask
  assertClose((other.fc1 as unknown as Attrs).weight!, (newModel.fc1 as unknown as Attrs).weight!.toTypedArray());

  const gmodel = lenet();
  const parametersToPrune: [nn.Module, string][] = [[gmodel.conv1, "weight"], [gmodel.conv2, "weight"], [gmodel.fc1, "weight"], [gmodel.fc2, "weight"], [gmodel.fc3, "weight"]];
  prune.globalUnstructured(parametersToPrune, prune.L1Unstructured, { amount: 0.2 });
  assert.deepEqual(parametersToPrune.map(([m]) => (m as unknown as Attrs).weight!.eq(0).sum().item()), REF.global.zeros);
  ["conv1", "conv2", "fc1", "fc2", "fc3"].forEach((n, i) => assertEnc((parametersToPrune[i]![0] as unknown as Attrs).weight_mask!, REF.global.masks[n], n));
  prune.globalUnstructured(parametersToPrune, prune.L1Unstructured, { amount: 100 });
  assert.deepEqual(parametersToPrune.map(([m]) => (m as unknown as Attrs).weight!.eq(0).sum().item()), REF.global2_zeros);
});

test("prune: a custom BasePruningMethod subclass, Ln norms along other dims, and the random methods' counts", () => {
  class FooBarPruningMethod extends prune.BasePruningMethod {
    static PRUNING_TYPE = "unstructured" as const;
    computeMask(_t: Tensor, defaultMask: Tensor): Tensor {
      const mask = defaultMask.clone();
      mask.view(-1).indexPut_(["::2"], 0); // mask.view(-1)[::2] = 0
      return mask;
    }
  }
  const cmodel = lenet();
  FooBarPruningMethod.apply(cmodel.fc3, "bias");
  assertEnc((cmodel.fc3 as unknown as Attrs).bias_mask!, REF.custom.mask);

  const lin = new nn.Linear(6, 5);
  lin.loadStateDict({ weight: tensor(REF.init["fc3.weight"].v.slice(0, 30)).view(5, 6), bias: fx.zeros(5) });
  prune.lnStructured(lin, "weight", 2, 1, 1);
  const m1 = (lin as unknown as Attrs).weight_mask!.clone();
  prune.lnStructured(lin, "weight", 0.5, Infinity, -2);
  assertEnc(m1, REF.ln_other.mask1);
  assertEnc((lin as unknown as Attrs).weight_mask!, REF.ln_other.mask2);
  prune.remove(lin, "weight");
  assert.deepEqual(Object.keys(lin.stateDict()), REF.ln_other.state_dict);

  fx.manualSeed(0);
  const r = new nn.Linear(10, 8);
  prune.randomUnstructured(r, "weight", 0.25);
  assert.equal((r as unknown as Attrs).weight_mask!.eq(0).sum().item(), 20);
  prune.randomUnstructured(r, "weight", 7); // on top: 7 more of the remaining 60
  assert.equal((r as unknown as Attrs).weight_mask!.eq(0).sum().item(), 27);
  prune.randomStructured(r, "weight", 0.5, 0); // 4 whole rows, chosen among the rows not all zero
  const rowsZero = (r as unknown as Attrs).weight_mask!.sum(1).eq(0).sum().item();
  assert.ok(rowsZero >= 4, `${rowsZero} rows pruned`);
  assert.equal(fx.tensor([0.5]).mul(5).item(), 2.5);
  // Python rounds 2.5 to 2: a fraction of 0.25 of 10 entries prunes 2 (round(2.5))
  const h = new nn.Linear(10, 1);
  prune.l1Unstructured(h, "weight", 0.25);
  assert.equal((h as unknown as Attrs).weight_mask!.eq(0).sum().item(), 2);
});

test("prune: bad amounts, structured pruning of a vector, removing what is not pruned and pruning a non-parameter raise", () => {
  // PyTorch's messages, with Fluxion's spelling of a shape and a module
  const msg = (name: string) => {
    const text = (REF.errors[name] as string).replace(/^\w+: /, "").replace("torch.Size([2])", "[2]").replace("Linear(in_features=2, out_features=2, bias=True)", "Linear");
    return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  };
  assert.throws(() => prune.l1Unstructured(new nn.Linear(2, 2), "weight", 1.5), msg("amount_big"));
  assert.throws(() => prune.l1Unstructured(new nn.Linear(2, 2), "weight", -1), msg("amount_neg"));
  assert.throws(() => prune.l1Unstructured(new nn.Linear(2, 2), "weight", 5), msg("count_too_big"));
  assert.throws(() => prune.lnStructured(new nn.Linear(2, 2), "bias", 1, 2, 0), msg("structured_1d"));
  assert.throws(() => prune.remove(new nn.Linear(2, 2), "weight"), msg("remove_unpruned"));
  // nothing half-changed after a failed prune
  const l = new nn.Linear(2, 2);
  assert.throws(() => prune.l1Unstructured(l, "weight", 5));
  assert.deepEqual(names(l.namedParameters()), ["weight", "bias"]);
  assert.deepEqual(names(l.namedBuffers()), []);
  assert.throws(() => prune.l1Unstructured(l, "nothing", 0.5), /has no tensor `nothing` to prune/);
  assert.throws(() => prune.l1Unstructured(l, "weight", "0.5" as never), /invalid type for amount/i);
  assert.throws(() => prune.l1Unstructured(l, "weight", 0.5, { importanceScores: fx.ones(3) }), /importance_scores should have the same shape/);
  // JavaScript callers: unknown options and extra arguments are refused, nothing pruned
  assert.throws(() => prune.l1Unstructured(l, "weight", 0.5, { importanceScore: fx.ones([2, 2]) } as never), /l1Unstructured\(\): unknown option 'importanceScore' \(did you mean 'importanceScores'\?\)/);
  assert.throws(() => prune.lnStructured(l, "weight", { amount: 1, n: 2, dim: 0, axis: 1 } as never), /lnStructured\(\): unknown option 'axis'/);
  assert.throws(() => prune.globalUnstructured([[l, "weight"]], prune.L1Unstructured, { amont: 0.2 } as never), /globalUnstructured\(\): unknown option 'amont' \(did you mean 'amount'\?\)/);
  assert.throws(() => (prune.remove as (...a: unknown[]) => unknown)(l, "weight", true), /remove\(\) takes at most 2 arguments/);
  assert.ok(!prune.isPruned(l));
});

test("prune: a deep copy of a pruned module carries its own mask and hook", () => {
  const m = lenet();
  prune.l1Unstructured(m.fc3, "weight", 0.5);
  const copy = fx.utils.deepcopy(m);
  const x = fx.randn([2, 1, 28, 28]);
  assertClose(copy(x), m(x).toTypedArray(), { atol: 1e-6 });
  // the copy's orig is its own: changing it changes only the copy's weight
  fx.noGrad(() => (copy.fc3 as unknown as Attrs).weight_orig!.fill_(1));
  copy(x);
  assert.equal((copy.fc3 as unknown as Attrs).weight!.sum().item(), (copy.fc3 as unknown as Attrs).weight_mask!.sum().item());
  assert.notEqual((m.fc3 as unknown as Attrs).weight!.sum().item(), (m.fc3 as unknown as Attrs).weight_mask!.sum().item());
  assert.ok(prune.isPruned(copy));
  prune.remove(copy.fc3, "weight");
  assert.ok(!prune.isPruned(copy) && prune.isPruned(m));
});

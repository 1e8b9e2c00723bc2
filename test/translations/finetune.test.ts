/**
 * Fine-tuning, translated line by line from test/fixtures/translations/finetune.py
 * (-> finetune.json, PyTorch 1.13): a "pretrained" backbone saved and loaded (fx.save /
 * fx.load(path, { mapLocation }) of a state dict, torch.save / torch.load there), frozen with requiresGrad_(false),
 * a new head trained by an optimizer over the parameters that require grad with gradient
 * accumulation over 2 micro-batches and zeroGrad({ setToNone: true }); unfreezing and
 * addParamGroup with a smaller lr; loadStateDict(sd, { strict: false }) into a model with
 * another head (missing and unexpected keys); copy.deepcopy; manualSeed and nn.init.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../../src/index.js";
import { copy, nn, noGrad, type Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("finetune.json");

function makeBackbone() {
  return new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.ReLU());
}

class FineTuneNet extends nn.Module {
  backbone: nn.Sequential;
  head: nn.Linear;
  constructor(backbone: nn.Sequential, numClasses: number) {
    super();
    this.backbone = backbone;
    this.head = new nn.Linear(16, numClasses);
  }

  forward(x: Tensor): Tensor {
    return this.head(this.backbone(x));
  }
}

class OtherNet extends nn.Module {
  backbone = makeBackbone();
  classifier = new nn.Linear(16, 4);

  forward(x: Tensor): Tensor {
    return this.classifier(this.backbone(x));
  }
}

const close = (a: number, b: number, tol: number, msg: string) => assert.ok(Math.abs(a - b) <= tol, `${msg}: ${a} vs PyTorch ${b}`);

test("fine-tuning a frozen backbone, unfreezing it with its own lr, partial loads and deepcopy match PyTorch", () => {
  const pretrained = makeBackbone();
  initDeterministic(pretrained, 500);
  const d = mkdtempSync(join(tmpdir(), "finetune-"));
  let backbone: nn.Sequential;
  try {
    const path = join(d, "backbone.safetensors");
    torch.save(pretrained.stateDict(), path);
    backbone = makeBackbone();
    backbone.loadStateDict(torch.load(path, { mapLocation: "cpu" }));
  } finally {
    rmSync(d, { recursive: true });
  }

  const model = new FineTuneNet(backbone, 4);
  initDeterministic(model.head, 510);
  for (const p of model.backbone.parameters()) p.requiresGrad_(false);
  const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
  const optimizer = new torch.optim.SGD(model.parameters().filter((p) => p.requiresGrad), { lr: 0.1, momentum: 0.9 });
  const lossFn = new nn.CrossEntropyLoss();
  const xAll = det([10, 3, 6], 520);
  const yAll = detLabels(30, 521, 4).reshape(10, 3);

  const losses: number[] = [];
  let gradsNone: boolean[] | null = null;
  const accum = 2;
  let step = 0;
  for (let i = 0; i < 6; i++) {
    const loss = lossFn(model(xAll.index(i)), yAll.index(i)).div(accum);
    loss.backward();
    losses.push(loss.item());
    if ((i + 1) % accum === 0) {
      if (gradsNone === null) gradsNone = model.parameters().map((p) => p.grad === null);
      optimizer.step();
      optimizer.zeroGrad({ setToNone: true });
      step += 1;
    }
  }
  const afterZero = model.parameters().map((p) => p.grad === null);
  assert.deepEqual(trainable, FIX.trainable);
  assert.deepEqual(gradsNone, FIX.grads_none);
  assert.deepEqual(afterZero, FIX.after_zero);
  assertTensor(model.head.weight, FIX.head_frozen_phase, { atol: 1e-5, msg: "head.weight after the frozen phase" });

  // unfreeze the backbone with a smaller learning rate
  model.backbone.requiresGrad_(true);
  optimizer.addParamGroup({ params: model.backbone.parameters(), lr: 0.01 });
  const groupLrs = optimizer.paramGroups.map((g) => g.lr);
  const groupMomentum = optimizer.paramGroups.map((g) => g.momentum);
  assert.deepEqual(groupLrs, FIX.group_lrs);
  assert.deepEqual(groupMomentum, FIX.group_momentum);
  for (let i = 6; i < 10; i++) {
    optimizer.zeroGrad({ setToNone: true });
    const loss = lossFn(model(xAll.index(i)), yAll.index(i));
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  losses.forEach((l, i) => close(l, FIX.losses[i], 2e-6, `loss ${i}`));
  assertTensor((model.backbone.at(0) as nn.Linear).weight, FIX.backbone0_weight, { atol: 1e-5, msg: "backbone[0].weight" });
  assertTensor(model.head.weight, FIX.head_weight, { atol: 1e-5, msg: "head.weight" });

  // a checkpoint into a model with another head: strict: false reports the difference
  const sd = model.stateDict();
  const other = new OtherNet();
  const result = other.loadStateDict(sd, { strict: false });
  const [missing, unexpected] = [result.missingKeys, result.unexpectedKeys];
  const [missing2, unexpected2] = other.loadStateDict(sd, { strict: false }); // a named tuple: unpacks too
  assert.deepEqual([missing2, unexpected2], [missing, unexpected]);
  assert.deepEqual(missing, FIX.missing);
  assert.deepEqual(unexpected, FIX.unexpected);
  const loadedEqual = torch.equal((other.backbone.at(2) as nn.Linear).weight, (model.backbone.at(2) as nn.Linear).weight);
  assert.equal(loadedEqual, FIX.loaded_equal);
  let strictError: string | null = null;
  try {
    other.loadStateDict(sd);
  } catch (e) {
    strictError = (e as Error).message.split("\n")[0]!;
  }
  assert.equal(strictError, FIX.strict_error);

  // deepcopy: an independent model
  const clone = copy.deepcopy(model);
  noGrad(() => model.head.bias!.add_(1.0));
  const cloneIndependent = !torch.equal(clone.head.bias!, model.head.bias!);
  const cloneOut = clone(xAll.index(0));
  model.backbone.requiresGrad_(false);
  const cloneRequiresGrad = clone.parameters().map((p) => p.requiresGrad);
  assert.equal(cloneIndependent, FIX.clone_independent);
  assertTensor(cloneOut, FIX.clone_out, { atol: 1e-5, msg: "the copy's output" });
  assert.deepEqual(cloneRequiresGrad, FIX.clone_requires_grad);

  // manualSeed makes init reproducible (Fluxion's stream is not PyTorch's: same seed, same numbers within each)
  torch.manualSeed(0);
  const a = new nn.Linear(4, 3);
  torch.manualSeed(0);
  const b = new nn.Linear(4, 3);
  const seedSame = torch.equal(a.weight, b.weight) && torch.equal(a.bias!, b.bias!);
  torch.manualSeed(0);
  const w1 = nn.init.kaimingUniform_(torch.empty(3, 4), { a: 0.5 });
  torch.manualSeed(0);
  const w2 = nn.init.kaimingUniform_(torch.empty(3, 4), { a: 0.5 });
  const bound = torch.sqrt(torch.tensor(6.0 / ((1 + 0.5 ** 2) * 4))).item();
  assert.equal(seedSame, FIX.seed_same);
  assert.equal(torch.equal(w1, w2), FIX.init_same);
  close(bound, FIX.kaiming_bound, 1e-6, "kaiming bound");
  assert.ok(w1.abs().max().item() <= bound, "kaimingUniform_ stays within its bound");
});

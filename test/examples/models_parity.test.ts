/**
 * The untuned-workload models of `npm run bench` (examples/models.ts: TransformerLM, SmallResNet,
 * LSTMLM, trained as bench/untuned.ts's makeTrainCase does) are the same models as their PyTorch
 * mirrors (bench/models_torch.py): bench/models_parity_torch.py runs one training step in
 * PyTorch and writes the initial weights, inputs, gradients and losses; here Fluxion loads the
 * same weights (strict: same names and shapes) and must give the same parameter count, the
 * same float32 loss, and in float64 the same loss, gradients, and losses after one and two
 * optimizer steps (float64, because in float32 one ReLU input rounding to the other side of zero changes
 * the gradients below it by percents; bench/models_parity_torch.py explains).
 * Skipped when PyTorch is not installed.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { io, noGrad, type Tensor } from "../../src/index.js";
import { makeTrainCase, type TrainName } from "../../bench/untuned.js";
import { flat } from "../helpers.js";

const ROOT = resolve(import.meta.dirname, "../..");
const PY = "/usr/bin/python3";
const probe = spawnSync(PY, ["-c", "import torch"], { encoding: "utf8" });
const skip = probe.status === 0 ? false : `PyTorch is not installed (${PY} -c "import torch" failed: ${(probe.error?.message ?? probe.stderr ?? "").trim().split("\n").pop()})`;

const dir = mkdtempSync(join(tmpdir(), "fluxion-parity-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let made: { status: number | null; out: string } | null = null;
/** Runs the PyTorch side once for all cases (about 5 s). */
function pytorchStep(): void {
  if (made) return;
  const r = spawnSync(PY, [join(ROOT, "bench/models_parity_torch.py"), dir], { encoding: "utf8", timeout: 300_000 });
  made = { status: r.status, out: `${r.stdout}\n${r.stderr}` };
  assert.equal(r.status, 0, `bench/models_parity_torch.py failed:\n${made.out}`);
}

/** Largest |a - b| relative to the largest |b| of a tensor pair. */
function relDiff(a: Tensor, b: Tensor): number {
  const x = flat(a), y = flat(b);
  assert.equal(x.length, y.length);
  let d = 0, m = 0;
  for (let i = 0; i < x.length; i++) {
    d = Math.max(d, Math.abs(x[i]! - y[i]!));
    m = Math.max(m, Math.abs(y[i]!));
  }
  return m === 0 ? d : d / m;
}

const CASES: [TrainName, string][] = [
  ["transformer", "TransformerLM + AdamW"],
  ["resnet", "SmallResNet (BatchNorm) + SGD momentum"],
  ["lstm", "LSTMLM (seq 50) + Adam"],
];

for (const [name, label] of CASES) {
  test(`${label}: same parameters, loss, gradients and losses after two steps as PyTorch`, { skip }, () => {
    pytorchStep();
    const { tensors, metadata } = io.loadWithMetadata(join(dir, `${name}.safetensors`));
    assert.ok(metadata, "the PyTorch file has metadata");
    const x32 = tensors.x!.isFloatingPoint() ? tensors.x!.to("float32") : tensors.x;
    const c = makeTrainCase(name, { x: x32, y: tensors.y });
    const stateDict: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(tensors)) if (k.startsWith("model.")) stateDict[k.slice(6)] = v;

    // same parameter count, and every name and shape of the state dict matches (strict load)
    const count = c.model.parameters().reduce((s, p) => s + p.numel(), 0);
    assert.equal(count, Number(metadata.parameters), "parameter count");
    const { missingKeys, unexpectedKeys } = c.model.loadStateDict(stateDict); // float64 values into float32 parameters
    assert.deepEqual([missingKeys, unexpectedKeys], [[], []]);

    // the float32 model (as benchmarked): the same loss
    const lossF32 = noGrad(() => c.loss()).item();
    assert.ok(Math.abs(lossF32 - Number(metadata.loss_f32)) <= 1e-5 * Number(metadata.loss_f32), `float32 loss ${lossF32} vs PyTorch ${metadata.loss_f32}`);

    // float64: the same loss, gradients and loss after one step (the optimizer is made after .to())
    const c64 = makeTrainCase(name, { x: tensors.x!.isFloatingPoint() ? tensors.x!.to("float64") : tensors.x, y: tensors.y, model: c.model.to("float64") });
    c64.model.loadStateDict(stateDict);
    c64.optimizer.zeroGrad();
    const loss0 = c64.loss();
    assert.ok(Math.abs(loss0.item() - Number(metadata.loss0)) <= 1e-10 * Number(metadata.loss0), `float64 loss ${loss0.item()} vs PyTorch ${metadata.loss0}`);
    loss0.backward();
    for (const [k, p] of c64.model.namedParameters()) {
      const expected = tensors[`grad.${k}`];
      assert.ok(expected, `PyTorch wrote the gradient of ${k}`);
      assert.ok(p.grad, `${k} has a gradient`);
      assert.deepEqual([...p.grad.shape], [...expected.shape], `gradient shape of ${k}`);
      const d = relDiff(p.grad, expected);
      assert.ok(d <= 1e-9, `gradient of ${k}: max |Δ| = ${d.toExponential(2)} of its largest element`);
    }
    c64.optimizer.step();
    c64.optimizer.zeroGrad();
    const loss1 = c64.loss();
    assert.ok(Math.abs(loss1.item() - Number(metadata.loss1)) <= 1e-9 * Number(metadata.loss1), `loss after one step ${loss1.item()} vs PyTorch ${metadata.loss1}`);
    // a second step: SGD's momentum and Adam's moments only matter from the second on
    loss1.backward();
    c64.optimizer.step();
    const loss2 = noGrad(() => c64.loss()).item();
    assert.ok(Math.abs(loss2 - Number(metadata.loss2)) <= 1e-9 * Number(metadata.loss2), `loss after two steps ${loss2} vs PyTorch ${metadata.loss2}`);
    // the steps changed the loss (so the checks above are not the initial loss again)
    assert.ok(Math.abs(loss2 - loss1.item()) > 1e-3 && Math.abs(loss1.item() - loss0.item()) > 1e-3, `the optimizer steps changed the loss (${loss0.item()} -> ${loss1.item()} -> ${loss2})`);
  });
}

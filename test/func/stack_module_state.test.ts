/**
 * func.stackModuleState with vmap(functionalCall): PyTorch's model-ensembling recipe, checked
 * against running each model on its own (the independent reference), with its gradients, and
 * the refusals (torch.func.stack_module_state's messages).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { func, nn, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

class SimpleMLP extends nn.Module {
  fc1 = new nn.Linear(8, 16);
  bn = new nn.BatchNorm1d(16);
  fc2 = new nn.Linear(16, 3);
  forward(x: Tensor): Tensor {
    return this.fc2(this.bn(this.fc1(x)).relu());
  }
}

test("stackModuleState: stacked params and buffers; vmap over functionalCall gives each model's output and gradients", () => {
  fx.manualSeed(3);
  const models = Array.from({ length: 4 }, () => new SimpleMLP().eval());
  const [params, buffers] = func.stackModuleState(models);
  assert.deepEqual(Object.keys(params), ["fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight", "fc2.bias"]);
  assert.deepEqual(Object.keys(buffers), ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]);
  assert.deepEqual(params["fc1.weight"]!.shape, [4, 16, 8]);
  assert.ok(params["fc1.weight"]!.requiresGrad && params["fc1.weight"]!.isLeaf);
  assert.ok(!buffers["bn.running_mean"]!.requiresGrad);
  assert.equal(buffers["bn.num_batches_tracked"]!.dtype, "int64");
  // a copy: changing a model afterwards does not change the stack
  fx.noGrad(() => models[0]!.fc1.bias!.add_(1));
  assert.notEqual(params["fc1.bias"]!.index(0).sum().item(), models[0]!.fc1.bias!.sum().item());
  fx.noGrad(() => models[0]!.fc1.bias!.sub_(1));

  const x = fx.randn([5, 8]);
  const fmodel = (p: Record<string, Tensor>, b: Record<string, Tensor>, x: Tensor) => func.functionalCall(models[0]!, [p, b], [x]) as Tensor;
  const out = func.vmap(fmodel, { inDims: [0, 0, null] })(params, buffers, x) as Tensor;
  assert.deepEqual(out.shape, [4, 5, 3]);
  models.forEach((m, i) => assertClose(out.index(i), m(x).toTypedArray(), { atol: 1e-6 }));

  out.pow(2).sum().backward();
  models.forEach((m) => m(x).pow(2).sum().backward());
  models.forEach((m, i) => assertClose(params["fc2.weight"]!.grad!.index(i), m.fc2.weight.grad!.toTypedArray(), { atol: 1e-5 }));
});

test("stackModuleState: refuses no models, mixed classes, modes or requiresGrad", () => {
  assert.throws(() => func.stackModuleState([]), /Expected at least one model, got 0/);
  assert.throws(() => func.stackModuleState([new nn.Linear(2, 2), new nn.Linear(2, 2).eval()]), /same training\/eval mode/);
  assert.throws(() => func.stackModuleState([new nn.Linear(2, 2), new nn.Conv1d(2, 2, 1)]), /same class/);
  const frozen = new nn.Linear(2, 2);
  frozen.weight.requiresGrad_(false);
  assert.throws(() => func.stackModuleState([new nn.Linear(2, 2), frozen]), /Expected weight from each model to have the same \.requiresGrad/);
  assert.throws(() => func.stackModuleState([new nn.Linear(2, 2), new nn.Linear(3, 2)]), /stack/);
  assert.throws(() => func.stackModuleState("models" as never), /expected an array of Modules/);
});

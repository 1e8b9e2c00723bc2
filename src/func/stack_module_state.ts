/**
 * func.stackModuleState (torch.func.stack_module_state): the parameters and buffers of several
 * models of one class, stacked along a new leading dim, for running an ensemble with
 * `vmap(functionalCall)` (PyTorch's model-ensembling recipe).
 */
import { describeValue } from "../api/args.js";
import { ArgumentError, FluxionError } from "../errors.js";
import { checkArity } from "../api/check_args.js";
import { stack } from "../ops/shape_ops.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";

function stackedLeaf(tensors: Tensor[], name: string): Tensor {
  const all = tensors.every((t) => t.requiresGrad), none = tensors.every((t) => !t.requiresGrad);
  if (!all && !none) throw new FluxionError(`stackModuleState: Expected ${name} from each model to have the same .requiresGrad`);
  const result = stack(tensors.map((t) => t.detach()));
  return all ? result.requiresGrad_() : result;
}

/**
 * [params, buffers]: for each name of the first model's namedParameters() (namedBuffers()),
 * the models' tensors stacked along dim 0 (a new leaf requiring grad where the parameters do).
 * The models must share class, training mode and names.
 * @example
 * const [params, buffers] = func.stackModuleState(models);
 * const fmodel = (p, b, x) => func.functionalCall(models[0], [p, b], [x]);
 * const out = func.vmap(fmodel, { inDims: [0, 0, null] })(params, buffers, x); // [models, ...]
 */
export function stackModuleState(models: readonly Module[]): [Record<string, Tensor>, Record<string, Tensor>] {
  checkArity("stackModuleState", arguments, 1, "models");
  if (!Array.isArray(models) || !models.every((m) => m instanceof Module)) throw new ArgumentError(`stackModuleState: expected an array of Modules, got ${describeValue(models)}`);
  if (models.length === 0) throw new FluxionError("stackModuleState: Expected at least one model, got 0.");
  if (!(models.every((m) => m.training) || models.every((m) => !m.training))) throw new FluxionError("stackModuleState: Expected all models to have the same training/eval mode.");
  const cls = Object.getPrototypeOf(models[0]);
  if (!models.every((m) => Object.getPrototypeOf(m) === cls)) throw new FluxionError("stackModuleState: Expected all models to be of the same class.");
  const gather = (of: (m: Module) => Iterable<[string, Tensor]>): Record<string, Tensor> => {
    const all = models.map((m) => new Map(of(m)));
    const out: Record<string, Tensor> = {};
    for (const name of all[0]!.keys()) {
      const ts = all.map((d, i) => {
        const t = d.get(name);
        if (t === undefined) throw new FluxionError(`stackModuleState: model ${i} has no ${name} (the models must have the same parameters and buffers)`);
        return t;
      });
      out[name] = stackedLeaf(ts, name);
    }
    return out;
  };
  return [gather((m) => m.namedParameters()), gather((m) => m.namedBuffers())];
}

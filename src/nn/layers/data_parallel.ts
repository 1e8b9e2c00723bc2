/**
 * nn.DataParallel as PyTorch's behaves without CUDA: it wraps the module as `module` (so
 * stateDict keys gain the "module." prefix, as checkpoints saved from DataParallel models
 * have) and forward calls it; deviceIds is [] and there is no scattering.
 * `model.module.stateDict()` gives the unprefixed keys, as in PyTorch.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { Module } from "../module.js";

const DATA_PARALLEL = "DataParallel(Module module, int[]? deviceIds=null, Any? outputDevice=null, int dim=0)";
const dataParallelArgs = declareArgs(DATA_PARALLEL, "nn");

/**
 * A module run "in parallel" over no GPUs: forward is the wrapped module's call (hooks included).
 * @example const model = new nn.DataParallel(net); model(x); Object.keys(model.stateDict()) // ["module.fc.weight", ...]
 */
export class DataParallel<M extends Module = Module> extends Module {
  module: M;
  /** The devices the batch would be scattered to: none here, as PyTorch's without CUDA. */
  readonly deviceIds: number[] = [];
  readonly dim: number;
  constructor(...args: CtorArgs<typeof DATA_PARALLEL>) {
    super();
    const [module, , , dim] = dataParallelArgs.bind(args);
    this.module = module as M;
    this.dim = dim;
  }
  forward(...inputs: unknown[]): unknown {
    return (this.module as unknown as (...a: unknown[]) => unknown)(...inputs);
  }
}

/**
 * nn.SyncBatchNorm as PyTorch has it on a machine without CUDA: it constructs (a BatchNorm
 * whose statistics would be reduced across processes), prints and saves as PyTorch's, and
 * `SyncBatchNorm.convertSyncBatchnorm(model)` swaps every BatchNorm*d of a model for one,
 * keeping its parameters, running statistics and mode; but forward raises PyTorch's "expected
 * input tensor to be on GPU", in training and in eval, since there is no process group here.
 * Convert back (or keep the BatchNorm*d) to run the model.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { DeviceError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkLayerSizes, checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { BatchNorm1d, BatchNorm2d, BatchNorm3d, _NormBase } from "./normalization.js";

const SYNC_BATCH_NORM = "SyncBatchNorm(int numFeatures, float eps=1e-5, float? momentum=0.1, bool affine=true, bool trackRunningStats=true, Any? processGroup=null, *, Device? device=null, ScalarType? dtype=null)";
const syncArgs = declareArgs(SYNC_BATCH_NORM, "nn");

/**
 * Batch normalization synchronized across processes (PyTorch's distributed data parallel).
 * @example const model = nn.SyncBatchNorm.convertSyncBatchnorm(net); // every BatchNorm*d now a SyncBatchNorm
 */
export class SyncBatchNorm extends _NormBase {
  readonly processGroup: unknown;
  constructor(...args: CtorArgs<typeof SYNC_BATCH_NORM>) {
    const [numFeatures, eps, momentum, affine, trackRunningStats, processGroup, { device, dtype }] = syncArgs.bind(args);
    checkLayerSizes("SyncBatchNorm", { num_features: numFeatures }, device);
    super(numFeatures, eps, momentum, affine, trackRunningStats, { dtype, device });
    this.processGroup = processGroup;
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    throw new DeviceError(`SyncBatchNorm expected input tensor to be on GPU (got a tensor on ${x.device}): it reduces its statistics across the processes of a CUDA process group, which Fluxion does not have; use nn.BatchNorm${Math.max(1, x.ndim - 2)}d`);
  }

  /**
   * `module` with every BatchNorm1d/2d/3d in it (itself included) replaced by a SyncBatchNorm
   * that shares its weight, bias and running statistics and keeps its training mode, as
   * PyTorch's convert_sync_batchnorm. Other modules are kept (their children converted).
   */
  static convertSyncBatchnorm(module: Module, processGroup: unknown = null): Module {
    return convertSync(module, processGroup);
  }
}

// outside the class: a class that names itself inside its body is renamed `_SyncBatchNorm`
// by esbuild's bundles (test/package/bundled_names.test.ts)
function convertSync(module: Module, processGroup: unknown): Module {
  let out = module;
  if (module instanceof BatchNorm1d || module instanceof BatchNorm2d || module instanceof BatchNorm3d) {
    const sync = new SyncBatchNorm(module.numFeatures, module.eps, module.momentum, module.affine, module.trackRunningStats, processGroup, {
      device: (module.weight ?? module.running_mean)?.device ?? null, dtype: (module.weight ?? module.running_mean)?.dtype ?? null,
    });
    if (module.affine) {
      sync.weight = module.weight;
      sync.bias = module.bias;
    }
    sync.running_mean = module.running_mean;
    sync.running_var = module.running_var;
    sync.num_batches_tracked = module.num_batches_tracked;
    sync.train(module.training);
    out = sync;
  }
  for (const [name, child] of module.namedChildren()) out.addModule(name, convertSync(child, processGroup));
  return out;
}

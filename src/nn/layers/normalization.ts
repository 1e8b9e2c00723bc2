/**
 * BatchNorm1d/2d/3d, LayerNorm, GroupNorm and InstanceNorm1d/2d/3d modules. Batch and instance
 * norm keep PyTorch's buffers (running_mean, running_var, num_batches_tracked) so stateDicts
 * load across frameworks; batch norm's momentum null means a cumulative moving average, as torch.
 */
import { noGrad } from "../../autograd/grad_mode.js";
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { empty, ones, zeros } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { batchNorm, groupNorm, instanceNorm, layerNorm } from "../functional/normalization.js";
import * as init from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyFloat, pyValue } from "./repr.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkLayerSizes, checkTensorArg } from "../args.js";
import { checkShape } from "../../tensor/shape.js";

/** The options-object form of BatchNorm1d/2d/3d's arguments (`new nn.BatchNorm2d(32, { momentum: null })`). */
export interface BatchNormModuleOptions {
  eps?: number;
  /** Weight of each new batch in the running stats (default 0.1); null: cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel weight and bias (default true). */
  affine?: boolean;
  /** Keep running stats for evaluation (default true); when false, batch stats are always used. */
  trackRunningStats?: boolean;
  dtype?: DType | null;
  device?: string | null;
}

const BATCH_NORM1D = "BatchNorm1d(int numFeatures, float eps=1e-5, float? momentum=0.1, bool affine=true, bool trackRunningStats=true, *, Device? device=null, ScalarType? dtype=null)";
const BATCH_NORM2D = "BatchNorm2d(int numFeatures, float eps=1e-5, float? momentum=0.1, bool affine=true, bool trackRunningStats=true, *, Device? device=null, ScalarType? dtype=null)";
const BATCH_NORM3D = "BatchNorm3d(int numFeatures, float eps=1e-5, float? momentum=0.1, bool affine=true, bool trackRunningStats=true, *, Device? device=null, ScalarType? dtype=null)";
const batchNormArgs = { BatchNorm1d: declareArgs(BATCH_NORM1D, "nn"), BatchNorm2d: declareArgs(BATCH_NORM2D, "nn"), BatchNorm3d: declareArgs(BATCH_NORM3D, "nn") };

/**
 * What batch and instance norm share (torch's _NormBase): the per-channel affine weight and
 * bias, the running statistics under PyTorch's buffer names, their resets and the repr.
 * @internal exported for SyncBatchNorm (sync_batch_norm.ts).
 */
export abstract class _NormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(
    readonly numFeatures: number,
    readonly eps: number,
    readonly momentum: number | null,
    readonly affine: boolean,
    readonly trackRunningStats: boolean,
    create: { dtype: DType | null; device: string | null },
  ) {
    super();
    this.weight = affine ? new Parameter(empty([numFeatures], create)) : null;
    this.bias = affine ? new Parameter(empty([numFeatures], create)) : null;
    this.registerBuffer("running_mean", trackRunningStats ? zeros([numFeatures], create) : null);
    this.registerBuffer("running_var", trackRunningStats ? ones([numFeatures], create) : null);
    this.registerBuffer("num_batches_tracked", trackRunningStats ? zeros([], { dtype: "int64", device: create.device }) : null);
    this.resetParameters();
  }

  /** The running mean (PyTorch name: running_mean). */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  /** The running variance (PyTorch name: running_var). */
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  /** Batches seen in training (PyTorch name: num_batches_tracked). */
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? "None" : pyFloat(this.momentum)}, affine=${pyValue(this.affine)}, track_running_stats=${pyValue(this.trackRunningStats)}`;
  }
}

/** Shared code of BatchNorm1d/2d/3d (torch's _BatchNorm). */
abstract class BatchNormBase extends _NormBase {
  constructor(kind: keyof typeof batchNormArgs, args: ArrayLike<unknown>) {
    const [numFeatures, eps, momentum, affine, trackRunningStats, { device, dtype }] = batchNormArgs[kind].bind(args);
    checkLayerSizes(kind, { num_features: numFeatures }, device);
    super(numFeatures, eps, momentum, affine, trackRunningStats, { dtype, device });
  }

  /** Throws unless x has an allowed rank and numFeatures channels at dim 1. */
  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    this.checkInput(x);
    const name = this.constructor.name;
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${name}(${this.numFeatures}): expected input with ${this.numFeatures} channels at dim 1, got shape ${fmtShape(x.shape)}`);
    }
    let counter: Tensor | null = null;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) counter = noGrad(() => this.num_batches_tracked!.add_(1));
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const track = !this.training || this.trackRunningStats;
    if (this.momentum === null && counter !== null && this.running_mean && this.running_var) {
      // momentum None: a cumulative average, factor 1/num_batches_tracked, computed as a
      // tensor (not read on the host, so a compiled step keeps it in the graph)
      this.cumulativeUpdate(x, counter, this.running_mean, this.running_var);
      return batchNorm(x, null, null, this.weight, this.bias, { training: true, momentum: 0, eps: this.eps });
    }
    return batchNorm(x, track ? this.running_mean : null, track ? this.running_var : null, this.weight, this.bias, { training: useBatchStats, momentum: this.momentum ?? 0, eps: this.eps });
  }

  /** running += (batch statistic - running) / n, with the unbiased batch variance (as PyTorch). */
  private cumulativeUpdate(x: Tensor, counter: Tensor, mean: Tensor, variance: Tensor): void {
    noGrad(() => {
      const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
      const xd = x.detach();
      const m = xd.mean(dims), v = xd.var(dims, { correction: 1 });
      const factor = counter.to(mean.dtype).reciprocal();
      mean.add_(m.to(mean.dtype).sub(mean).mul(factor));
      variance.add_(v.to(variance.dtype).sub(variance).mul(factor));
    });
  }

}

/**
 * Batch normalization over [N, C] or [N, C, L].
 * @example new nn.BatchNorm1d(100).forward(x) // x [20, 100]
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(...args: CtorArgs<typeof BATCH_NORM1D>) {
    super("BatchNorm1d", args);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input, shape ${fmtShape(x.shape)})`);
  }
}

/**
 * Batch normalization over [N, C, H, W].
 * @example
 * const bn = new nn.BatchNorm2d(32);
 * String(bn); // "BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(...args: CtorArgs<typeof BATCH_NORM2D>) {
    super("BatchNorm2d", args);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new ShapeError(`BatchNorm2d: expected 4D input (got ${x.ndim}D input, shape ${fmtShape(x.shape)})`);
  }
}

/**
 * Batch normalization over [N, C, D, H, W] (volumes, video).
 * @example new nn.BatchNorm3d(16).forward(x) // x [N, 16, D, H, W]
 */
export class BatchNorm3d extends BatchNormBase {
  constructor(...args: CtorArgs<typeof BATCH_NORM3D>) {
    super("BatchNorm3d", args);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 5) throw new ShapeError(`BatchNorm3d: expected 5D input (got ${x.ndim}D input, shape ${fmtShape(x.shape)})`);
  }
}

/** The options-object form of LayerNorm's arguments. */
export interface LayerNormModuleOptions {
  eps?: number;
  /** Learnable weight and bias of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  dtype?: DType | null;
  device?: string | null;
}

const LAYER_NORM = "LayerNorm(int[] normalizedShape, float eps=1e-5, bool elementwiseAffine=true, *, Device? device=null, ScalarType? dtype=null)";
const layerNormArgs = declareArgs(LAYER_NORM, "nn");

/**
 * Layer normalization over the trailing normalizedShape dims.
 * @example new nn.LayerNorm(4); // prints "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"
 * @example new nn.LayerNorm([10, 10], 1e-6, false)
 */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  constructor(...args: CtorArgs<typeof LAYER_NORM>) {
    super();
    const [normalizedShape, eps, elementwiseAffine, { device, dtype }] = layerNormArgs.bind(args);
    this.normalizedShape = checkShape("LayerNorm", typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape, dtype ?? "float32");
    checkLayerSizes("LayerNorm", {}, device);
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    const create = { dtype, device };
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape, create)) : null;
    this.bias = this.elementwiseAffine ? new Parameter(zeros(this.normalizedShape, create)) : null;
  }
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }
  override extraRepr(): string {
    return `${pyValue(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyValue(this.elementwiseAffine)}`;
  }
}

/** The options-object form of GroupNorm's arguments. */
export interface GroupNormModuleOptions {
  eps?: number;
  /** Learnable per-channel weight and bias (default true). */
  affine?: boolean;
  dtype?: DType | null;
  device?: string | null;
}

const GROUP_NORM = "GroupNorm(int numGroups, int numChannels, float eps=1e-5, bool affine=true, *, Device? device=null, ScalarType? dtype=null)";
const groupNormArgs = declareArgs(GROUP_NORM, "nn");

/**
 * Group normalization: numChannels split into numGroups groups.
 * @example new nn.GroupNorm(3, 6).forward(x) // x [N, 6, H, W]; prints "GroupNorm(3, 6, eps=1e-05, affine=True)"
 */
export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  constructor(...args: CtorArgs<typeof GROUP_NORM>) {
    super();
    const [numGroups, numChannels, eps, affine, { device, dtype }] = groupNormArgs.bind(args);
    checkLayerSizes("GroupNorm", { num_groups: numGroups, num_channels: numChannels }, device, ["num_groups"]);
    if (numChannels % numGroups !== 0) throw new FluxionError(`GroupNorm: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.affine = affine;
    const create = { dtype, device };
    this.weight = this.affine ? new Parameter(ones([numChannels], create)) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], create)) : null;
  }
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return groupNorm(x, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyValue(this.affine)}`;
  }
}

// ---- instance norm -----------------------------------------------------------------------

const INSTANCE_NORM = {
  InstanceNorm1d: declareArgs("InstanceNorm1d(int numFeatures, float eps=1e-5, float momentum=0.1, bool affine=false, bool trackRunningStats=false, *, Device? device=null, ScalarType? dtype=null)", "nn"),
  InstanceNorm2d: declareArgs("InstanceNorm2d(int numFeatures, float eps=1e-5, float momentum=0.1, bool affine=false, bool trackRunningStats=false, *, Device? device=null, ScalarType? dtype=null)", "nn"),
  InstanceNorm3d: declareArgs("InstanceNorm3d(int numFeatures, float eps=1e-5, float momentum=0.1, bool affine=false, bool trackRunningStats=false, *, Device? device=null, ScalarType? dtype=null)", "nn"),
};
const SPATIAL = { InstanceNorm1d: 1, InstanceNorm2d: 2, InstanceNorm3d: 3 } as const;

const warnedChannels = new Set<string>();

/**
 * Shared code of InstanceNorm1d/2d/3d (torch's _InstanceNorm): every (sample, channel) plane
 * normalised on its own; optional affine weight and bias; with trackRunningStats, the
 * running stats (PyTorch's buffer names) are updated in training and used in eval.
 */
abstract class InstanceNormBase extends _NormBase {
  declare readonly momentum: number;
  private readonly kind: keyof typeof INSTANCE_NORM;

  constructor(kind: keyof typeof INSTANCE_NORM, args: ArrayLike<unknown>) {
    const [numFeatures, eps, momentum, affine, trackRunningStats, { device, dtype }] = INSTANCE_NORM[kind].bind(args);
    super(numFeatures, eps, momentum, affine, trackRunningStats, { dtype, device });
    this.kind = kind;
  }

  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    const n = SPATIAL[this.kind];
    const name = this.kind;
    if (x.ndim !== n + 1 && x.ndim !== n + 2) throw new ShapeError(`${name}: expected ${n + 1}D or ${n + 2}D input (got ${x.ndim}D input, shape ${fmtShape(x.shape)})`);
    const featureDim = x.ndim - n - 1;
    if (x.shape[featureDim] !== this.numFeatures) {
      if (this.affine) throw new ShapeError(`${name}: expected input's size at dim=${featureDim} to match num_features (${this.numFeatures}), but got: ${x.shape[featureDim]} (input shape ${fmtShape(x.shape)}).`);
      if (!warnedChannels.has(name)) {
        warnedChannels.add(name);
        console.warn(`fluxion: ${name}: input's size at dim=${featureDim} does not match num_features. You can silence this warning by not passing in num_features, which is not used because affine=False`);
      }
    }
    const unbatched = x.ndim === n + 1;
    const y = instanceNorm(unbatched ? x.unsqueeze(0) : x, this.running_mean, this.running_var, this.weight, this.bias, {
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum,
      eps: this.eps,
    });
    return unbatched ? y.squeeze(0) : y;
  }

}

/**
 * Instance normalization over [N, C, L] (or unbatched [C, L]).
 * @example new nn.InstanceNorm1d(3) // prints "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)"
 */
export class InstanceNorm1d extends InstanceNormBase {
  constructor(...args: CtorArgs<"InstanceNorm1d(int numFeatures, float eps=1e-5, float momentum=0.1, bool affine=false, bool trackRunningStats=false, *, Device? device=null, ScalarType? dtype=null)">) {
    super("InstanceNorm1d", args);
  }
}
/**
 * Instance normalization over [N, C, H, W] (or [C, H, W]): each image's channels normalised on their own (style transfer).
 * @example new nn.InstanceNorm2d(64, { affine: true }).forward(x) // x [N, 64, H, W]
 */
export class InstanceNorm2d extends InstanceNormBase {
  constructor(...args: CtorArgs<"InstanceNorm2d(int numFeatures, float eps=1e-5, float momentum=0.1, bool affine=false, bool trackRunningStats=false, *, Device? device=null, ScalarType? dtype=null)">) {
    super("InstanceNorm2d", args);
  }
}
/**
 * Instance normalization over [N, C, D, H, W] (or [C, D, H, W]).
 * @example new nn.InstanceNorm3d(8).forward(x) // x [N, 8, D, H, W]
 */
export class InstanceNorm3d extends InstanceNormBase {
  constructor(...args: CtorArgs<"InstanceNorm3d(int numFeatures, float eps=1e-5, float momentum=0.1, bool affine=false, bool trackRunningStats=false, *, Device? device=null, ScalarType? dtype=null)">) {
    super("InstanceNorm3d", args);
  }
}

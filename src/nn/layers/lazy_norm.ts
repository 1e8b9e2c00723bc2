/**
 * nn.LazyBatchNorm1d/2d/3d and nn.LazyInstanceNorm1d/2d/3d: numFeatures from the first input
 * (its channel dim), then exactly BatchNorm*d / InstanceNorm*d, as lazy.ts's LazyLinear.
 * Before the first call weight and bias are UninitializedParameter placeholders (when affine)
 * and running_mean/running_var empty placeholders (when trackRunningStats), materialized in
 * place; num_batches_tracked is a real zero from the start, as PyTorch's. As PyTorch 1.13,
 * the lazy instance norms default to affine and trackRunningStats true (the regular ones to
 * false). An unbatched instance-norm input gives its channels from dim 0 (PyTorch 1.13 reads
 * dim 1 whatever the rank).
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { ShapeError, fmtShape } from "../../errors.js";
import { empty, zeros } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Module } from "../module.js";
import { checkLayerSizes } from "../args.js";
import { LazyModule } from "./lazy.js";
import { BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _NormBase } from "./normalization.js";
import { pyFloat, pyValue } from "./repr.js";

type NormCtor = new (...a: unknown[]) => _NormBase;
const KINDS = {
  LazyBatchNorm1d: { Norm: BatchNorm1d, ranks: [2, 3], instance: false },
  LazyBatchNorm2d: { Norm: BatchNorm2d, ranks: [4], instance: false },
  LazyBatchNorm3d: { Norm: BatchNorm3d, ranks: [5], instance: false },
  LazyInstanceNorm1d: { Norm: InstanceNorm1d, ranks: [2, 3], instance: true },
  LazyInstanceNorm2d: { Norm: InstanceNorm2d, ranks: [3, 4], instance: true },
  LazyInstanceNorm3d: { Norm: InstanceNorm3d, ranks: [4, 5], instance: true },
} as const;
type Kind = keyof typeof KINDS;
type Bound = readonly [number, number | null, boolean, boolean, { device: string | null; dtype: DType | null }];

/** What the six share: the settings, the placeholders, and the regular module once numFeatures is known. */
abstract class LazyNormBase extends LazyModule {
  readonly numFeatures = 0;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  private readonly lazyKind: Kind;
  private readonly lazyCreate: { dtype: DType; device: string };
  constructor(kind: Kind, [eps, momentum, affine, trackRunningStats, { device, dtype }]: Bound) {
    checkLayerSizes(kind, {}, device);
    super(affine, device, dtype, affine);
    this.lazyKind = kind;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    const probe = empty([0], { dtype: dtype ?? undefined, device: device ?? undefined });
    this.lazyCreate = { dtype: probe.dtype, device: probe.device };
    this.registerBuffer("running_mean", trackRunningStats ? probe : null);
    this.registerBuffer("running_var", trackRunningStats ? empty([0], this.lazyCreate) : null);
    this.registerBuffer("num_batches_tracked", trackRunningStats ? zeros([], { dtype: "int64", device: this.lazyCreate.device }) : null);
  }
  protected placeholderOf(): { dtype: DType; device: string } {
    return this.lazyCreate;
  }
  override initializeParameters(input: Tensor): void {
    const was = this.hasUninitializedParams();
    super.initializeParameters(input);
    if (was) for (const key of ["lazyKind", "lazyCreate"]) delete (this as unknown as Record<string, unknown>)[key];
  }
  protected build(input: Tensor, create: { device: string; dtype: DType }): Module {
    const { Norm, ranks, instance } = KINDS[this.lazyKind];
    const regular = this.lazyKind.slice(4);
    if (!(ranks as readonly number[]).includes(input.ndim)) {
      throw new ShapeError(`${this.lazyKind}: expected ${ranks.map((r) => `${r}D`).join(" or ")} input (got ${input.ndim}D input, shape ${fmtShape(input.shape)}), as ${regular}`);
    }
    // the channels: dim 1, or dim 0 of an unbatched instance-norm input
    const numFeatures = input.shape[instance && input.ndim === ranks[0] ? 0 : 1]!;
    checkLayerSizes(this.lazyKind, { num_features: numFeatures }, create.device);
    return new (Norm as unknown as NormCtor)(numFeatures, this.eps, this.momentum, this.affine, this.trackRunningStats, create);
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? "None" : pyFloat(this.momentum)}, affine=${pyValue(this.affine)}, track_running_stats=${pyValue(this.trackRunningStats)}`;
  }
}

const decl = <K extends string>(kind: K, momentum: "float?" | "float") =>
  `${kind}(float eps=1e-5, ${momentum} momentum=0.1, bool affine=true, bool trackRunningStats=true, *, Device? device=null, ScalarType? dtype=null)` as const;
const LAZY_BN1D = decl("LazyBatchNorm1d", "float?"), LAZY_BN2D = decl("LazyBatchNorm2d", "float?"), LAZY_BN3D = decl("LazyBatchNorm3d", "float?");
const LAZY_IN1D = decl("LazyInstanceNorm1d", "float"), LAZY_IN2D = decl("LazyInstanceNorm2d", "float"), LAZY_IN3D = decl("LazyInstanceNorm3d", "float");
const args = {
  LazyBatchNorm1d: declareArgs(LAZY_BN1D, "nn"), LazyBatchNorm2d: declareArgs(LAZY_BN2D, "nn"), LazyBatchNorm3d: declareArgs(LAZY_BN3D, "nn"),
  LazyInstanceNorm1d: declareArgs(LAZY_IN1D, "nn"), LazyInstanceNorm2d: declareArgs(LAZY_IN2D, "nn"), LazyInstanceNorm3d: declareArgs(LAZY_IN3D, "nn"),
};
const bound = (kind: Kind, a: ArrayLike<unknown>) => args[kind].bind(a) as unknown as Bound;

/** A BatchNorm1d whose numFeatures is its first input's dim 1. @example const bn = new nn.LazyBatchNorm1d(); bn(randn([8, 20])) // now BatchNorm1d(20) */
export class LazyBatchNorm1d extends LazyNormBase {
  constructor(...a: CtorArgs<typeof LAZY_BN1D>) {
    super("LazyBatchNorm1d", bound("LazyBatchNorm1d", a));
  }
}
/** A BatchNorm2d whose numFeatures is its first input's dim 1. @example new nn.LazyBatchNorm2d()(x) // x [N, C, H, W]: now BatchNorm2d(C) */
export class LazyBatchNorm2d extends LazyNormBase {
  constructor(...a: CtorArgs<typeof LAZY_BN2D>) {
    super("LazyBatchNorm2d", bound("LazyBatchNorm2d", a));
  }
}
/** A BatchNorm3d whose numFeatures is its first input's dim 1. */
export class LazyBatchNorm3d extends LazyNormBase {
  constructor(...a: CtorArgs<typeof LAZY_BN3D>) {
    super("LazyBatchNorm3d", bound("LazyBatchNorm3d", a));
  }
}
/** An InstanceNorm1d whose numFeatures comes from its first input (affine and trackRunningStats default true, as PyTorch's lazy form). */
export class LazyInstanceNorm1d extends LazyNormBase {
  constructor(...a: CtorArgs<typeof LAZY_IN1D>) {
    super("LazyInstanceNorm1d", bound("LazyInstanceNorm1d", a));
  }
}
/** An InstanceNorm2d whose numFeatures comes from its first input. */
export class LazyInstanceNorm2d extends LazyNormBase {
  constructor(...a: CtorArgs<typeof LAZY_IN2D>) {
    super("LazyInstanceNorm2d", bound("LazyInstanceNorm2d", a));
  }
}
/** An InstanceNorm3d whose numFeatures comes from its first input. */
export class LazyInstanceNorm3d extends LazyNormBase {
  constructor(...a: CtorArgs<typeof LAZY_IN3D>) {
    super("LazyInstanceNorm3d", bound("LazyInstanceNorm3d", a));
  }
}

/**
 * AlphaDropout, FeatureAlphaDropout, Dropout1d and Dropout3d modules: active in training
 * mode, the identity in eval mode (F.alphaDropout & co. with the module's training flag).
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { alphaDropout, dropout1d, dropout3d, featureAlphaDropout, type DropoutVariantOptions } from "../functional/dropout_extra.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { pyFloat, pyValue } from "./repr.js";

const ALPHA_DROPOUT = "AlphaDropout(float p=0.5, bool inplace=false)";
const FEATURE_ALPHA_DROPOUT = "FeatureAlphaDropout(float p=0.5, bool inplace=false)";
const DROPOUT1D = "Dropout1d(float p=0.5, bool inplace=false)";
const DROPOUT3D = "Dropout3d(float p=0.5, bool inplace=false)";
type Fn = (x: Tensor, p: number, opts?: DropoutVariantOptions) => Tensor;
const KINDS = {
  AlphaDropout: { args: declareArgs(ALPHA_DROPOUT, "nn"), fn: alphaDropout as Fn },
  FeatureAlphaDropout: { args: declareArgs(FEATURE_ALPHA_DROPOUT, "nn"), fn: featureAlphaDropout as Fn },
  Dropout1d: { args: declareArgs(DROPOUT1D, "nn"), fn: dropout1d as Fn },
  Dropout3d: { args: declareArgs(DROPOUT3D, "nn"), fn: dropout3d as Fn },
};

/** p and inplace, their check and print, and forward with the module's training flag (torch's _DropoutNd). */
abstract class DropoutVariant extends Module {
  p: number;
  inplace: boolean;
  private readonly kind: keyof typeof KINDS;
  constructor(kind: keyof typeof KINDS, args: ArrayLike<unknown>) {
    super();
    [this.p, this.inplace] = KINDS[kind].args.bind(args);
    this.kind = kind;
    if (!(this.p >= 0 && this.p <= 1)) throw new FluxionError(`${kind}: dropout probability has to be between 0 and 1, but got ${this.p}`);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return KINDS[this.kind].fn(x, this.p, { training: this.training, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyValue(this.inplace)}`;
  }
}

/**
 * Alpha dropout for self-normalizing (SELU) networks: keeps mean and variance.
 * @example new nn.Sequential(new nn.Linear(64, 64), new nn.SELU(), new nn.AlphaDropout(0.1))
 */
export class AlphaDropout extends DropoutVariant {
  constructor(...args: CtorArgs<typeof ALPHA_DROPOUT>) {
    super("AlphaDropout", args);
  }
}

/** Alpha dropout of whole channels of [N, C, ...]. @example new nn.FeatureAlphaDropout(0.2).forward(x) // x [N, C, H, W] */
export class FeatureAlphaDropout extends DropoutVariant {
  constructor(...args: CtorArgs<typeof FEATURE_ALPHA_DROPOUT>) {
    super("FeatureAlphaDropout", args);
  }
}

/** Zeroes whole channels of [N, C, L] (or [C, L]). @example new nn.Dropout1d(0.2).forward(x) */
export class Dropout1d extends DropoutVariant {
  constructor(...args: CtorArgs<typeof DROPOUT1D>) {
    super("Dropout1d", args);
  }
}

/** Zeroes whole channels of [N, C, D, H, W] (or [C, D, H, W]). @example new nn.Dropout3d(0.2).forward(x) */
export class Dropout3d extends DropoutVariant {
  constructor(...args: CtorArgs<typeof DROPOUT3D>) {
    super("Dropout3d", args);
  }
}

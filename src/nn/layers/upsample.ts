/**
 * Upsample, UpsamplingNearest2d and UpsamplingBilinear2d: modules around F.interpolate, with
 * PyTorch's constructor arguments and prints ("Upsample(scale_factor=2.0, mode=nearest)").
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import type { Tensor } from "../../tensor/tensor.js";
import { interpolate, type InterpolateMode } from "../functional/interpolate.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { pyFloat, pyValue } from "./repr.js";

type Sizes = number | readonly number[] | null;
type Scales = number | readonly number[] | null;

const UPSAMPLE =
  'Upsample(int[]? size=null, float|float[]? scaleFactor=null, "nearest"|"linear"|"bilinear"|"bicubic"|"trilinear"|"area"|"nearest-exact" mode="nearest", bool? alignCorners=null, bool? recomputeScaleFactor=null)';
const upsampleArgs = declareArgs(UPSAMPLE, "nn");

/** Shared state and print of the upsampling modules (torch's Upsample). */
abstract class UpsampleBase extends Module {
  readonly size: Sizes;
  /** As PyTorch keeps it: null for 0/null, else the factor(s). */
  readonly scaleFactor: Scales;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;
  constructor(size: Sizes, scaleFactor: Scales, mode: InterpolateMode, alignCorners: boolean | null, recomputeScaleFactor: boolean | null) {
    super();
    this.size = size;
    this.scaleFactor = Array.isArray(scaleFactor) ? [...scaleFactor] : scaleFactor ? scaleFactor : null;
    this.mode = mode;
    this.alignCorners = alignCorners;
    this.recomputeScaleFactor = recomputeScaleFactor;
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return interpolate(x, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode, alignCorners: this.alignCorners, recomputeScaleFactor: this.recomputeScaleFactor });
  }
  override extraRepr(): string {
    const s = this.scaleFactor;
    const info = s !== null ? `scale_factor=${Array.isArray(s) ? `(${s.map(pyFloat).join(", ")}${s.length === 1 ? "," : ""})` : pyFloat(s as number)}` : `size=${pyValue(this.size)}`;
    return `${info}, mode=${this.mode}`;
  }
}

/**
 * Resizes [N, C, *spatial] inputs (F.interpolate with the module's settings).
 * @example new nn.Upsample(null, 2, "bilinear").forward(x) // [N, C, 16, 16] -> [N, C, 32, 32]
 * @example new nn.Upsample({ size: [4, 6] }) // prints "Upsample(size=(4, 6), mode=nearest)"
 */
export class Upsample extends UpsampleBase {
  constructor(...args: CtorArgs<typeof UPSAMPLE>) {
    const [size, scaleFactor, mode, alignCorners, recomputeScaleFactor] = upsampleArgs.bind(args);
    super(size, scaleFactor, mode, alignCorners, recomputeScaleFactor);
  }
}

const NEAREST2D = "UpsamplingNearest2d(int[2]? size=null, float|float[2]? scaleFactor=null)";
const nearest2dArgs = declareArgs(NEAREST2D, "nn");

/** Nearest-neighbour upsampling of [N, C, H, W] (deprecated in PyTorch for nn.Upsample). */
export class UpsamplingNearest2d extends UpsampleBase {
  constructor(...args: CtorArgs<typeof NEAREST2D>) {
    const [size, scaleFactor] = nearest2dArgs.bind(args);
    super(size, scaleFactor, "nearest", null, null);
  }
}

const BILINEAR2D = "UpsamplingBilinear2d(int[2]? size=null, float|float[2]? scaleFactor=null)";
const bilinear2dArgs = declareArgs(BILINEAR2D, "nn");

/** Bilinear upsampling of [N, C, H, W] with alignCorners true (deprecated in PyTorch for nn.Upsample). */
export class UpsamplingBilinear2d extends UpsampleBase {
  constructor(...args: CtorArgs<typeof BILINEAR2D>) {
    const [size, scaleFactor] = bilinear2dArgs.bind(args);
    super(size, scaleFactor, "bilinear", true, null);
  }
}

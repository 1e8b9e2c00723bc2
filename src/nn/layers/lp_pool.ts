/** nn.LPPool1d and nn.LPPool2d: F.lpPool1d / F.lpPool2d as modules, printed as PyTorch prints them. */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { IntOrPair, IntOrSingle } from "../functional/conv.js";
import { lpPool1d, lpPool2d } from "../functional/lp_pool.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { pyValue } from "./repr.js";

const LP_POOL1D = "LPPool1d(float normType, int[1] kernelSize, int[1]? stride=null, bool ceilMode=false)";
const LP_POOL2D = "LPPool2d(float normType, int[2] kernelSize, int[2]? stride=null, bool ceilMode=false)";
const binders = { LPPool1d: declareArgs(LP_POOL1D, "nn"), LPPool2d: declareArgs(LP_POOL2D, "nn") };

/** The settings and print of both (torch's _LPPoolNd); stride null means kernelSize. */
abstract class LPPoolNd<T> extends Module {
  readonly normType: number;
  readonly kernelSize: T;
  readonly stride: T | null;
  readonly ceilMode: boolean;
  constructor(kind: keyof typeof binders, args: ArrayLike<unknown>) {
    super();
    const [normType, kernelSize, stride, ceilMode] = binders[kind].bind(args);
    this.normType = normType;
    this.kernelSize = kernelSize as T;
    this.stride = stride as T | null;
    this.ceilMode = ceilMode;
  }
  override extraRepr(): string {
    return `norm_type=${pyValue(this.normType)}, kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, ceil_mode=${pyValue(this.ceilMode)}`;
  }
}

/**
 * 1-D power-average pooling over [N, C, L]: (Σ_window x^p)^(1/p).
 * @example new nn.LPPool1d(2, 3, 2).forward(x) // [N, C, 9] -> [N, C, 4]
 */
export class LPPool1d extends LPPoolNd<IntOrSingle> {
  constructor(...args: CtorArgs<typeof LP_POOL1D>) {
    super("LPPool1d", args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return lpPool1d(x, this.normType, this.kernelSize, { stride: this.stride, ceilMode: this.ceilMode });
  }
}

/**
 * 2-D power-average pooling over [N, C, H, W].
 * @example new nn.LPPool2d(2, 3, 2).forward(x) // the L2 norm of 3x3 windows, stride 2
 */
export class LPPool2d extends LPPoolNd<IntOrPair> {
  constructor(...args: CtorArgs<typeof LP_POOL2D>) {
    super("LPPool2d", args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return lpPool2d(x, this.normType, this.kernelSize, { stride: this.stride, ceilMode: this.ceilMode });
  }
}

/**
 * Pooling modules: MaxPool1d/2d/3d, AvgPool1d/2d/3d, MaxUnpool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
 * AdaptiveMaxPool1d/2d/3d. They hold their arguments as given (printing them as PyTorch does)
 * and call the functional forms.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { _tupleOf, type IntOrPair, type IntOrSingle } from "../functional/conv.js";
import type { IntOrTriple } from "../functional/conv3d.js";
import { adaptiveAvgPool3d, adaptiveMaxPool1d, adaptiveMaxPool2d, adaptiveMaxPool3d, type AdaptiveSize } from "../functional/adaptive.js";
import { avgPool3d, maxPool3d } from "../functional/pooling3d.js";
import { maxUnpool1d, maxUnpool2d, maxUnpool3d } from "../functional/unpool.js";
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d, type AdaptiveSize2d } from "../functional/pooling.js";
import { Module } from "../module.js";
import { pyValue } from "./repr.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkTensorArg, declareMethodArgs } from "../args.js";

/** The options-object form of MaxPool1d/2d's arguments (`new nn.MaxPool2d(3, { stride: 2 })`). */
export interface MaxPoolOptions<T> {
  /** Default: kernelSize. */
  stride?: T | null;
  padding?: T;
  dilation?: T;
  returnIndices?: boolean;
  ceilMode?: boolean;
}

const MAX_POOL1D = "MaxPool1d(int[1] kernelSize, int[1]? stride=null, int[1] padding=0, int[1] dilation=1, bool returnIndices=false, bool ceilMode=false)";
const MAX_POOL2D = "MaxPool2d(int[2] kernelSize, int[2]? stride=null, int[2] padding=0, int[2] dilation=1, bool returnIndices=false, bool ceilMode=false)";
const maxPoolArgs = { MaxPool1d: declareArgs(MAX_POOL1D, "nn"), MaxPool2d: declareArgs(MAX_POOL2D, "nn") };

/** The settings and print shared by MaxPool1d and MaxPool2d (torch's _MaxPoolNd). */
abstract class MaxPoolNd<T extends IntOrPair | IntOrSingle> extends Module {
  readonly kernelSize: T;
  readonly stride: T;
  readonly padding: T;
  readonly dilation: T;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;
  constructor(kind: keyof typeof maxPoolArgs, args: ArrayLike<unknown>) {
    super();
    const [kernelSize, stride, padding, dilation, returnIndices, ceilMode] = maxPoolArgs[kind].bind(args);
    this.kernelSize = kernelSize as T;
    this.stride = (stride ?? kernelSize) as T;
    this.padding = padding as T;
    this.dilation = dilation as T;
    this.returnIndices = returnIndices;
    this.ceilMode = ceilMode;
  }
  /** The options as the functional form takes them. */
  protected options() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices };
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, dilation=${pyValue(this.dilation)}, ceil_mode=${pyValue(this.ceilMode)}`;
  }
}

/**
 * 2-D max pooling. With returnIndices, forward returns [output, indices].
 * @example
 * const pool = new nn.MaxPool2d(2);
 * pool.forward(x);  // [N, C, 28, 28] -> [N, C, 14, 14]
 * String(pool);     // "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
 */
export class MaxPool2d extends MaxPoolNd<IntOrPair> {
  constructor(...args: CtorArgs<typeof MAX_POOL2D>) {
    super("MaxPool2d", args);
  }
  forward(x: Tensor): any {
    checkTensorArg(this, "input", x);
    return maxPool2d(x, this.kernelSize, this.options());
  }
}

/**
 * 1-D max pooling over [N, C, L].
 * @example new nn.MaxPool1d(3, { stride: 2 }).forward(x) // [N, C, 50] -> [N, C, 24]
 */
export class MaxPool1d extends MaxPoolNd<IntOrSingle> {
  constructor(...args: CtorArgs<typeof MAX_POOL1D>) {
    super("MaxPool1d", args);
  }
  forward(x: Tensor): any {
    checkTensorArg(this, "input", x);
    return maxPool1d(x, this.kernelSize, this.options());
  }
}

/** The options-object form of AvgPool1d/2d's arguments. */
export interface AvgPoolOptions<T> {
  stride?: T | null;
  padding?: T;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

const AVG_POOL2D = "AvgPool2d(int[2] kernelSize, int[2]? stride=null, int[2] padding=0, bool ceilMode=false, bool countIncludePad=true, int? divisorOverride=null)";
const avgPool2dArgs = declareArgs(AVG_POOL2D, "nn");

/**
 * 2-D average pooling.
 * @example new nn.AvgPool2d(2).forward(x) // [N, C, 8, 8] -> [N, C, 4, 4]; prints "AvgPool2d(kernel_size=2, stride=2, padding=0)"
 */
export class AvgPool2d extends Module {
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(...args: CtorArgs<typeof AVG_POOL2D>) {
    super();
    const [kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride] = avgPool2dArgs.bind(args);
    this.kernelSize = kernelSize as IntOrPair;
    this.stride = (stride ?? kernelSize) as IntOrPair;
    this.padding = padding as IntOrPair;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

const AVG_POOL1D = "AvgPool1d(int[1] kernelSize, int[1]? stride=null, int[1] padding=0, bool ceilMode=false, bool countIncludePad=true)";
const avgPool1dArgs = declareArgs(AVG_POOL1D, "nn");

/**
 * 1-D average pooling over [N, C, L]. Prints its sizes as 1-tuples, as torch's does.
 * @example new nn.AvgPool1d(3, 2).forward(x) // stride 2: [N, C, 7] -> [N, C, 3]
 */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(...args: CtorArgs<typeof AVG_POOL1D>) {
    super();
    const [kernelSize, stride, padding, ceilMode, countIncludePad] = avgPool1dArgs.bind(args);
    const one = (v: number | readonly number[]) => (typeof v === "number" ? v : v[0]!);
    this.kernelSize = one(kernelSize);
    this.stride = one(stride ?? kernelSize);
    this.padding = one(padding);
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return avgPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue([this.kernelSize])}, stride=${pyValue([this.stride])}, padding=${pyValue([this.padding])}`;
  }
}

const ADAPTIVE_AVG_POOL2D = "AdaptiveAvgPool2d(int?[2] outputSize)";
const adaptiveAvgPool2dArgs = declareArgs(ADAPTIVE_AVG_POOL2D, "nn");

/**
 * Adaptive average pooling to a fixed output size (null keeps that input dim).
 * @example new nn.AdaptiveAvgPool2d([5, 7]).forward(x) // [N, C, H, W] -> [N, C, 5, 7]
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: AdaptiveSize2d;
  constructor(...args: CtorArgs<typeof ADAPTIVE_AVG_POOL2D>) {
    super();
    [this.outputSize] = adaptiveAvgPool2dArgs.bind(args) as [AdaptiveSize2d];
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

const ADAPTIVE_AVG_POOL1D = "AdaptiveAvgPool1d(int[1] outputSize)";
const adaptiveAvgPool1dArgs = declareArgs(ADAPTIVE_AVG_POOL1D, "nn");

/**
 * Adaptive average pooling over the last dim of [N, C, L].
 * @example new nn.AdaptiveAvgPool1d(4).forward(x) // [N, C, 10] -> [N, C, 4]
 */
export class AdaptiveAvgPool1d extends Module {
  /** As given: 4 or [4] (printed as PyTorch prints it: 4 or (4,)). */
  readonly outputSize: number | readonly number[];
  constructor(...args: CtorArgs<typeof ADAPTIVE_AVG_POOL1D>) {
    super();
    [this.outputSize] = adaptiveAvgPool1dArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    const size = this.outputSize;
    return adaptiveAvgPool1d(x, typeof size === "number" ? size : size[0]!);
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

// ---- 3-D pooling, max unpooling, adaptive 3-D and max pooling ------------------------------

const MAX_POOL3D = "MaxPool3d(int[3] kernelSize, int[3]? stride=null, int[3] padding=0, int[3] dilation=1, bool returnIndices=false, bool ceilMode=false)";
const maxPool3dArgs = declareArgs(MAX_POOL3D, "nn");

/**
 * 3-D max pooling over [N, C, D, H, W]. With returnIndices, forward returns [output, indices]
 * (for nn.MaxUnpool3d).
 * @example new nn.MaxPool3d(2).forward(x) // [N, C, 8, 8, 8] -> [N, C, 4, 4, 4]
 */
export class MaxPool3d extends Module {
  readonly kernelSize: IntOrTriple;
  readonly stride: IntOrTriple;
  readonly padding: IntOrTriple;
  readonly dilation: IntOrTriple;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;
  constructor(...args: CtorArgs<typeof MAX_POOL3D>) {
    super();
    const [kernelSize, stride, padding, dilation, returnIndices, ceilMode] = maxPool3dArgs.bind(args);
    this.kernelSize = kernelSize as IntOrTriple;
    this.stride = (stride ?? kernelSize) as IntOrTriple;
    this.padding = padding as IntOrTriple;
    this.dilation = dilation as IntOrTriple;
    this.returnIndices = returnIndices;
    this.ceilMode = ceilMode;
  }
  forward(x: Tensor): any {
    checkTensorArg(this, "input", x);
    return maxPool3d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, dilation=${pyValue(this.dilation)}, ceil_mode=${pyValue(this.ceilMode)}`;
  }
}

const AVG_POOL3D = "AvgPool3d(int[3] kernelSize, int[3]? stride=null, int[3] padding=0, bool ceilMode=false, bool countIncludePad=true, int? divisorOverride=null)";
const avgPool3dArgs = declareArgs(AVG_POOL3D, "nn");

/**
 * 3-D average pooling over [N, C, D, H, W].
 * @example new nn.AvgPool3d(2).forward(x) // [N, C, 8, 8, 8] -> [N, C, 4, 4, 4]; prints "AvgPool3d(kernel_size=2, stride=2, padding=0)"
 */
export class AvgPool3d extends Module {
  readonly kernelSize: IntOrTriple;
  readonly stride: IntOrTriple;
  readonly padding: IntOrTriple;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(...args: CtorArgs<typeof AVG_POOL3D>) {
    super();
    const [kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride] = avgPool3dArgs.bind(args);
    this.kernelSize = kernelSize as IntOrTriple;
    this.stride = (stride ?? kernelSize) as IntOrTriple;
    this.padding = padding as IntOrTriple;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return avgPool3d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

const MAX_UNPOOL = {
  MaxUnpool1d: declareArgs("MaxUnpool1d(int[1] kernelSize, int[1]? stride=null, int[1] padding=0)", "nn"),
  MaxUnpool2d: declareArgs("MaxUnpool2d(int[2] kernelSize, int[2]? stride=null, int[2] padding=0)", "nn"),
  MaxUnpool3d: declareArgs("MaxUnpool3d(int[3] kernelSize, int[3]? stride=null, int[3] padding=0)", "nn"),
};
const UNPOOL_FORWARD = {
  MaxUnpool1d: declareMethodArgs("MaxUnpool1d.forward(Tensor input, Tensor indices, int[]? outputSize=null)"),
  MaxUnpool2d: declareMethodArgs("MaxUnpool2d.forward(Tensor input, Tensor indices, int[]? outputSize=null)"),
  MaxUnpool3d: declareMethodArgs("MaxUnpool3d.forward(Tensor input, Tensor indices, int[]? outputSize=null)"),
};
const UNPOOL_FNS = { MaxUnpool1d: maxUnpool1d, MaxUnpool2d: maxUnpool2d, MaxUnpool3d: maxUnpool3d };
type UnpoolForward = [input: Tensor, indices: Tensor, outputSize?: readonly number[] | null] | [input: Tensor, indices: Tensor, opts: { outputSize?: readonly number[] | null }];

/** Shared code of MaxUnpool1d/2d/3d (torch's _MaxUnpoolNd): sizes kept as tuples, as PyTorch prints them. */
abstract class MaxUnpoolNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  private readonly kind: keyof typeof MAX_UNPOOL;
  constructor(kind: keyof typeof MAX_UNPOOL, n: number, args: ArrayLike<unknown>) {
    super();
    this.kind = kind;
    const [kernelSize, stride, padding] = MAX_UNPOOL[kind].bind(args);
    this.kernelSize = _tupleOf(kind, "kernelSize", kernelSize, n, 1);
    this.stride = stride === null ? this.kernelSize : _tupleOf(kind, "stride", stride, n, 1);
    this.padding = _tupleOf(kind, "padding", padding, n);
  }
  /** The pooled values and their indices (from a max pooling with returnIndices), and optionally the output size. */
  forward(...args: UnpoolForward): Tensor {
    const [x, indices, outputSize] = UNPOOL_FORWARD[this.kind].bind(args);
    const size = typeof outputSize === "number" ? [outputSize] : outputSize;
    return UNPOOL_FNS[this.kind](x, indices, this.kernelSize, { stride: this.stride, padding: this.padding, outputSize: size });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

/**
 * Partial inverse of MaxPool1d: the maxima back in place, zeros elsewhere.
 * @example const [y, i] = new nn.MaxPool1d(2, { returnIndices: true }).forward(x); new nn.MaxUnpool1d(2).forward(y, i)
 */
export class MaxUnpool1d extends MaxUnpoolNd {
  constructor(...args: CtorArgs<"MaxUnpool1d(int[1] kernelSize, int[1]? stride=null, int[1] padding=0)">) {
    super("MaxUnpool1d", 1, args);
  }
}
/**
 * Partial inverse of MaxPool2d.
 * @example const [y, i] = new nn.MaxPool2d(2, { returnIndices: true }).forward(x); new nn.MaxUnpool2d(2).forward(y, i) // x's shape
 */
export class MaxUnpool2d extends MaxUnpoolNd {
  constructor(...args: CtorArgs<"MaxUnpool2d(int[2] kernelSize, int[2]? stride=null, int[2] padding=0)">) {
    super("MaxUnpool2d", 2, args);
  }
}
/**
 * Partial inverse of MaxPool3d.
 * @example const [y, i] = new nn.MaxPool3d(2, { returnIndices: true }).forward(x); new nn.MaxUnpool3d(2).forward(y, i)
 */
export class MaxUnpool3d extends MaxUnpoolNd {
  constructor(...args: CtorArgs<"MaxUnpool3d(int[3] kernelSize, int[3]? stride=null, int[3] padding=0)">) {
    super("MaxUnpool3d", 3, args);
  }
}

const ADAPTIVE_AVG_POOL3D = "AdaptiveAvgPool3d(int?[3] outputSize)";
const adaptiveAvgPool3dArgs = declareArgs(ADAPTIVE_AVG_POOL3D, "nn");

/**
 * Adaptive average pooling of [N, C, D, H, W] to a fixed size (null keeps that input dim).
 * @example new nn.AdaptiveAvgPool3d([1, 7, 7]).forward(x) // [N, C, D, H, W] -> [N, C, 1, 7, 7]
 */
export class AdaptiveAvgPool3d extends Module {
  readonly outputSize: AdaptiveSize;
  constructor(...args: CtorArgs<typeof ADAPTIVE_AVG_POOL3D>) {
    super();
    [this.outputSize] = adaptiveAvgPool3dArgs.bind(args) as [AdaptiveSize];
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return adaptiveAvgPool3d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

const ADAPTIVE_MAX = {
  AdaptiveMaxPool1d: declareArgs("AdaptiveMaxPool1d(int[1] outputSize, bool returnIndices=false)", "nn"),
  AdaptiveMaxPool2d: declareArgs("AdaptiveMaxPool2d(int?[2] outputSize, bool returnIndices=false)", "nn"),
  AdaptiveMaxPool3d: declareArgs("AdaptiveMaxPool3d(int?[3] outputSize, bool returnIndices=false)", "nn"),
};
const ADAPTIVE_MAX_FNS = { AdaptiveMaxPool1d: adaptiveMaxPool1d, AdaptiveMaxPool2d: adaptiveMaxPool2d, AdaptiveMaxPool3d: adaptiveMaxPool3d };

/** Shared code of AdaptiveMaxPool1d/2d/3d. With returnIndices, forward returns [output, indices]. */
abstract class AdaptiveMaxPoolNd extends Module {
  readonly outputSize: AdaptiveSize;
  readonly returnIndices: boolean;
  private readonly kind: keyof typeof ADAPTIVE_MAX;
  constructor(kind: keyof typeof ADAPTIVE_MAX, args: ArrayLike<unknown>) {
    super();
    this.kind = kind;
    [this.outputSize, this.returnIndices] = ADAPTIVE_MAX[kind].bind(args) as [AdaptiveSize, boolean];
  }
  forward(x: Tensor): any {
    checkTensorArg(this, "input", x);
    return ADAPTIVE_MAX_FNS[this.kind](x, this.outputSize, { returnIndices: this.returnIndices });
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

/** Adaptive max pooling of [N, C, L]. @example new nn.AdaptiveMaxPool1d(4).forward(x) // [N, C, 10] -> [N, C, 4] */
export class AdaptiveMaxPool1d extends AdaptiveMaxPoolNd {
  constructor(...args: CtorArgs<"AdaptiveMaxPool1d(int[1] outputSize, bool returnIndices=false)">) {
    super("AdaptiveMaxPool1d", args);
  }
}
/** Adaptive max pooling of [N, C, H, W]. @example new nn.AdaptiveMaxPool2d([5, null]).forward(x) // [N, C, H, W] -> [N, C, 5, W] */
export class AdaptiveMaxPool2d extends AdaptiveMaxPoolNd {
  constructor(...args: CtorArgs<"AdaptiveMaxPool2d(int?[2] outputSize, bool returnIndices=false)">) {
    super("AdaptiveMaxPool2d", args);
  }
}
/** Adaptive max pooling of [N, C, D, H, W]. @example new nn.AdaptiveMaxPool3d(2).forward(x) // -> [N, C, 2, 2, 2] */
export class AdaptiveMaxPool3d extends AdaptiveMaxPoolNd {
  constructor(...args: CtorArgs<"AdaptiveMaxPool3d(int?[3] outputSize, bool returnIndices=false)">) {
    super("AdaptiveMaxPool3d", args);
  }
}

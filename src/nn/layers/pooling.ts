/**
 * Pooling modules: MaxPool1d/2d/3d, AvgPool1d/2d/3d, MaxUnpool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
 * AdaptiveMaxPool1d/2d/3d. They hold their arguments as given (printing them as PyTorch does)
 * and call the functional forms. Each family shares an N-d base (torch's _MaxPoolNd,
 * _AvgPoolNd, ...) that keeps the settings, prints them and, where the functional forms take
 * the same options, runs forward; the classes themselves only bind their declaration.
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

/**
 * A functional pooling form as the modules call it: (input, size, options). The forms differ
 * in their size types (one per rank), which each module's declaration already checked.
 */
type PoolFn = (x: Tensor, size: any, opts?: any) => any;

// ---- max pooling ----------------------------------------------------------------------------

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
const MAX_POOL3D = "MaxPool3d(int[3] kernelSize, int[3]? stride=null, int[3] padding=0, int[3] dilation=1, bool returnIndices=false, bool ceilMode=false)";
const MAX_POOL = {
  MaxPool1d: { args: declareArgs(MAX_POOL1D, "nn"), fn: maxPool1d as PoolFn },
  MaxPool2d: { args: declareArgs(MAX_POOL2D, "nn"), fn: maxPool2d as PoolFn },
  MaxPool3d: { args: declareArgs(MAX_POOL3D, "nn"), fn: maxPool3d as PoolFn },
};

/** The settings, print and forward shared by MaxPool1d/2d/3d (torch's _MaxPoolNd). With returnIndices, forward returns [output, indices]. */
abstract class MaxPoolNd<T extends IntOrSingle | IntOrPair | IntOrTriple> extends Module {
  readonly kernelSize: T;
  readonly stride: T;
  readonly padding: T;
  readonly dilation: T;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;
  private readonly kind: keyof typeof MAX_POOL;
  constructor(kind: keyof typeof MAX_POOL, args: ArrayLike<unknown>) {
    super();
    const [kernelSize, stride, padding, dilation, returnIndices, ceilMode] = MAX_POOL[kind].args.bind(args);
    this.kernelSize = kernelSize as T;
    this.stride = (stride ?? kernelSize) as T;
    this.padding = padding as T;
    this.dilation = dilation as T;
    this.returnIndices = returnIndices;
    this.ceilMode = ceilMode;
    this.kind = kind;
  }
  forward(x: Tensor): any {
    checkTensorArg(this, "input", x);
    return MAX_POOL[this.kind].fn(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, dilation=${pyValue(this.dilation)}, ceil_mode=${pyValue(this.ceilMode)}`;
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
}

/**
 * 3-D max pooling over [N, C, D, H, W]. With returnIndices, forward returns [output, indices]
 * (for nn.MaxUnpool3d).
 * @example new nn.MaxPool3d(2).forward(x) // [N, C, 8, 8, 8] -> [N, C, 4, 4, 4]
 */
export class MaxPool3d extends MaxPoolNd<IntOrTriple> {
  constructor(...args: CtorArgs<typeof MAX_POOL3D>) {
    super("MaxPool3d", args);
  }
}

// ---- average pooling ------------------------------------------------------------------------

/** The options-object form of AvgPool1d/2d's arguments. */
export interface AvgPoolOptions<T> {
  stride?: T | null;
  padding?: T;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** The settings and print shared by AvgPool1d/2d/3d (torch's _AvgPoolNd). */
abstract class AvgPoolNd<T> extends Module {
  readonly kernelSize: T;
  readonly stride: T;
  readonly padding: T;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(kernelSize: T, stride: T, padding: T, ceilMode: boolean, countIncludePad: boolean) {
    super();
    this.kernelSize = kernelSize;
    this.stride = stride;
    this.padding = padding;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
  }
  /** The options as the functional form takes them. */
  protected options() {
    return { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad };
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

const AVG_POOL1D = "AvgPool1d(int[1] kernelSize, int[1]? stride=null, int[1] padding=0, bool ceilMode=false, bool countIncludePad=true)";
const avgPool1dArgs = declareArgs(AVG_POOL1D, "nn");

/** 4 or [4] -> 4 (AvgPool1d keeps plain numbers). */
const single = (v: number | readonly number[]) => (typeof v === "number" ? v : v[0]!);

/**
 * 1-D average pooling over [N, C, L]. Prints its sizes as 1-tuples, as torch's does.
 * @example new nn.AvgPool1d(3, 2).forward(x) // stride 2: [N, C, 7] -> [N, C, 3]
 */
export class AvgPool1d extends AvgPoolNd<number> {
  constructor(...args: CtorArgs<typeof AVG_POOL1D>) {
    const [kernelSize, stride, padding, ceilMode, countIncludePad] = avgPool1dArgs.bind(args);
    super(single(kernelSize), single(stride ?? kernelSize), single(padding), ceilMode, countIncludePad);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return avgPool1d(x, this.kernelSize, this.options());
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue([this.kernelSize])}, stride=${pyValue([this.stride])}, padding=${pyValue([this.padding])}`;
  }
}

const AVG_POOL2D = "AvgPool2d(int[2] kernelSize, int[2]? stride=null, int[2] padding=0, bool ceilMode=false, bool countIncludePad=true, int? divisorOverride=null)";
const AVG_POOL3D = "AvgPool3d(int[3] kernelSize, int[3]? stride=null, int[3] padding=0, bool ceilMode=false, bool countIncludePad=true, int? divisorOverride=null)";
const AVG_POOL = {
  AvgPool2d: { args: declareArgs(AVG_POOL2D, "nn"), fn: avgPool2d as PoolFn },
  AvgPool3d: { args: declareArgs(AVG_POOL3D, "nn"), fn: avgPool3d as PoolFn },
};

/** AvgPool2d and AvgPool3d: AvgPoolNd with PyTorch's divisorOverride. */
abstract class AvgPoolWithDivisorNd<T extends IntOrPair | IntOrTriple> extends AvgPoolNd<T> {
  readonly divisorOverride: number | null;
  private readonly kind: keyof typeof AVG_POOL;
  constructor(kind: keyof typeof AVG_POOL, args: ArrayLike<unknown>) {
    const [kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride] = AVG_POOL[kind].args.bind(args);
    super(kernelSize as T, (stride ?? kernelSize) as T, padding as T, ceilMode, countIncludePad);
    this.divisorOverride = divisorOverride;
    this.kind = kind;
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return AVG_POOL[this.kind].fn(x, this.kernelSize, { ...this.options(), divisorOverride: this.divisorOverride });
  }
}

/**
 * 2-D average pooling.
 * @example new nn.AvgPool2d(2).forward(x) // [N, C, 8, 8] -> [N, C, 4, 4]; prints "AvgPool2d(kernel_size=2, stride=2, padding=0)"
 */
export class AvgPool2d extends AvgPoolWithDivisorNd<IntOrPair> {
  constructor(...args: CtorArgs<typeof AVG_POOL2D>) {
    super("AvgPool2d", args);
  }
}

/**
 * 3-D average pooling over [N, C, D, H, W].
 * @example new nn.AvgPool3d(2).forward(x) // [N, C, 8, 8, 8] -> [N, C, 4, 4, 4]; prints "AvgPool3d(kernel_size=2, stride=2, padding=0)"
 */
export class AvgPool3d extends AvgPoolWithDivisorNd<IntOrTriple> {
  constructor(...args: CtorArgs<typeof AVG_POOL3D>) {
    super("AvgPool3d", args);
  }
}

// ---- max unpooling --------------------------------------------------------------------------

const MAX_UNPOOL1D = "MaxUnpool1d(int[1] kernelSize, int[1]? stride=null, int[1] padding=0)";
const MAX_UNPOOL2D = "MaxUnpool2d(int[2] kernelSize, int[2]? stride=null, int[2] padding=0)";
const MAX_UNPOOL3D = "MaxUnpool3d(int[3] kernelSize, int[3]? stride=null, int[3] padding=0)";
const MAX_UNPOOL = {
  MaxUnpool1d: { n: 1, args: declareArgs(MAX_UNPOOL1D, "nn"), forward: declareMethodArgs("MaxUnpool1d.forward(Tensor input, Tensor indices, int[]? outputSize=null)"), fn: maxUnpool1d },
  MaxUnpool2d: { n: 2, args: declareArgs(MAX_UNPOOL2D, "nn"), forward: declareMethodArgs("MaxUnpool2d.forward(Tensor input, Tensor indices, int[]? outputSize=null)"), fn: maxUnpool2d },
  MaxUnpool3d: { n: 3, args: declareArgs(MAX_UNPOOL3D, "nn"), forward: declareMethodArgs("MaxUnpool3d.forward(Tensor input, Tensor indices, int[]? outputSize=null)"), fn: maxUnpool3d },
};
type UnpoolForward = [input: Tensor, indices: Tensor, outputSize?: readonly number[] | null] | [input: Tensor, indices: Tensor, opts: { outputSize?: readonly number[] | null }];

/** Shared code of MaxUnpool1d/2d/3d (torch's _MaxUnpoolNd): sizes kept as tuples, as PyTorch prints them. */
abstract class MaxUnpoolNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  private readonly kind: keyof typeof MAX_UNPOOL;
  constructor(kind: keyof typeof MAX_UNPOOL, args: ArrayLike<unknown>) {
    super();
    this.kind = kind;
    const { n, args: declared } = MAX_UNPOOL[kind];
    const [kernelSize, stride, padding] = declared.bind(args);
    this.kernelSize = _tupleOf(kind, "kernelSize", kernelSize, n, 1);
    this.stride = stride === null ? this.kernelSize : _tupleOf(kind, "stride", stride, n, 1);
    this.padding = _tupleOf(kind, "padding", padding, n);
  }
  /** The pooled values and their indices (from a max pooling with returnIndices), and optionally the output size. */
  forward(...args: UnpoolForward): Tensor {
    const { forward, fn } = MAX_UNPOOL[this.kind];
    const [x, indices, outputSize] = forward.bind(args);
    const size = typeof outputSize === "number" ? [outputSize] : outputSize;
    return fn(x, indices, this.kernelSize, { stride: this.stride, padding: this.padding, outputSize: size });
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
  constructor(...args: CtorArgs<typeof MAX_UNPOOL1D>) {
    super("MaxUnpool1d", args);
  }
}
/**
 * Partial inverse of MaxPool2d.
 * @example const [y, i] = new nn.MaxPool2d(2, { returnIndices: true }).forward(x); new nn.MaxUnpool2d(2).forward(y, i) // x's shape
 */
export class MaxUnpool2d extends MaxUnpoolNd {
  constructor(...args: CtorArgs<typeof MAX_UNPOOL2D>) {
    super("MaxUnpool2d", args);
  }
}
/**
 * Partial inverse of MaxPool3d.
 * @example const [y, i] = new nn.MaxPool3d(2, { returnIndices: true }).forward(x); new nn.MaxUnpool3d(2).forward(y, i)
 */
export class MaxUnpool3d extends MaxUnpoolNd {
  constructor(...args: CtorArgs<typeof MAX_UNPOOL3D>) {
    super("MaxUnpool3d", args);
  }
}

// ---- adaptive pooling -----------------------------------------------------------------------

/** The output size and print shared by the adaptive poolings (null keeps that input dim). */
abstract class AdaptivePoolNd<T> extends Module {
  readonly outputSize: T;
  constructor(outputSize: T) {
    super();
    this.outputSize = outputSize;
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

const ADAPTIVE_AVG_POOL1D = "AdaptiveAvgPool1d(int[1] outputSize)";
const ADAPTIVE_AVG_POOL2D = "AdaptiveAvgPool2d(int?[2] outputSize)";
const ADAPTIVE_AVG_POOL3D = "AdaptiveAvgPool3d(int?[3] outputSize)";
const ADAPTIVE_AVG = {
  // F.adaptiveAvgPool1d takes a plain number; the module keeps 4 or [4] as given (to print it so)
  AdaptiveAvgPool1d: { args: declareArgs(ADAPTIVE_AVG_POOL1D, "nn"), fn: ((x: Tensor, size: number | readonly number[]) => adaptiveAvgPool1d(x, single(size))) as PoolFn },
  AdaptiveAvgPool2d: { args: declareArgs(ADAPTIVE_AVG_POOL2D, "nn"), fn: adaptiveAvgPool2d as PoolFn },
  AdaptiveAvgPool3d: { args: declareArgs(ADAPTIVE_AVG_POOL3D, "nn"), fn: adaptiveAvgPool3d as PoolFn },
};

/** Shared code of AdaptiveAvgPool1d/2d/3d. */
abstract class AdaptiveAvgPoolNd<T> extends AdaptivePoolNd<T> {
  private readonly kind: keyof typeof ADAPTIVE_AVG;
  constructor(kind: keyof typeof ADAPTIVE_AVG, args: ArrayLike<unknown>) {
    super(ADAPTIVE_AVG[kind].args.bind(args)[0] as T);
    this.kind = kind;
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return ADAPTIVE_AVG[this.kind].fn(x, this.outputSize);
  }
}

/**
 * Adaptive average pooling over the last dim of [N, C, L]. outputSize is kept as given: 4 or
 * [4] (printed as PyTorch prints it: 4 or (4,)).
 * @example new nn.AdaptiveAvgPool1d(4).forward(x) // [N, C, 10] -> [N, C, 4]
 */
export class AdaptiveAvgPool1d extends AdaptiveAvgPoolNd<number | readonly number[]> {
  constructor(...args: CtorArgs<typeof ADAPTIVE_AVG_POOL1D>) {
    super("AdaptiveAvgPool1d", args);
  }
}

/**
 * Adaptive average pooling to a fixed output size (null keeps that input dim).
 * @example new nn.AdaptiveAvgPool2d([5, 7]).forward(x) // [N, C, H, W] -> [N, C, 5, 7]
 */
export class AdaptiveAvgPool2d extends AdaptiveAvgPoolNd<AdaptiveSize2d> {
  constructor(...args: CtorArgs<typeof ADAPTIVE_AVG_POOL2D>) {
    super("AdaptiveAvgPool2d", args);
  }
}

/**
 * Adaptive average pooling of [N, C, D, H, W] to a fixed size (null keeps that input dim).
 * @example new nn.AdaptiveAvgPool3d([1, 7, 7]).forward(x) // [N, C, D, H, W] -> [N, C, 1, 7, 7]
 */
export class AdaptiveAvgPool3d extends AdaptiveAvgPoolNd<AdaptiveSize> {
  constructor(...args: CtorArgs<typeof ADAPTIVE_AVG_POOL3D>) {
    super("AdaptiveAvgPool3d", args);
  }
}

const ADAPTIVE_MAX_POOL1D = "AdaptiveMaxPool1d(int[1] outputSize, bool returnIndices=false)";
const ADAPTIVE_MAX_POOL2D = "AdaptiveMaxPool2d(int?[2] outputSize, bool returnIndices=false)";
const ADAPTIVE_MAX_POOL3D = "AdaptiveMaxPool3d(int?[3] outputSize, bool returnIndices=false)";
const ADAPTIVE_MAX = {
  AdaptiveMaxPool1d: { args: declareArgs(ADAPTIVE_MAX_POOL1D, "nn"), fn: adaptiveMaxPool1d },
  AdaptiveMaxPool2d: { args: declareArgs(ADAPTIVE_MAX_POOL2D, "nn"), fn: adaptiveMaxPool2d },
  AdaptiveMaxPool3d: { args: declareArgs(ADAPTIVE_MAX_POOL3D, "nn"), fn: adaptiveMaxPool3d },
};

/** Shared code of AdaptiveMaxPool1d/2d/3d. With returnIndices, forward returns [output, indices]. */
abstract class AdaptiveMaxPoolNd extends AdaptivePoolNd<AdaptiveSize> {
  readonly returnIndices: boolean;
  private readonly kind: keyof typeof ADAPTIVE_MAX;
  constructor(kind: keyof typeof ADAPTIVE_MAX, args: ArrayLike<unknown>) {
    const [outputSize, returnIndices] = ADAPTIVE_MAX[kind].args.bind(args) as [AdaptiveSize, boolean];
    super(outputSize);
    this.returnIndices = returnIndices;
    this.kind = kind;
  }
  forward(x: Tensor): any {
    checkTensorArg(this, "input", x);
    return ADAPTIVE_MAX[this.kind].fn(x, this.outputSize, { returnIndices: this.returnIndices });
  }
}

/** Adaptive max pooling of [N, C, L]. @example new nn.AdaptiveMaxPool1d(4).forward(x) // [N, C, 10] -> [N, C, 4] */
export class AdaptiveMaxPool1d extends AdaptiveMaxPoolNd {
  constructor(...args: CtorArgs<typeof ADAPTIVE_MAX_POOL1D>) {
    super("AdaptiveMaxPool1d", args);
  }
}
/** Adaptive max pooling of [N, C, H, W]. @example new nn.AdaptiveMaxPool2d([5, null]).forward(x) // [N, C, H, W] -> [N, C, 5, W] */
export class AdaptiveMaxPool2d extends AdaptiveMaxPoolNd {
  constructor(...args: CtorArgs<typeof ADAPTIVE_MAX_POOL2D>) {
    super("AdaptiveMaxPool2d", args);
  }
}
/** Adaptive max pooling of [N, C, D, H, W]. @example new nn.AdaptiveMaxPool3d(2).forward(x) // -> [N, C, 2, 2, 2] */
export class AdaptiveMaxPool3d extends AdaptiveMaxPoolNd {
  constructor(...args: CtorArgs<typeof ADAPTIVE_MAX_POOL3D>) {
    super("AdaptiveMaxPool3d", args);
  }
}

/**
 * Lazy modules: nn.LazyLinear, nn.LazyConv1d/2d/3d and nn.LazyConvTranspose1d/2d/3d infer
 * inFeatures / inChannels from their first input, then are exactly the regular module
 * (lazy_norm.ts does the same for the batch and instance norms). As PyTorch's:
 * - before the first call their weight and bias are UninitializedParameter placeholders, so
 *   `parameters()` can already go to an optimizer: the first call materializes those same
 *   objects (shape, values from the regular module's initialisation), and the module turns
 *   into a Linear / Conv2d (its class changes, as torch's cls_to_become: it prints as one and
 *   is `instanceof nn.Linear`);
 * - `hasUninitializedParams()` and `initializeParameters(input)` do what they do in PyTorch.
 * A first input the regular module would refuse (a wrong rank, dtype or channel count) is
 * refused before anything is materialized, so the module stays lazy.
 * What differs: a placeholder is an empty tensor (shape [0]), so using one in a computation
 * gives an empty result or a shape error rather than PyTorch's "uninitialized parameter"
 * error; and `loadStateDict` does not materialize a lazy module from a checkpoint's shapes
 * (PyTorch's load hook does): run one forward (or initializeParameters) before loading.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { isAutocastEnabled } from "../../amp/autocast.js";
import { empty } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _tupleOf } from "../functional/conv.js";
import { checkLayerSizes, checkTensorArg } from "../args.js";
import { Module, onModuleCopy } from "../module.js";
import { Parameter } from "../parameter.js";
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from "./conv.js";
import { Linear } from "./linear.js";

/**
 * A parameter whose shape is not known yet (an empty placeholder until its lazy module's
 * first call materializes it in place, after which it is a plain Parameter).
 */
export class UninitializedParameter extends Parameter {
  constructor(requiresGrad = true, opts?: { device?: string | null; dtype?: DType | null }) {
    super(empty([0], { dtype: opts?.dtype ?? undefined, device: opts?.device ?? undefined }), requiresGrad);
  }
  override toString(): string {
    return "<UninitializedParameter>";
  }
}

/** Which modules still wait for their first input. */
const pending = new WeakSet<Module>();
// a copy of a lazy module (utils.deepcopy) still waits for its first input
onModuleCopy((src, copy) => {
  if (pending.has(src)) pending.add(copy);
});

/** The parameters and buffers a lazy module may hold as placeholders until its first call. */
const LAZY_STATE = ["weight", "bias", "running_mean", "running_var"] as const;

/**
 * What lazy modules share: the placeholders, and turning into the regular module.
 * @internal lazy_norm.ts builds on it.
 */
export abstract class LazyModule extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  protected constructor(bias: boolean, device: string | null, dtype: DType | null, weight = true) {
    super();
    const opts = { device, dtype };
    this.weight = weight ? new UninitializedParameter(true, opts) : null;
    this.bias = bias ? new UninitializedParameter(true, opts) : null;
    pending.add(this);
  }
  /** The dtype and device placeholders and the regular module get. */
  protected abstract placeholderOf(): { dtype: DType; device: string };

  /** The regular module for this input (its sizes inferred), built with the placeholders' dtype and device. */
  protected abstract build(input: Tensor, create: { device: string; dtype: DType }): Module;

  /** True until the first call (or initializeParameters) has set the shapes. */
  hasUninitializedParams(): boolean {
    return pending.has(this);
  }

  /**
   * Infers the sizes from `input`, materializes the placeholders in place with the regular
   * module's initial values and turns this module into that module. Does nothing once done.
   */
  initializeParameters(input: Tensor): void {
    if (!pending.has(this)) return;
    checkTensorArg(this, "input", input);
    // an input the regular module would refuse for its dtype is refused before anything changes
    const { dtype, device } = this.placeholderOf();
    if (!input.isFloatingPoint() || (input.dtype !== dtype && !isAutocastEnabled())) {
      throw new DTypeError(`${this.constructor.name}: expected a floating point input of dtype ${dtype} (the dtype of its parameters), got ${input.dtype}`);
    }
    const real = this.build(input, { device, dtype }) as unknown as Record<string, Tensor | null>;
    const self = this as unknown as Record<string, Tensor | null>;
    for (const name of LAZY_STATE) {
      const placeholder = self[name], value = real[name];
      if (!placeholder || !value) continue;
      placeholder.data = value; // the same object, now with the real shape and values
      if (placeholder instanceof UninitializedParameter) Object.setPrototypeOf(placeholder, Parameter.prototype);
    }
    // the regular module's settings (inFeatures, kernelSize, ...), then its class
    const own = new Set<string>([...LAZY_STATE, "num_batches_tracked", "training"]);
    for (const key of Object.keys(real)) {
      if (!own.has(key)) self[key] = real[key]!;
    }
    pending.delete(this);
    Object.setPrototypeOf(this, Object.getPrototypeOf(real));
  }

  forward(input: Tensor): Tensor {
    this.initializeParameters(input);
    return (this.forward as (x: Tensor) => Tensor)(input); // now the regular module's forward
  }
}

const LAZY_LINEAR = "LazyLinear(int outFeatures, bool bias=true, *, Device? device=null, ScalarType? dtype=null)";
const lazyLinearArgs = declareArgs(LAZY_LINEAR, "nn");

/**
 * A Linear whose inFeatures is the last dim of its first input.
 * @example
 * const fc = new nn.LazyLinear(10);
 * const opt = new optim.SGD(fc.parameters(), 0.1); // fine before the first call
 * fc(randn([4, 784])); // fc is now Linear(in_features=784, out_features=10, bias=True)
 */
export class LazyLinear extends LazyModule {
  declare weight: Parameter;
  readonly inFeatures = 0;
  readonly outFeatures: number;
  constructor(...args: CtorArgs<typeof LAZY_LINEAR>) {
    const [outFeatures, bias, { device, dtype }] = lazyLinearArgs.bind(args);
    checkLayerSizes("LazyLinear", { out_features: outFeatures }, device);
    super(bias, device, dtype);
    this.outFeatures = outFeatures;
  }
  protected placeholderOf(): { dtype: DType; device: string } {
    return this.weight!;
  }
  protected build(input: Tensor, create: { device: string; dtype: DType }): Linear {
    if (input.ndim === 0) throw new ShapeError(`LazyLinear: cannot infer in_features from a 0-d input; expected [..., in_features]`);
    return new Linear(input.shape[input.ndim - 1]!, this.outFeatures, this.bias !== null, create);
  }
  override extraRepr(): string {
    return Linear.prototype.extraRepr.call(this as unknown as Linear);
  }
}

type Size = number | readonly number[];
type ConvCtor = typeof Conv1d | typeof Conv2d | typeof Conv3d | typeof ConvTranspose1d | typeof ConvTranspose2d | typeof ConvTranspose3d;
const CONV_KINDS: Record<1 | 2 | 3, { name: string; Conv: ConvCtor }> = {
  1: { name: "LazyConv1d", Conv: Conv1d },
  2: { name: "LazyConv2d", Conv: Conv2d },
  3: { name: "LazyConv3d", Conv: Conv3d },
};
const CONV_TRANSPOSE_KINDS: Record<1 | 2 | 3, { name: string; Conv: ConvCtor }> = {
  1: { name: "LazyConvTranspose1d", Conv: ConvTranspose1d },
  2: { name: "LazyConvTranspose2d", Conv: ConvTranspose2d },
  3: { name: "LazyConvTranspose3d", Conv: ConvTranspose3d },
};
type ConvBound = readonly [number, Size, Size, Size | "same" | "valid", Size, number, boolean, "zeros" | "reflect" | "replicate" | "circular", { device: string | null; dtype: DType | null }];
/** The transposed convolutions' order: (out, kernel, stride, padding, outputPadding, groups, bias, dilation, paddingMode, create). */
type ConvTransposeBound = readonly [number, Size, Size, Size, Size, number, boolean, Size, "zeros", { device: string | null; dtype: DType | null }];

/** LazyConv1d/2d/3d: the given settings, checked and printed as the convolution's, and its construction once inChannels is known. */
abstract class LazyConvNd extends LazyModule {
  declare weight: Parameter;
  readonly inChannels = 0;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: string;
  private readonly given: ConvBound | ConvTransposeBound;
  private readonly n: 1 | 2 | 3;
  private readonly transposed: boolean;
  constructor(n: 1 | 2 | 3, given: ConvBound | ConvTransposeBound, transposed = false) {
    // both orders, read into the convolution's
    const bound: ConvBound = transposed
      ? (([o, k, s, p, , g, b, d, m, c]) => [o, k, s, p, d, g, b, m, c] as const)(given as ConvTransposeBound)
      : (given as ConvBound);
    const [outChannels, kernelSize, stride, padding, dilation, groups, bias, paddingMode, { device, dtype }] = bound;
    const op = (transposed ? CONV_TRANSPOSE_KINDS : CONV_KINDS)[n].name;
    checkLayerSizes(op, { out_channels: outChannels }, device);
    super(bias, device, dtype);
    this.n = n;
    this.given = given;
    this.transposed = transposed;
    this.outChannels = outChannels;
    this.kernelSize = _tupleOf(op, "kernelSize", kernelSize, n, 1);
    this.stride = _tupleOf(op, "stride", stride, n, 1);
    this.dilation = _tupleOf(op, "dilation", dilation, n, 1);
    this.outputPadding = transposed ? _tupleOf(op, "outputPadding", (given as ConvTransposeBound)[4], n) : new Array<number>(n).fill(0);
    this.padding = typeof padding === "string" ? padding : _tupleOf(op, "padding", padding, n);
    if (padding === "same" && this.stride.some((s) => s !== 1)) throw new FluxionError(`${op}: padding='same' is not supported for strided convolutions`);
    this.groups = groups;
    if (groups < 1) throw new FluxionError(`${op}: groups must be a positive integer, got ${groups}`);
    if (outChannels % groups !== 0) throw new FluxionError(`${op}: out_channels (${outChannels}) must be divisible by groups (${groups})`);
    this.paddingMode = paddingMode;
  }
  override initializeParameters(input: Tensor): void {
    const was = this.hasUninitializedParams();
    super.initializeParameters(input);
    // what only the lazy form needed goes with it
    if (was) for (const key of ["given", "n", "transposed"]) delete (this as unknown as Record<string, unknown>)[key];
  }
  protected placeholderOf(): { dtype: DType; device: string } {
    return this.weight!;
  }
  protected build(input: Tensor, create: { device: string; dtype: DType }): Conv1d {
    const { name, Conv } = (this.transposed ? CONV_TRANSPOSE_KINDS : CONV_KINDS)[this.n];
    // PyTorch's _get_in_channels: dim 1 of a batched input, dim 0 of an unbatched one
    if (input.ndim !== this.n + 1 && input.ndim !== this.n + 2) {
      throw new ShapeError(`${name}: Expected ${this.n + 1}D (unbatched) or ${this.n + 2}D (batched) input to ${name}, but got input of size: ${fmtShape(input.shape)}`);
    }
    const inChannels = input.shape[input.ndim === this.n + 2 ? 1 : 0]!;
    if (inChannels % this.groups !== 0) throw new FluxionError(`${name}: in_channels must be divisible by groups (got ${inChannels} channels and ${this.groups} groups)`);
    const C = Conv as unknown as new (...a: unknown[]) => Conv1d;
    return new C(inChannels, ...this.given.slice(0, -1), create);
  }
  override extraRepr(): string {
    return Conv2d.prototype.extraRepr.call(this as unknown as Conv2d);
  }
}

const LAZY_CONV1D = 'LazyConv1d(int outChannels, int[1] kernelSize, int[1] stride=1, int[1]|"same"|"valid" padding=0, int[1] dilation=1, int groups=1, bool bias=true, "zeros"|"reflect"|"replicate"|"circular" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const LAZY_CONV2D = 'LazyConv2d(int outChannels, int[2] kernelSize, int[2] stride=1, int[2]|"same"|"valid" padding=0, int[2] dilation=1, int groups=1, bool bias=true, "zeros"|"reflect"|"replicate"|"circular" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const LAZY_CONV3D = 'LazyConv3d(int outChannels, int[3] kernelSize, int[3] stride=1, int[3]|"same"|"valid" padding=0, int[3] dilation=1, int groups=1, bool bias=true, "zeros"|"reflect"|"replicate"|"circular" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const lazyConv1dArgs = declareArgs(LAZY_CONV1D, "nn");
const lazyConv2dArgs = declareArgs(LAZY_CONV2D, "nn");
const lazyConv3dArgs = declareArgs(LAZY_CONV3D, "nn");

/** A Conv1d whose inChannels comes from its first input. @example new nn.LazyConv1d(16, 3)(x) // x [N, C, L]: now Conv1d(C, 16, ...) */
export class LazyConv1d extends LazyConvNd {
  constructor(...args: CtorArgs<typeof LAZY_CONV1D>) {
    super(1, lazyConv1dArgs.bind(args) as unknown as ConvBound);
  }
}

/** A Conv2d whose inChannels comes from its first input. @example new nn.LazyConv2d(32, 3, 1, 1)(x) // x [N, C, H, W]: now Conv2d(C, 32, ...) */
export class LazyConv2d extends LazyConvNd {
  constructor(...args: CtorArgs<typeof LAZY_CONV2D>) {
    super(2, lazyConv2dArgs.bind(args) as unknown as ConvBound);
  }
}

/** A Conv3d whose inChannels comes from its first input. @example new nn.LazyConv3d(8, 3)(x) // x [N, C, D, H, W] */
export class LazyConv3d extends LazyConvNd {
  constructor(...args: CtorArgs<typeof LAZY_CONV3D>) {
    super(3, lazyConv3dArgs.bind(args) as unknown as ConvBound);
  }
}

const LAZY_CONV_TRANSPOSE1D = 'LazyConvTranspose1d(int outChannels, int[1] kernelSize, int[1] stride=1, int[1] padding=0, int[1] outputPadding=0, int groups=1, bool bias=true, int[1] dilation=1, "zeros" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const LAZY_CONV_TRANSPOSE2D = 'LazyConvTranspose2d(int outChannels, int[2] kernelSize, int[2] stride=1, int[2] padding=0, int[2] outputPadding=0, int groups=1, bool bias=true, int[2] dilation=1, "zeros" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const LAZY_CONV_TRANSPOSE3D = 'LazyConvTranspose3d(int outChannels, int[3] kernelSize, int[3] stride=1, int[3] padding=0, int[3] outputPadding=0, int groups=1, bool bias=true, int[3] dilation=1, "zeros" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const lazyConvTranspose1dArgs = declareArgs(LAZY_CONV_TRANSPOSE1D, "nn");
const lazyConvTranspose2dArgs = declareArgs(LAZY_CONV_TRANSPOSE2D, "nn");
const lazyConvTranspose3dArgs = declareArgs(LAZY_CONV_TRANSPOSE3D, "nn");

/** A ConvTranspose1d whose inChannels comes from its first input. @example new nn.LazyConvTranspose1d(8, 3, 2)(x) // x [N, C, L]: now ConvTranspose1d(C, 8, ...) */
export class LazyConvTranspose1d extends LazyConvNd {
  constructor(...args: CtorArgs<typeof LAZY_CONV_TRANSPOSE1D>) {
    super(1, lazyConvTranspose1dArgs.bind(args) as unknown as ConvTransposeBound, true);
  }
}

/** A ConvTranspose2d whose inChannels comes from its first input. @example new nn.LazyConvTranspose2d(5, 3, 2)(x) // x [1, 3, 4, 4] -> [1, 5, 9, 9] */
export class LazyConvTranspose2d extends LazyConvNd {
  constructor(...args: CtorArgs<typeof LAZY_CONV_TRANSPOSE2D>) {
    super(2, lazyConvTranspose2dArgs.bind(args) as unknown as ConvTransposeBound, true);
  }
}

/** A ConvTranspose3d whose inChannels comes from its first input. @example new nn.LazyConvTranspose3d(4, 2, 2)(x) // x [N, C, D, H, W] */
export class LazyConvTranspose3d extends LazyConvNd {
  constructor(...args: CtorArgs<typeof LAZY_CONV_TRANSPOSE3D>) {
    super(3, lazyConvTranspose3dArgs.bind(args) as unknown as ConvTransposeBound, true);
  }
}

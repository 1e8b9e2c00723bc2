/**
 * Conv1d, Conv2d, Conv3d and ConvTranspose1d/2d/3d modules: weight/bias parameters with
 * PyTorch's shapes, default initialisation (kaiming-uniform with a = √5, bias uniform
 * ±1/√fan_in) and printing.
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { pad, type PadMode } from "../../ops/shape_ops.js";
import { empty } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _batchedInput, _check1dWindow, _conv2dRelu, _conv2dReluMaxPool, _tupleOf, conv2d, convTranspose2d, type PoolWindow } from "../functional/conv.js";
import { conv3d, convTranspose1d, convTranspose3d } from "../functional/conv3d.js";
import * as init from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyValue } from "./repr.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkLayerSizes, checkTensorArg, declareMethodArgs } from "../args.js";
import { checkNumel } from "../../tensor/shape.js";
import { runOpLayers } from "../../backend/dispatcher.js";

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** The options-object form of Conv1d/Conv2d's arguments (`new nn.Conv2d(1, 6, 5, { padding: 2 })`). */
export interface ConvOptions<T> {
  stride?: T;
  /** Zero padding per side, or "valid" / "same". */
  padding?: T | "same" | "valid";
  dilation?: T;
  groups?: number;
  bias?: boolean;
  /** How to pad: "zeros" (default) or a pad mode applied before a padding-free convolution. */
  paddingMode?: PaddingMode;
  dtype?: DType | null;
  device?: string | null;
}

/** The options-object form of ConvTranspose2d's arguments. */
export interface ConvTransposeOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  outputPadding?: number | readonly [number, number];
  groups?: number;
  bias?: boolean;
  dilation?: number | readonly [number, number];
  paddingMode?: "zeros";
  dtype?: DType | null;
  device?: string | null;
}

type Size = number | readonly number[];

/** A convolution's arguments after binding (torch's _ConvNd.__init__ parameters). */
interface ConvConfig {
  inChannels: number;
  outChannels: number;
  kernelSize: Size;
  stride: Size;
  padding: Size | "same" | "valid";
  dilation: Size;
  outputPadding: Size;
  groups: number;
  bias: boolean;
  paddingMode: PaddingMode;
  device: string | null;
  dtype: DType | null;
}

/** What `bind` returns for Conv1d/2d/3d's declarations, in declaration order. */
type ConvBound = readonly [number, number, Size, Size, Size | "same" | "valid", Size, number, boolean, PaddingMode, { device: string | null; dtype: DType | null }];
/** The same for ConvTranspose1d/2d/3d's (outputPadding after padding, dilation last, as torch). */
type ConvTransposeBound = readonly [number, number, Size, Size, Size, Size, number, boolean, Size, "zeros", { device: string | null; dtype: DType | null }];

function convConfig([inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, paddingMode, { device, dtype }]: ConvBound): ConvConfig {
  return { inChannels, outChannels, kernelSize, stride, padding, dilation, outputPadding: 0, groups, bias, paddingMode, device, dtype };
}

function convTransposeConfig([inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, bias, dilation, paddingMode, { device, dtype }]: ConvTransposeBound): ConvConfig {
  return { inChannels, outChannels, kernelSize, stride, padding, dilation, outputPadding, groups, bias, paddingMode, device, dtype };
}

/** Shared state of the convolution modules (torch's _ConvNd). */
abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;

  constructor(c: ConvConfig, n: number, transposed: boolean) {
    super();
    const op = this.constructor.name;
    const { inChannels, outChannels } = c;
    checkLayerSizes(op, { in_channels: inChannels, out_channels: outChannels }, c.device);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = c.groups;
    if (this.groups < 1) throw new FluxionError(`${op}: groups must be a positive integer, got ${this.groups}`);
    if (inChannels % this.groups !== 0) throw new FluxionError(`${op}: in_channels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new FluxionError(`${op}: out_channels (${outChannels}) must be divisible by groups (${this.groups})`);
    this.kernelSize = _tupleOf(op, "kernelSize", c.kernelSize, n, 1);
    this.stride = _tupleOf(op, "stride", c.stride, n, 1);
    this.dilation = _tupleOf(op, "dilation", c.dilation, n, 1);
    this.outputPadding = _tupleOf(op, "outputPadding", c.outputPadding, n);
    const p = c.padding;
    if (typeof p === "string") {
      if (p === "same" && this.stride.some((s) => s !== 1)) throw new FluxionError(`${op}: padding='same' is not supported for strided convolutions`);
      this.padding = p;
    } else this.padding = _tupleOf(op, "padding", p, n);
    this.paddingMode = c.paddingMode;
    const shape = transposed ? [inChannels, outChannels / this.groups, ...this.kernelSize] : [outChannels, inChannels / this.groups, ...this.kernelSize];
    const create = { dtype: c.dtype, device: c.device };
    checkNumel(op, shape, c.dtype ?? "float32"); // a kernel of 1e12 names the layer, not empty()
    this.weight = new Parameter(empty(shape, create));
    this.bias = c.bias ? new Parameter(empty([outChannels], create)) : null;
    this.resetParameters();
  }

  /** PyTorch's default: kaiming-uniform(a = √5) weight, bias uniform ±1/√fan_in. */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const { fanIn } = init.calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        init.uniform_(this.bias, -bound, bound);
      }
    }
  }

  /** For a non-"zeros" paddingMode: pads x explicitly and returns the padding left to the convolution. */
  protected prePad(x: Tensor): { x: Tensor; padding: number[] | "same" | "valid" } {
    if (this.paddingMode === "zeros") return { x, padding: this.padding };
    const amounts: [number, number][] =
      this.padding === "valid" ? this.kernelSize.map(() => [0, 0])
      : this.padding === "same" ? this.kernelSize.map((k, i) => {
          const total = this.dilation[i]! * (k - 1);
          return [Math.floor(total / 2), total - Math.floor(total / 2)];
        })
      : this.padding.map((q) => [q, q]);
    const flat = amounts.slice().reverse().flat(); // last dim first, as F.pad
    const mode: PadMode = this.paddingMode;
    return { x: pad(x, flat, { mode }), padding: this.kernelSize.map(() => 0) };
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}`;
    if (typeof this.padding === "string" || this.padding.some((p) => p !== 0)) s += `, padding=${pyValue(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyValue(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyValue(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=False";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

// ---- convolutions ----------------------------------------------------------------------------

const CONV1D = 'Conv1d(int inChannels, int outChannels, int[1] kernelSize, int[1] stride=1, int[1]|"same"|"valid" padding=0, int[1] dilation=1, int groups=1, bool bias=true, "zeros"|"reflect"|"replicate"|"circular" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const CONV2D = 'Conv2d(int inChannels, int outChannels, int[2] kernelSize, int[2] stride=1, int[2]|"same"|"valid" padding=0, int[2] dilation=1, int groups=1, bool bias=true, "zeros"|"reflect"|"replicate"|"circular" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const CONV3D = 'Conv3d(int inChannels, int outChannels, int[3] kernelSize, int[3] stride=1, int[3]|"same"|"valid" padding=0, int[3] dilation=1, int groups=1, bool bias=true, "zeros"|"reflect"|"replicate"|"circular" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const conv1dArgs = declareArgs(CONV1D, "nn");
const conv2dArgs = declareArgs(CONV2D, "nn");
const conv3dArgs = declareArgs(CONV3D, "nn");

/**
 * 1-D convolution layer: [N, inChannels, L] -> [N, outChannels, L'].
 * @example new nn.Conv1d(16, 33, 3, { stride: 2 }).forward(x) // [20, 16, 50] -> [20, 33, 24]
 */
export class Conv1d extends ConvNd {
  constructor(...args: CtorArgs<typeof CONV1D>) {
    super(convConfig(conv1dArgs.bind(args)), 1, false);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    const { batched, unbatched } = _batchedInput("Conv1d", x, 1, this.inChannels);
    const { x: input, padding } = this.prePad(batched);
    _check1dWindow("Conv1d", input, this.weight, this.stride[0]!, typeof padding === "string" ? padding : padding[0]!, this.dilation[0]!);
    const opts = {
      stride: [1, this.stride[0]!] as [number, number],
      padding: typeof padding === "string" ? padding : ([0, padding[0]!] as [number, number]),
      dilation: [1, this.dilation[0]!] as [number, number],
      groups: this.groups,
    };
    // as F.conv1d, so op layers (autocast) see it with its parameters
    const y = (runOpLayers("F.conv1d", [input, this.weight, this.bias],
      (i: Tensor, w: Tensor, b: Tensor | null) => conv2d(i.unsqueeze(2), w.unsqueeze(2), b, opts)) as Tensor).squeeze(2);
    return unbatched ? y.squeeze(0) : y;
  }
}

/**
 * 2-D convolution layer: [N, inChannels, H, W] -> [N, outChannels, H', W'].
 * @example
 * const conv = new nn.Conv2d(1, 32, 3, { padding: 1 });
 * conv.forward(x); // [64, 1, 28, 28] -> [64, 32, 28, 28]
 * String(conv);    // "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
 */
export class Conv2d extends ConvNd {
  constructor(...args: CtorArgs<typeof CONV2D>) {
    super(convConfig(conv2dArgs.bind(args)), 2, false);
  }
  forward(x: Tensor): Tensor {
    return this.convolve(x, false);
  }
  /** relu(forward(x)) in one kernel: what nn.Sequential runs for a Conv2d followed by a ReLU. */
  _forwardRelu(x: Tensor): Tensor {
    return this.convolve(x, true);
  }
  /** maxPool2d(relu(forward(x))) in one kernel (nn.Sequential's Conv2d + ReLU + MaxPool2d). */
  _forwardReluMaxPool(x: Tensor, pool: PoolWindow): Tensor {
    return this.convolve(x, true, pool);
  }
  private convolve(x: Tensor, relu: boolean, pool?: PoolWindow): Tensor {
    checkTensorArg(this, "input", x); // nn.Sequential's fused paths come here without forward
    _batchedInput("Conv2d", x, 2, this.inChannels);
    const { x: input, padding } = this.prePad(x);
    const opts = { stride: this.stride as [number, number], padding: typeof padding === "string" ? padding : (padding as [number, number]), dilation: this.dilation as [number, number], groups: this.groups };
    // as F.conv2d, so op layers (autocast) see it with its parameters
    return runOpLayers("F.conv2d", [input, this.weight, this.bias], (i: Tensor, w: Tensor, b: Tensor | null) =>
      pool ? _conv2dReluMaxPool(i, w, b, opts, pool) : relu ? _conv2dRelu(i, w, b, opts) : conv2d(i, w, b, opts)) as Tensor;
  }
}

/**
 * 3-D convolution layer: [N, inChannels, D, H, W] -> [N, outChannels, D', H', W'].
 * @example new nn.Conv3d(3, 8, 3, { padding: 1 }).forward(x) // [2, 3, 8, 16, 16] -> [2, 8, 8, 16, 16]
 */
export class Conv3d extends ConvNd {
  constructor(...args: CtorArgs<typeof CONV3D>) {
    super(convConfig(conv3dArgs.bind(args)), 3, false);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    _batchedInput("Conv3d", x, 3, this.inChannels);
    const { x: input, padding } = this.prePad(x);
    const opts = {
      stride: this.stride as [number, number, number],
      padding: typeof padding === "string" ? padding : (padding as [number, number, number]),
      dilation: this.dilation as [number, number, number],
      groups: this.groups,
    };
    // as F.conv3d, so op layers (autocast) see it with its parameters
    return runOpLayers("F.conv3d", [input, this.weight, this.bias], (i: Tensor, w: Tensor, b: Tensor | null) => conv3d(i, w, b, opts)) as Tensor;
  }
}

// ---- transposed convolutions -----------------------------------------------------------------

const CONV_TRANSPOSE1D = 'ConvTranspose1d(int inChannels, int outChannels, int[1] kernelSize, int[1] stride=1, int[1] padding=0, int[1] outputPadding=0, int groups=1, bool bias=true, int[1] dilation=1, "zeros" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const CONV_TRANSPOSE2D = 'ConvTranspose2d(int inChannels, int outChannels, int[2] kernelSize, int[2] stride=1, int[2] padding=0, int[2] outputPadding=0, int groups=1, bool bias=true, int[2] dilation=1, "zeros" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const CONV_TRANSPOSE3D = 'ConvTranspose3d(int inChannels, int outChannels, int[3] kernelSize, int[3] stride=1, int[3] padding=0, int[3] outputPadding=0, int groups=1, bool bias=true, int[3] dilation=1, "zeros" paddingMode="zeros", *, Device? device=null, ScalarType? dtype=null)';
const convTranspose1dArgs = declareArgs(CONV_TRANSPOSE1D, "nn");
const convTranspose2dArgs = declareArgs(CONV_TRANSPOSE2D, "nn");
const convTranspose3dArgs = declareArgs(CONV_TRANSPOSE3D, "nn");
const CONV_TRANSPOSE1D_FORWARD = "ConvTranspose1d.forward(Tensor input, int[]? outputSize=null)";
const CONV_TRANSPOSE2D_FORWARD = "ConvTranspose2d.forward(Tensor input, int[]? outputSize=null)";
const CONV_TRANSPOSE3D_FORWARD = "ConvTranspose3d.forward(Tensor input, int[]? outputSize=null)";

/** F.convTranspose1d/2d/3d, which take their sizes as int lists of the layer's rank. */
type ConvTransposeFn = (x: Tensor, weight: Tensor, bias: Tensor | null, opts: object) => Tensor;

/** Per number of spatial dims: the layer's name (for messages), forward's declaration and the functional form. */
const TRANSPOSED: Record<number, { name: string; forwardArgs: ReturnType<typeof declareMethodArgs<typeof CONV_TRANSPOSE1D_FORWARD>>; fn: ConvTransposeFn }> = {
  1: { name: "ConvTranspose1d", forwardArgs: declareMethodArgs(CONV_TRANSPOSE1D_FORWARD), fn: convTranspose1d },
  2: { name: "ConvTranspose2d", forwardArgs: declareMethodArgs(CONV_TRANSPOSE2D_FORWARD), fn: convTranspose2d },
  3: { name: "ConvTranspose3d", forwardArgs: declareMethodArgs(CONV_TRANSPOSE3D_FORWARD), fn: convTranspose3d },
};

/**
 * The forward shared by the transposed convolutions (weight [in, out/groups, *kernel]):
 * forward's optional outputSize picks the outputPadding that reaches that size.
 */
abstract class ConvTransposeNd extends ConvNd {
  /** The three forward declarations differ only in the layer's name. */
  forward(...args: CtorArgs<typeof CONV_TRANSPOSE1D_FORWARD>): Tensor {
    const n = this.kernelSize.length;
    const { name, forwardArgs, fn } = TRANSPOSED[n]!;
    const [x, size] = forwardArgs.bind(args);
    _batchedInput(name, x, n, this.inChannels);
    const outputPadding = this.outputPaddingFor(name, x, size);
    const opts = { stride: this.stride, padding: this.padding as number[], outputPadding, groups: this.groups, dilation: this.dilation };
    // as F.convTranspose<n>d, so op layers (autocast) see it with its parameters
    return runOpLayers(`F.convTranspose${n}d`, [x, this.weight, this.bias], (i: Tensor, w: Tensor, b: Tensor | null) => fn(i, w, b, opts)) as Tensor;
  }

  /**
   * The outputPadding that makes a transposed convolution's output `outputSize` (the spatial
   * size, or the full size), as torch's _output_padding.
   */
  protected outputPaddingFor(name: string, x: Tensor, outputSize: number | readonly number[] | null): number[] {
    if (outputSize === null) return this.outputPadding;
    const n = this.kernelSize.length;
    const sizes = typeof outputSize === "number" ? [outputSize] : [...outputSize];
    if (sizes.length !== n && sizes.length !== n + 2 && !(x.ndim === n + 1 && sizes.length === n + 1)) {
      throw new ShapeError(`${name}: outputSize must have ${n} or ${n + 2} elements (got ${sizes.length})`);
    }
    const want = sizes.slice(-n);
    const padding = this.padding as number[];
    return want.map((w, i) => {
      const min = (x.shape[x.ndim - n + i]! - 1) * this.stride[i]! - 2 * padding[i]! + this.dilation[i]! * (this.kernelSize[i]! - 1) + 1;
      const extra = w - min;
      const span = Math.max(this.stride[i]!, this.dilation[i]!);
      if (!(extra >= 0 && extra < span)) {
        throw new ShapeError(`${name}: requested an output size of ${fmtShape(want)}, but valid sizes range from ${min} to ${min + span - 1} in dim ${i} (for an input with shape ${fmtShape(x.shape)})`);
      }
      return extra;
    });
  }
}

/**
 * Transposed 1-D convolution layer, weight [in, out/groups, k]; forward's optional outputSize
 * picks the outputPadding that reaches that size.
 * @example new nn.ConvTranspose1d(16, 8, 3, { stride: 2 }).forward(x) // [N, 16, 10] -> [N, 8, 21]
 */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(...args: CtorArgs<typeof CONV_TRANSPOSE1D>) {
    super(convTransposeConfig(convTranspose1dArgs.bind(args)), 1, true);
  }
}

/**
 * Transposed 2-D convolution layer (a "deconvolution"), weight [in, out/groups, kH, kW].
 * forward's optional outputSize picks the outputPadding that reaches that size.
 * @example new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 }).forward(x) // [1, 16, 12, 12] -> [1, 8, 24, 24]
 */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(...args: CtorArgs<typeof CONV_TRANSPOSE2D>) {
    super(convTransposeConfig(convTranspose2dArgs.bind(args)), 2, true);
  }
}

/**
 * Transposed 3-D convolution layer, weight [in, out/groups, kd, kh, kw].
 * @example new nn.ConvTranspose3d(8, 4, 2, { stride: 2 }).forward(x) // [N, 8, 4, 4, 4] -> [N, 4, 8, 8, 8]
 */
export class ConvTranspose3d extends ConvTransposeNd {
  constructor(...args: CtorArgs<typeof CONV_TRANSPOSE3D>) {
    super(convTransposeConfig(convTranspose3dArgs.bind(args)), 3, true);
  }
}

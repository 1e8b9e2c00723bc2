/**
 * Padding modules: ConstantPad1d/2d/3d, ZeroPad2d (and ZeroPad1d/3d, PyTorch 2.1), ReflectionPad1d/2d/3d,
 * CircularPad1d/2d/3d (PyTorch 2.1) and
 * ReplicationPad1d/2d/3d, as PyTorch 1.13 has them — each is F.pad with its mode and a
 * padding given as one int (the same on every side) or PyTorch's (left, right, top, bottom,
 * front, back) list, and PyTorch's print.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { ArgumentError, ShapeError, fmtShape } from "../../errors.js";
import { pad, type PadMode } from "../../ops/shape_ops.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";

/** padding as the 2·n amounts F.pad takes: one int repeats on every side. */
function amounts(layer: string, padding: number | readonly number[], n: number): number[] {
  if (typeof padding === "number") return new Array<number>(2 * n).fill(padding);
  if (padding.length !== 2 * n) throw new ArgumentError(`${layer}(): padding must be an int or a list of ${2 * n} ints, got ${JSON.stringify(padding)}`);
  return [...padding];
}

/** The settings, forward and print shared by the padding modules (torch's _ConstantPadNd, _ReflectionPadNd, ...). */
abstract class PadNd extends Module {
  readonly padding: readonly number[];
  constructor(
    layer: string,
    padding: number | readonly number[],
    n: number,
    private readonly mode: PadMode,
    readonly value: number | null = null,
  ) {
    super();
    this.padding = amounts(layer, padding, n);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return pad(x, this.padding, this.value === null ? { mode: this.mode } : { mode: this.mode, value: this.value });
  }
  override extraRepr(): string {
    return `(${this.padding.join(", ")})`;
  }
}

const CONSTANT_PAD1D = "ConstantPad1d(int[2] padding, float value)";
const CONSTANT_PAD2D = "ConstantPad2d(int[4] padding, float value)";
const CONSTANT_PAD3D = "ConstantPad3d(int[6] padding, float value)";
const constantPad1dArgs = declareArgs(CONSTANT_PAD1D, "nn");
const constantPad2dArgs = declareArgs(CONSTANT_PAD2D, "nn");
const constantPad3dArgs = declareArgs(CONSTANT_PAD3D, "nn");

/** Constant padding's print: "padding=(1, 1), value=3.5". */
abstract class ConstantPadNd extends PadNd {
  override extraRepr(): string {
    return `padding=(${this.padding.join(", ")}), value=${this.value}`;
  }
}

/** Pads the last dim with a constant. @example new nn.ConstantPad1d([1, 2], 3.5).forward(x) // [N, C, L] -> [N, C, L + 3] */
export class ConstantPad1d extends ConstantPadNd {
  constructor(...args: CtorArgs<typeof CONSTANT_PAD1D>) {
    const [padding, value] = constantPad1dArgs.bind(args);
    super("ConstantPad1d", padding, 1, "constant", value);
  }
}

/** Pads the last 2 dims with a constant. @example new nn.ConstantPad2d(1, -1).forward(x) // [N, C, H, W] -> [N, C, H + 2, W + 2] */
export class ConstantPad2d extends ConstantPadNd {
  constructor(...args: CtorArgs<typeof CONSTANT_PAD2D>) {
    const [padding, value] = constantPad2dArgs.bind(args);
    super("ConstantPad2d", padding, 2, "constant", value);
  }
}

/** Pads the last 3 dims with a constant. @example new nn.ConstantPad3d(1, 0).forward(x) // [N, C, D, H, W] -> [N, C, D + 2, H + 2, W + 2] */
export class ConstantPad3d extends ConstantPadNd {
  constructor(...args: CtorArgs<typeof CONSTANT_PAD3D>) {
    const [padding, value] = constantPad3dArgs.bind(args);
    super("ConstantPad3d", padding, 3, "constant", value);
  }
}

const ZERO_PAD1D = "ZeroPad1d(int[2] padding)";
const ZERO_PAD2D = "ZeroPad2d(int[4] padding)";
const ZERO_PAD3D = "ZeroPad3d(int[6] padding)";
const zeroPad1dArgs = declareArgs(ZERO_PAD1D, "nn");
const zeroPad2dArgs = declareArgs(ZERO_PAD2D, "nn");
const zeroPad3dArgs = declareArgs(ZERO_PAD3D, "nn");

/**
 * Pads the last dim with zeros (PyTorch 2.1; 1.13 code writes ConstantPad1d(p, 0)), e.g. the
 * left padding of a causal conv. @example new nn.ZeroPad1d([2, 0]).forward(x) // [N, C, L] -> [N, C, L + 2]
 */
export class ZeroPad1d extends PadNd {
  constructor(...args: CtorArgs<typeof ZERO_PAD1D>) {
    const [padding] = zeroPad1dArgs.bind(args);
    super("ZeroPad1d", padding, 1, "constant", 0);
  }
}

/** Pads the last 2 dims with zeros. @example new nn.ZeroPad2d([1, 1, 2, 0]).forward(x) // [N, C, H, W] -> [N, C, H + 2, W + 2] */
export class ZeroPad2d extends PadNd {
  constructor(...args: CtorArgs<typeof ZERO_PAD2D>) {
    const [padding] = zeroPad2dArgs.bind(args);
    super("ZeroPad2d", padding, 2, "constant", 0);
  }
}

/** Pads the last 3 dims with zeros (PyTorch 2.1). @example new nn.ZeroPad3d(1).forward(x) // [N, C, D, H, W] -> [N, C, D + 2, H + 2, W + 2] */
export class ZeroPad3d extends PadNd {
  constructor(...args: CtorArgs<typeof ZERO_PAD3D>) {
    const [padding] = zeroPad3dArgs.bind(args);
    super("ZeroPad3d", padding, 3, "constant", 0);
  }
}

const REFLECTION_PAD1D = "ReflectionPad1d(int[2] padding)";
const REFLECTION_PAD2D = "ReflectionPad2d(int[4] padding)";
const REFLECTION_PAD3D = "ReflectionPad3d(int[6] padding)";
const reflectionPad1dArgs = declareArgs(REFLECTION_PAD1D, "nn");
const reflectionPad2dArgs = declareArgs(REFLECTION_PAD2D, "nn");
const reflectionPad3dArgs = declareArgs(REFLECTION_PAD3D, "nn");

/** Pads the last dim with its reflection (the edge not repeated). @example new nn.ReflectionPad1d(2).forward(x) */
export class ReflectionPad1d extends PadNd {
  constructor(...args: CtorArgs<typeof REFLECTION_PAD1D>) {
    super("ReflectionPad1d", reflectionPad1dArgs.bind(args)[0], 1, "reflect");
  }
}

/** Pads the last 2 dims with their reflection. @example new nn.ReflectionPad2d(1).forward(x) // [N, C, H, W] -> [N, C, H + 2, W + 2] */
export class ReflectionPad2d extends PadNd {
  constructor(...args: CtorArgs<typeof REFLECTION_PAD2D>) {
    super("ReflectionPad2d", reflectionPad2dArgs.bind(args)[0], 2, "reflect");
  }
}

/** Pads the last 3 dims with their reflection. @example new nn.ReflectionPad3d(1).forward(x) */
export class ReflectionPad3d extends PadNd {
  constructor(...args: CtorArgs<typeof REFLECTION_PAD3D>) {
    super("ReflectionPad3d", reflectionPad3dArgs.bind(args)[0], 3, "reflect");
  }
}

const REPLICATION_PAD1D = "ReplicationPad1d(int[2] padding)";
const REPLICATION_PAD2D = "ReplicationPad2d(int[4] padding)";
const REPLICATION_PAD3D = "ReplicationPad3d(int[6] padding)";
const replicationPad1dArgs = declareArgs(REPLICATION_PAD1D, "nn");
const replicationPad2dArgs = declareArgs(REPLICATION_PAD2D, "nn");
const replicationPad3dArgs = declareArgs(REPLICATION_PAD3D, "nn");

/** Pads the last dim by repeating its edge values. @example new nn.ReplicationPad1d(3).forward(x) */
export class ReplicationPad1d extends PadNd {
  constructor(...args: CtorArgs<typeof REPLICATION_PAD1D>) {
    super("ReplicationPad1d", replicationPad1dArgs.bind(args)[0], 1, "replicate");
  }
}

/** Pads the last 2 dims by repeating their edge values. @example new nn.ReplicationPad2d([1, 1, 2, 0]).forward(x) */
export class ReplicationPad2d extends PadNd {
  constructor(...args: CtorArgs<typeof REPLICATION_PAD2D>) {
    super("ReplicationPad2d", replicationPad2dArgs.bind(args)[0], 2, "replicate");
  }
}

/** Pads the last 3 dims by repeating their edge values. @example new nn.ReplicationPad3d(2).forward(x) */
export class ReplicationPad3d extends PadNd {
  constructor(...args: CtorArgs<typeof REPLICATION_PAD3D>) {
    super("ReplicationPad3d", replicationPad3dArgs.bind(args)[0], 3, "replicate");
  }
}

/** PyTorch 2.1's _CircularPadNd: an unbatched or batched input of n + 1 or n + 2 dims. */
abstract class CircularPadNd extends PadNd {
  constructor(private readonly layer: string, padding: number | readonly number[], private readonly n: number) {
    super(layer, padding, n, "circular");
  }
  override forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    if (x.ndim !== this.n + 1 && x.ndim !== this.n + 2) {
      throw new ShapeError(`${this.layer}: expected ${this.n + 1}D or ${this.n + 2}D input (got ${x.ndim}D input, shape ${fmtShape(x.shape)})`);
    }
    return super.forward(x);
  }
}

const CIRCULAR_PAD1D = "CircularPad1d(int[2] padding)";
const CIRCULAR_PAD2D = "CircularPad2d(int[4] padding)";
const CIRCULAR_PAD3D = "CircularPad3d(int[6] padding)";
const circularPad1dArgs = declareArgs(CIRCULAR_PAD1D, "nn");
const circularPad2dArgs = declareArgs(CIRCULAR_PAD2D, "nn");
const circularPad3dArgs = declareArgs(CIRCULAR_PAD3D, "nn");

/**
 * Pads the last dim with its values wrapped around (PyTorch 2.1's nn.CircularPad1d; 1.13 has
 * only F.pad's "circular" mode). @example new nn.CircularPad1d(2).forward(x) // [N, C, L] -> [N, C, L + 4]
 */
export class CircularPad1d extends CircularPadNd {
  constructor(...args: CtorArgs<typeof CIRCULAR_PAD1D>) {
    super("CircularPad1d", circularPad1dArgs.bind(args)[0], 1);
  }
}

/** Pads the last 2 dims circularly (PyTorch 2.1's nn.CircularPad2d). @example new nn.CircularPad2d([1, 1, 2, 0]).forward(x) */
export class CircularPad2d extends CircularPadNd {
  constructor(...args: CtorArgs<typeof CIRCULAR_PAD2D>) {
    super("CircularPad2d", circularPad2dArgs.bind(args)[0], 2);
  }
}

/** Pads the last 3 dims circularly (PyTorch 2.1's nn.CircularPad3d). @example new nn.CircularPad3d(1).forward(x) */
export class CircularPad3d extends CircularPadNd {
  constructor(...args: CtorArgs<typeof CIRCULAR_PAD3D>) {
    super("CircularPad3d", circularPad3dArgs.bind(args)[0], 3);
  }
}

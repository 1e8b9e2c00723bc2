/** Identity, Linear, Bilinear, Flatten, Unflatten. */
import { ShapeError, fmtShape } from "../../errors.js";
import { empty } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { bilinear, linear } from "../functional/linear.js";
import * as init from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { ArgumentError } from "../../errors.js";
import { describeValue } from "../../api/args.js";
import { checkLayerSizes, checkTensorArg } from "../args.js";

/**
 * Returns its input unchanged. As PyTorch's, the constructor takes any arguments and
 * ignores them (`new nn.Identity(54, { unusedArgument1: 0.1 })`), so it can stand in for
 * any layer.
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input;
  }
}

const LINEAR = "Linear(int inFeatures, int outFeatures, bool bias=true, *, Device? device=null, ScalarType? dtype=null)";
const linearArgs = declareArgs(LINEAR, "nn");

/**
 * y = x Wᵀ + b. Weight [out, in] and bias initialised as PyTorch does
 * (kaiming-uniform with a = √5, bias uniform ±1/√in).
 * @example const fc = new nn.Linear(784, 128); fc(x) // [N, 784] -> [N, 128]
 * @example new nn.Linear(784, 10, false) // no bias; also new nn.Linear(784, 10, { bias: false })
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;
  constructor(...args: CtorArgs<typeof LINEAR>) {
    super();
    const [inFeatures, outFeatures, bias, { device, dtype }] = linearArgs.bind(args);
    checkLayerSizes("Linear", { in_features: inFeatures, out_features: outFeatures }, device);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const create = { dtype, device };
    this.weight = new Parameter(empty([outFeatures, inFeatures], create));
    this.bias = bias ? new Parameter(empty([outFeatures], create)) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}): expected input with last dimension ${this.inFeatures}, got shape ${fmtShape(x.shape)}${x.ndim > 2 ? " (flatten images first, e.g. x.flatten(1))" : ""}`);
    }
    return linear(x, this.weight, this.bias); // as F.linear (op layers, autocast, see it)
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? "True" : "False"}`;
  }
}

const BILINEAR = "Bilinear(int in1Features, int in2Features, int outFeatures, bool bias=true, *, Device? device=null, ScalarType? dtype=null)";
const bilinearArgs = declareArgs(BILINEAR, "nn");

/** y = x1ᵀ A x2 + b with weight [out, in1, in2]. */
export class Bilinear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  constructor(...args: CtorArgs<typeof BILINEAR>) {
    super();
    const [in1Features, in2Features, outFeatures, bias, { device, dtype }] = bilinearArgs.bind(args);
    checkLayerSizes("Bilinear", { in1_features: in1Features, in2_features: in2Features, out_features: outFeatures }, device);
    // the init bound is 1/sqrt(in1Features) (PyTorch raises ZeroDivisionError at 0)
    if (in1Features === 0) throw new ShapeError("Bilinear: in1_features must be positive: the weights are initialised in ±1/sqrt(in1_features) (PyTorch raises ZeroDivisionError)");
    [this.in1Features, this.in2Features, this.outFeatures] = [in1Features, in2Features, outFeatures];
    this.weight = new Parameter(empty([outFeatures, in1Features, in2Features], { dtype, device }));
    this.bias = bias ? new Parameter(empty([outFeatures], { dtype, device })) : null;
    const bound = 1 / Math.sqrt(in1Features);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    checkTensorArg(this, "input1", x1, 1);
    checkTensorArg(this, "input2", x2, 2);
    return bilinear(x1, x2, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias ? "True" : "False"}`;
  }
}

const FLATTEN = "Flatten(int startDim=1, int endDim=-1)";
const flattenArgs = declareArgs(FLATTEN, "nn");

/**
 * Flattens dims startDim..endDim (default 1..-1: keeps the batch dim).
 * @example new nn.Flatten().forward(x) // [N, C, H, W] -> [N, C·H·W]; also new nn.Flatten(0, 2)
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(...args: CtorArgs<typeof FLATTEN>) {
    super();
    [this.startDim, this.endDim] = flattenArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

const UNFLATTEN = "Unflatten(int dim, int[] unflattenedSize)";
const unflattenArgs = declareArgs(UNFLATTEN, "nn");

/**
 * Splits dim into unflattenedSize (a list, as PyTorch requires; one -1 is inferred).
 * @example new nn.Unflatten(1, [2, 5]).forward(x) // [N, 10] -> [N, 2, 5]
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: readonly number[];
  constructor(...args: CtorArgs<typeof UNFLATTEN>) {
    super();
    const [dim, size] = unflattenArgs.bind(args);
    if (typeof size === "number") throw new ArgumentError(`Unflatten(): argument 'unflattenedSize' must be a list of ints, but got ${describeValue(size)}`);
    this.dim = dim;
    this.unflattenedSize = [...size];
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return x.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.unflattenedSize.join(", ")})`;
  }
}

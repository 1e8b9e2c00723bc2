/** Identity, Linear, Bilinear, Flatten, Unflatten. */
import { ShapeError, fmtShape } from "../../errors.js";
import { empty } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { bilinear, linear } from "../functional/linear.js";
import * as init from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  device?: string;
}

/**
 * y = x Wᵀ + b. Weight [out, in] and bias initialised as PyTorch does
 * (kaiming-uniform with a = √5, bias uniform ±1/√in).
 * @example const fc = new nn.Linear(784, 128); fc.forward(x) // [N, 784] -> [N, 128]
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts?: LinearOptions) {
    super();
    this.weight = new Parameter(empty([outFeatures, inFeatures], { dtype: opts?.dtype, device: opts?.device }));
    this.bias = opts?.bias === false ? null : new Parameter(empty([outFeatures], { dtype: opts?.dtype, device: opts?.device }));
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
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}): expected input with last dimension ${this.inFeatures}, got shape ${fmtShape(x.shape)}${x.ndim > 2 ? " (flatten images first, e.g. x.flatten(1))" : ""}`);
    }
    return linear(x, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? "True" : "False"}`;
  }
}

/** y = x1ᵀ A x2 + b with weight [out, in1, in2]. */
export class Bilinear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly in1Features: number, readonly in2Features: number, readonly outFeatures: number, opts?: LinearOptions) {
    super();
    this.weight = new Parameter(empty([outFeatures, in1Features, in2Features], { dtype: opts?.dtype, device: opts?.device }));
    this.bias = opts?.bias === false ? null : new Parameter(empty([outFeatures], { dtype: opts?.dtype, device: opts?.device }));
    const bound = 1 / Math.sqrt(in1Features);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return bilinear(x1, x2, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias ? "True" : "False"}`;
  }
}

/** Flattens dims startDim..endDim (default 1..-1: keeps the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

export class Unflatten extends Module {
  constructor(readonly dim: number, readonly unflattenedSize: readonly number[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.unflattenedSize.join(", ")})`;
  }
}

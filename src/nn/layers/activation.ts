/**
 * Activation modules: ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, ELU, Softplus, Softmax,
 * LogSoftmax — PyTorch's constructor arguments in PyTorch's order (`new nn.LeakyReLU(0.2,
 * true)` or `new nn.LeakyReLU({ negativeSlope: 0.2, inplace: true })`) and PyTorch's prints.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { applyInPlace } from "../../ops/inplace.js";
import type { Tensor } from "../../tensor/tensor.js";
import * as F from "../functional/activation.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";

const RELU = "ReLU(bool inplace=false)";
const reluArgs = declareArgs(RELU, "nn");

/** max(x, 0); with inplace, written into the input. */
export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(...args: CtorArgs<typeof RELU>) {
    super();
    [this.inplace] = reluArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return this.inplace ? x.relu_() : x.relu();
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

const LEAKY_RELU = "LeakyReLU(float negativeSlope=0.01, bool inplace=false)";
const leakyReluArgs = declareArgs(LEAKY_RELU, "nn");

/** x for x ≥ 0, negativeSlope · x otherwise. @example new nn.LeakyReLU(0.2) */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  constructor(...args: CtorArgs<typeof LEAKY_RELU>) {
    super();
    [this.negativeSlope, this.inplace] = leakyReluArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return this.inplace ? x.leakyRelu_(this.negativeSlope) : x.leakyRelu(this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}${this.inplace ? ", inplace=True" : ""}`;
  }
}

const GELU_DECL = 'GELU("none"|"tanh" approximate="none")';
const geluArgs = declareArgs(GELU_DECL, "nn");

/** x · Φ(x), or its tanh approximation. @example new nn.GELU("tanh") */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  constructor(...args: CtorArgs<typeof GELU_DECL>) {
    super();
    [this.approximate] = geluArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return x.gelu({ approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

const SILU = "SiLU(bool inplace=false)";
const siluArgs = declareArgs(SILU, "nn");

/** x · σ(x). */
export class SiLU extends Module {
  readonly inplace: boolean;
  constructor(...args: CtorArgs<typeof SILU>) {
    super();
    [this.inplace] = siluArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return this.inplace ? x.silu_() : x.silu();
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

const SIGMOID = "Sigmoid()";
const sigmoidArgs = declareArgs(SIGMOID, "nn");

export class Sigmoid extends Module {
  constructor(...args: CtorArgs<typeof SIGMOID>) {
    super();
    sigmoidArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return x.sigmoid();
  }
}

const TANH = "Tanh()";
const tanhArgs = declareArgs(TANH, "nn");

export class Tanh extends Module {
  constructor(...args: CtorArgs<typeof TANH>) {
    super();
    tanhArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return x.tanh();
  }
}

const ELU_DECL = "ELU(float alpha=1.0, bool inplace=false)";
const eluArgs = declareArgs(ELU_DECL, "nn");

/** x for x > 0, alpha · (eˣ - 1) otherwise. */
export class ELU extends Module {
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(...args: CtorArgs<typeof ELU_DECL>) {
    super();
    [this.alpha, this.inplace] = eluArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return this.inplace ? applyInPlace(x, "elu_", (s) => F.elu(s, this.alpha)) : F.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}${this.inplace ? ", inplace=True" : ""}`;
  }
}

const SOFTPLUS = "Softplus(float beta=1, float threshold=20)";
const softplusArgs = declareArgs(SOFTPLUS, "nn");

/** log(1 + e^(beta·x)) / beta, linear above threshold. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(...args: CtorArgs<typeof SOFTPLUS>) {
    super();
    [this.beta, this.threshold] = softplusArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return x.softplus({ beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

const warned = new Set<string>();
/**
 * PyTorch's deprecated implicit dim for Softmax() without a dim (_get_softmax_dim): 0 for
 * 0-, 1- and 3-D inputs, else 1; warns once, as PyTorch warns.
 */
function implicitDim(name: string, ndim: number): number {
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(`fluxion: implicit dimension choice for ${name} has been deprecated (as in PyTorch); pass the dim, e.g. new nn.${name}(1)`);
  }
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

const SOFTMAX = "Softmax(int? dim=null)";
const softmaxArgs = declareArgs(SOFTMAX, "nn");

/** softmax along dim. @example new nn.Softmax(1).forward(logits) // rows sum to 1 */
export class Softmax extends Module {
  readonly dim: number | null;
  constructor(...args: CtorArgs<typeof SOFTMAX>) {
    super();
    [this.dim] = softmaxArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return x.softmax(this.dim ?? implicitDim("Softmax", x.ndim));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

const LOG_SOFTMAX = "LogSoftmax(int? dim=null)";
const logSoftmaxArgs = declareArgs(LOG_SOFTMAX, "nn");

/** log(softmax) along dim, computed stably. */
export class LogSoftmax extends Module {
  readonly dim: number | null;
  constructor(...args: CtorArgs<typeof LOG_SOFTMAX>) {
    super();
    [this.dim] = logSoftmaxArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return x.logSoftmax(this.dim ?? implicitDim("LogSoftmax", x.ndim));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

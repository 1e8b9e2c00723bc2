/**
 * Activation modules: ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, ELU, Softplus, Softmax,
 * LogSoftmax, Softmax2d, CELU, SELU, Hardsigmoid, Hardswish, Hardtanh, ReLU6, Mish, Threshold, Softsign,
 * LogSigmoid, Tanhshrink, Softshrink, Hardshrink, Softmin, GLU, PReLU — PyTorch's constructor
 * arguments in PyTorch's order (`new nn.LeakyReLU(0.2, true)` or
 * `new nn.LeakyReLU({ negativeSlope: 0.2, inplace: true })`) and PyTorch's prints.
 *
 * Each class binds its own declaration and says what it computes (`fn`); the bases below hold
 * what the shapes share: the input check (Activation), the inplace flag and its print
 * (InplaceActivation), softmax's dim (SoftmaxActivation) and the shrinks' lambd.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { full } from "../../tensor/creation.js";
import { Parameter } from "../parameter.js";
import { pyFloat } from "./repr.js";
import { applyInPlace } from "../../ops/inplace.js";
import type { Tensor } from "../../tensor/tensor.js";
import * as F from "../functional/activation.js";
import { checkLayerSizes, checkTensorArg } from "../args.js";
import { Module } from "../module.js";

/** A module that applies one function to its input: forward checks the input is a Tensor, then runs fn. */
abstract class Activation extends Module {
  protected abstract fn(x: Tensor): Tensor;
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return this.fn(x);
  }
}

/** The "inplace=True" part of a print, joined as PyTorch's extra_repr joins it. */
const inplaceText = (inplace: boolean, lead = "") => (inplace ? `${lead}inplace=True` : "");

/**
 * An activation with torch's inplace flag: with it, forward writes fn's result into the input
 * (fnInPlace) and returns the input. Prints "inplace=True" when set, as most of torch's do.
 */
abstract class InplaceActivation extends Activation {
  readonly inplace: boolean;
  constructor(inplace: boolean) {
    super();
    this.inplace = inplace;
  }
  /** fn written into x: torch's in-place form, whose name autograd messages use. */
  protected abstract fnInPlace(x: Tensor): Tensor;
  override forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return this.inplace ? this.fnInPlace(x) : this.fn(x);
  }
  override extraRepr(): string {
    return inplaceText(this.inplace);
  }
}

const RELU = "ReLU(bool inplace=false)";
const reluArgs = declareArgs(RELU, "nn");

/** max(x, 0); with inplace, written into the input. */
export class ReLU extends InplaceActivation {
  constructor(...args: CtorArgs<typeof RELU>) {
    super(...reluArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return x.relu();
  }
  protected fnInPlace(x: Tensor): Tensor {
    return x.relu_();
  }
}

const LEAKY_RELU = "LeakyReLU(float negativeSlope=0.01, bool inplace=false)";
const leakyReluArgs = declareArgs(LEAKY_RELU, "nn");

/** x for x ≥ 0, negativeSlope · x otherwise. @example new nn.LeakyReLU(0.2) */
export class LeakyReLU extends InplaceActivation {
  readonly negativeSlope: number;
  constructor(...args: CtorArgs<typeof LEAKY_RELU>) {
    const [negativeSlope, inplace] = leakyReluArgs.bind(args);
    super(inplace);
    this.negativeSlope = negativeSlope;
  }
  protected fn(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return x.leakyRelu_(this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}${inplaceText(this.inplace, ", ")}`;
  }
}

const GELU_DECL = 'GELU("none"|"tanh" approximate="none")';
const geluArgs = declareArgs(GELU_DECL, "nn");

/** x · Φ(x), or its tanh approximation. @example new nn.GELU("tanh") */
export class GELU extends Activation {
  readonly approximate: "none" | "tanh";
  constructor(...args: CtorArgs<typeof GELU_DECL>) {
    super();
    [this.approximate] = geluArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
    return x.gelu({ approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

const SILU = "SiLU(bool inplace=false)";
const siluArgs = declareArgs(SILU, "nn");

/** x · σ(x). */
export class SiLU extends InplaceActivation {
  constructor(...args: CtorArgs<typeof SILU>) {
    super(...siluArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return x.silu();
  }
  protected fnInPlace(x: Tensor): Tensor {
    return x.silu_();
  }
}

const SIGMOID = "Sigmoid()";
const sigmoidArgs = declareArgs(SIGMOID, "nn");

export class Sigmoid extends Activation {
  constructor(...args: CtorArgs<typeof SIGMOID>) {
    super();
    sigmoidArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

const TANH = "Tanh()";
const tanhArgs = declareArgs(TANH, "nn");

export class Tanh extends Activation {
  constructor(...args: CtorArgs<typeof TANH>) {
    super();
    tanhArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
    return x.tanh();
  }
}

const ELU_DECL = "ELU(float alpha=1.0, bool inplace=false)";
const eluArgs = declareArgs(ELU_DECL, "nn");

/** x for x > 0, alpha · (eˣ - 1) otherwise. */
export class ELU extends InplaceActivation {
  readonly alpha: number;
  constructor(...args: CtorArgs<typeof ELU_DECL>) {
    const [alpha, inplace] = eluArgs.bind(args);
    super(inplace);
    this.alpha = alpha;
  }
  protected fn(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return F.eluInPlace(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceText(this.inplace, ", ")}`;
  }
}

const SOFTPLUS = "Softplus(float beta=1, float threshold=20)";
const softplusArgs = declareArgs(SOFTPLUS, "nn");

/** log(1 + e^(beta·x)) / beta, linear above threshold. */
export class Softplus extends Activation {
  readonly beta: number;
  readonly threshold: number;
  constructor(...args: CtorArgs<typeof SOFTPLUS>) {
    super();
    [this.beta, this.threshold] = softplusArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
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

/** Softmax, LogSoftmax and Softmin: along dim, or PyTorch's deprecated implicit dim when dim is null. */
abstract class SoftmaxActivation extends Activation {
  readonly dim: number | null;
  constructor(dim: number | null) {
    super();
    this.dim = dim;
  }
  /** The dim to reduce x along; `layer` names the class in the implicit-dim warning. */
  protected dimFor(x: Tensor, layer: string): number {
    return this.dim ?? implicitDim(layer, x.ndim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

const SOFTMAX = "Softmax(int? dim=null)";
const softmaxArgs = declareArgs(SOFTMAX, "nn");

/** softmax along dim. @example new nn.Softmax(1).forward(logits) // rows sum to 1 */
export class Softmax extends SoftmaxActivation {
  constructor(...args: CtorArgs<typeof SOFTMAX>) {
    super(...softmaxArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return x.softmax(this.dimFor(x, "Softmax"));
  }
}

const LOG_SOFTMAX = "LogSoftmax(int? dim=null)";
const logSoftmaxArgs = declareArgs(LOG_SOFTMAX, "nn");

/** log(softmax) along dim, computed stably. */
export class LogSoftmax extends SoftmaxActivation {
  constructor(...args: CtorArgs<typeof LOG_SOFTMAX>) {
    super(...logSoftmaxArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return x.logSoftmax(this.dimFor(x, "LogSoftmax"));
  }
}

const SOFTMAX2D = "Softmax2d()";
const softmax2dArgs = declareArgs(SOFTMAX2D, "nn");

/** softmax over the channels of [N, C, H, W] or [C, H, W] (dim -3), at every location. @example new nn.Softmax2d().forward(x) */
export class Softmax2d extends Activation {
  constructor(...args: CtorArgs<typeof SOFTMAX2D>) {
    super();
    softmax2dArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`Softmax2d: requires a 3D or 4D tensor as input, got shape ${fmtShape(x.shape)}`);
    return x.softmax(-3);
  }
}

const CELU_DECL = "CELU(float alpha=1.0, bool inplace=false)";
const celuArgs = declareArgs(CELU_DECL, "nn");

/** max(0, x) + min(0, alpha · (exp(x / alpha) - 1)). @example new nn.CELU(0.5) */
export class CELU extends InplaceActivation {
  readonly alpha: number;
  constructor(...args: CtorArgs<typeof CELU_DECL>) {
    const [alpha, inplace] = celuArgs.bind(args);
    super(inplace);
    this.alpha = alpha;
  }
  protected fn(x: Tensor): Tensor {
    return F.celu(x, this.alpha);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return F.celuInPlace(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceText(this.inplace, ", ")}`;
  }
}

const SELU_DECL = "SELU(bool inplace=false)";
const seluArgs = declareArgs(SELU_DECL, "nn");

/** scale · ELU(x, alpha) with the self-normalising constants. */
export class SELU extends InplaceActivation {
  constructor(...args: CtorArgs<typeof SELU_DECL>) {
    super(...seluArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return F.selu(x);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return F.seluInPlace(x);
  }
}

const HARDSIGMOID = "Hardsigmoid(bool inplace=false)";
const hardsigmoidArgs = declareArgs(HARDSIGMOID, "nn");

/** relu6(x + 3) / 6. */
export class Hardsigmoid extends InplaceActivation {
  constructor(...args: CtorArgs<typeof HARDSIGMOID>) {
    super(...hardsigmoidArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return F.hardsigmoid(x);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return applyInPlace(x, "hardsigmoid_", (s) => this.fn(s));
  }
  /** PyTorch prints no arguments for it, inplace or not. */
  override extraRepr(): string {
    return "";
  }
}

const HARDSWISH = "Hardswish(bool inplace=false)";
const hardswishArgs = declareArgs(HARDSWISH, "nn");

/** x · relu6(x + 3) / 6 (MobileNetV3). */
export class Hardswish extends InplaceActivation {
  constructor(...args: CtorArgs<typeof HARDSWISH>) {
    super(...hardswishArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return F.hardswish(x);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return applyInPlace(x, "hardswish_", (s) => this.fn(s));
  }
  /** PyTorch prints no arguments for it, inplace or not. */
  override extraRepr(): string {
    return "";
  }
}

// PyTorch's deprecated aliases min_value/max_value are left out
const HARDTANH = "Hardtanh(float minVal=-1.0, float maxVal=1.0, bool inplace=false)";
const hardtanhArgs = declareArgs(HARDTANH, "nn");

/** x clamped into [minVal, maxVal]. @example new nn.Hardtanh(-2, 2) */
export class Hardtanh extends InplaceActivation {
  readonly minVal: number;
  readonly maxVal: number;
  constructor(...args: CtorArgs<typeof HARDTANH>) {
    const [minVal, maxVal, inplace] = hardtanhArgs.bind(args);
    super(inplace);
    this.minVal = minVal;
    this.maxVal = maxVal;
    if (!(this.maxVal > this.minVal)) throw new FluxionError(`Hardtanh: maxVal must be greater than minVal, got minVal=${this.minVal}, maxVal=${this.maxVal}`);
  }
  protected fn(x: Tensor): Tensor {
    return F.hardtanh(x, this.minVal, this.maxVal);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return applyInPlace(x, "hardtanh_", (s) => this.fn(s));
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceText(this.inplace, ", ")}`;
  }
}

const RELU6 = "ReLU6(bool inplace=false)";
const relu6Args = declareArgs(RELU6, "nn");

/** min(max(0, x), 6): a Hardtanh(0, 6), as PyTorch's. */
export class ReLU6 extends Hardtanh {
  constructor(...args: CtorArgs<typeof RELU6>) {
    const [inplace] = relu6Args.bind(args);
    super(0, 6, inplace);
  }
  override extraRepr(): string {
    return inplaceText(this.inplace);
  }
}

const MISH = "Mish(bool inplace=false)";
const mishArgs = declareArgs(MISH, "nn");

/** x · tanh(softplus(x)). */
export class Mish extends InplaceActivation {
  constructor(...args: CtorArgs<typeof MISH>) {
    super(...mishArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return F.mish(x);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return applyInPlace(x, "mish_", (s) => this.fn(s));
  }
}

const THRESHOLD = "Threshold(float threshold, float value, bool inplace=false)";
const thresholdArgs = declareArgs(THRESHOLD, "nn");

/** x where x > threshold, else value. @example new nn.Threshold(0.1, 20) */
export class Threshold extends InplaceActivation {
  readonly threshold: number;
  readonly value: number;
  constructor(...args: CtorArgs<typeof THRESHOLD>) {
    const [threshold, value, inplace] = thresholdArgs.bind(args);
    super(inplace);
    this.threshold = threshold;
    this.value = value;
  }
  protected fn(x: Tensor): Tensor {
    return F.threshold(x, this.threshold, this.value);
  }
  protected fnInPlace(x: Tensor): Tensor {
    return applyInPlace(x, "threshold_", (s) => this.fn(s));
  }
  override extraRepr(): string {
    return `threshold=${pyFloat(this.threshold)}, value=${pyFloat(this.value)}${inplaceText(this.inplace, ", ")}`;
  }
}

const SOFTSIGN = "Softsign()";
const softsignArgs = declareArgs(SOFTSIGN, "nn");

/** x / (1 + |x|). */
export class Softsign extends Activation {
  constructor(...args: CtorArgs<typeof SOFTSIGN>) {
    super();
    softsignArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
    return F.softsign(x);
  }
}

const LOG_SIGMOID = "LogSigmoid()";
const logSigmoidArgs = declareArgs(LOG_SIGMOID, "nn");

/** log(sigmoid(x)), finite for any x. */
export class LogSigmoid extends Activation {
  constructor(...args: CtorArgs<typeof LOG_SIGMOID>) {
    super();
    logSigmoidArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
    return F.logsigmoid(x);
  }
}

const TANHSHRINK = "Tanhshrink()";
const tanhshrinkArgs = declareArgs(TANHSHRINK, "nn");

/** x - tanh(x). */
export class Tanhshrink extends Activation {
  constructor(...args: CtorArgs<typeof TANHSHRINK>) {
    super();
    tanhshrinkArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
    return F.tanhshrink(x);
  }
}

/** Softshrink and Hardshrink: a threshold lambd, printed alone ("Softshrink(0.5)"). */
abstract class ShrinkActivation extends Activation {
  readonly lambd: number;
  constructor(lambd: number) {
    super();
    this.lambd = lambd;
  }
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}

const SOFTSHRINK = "Softshrink(float lambd=0.5)";
const softshrinkArgs = declareArgs(SOFTSHRINK, "nn");

/** x ∓ lambd outside [-lambd, lambd], 0 inside. */
export class Softshrink extends ShrinkActivation {
  constructor(...args: CtorArgs<typeof SOFTSHRINK>) {
    super(...softshrinkArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return F.softshrink(x, this.lambd);
  }
}

const HARDSHRINK = "Hardshrink(float lambd=0.5)";
const hardshrinkArgs = declareArgs(HARDSHRINK, "nn");

/** x outside [-lambd, lambd], 0 inside. */
export class Hardshrink extends ShrinkActivation {
  constructor(...args: CtorArgs<typeof HARDSHRINK>) {
    super(...hardshrinkArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return F.hardshrink(x, this.lambd);
  }
}

const SOFTMIN = "Softmin(int? dim=null)";
const softminArgs = declareArgs(SOFTMIN, "nn");

/** softmax(-x) along dim. @example new nn.Softmin(1) */
export class Softmin extends SoftmaxActivation {
  constructor(...args: CtorArgs<typeof SOFTMIN>) {
    super(...softminArgs.bind(args));
  }
  protected fn(x: Tensor): Tensor {
    return F.softmin(x, this.dimFor(x, "Softmin"));
  }
}

const GLU_DECL = "GLU(int dim=-1)";
const gluArgs = declareArgs(GLU_DECL, "nn");

/** a · sigmoid(b), a and b the halves of the input along dim. @example new nn.GLU(1) */
export class GLU extends Activation {
  readonly dim: number;
  constructor(...args: CtorArgs<typeof GLU_DECL>) {
    super();
    [this.dim] = gluArgs.bind(args);
  }
  protected fn(x: Tensor): Tensor {
    return F.glu(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

const PRELU = "PReLU(int numParameters=1, float init=0.25, *, Device? device=null, ScalarType? dtype=null)";
const preluArgs = declareArgs(PRELU, "nn");

/**
 * x for x > 0, weight · x otherwise, with a learnable weight: one value, or one per channel
 * (numParameters = C, the input's dim 1).
 * @example new nn.PReLU(3).forward(x) // x [N, 3, H, W]
 */
export class PReLU extends Activation {
  weight: Parameter;
  readonly numParameters: number;
  readonly init: number;
  constructor(...args: CtorArgs<typeof PRELU>) {
    super();
    const [numParameters, init, { device, dtype }] = preluArgs.bind(args);
    checkLayerSizes("PReLU", { numParameters }, device, ["numParameters"]);
    this.numParameters = numParameters;
    this.init = init;
    this.weight = new Parameter(full([numParameters], init, { dtype, device }));
  }
  resetParameters(): void {
    noGrad(() => this.weight.fill_(this.init));
  }
  protected fn(x: Tensor): Tensor {
    return F.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

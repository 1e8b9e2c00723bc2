/**
 * The Distribution base class (torch.distributions.Distribution): batch and event shapes,
 * argument validation against `argConstraints` (on by default, as PyTorch's), sample() as
 * rsample() without grad, the sample-value checks logProb/cdf run, expand() and the repr.
 * Subclasses hold their parameters as tensors and compute with tensor ops only; the one host
 * read is the `.all()` of a validation check, as in PyTorch.
 */
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad_mode.js";
import { ArgumentError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { tensor } from "../functional.js";
import { readHostItem } from "../tensor/host_read.js";
import { type Constraint } from "./constraints.js";
import { named, requireAll, shapeArg } from "./utils.js";

/** What a distribution does not define (PyTorch's NotImplementedError). */
export class NotImplementedDistributionError extends FluxionError {}

let defaultValidate = true;

/** Common options of every distribution constructor. */
export interface DistributionOptions {
  /** Check parameters and sample values (PyTorch's validate_args; default true, see setDefaultValidateArgs). */
  validateArgs?: boolean | null;
}

/**
 * PyTorch's repr of a parameter: a one-element tensor formats as itself (a 0-d one as its
 * Python float, "0.0", "0.30000001192092896"), a larger one as its size, "torch.Size([2])".
 */
function reprParam(t: Tensor): string {
  if (t.numel() === 1 && t.device === "cpu") {
    if (t.ndim > 0) return t.toString();
    const v = readHostItem<number>(t, "distributions repr");
    return Number.isInteger(v) ? v.toFixed(1) : String(v);
  }
  return `torch.Size([${t.shape.join(", ")}])`;
}

/**
 * The base class (torch.distributions.Distribution). A user-defined distribution extends it as
 * in PyTorch: `super(batchShape, eventShape, validateArgs)`, then override logProb, sample or
 * rsample, support and what else it has.
 * @example class Coin extends distributions.Distribution { constructor() { super([], []); } }
 */
export class Distribution {
  /** The parameters' constraints (checked at construction when validateArgs is on). */
  static readonly argConstraints: Record<string, Constraint> = {};
  /** Whether rsample() is implemented (reparameterized, differentiable samples). */
  get hasRsample(): boolean {
    return false;
  }
  /** Whether enumerateSupport() is implemented (discrete distributions with a finite support). */
  get hasEnumerateSupport(): boolean {
    return false;
  }
  batchShape: number[];
  eventShape: number[];
  /** @internal */
  _validateArgs: boolean;

  /** Turns validation on or off for distributions built afterwards without validateArgs (Distribution.set_default_validate_args). */
  static setDefaultValidateArgs(value: boolean): void {
    if (typeof value !== "boolean") throw new ArgumentError(`Distribution.setDefaultValidateArgs: expected a boolean, got ${describeValue(value)}`);
    defaultValidate = value;
  }

  constructor(batchShape: readonly number[] = [], eventShape: readonly number[] = [], validateArgs?: boolean | null) {
    this.batchShape = [...batchShape];
    this.eventShape = [...eventShape];
    if (validateArgs !== undefined && validateArgs !== null && typeof validateArgs !== "boolean") {
      throw new ArgumentError(`${this.constructor.name}: validateArgs must be a boolean or null, got ${describeValue(validateArgs)}`);
    }
    this._validateArgs = validateArgs ?? defaultValidate;
  }

  /** The distribution's name in messages. */
  protected get distName(): string {
    return this.constructor.name;
  }

  /** The parameters to print and validate: name -> tensor (null when not set). A subclass lists its own. */
  protected params(): Record<string, Tensor | null> {
    return {};
  }

  /** Subclasses call this at the end of their constructor: checks each parameter against its constraint. */
  protected validateParams(): void {
    if (!this._validateArgs) return;
    const constraints = (this.constructor as typeof Distribution).argConstraints;
    const params = this.params();
    for (const [name, c] of Object.entries(constraints)) {
      const v = params[name];
      if (v === null || v === undefined || c.isDependent) continue;
      requireAll(c.check(v), (withValues) =>
        `${this.distName}: expected parameter ${name} (Tensor of shape ${fmtShape(v.shape)}) of distribution ${this.toString()} to satisfy the constraint ${c}${withValues ? `, but found invalid values:\n${v.toString()}` : ""}`,
      `${this.distName} validateArgs`);
    }
  }

  /** The class's argConstraints, as PyTorch's `dist.arg_constraints` on an instance. */
  get argConstraints(): Record<string, Constraint> {
    return (this.constructor as typeof Distribution).argConstraints;
  }

  /** The set of values samples take (used to check logProb's argument); a subclass defines it. */
  get support(): Constraint {
    return this.notDefined("support");
  }

  /** [...sampleShape, ...batchShape, ...eventShape]. */
  protected extendedShape(sampleShape: readonly number[] = []): number[] {
    return [...sampleShape, ...this.batchShape, ...this.eventShape];
  }

  /** Draws samples of shape [...sampleShape, ...batchShape, ...eventShape], without gradient. */
  sample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = shapeArg(`${this.distName}.sample`, "sampleShape", sampleShape);
    return noGrad(() => this.rsample(shape));
  }

  /** Reparameterized samples: gradients flow to the parameters (where hasRsample). */
  rsample(_sampleShape: number | readonly number[] = []): Tensor {
    throw new NotImplementedDistributionError(`${this.distName}.rsample: ${this.distName} has no reparameterized sampler (hasRsample is false); use sample()`);
  }

  /** n samples: sample([n]). */
  sampleN(n: number): Tensor {
    return this.sample([n]);
  }

  /** The log of the density/mass at `value`. */
  logProb(_value: Tensor): Tensor {
    return this.notDefined("logProb");
  }
  cdf(_value: Tensor): Tensor {
    return this.notDefined("cdf");
  }
  icdf(_value: Tensor): Tensor {
    return this.notDefined("icdf");
  }
  entropy(): Tensor {
    return this.notDefined("entropy");
  }
  /** exp(entropy()). */
  perplexity(): Tensor {
    return this.entropy().exp();
  }
  /** Every value of a discrete support, along a new leading dim (expand: false keeps size-1 batch dims). */
  enumerateSupport(_expand = true): Tensor {
    return this.notDefined("enumerateSupport");
  }
  get mean(): Tensor {
    return this.notDefined("mean");
  }
  get mode(): Tensor {
    return this.notDefined("mode");
  }
  get variance(): Tensor {
    return this.notDefined("variance");
  }
  get stddev(): Tensor {
    return this.variance.sqrt();
  }

  protected notDefined(what: string): never {
    throw new NotImplementedDistributionError(`${this.distName}.${what} is not defined (as in PyTorch)`);
  }

  /**
   * A new distribution with the batch shape broadcast to `batchShape` (parameters expanded,
   * no copy). Subclasses list the tensors to expand in `expandFields`.
   */
  expand(batchShape: number | readonly number[]): this {
    const shape = shapeArg(`${this.distName}.expand`, "batchShape", batchShape);
    return named(`${this.distName}.expand`, () => {
      const next = Object.create(Object.getPrototypeOf(this)) as this;
      Object.assign(next, this);
      for (const [field, eventDims] of this.expandFields()) {
        const t = (this as unknown as Record<string, Tensor | null>)[field];
        if (t instanceof Tensor) (next as unknown as Record<string, Tensor>)[field] = t.expand([...shape, ...t.shape.slice(t.ndim - eventDims)]);
      }
      next.batchShape = shape;
      next.afterExpand(this);
      return next;
    });
  }
  /** [field, number of trailing event dims] for each tensor expand() broadcasts. */
  protected expandFields(): [string, number][] {
    return [];
  }
  /** Hook for expand() (Independent expands its base). */
  protected afterExpand(_from: this): void {}

  /**
   * PyTorch's _validate_sample: `value` must be a Tensor whose rightmost dims are the event
   * shape and that broadcasts with batchShape + eventShape, and (with validateArgs) lie in the
   * support. Numbers are taken as tensors when validation is off.
   */
  protected checkValue(value: unknown, what = "logProb", inSupport = true): Tensor {
    if (!(value instanceof Tensor)) {
      if (!this._validateArgs && typeof value === "number") return tensor(value);
      throw new ArgumentError(`${this.distName}.${what}: the value argument must be a Tensor, got ${describeValue(value)}`);
    }
    if (!this._validateArgs || !inSupport) return value;
    const ev = this.eventShape, n = value.ndim;
    if (n < ev.length || value.shape.slice(n - ev.length).some((d, i) => d !== ev[i])) {
      throw new ShapeError(`${this.distName}.${what}: the right-most size of value must match event_shape: ${fmtShape(value.shape)} vs ${fmtShape(ev)}`);
    }
    const expected = [...this.batchShape, ...ev];
    for (let i = 1; i <= Math.min(n, expected.length); i++) {
      const a = value.shape[n - i]!, b = expected[expected.length - i]!;
      if (a !== 1 && b !== 1 && a !== b) {
        throw new ShapeError(`${this.distName}.${what}: value is not broadcastable with batch_shape+event_shape: ${fmtShape(value.shape)} vs ${fmtShape(expected)}`);
      }
    }
    const support = this.support;
    if (!support.isDependent) {
      requireAll(support.check(value), (withValues) =>
        `${this.distName}.${what}: expected value argument (Tensor of shape ${fmtShape(value.shape)}) to be within the support (${support}) of the distribution ${this.toString()}${withValues ? `, but found invalid values:\n${value.toString()}` : ""}`,
      `${this.distName}.${what} validateArgs`);
    }
    return value;
  }

  toString(): string {
    const parts = Object.entries(this.params())
      .filter((e): e is [string, Tensor] => e[1] instanceof Tensor)
      .map(([k, v]) => `${k}: ${reprParam(v)}`);
    return `${this.distName}(${parts.join(", ")})`;
  }
}

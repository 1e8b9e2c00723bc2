/**
 * Transforms (torch.distributions.transforms) for TransformedDistribution: invertible maps
 * with the log |det Jacobian| that logProb needs. Those here map each event to an event of
 * the same shape (elementwise, or AffineTransform over `eventDim` dims). A transform is
 * called as `t.forward(x)` (PyTorch's `t(x)`); `t.inv` is its inverse transform.
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError } from "../errors.js";
import { describeValue } from "../api/args.js";
import { broadcastShapes } from "../tensor/shape.js";
import * as constraints from "./constraints.js";
import { finfo, sumRightmost } from "./utils.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";

const group = "distributions.transforms";
const EXP = "ExpTransform(int cacheSize=0)";
const SIGMOID = "SigmoidTransform(int cacheSize=0)";
const TANH = "TanhTransform(int cacheSize=0)";
const AFFINE = "AffineTransform(Tensor|float loc, Tensor|float scale, int eventDim=0, int cacheSize=0)";
const COMPOSE = "ComposeTransform(Any parts, int cacheSize=0)";
const expArgs = declareArgs(EXP, group), sigmoidArgs = declareArgs(SIGMOID, group), tanhArgs = declareArgs(TANH, group);
const affineArgs = declareArgs(AFFINE, group), composeArgs = declareArgs(COMPOSE, group);

export class Transform {
  /** Whether forward is a bijection, and the sign of its derivative (monotone transforms: +1 or -1). */
  readonly bijective: boolean = true;
  private cached: [Tensor, Tensor] | null = null;
  /**
   * cacheSize 1 keeps the last (x, y) pair, so inverse(y) of the y just produced returns x
   * exactly (TanhTransform(cache_size=1)'s use: no atanh(±1) at saturated samples).
   */
  readonly cacheSize: number;
  constructor(cacheSize = 0) {
    if (cacheSize !== 0 && cacheSize !== 1) throw new ArgumentError(`${this.constructor.name}: cacheSize must be 0 or 1, got ${describeValue(cacheSize)}`);
    this.cacheSize = cacheSize;
  }
  get domain(): constraints.Constraint {
    return constraints.real;
  }
  get codomain(): constraints.Constraint {
    return constraints.real;
  }
  get sign(): number {
    return 1;
  }
  /** y = t(x). */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new ArgumentError(`${this.constructor.name}: expected a Tensor, got ${describeValue(x)}`);
    if (this.cacheSize === 1 && this.cached !== null && this.cached[0] === x) return this.cached[1];
    const y = this._call(x);
    if (this.cacheSize === 1) this.cached = [x, y];
    return y;
  }
  /** x = t⁻¹(y). */
  inverse(y: Tensor): Tensor {
    if (!(y instanceof Tensor)) throw new ArgumentError(`${this.constructor.name}.inv: expected a Tensor, got ${describeValue(y)}`);
    if (this.cacheSize === 1 && this.cached !== null && this.cached[1] === y) return this.cached[0];
    const x = this._inverse(y);
    if (this.cacheSize === 1) this.cached = [x, y];
    return x;
  }
  /** The inverse as a transform (PyTorch's t.inv). */
  get inv(): Transform {
    return new InverseTransform(this);
  }
  /** log |dy/dx| (summed over the transform's event dims). */
  logAbsDetJacobian(_x: Tensor, _y: Tensor): Tensor {
    throw new ArgumentError(`${this.constructor.name}.logAbsDetJacobian is not implemented`);
  }
  /** The output shape for an input shape (broadcasting parameters, for AffineTransform). */
  forwardShape(shape: readonly number[]): number[] {
    return [...shape];
  }
  inverseShape(shape: readonly number[]): number[] {
    return [...shape];
  }
  protected _call(_x: Tensor): Tensor {
    throw new ArgumentError(`${this.constructor.name} is not implemented`);
  }
  protected _inverse(_y: Tensor): Tensor {
    throw new ArgumentError(`${this.constructor.name} has no inverse`);
  }
  toString(): string {
    return `${this.constructor.name}()`;
  }
}

// data.transforms has a Transform class too: a bundler renames one of them (Transform2), so
// the name messages and reprs read is set explicitly
Object.defineProperty(Transform, "name", { value: "Transform" });

class InverseTransform extends Transform {
  constructor(readonly base: Transform) {
    super(0);
  }
  override get domain(): constraints.Constraint {
    return this.base.codomain;
  }
  override get codomain(): constraints.Constraint {
    return this.base.domain;
  }
  override get sign(): number {
    return this.base.sign;
  }
  override get inv(): Transform {
    return this.base;
  }
  override forward(x: Tensor): Tensor {
    return this.base.inverse(x);
  }
  override inverse(y: Tensor): Tensor {
    return this.base.forward(y);
  }
  override logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    return this.base.logAbsDetJacobian(y, x).neg();
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.base.inverseShape(shape);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.base.forwardShape(shape);
  }
  override toString(): string {
    return `_InverseTransform(${this.base})`;
  }
}

/** y = exp(x). */
export class ExpTransform extends Transform {
  constructor(...args: CtorArgs<typeof EXP>) {
    super(...expArgs.bind(args));
  }
  override get codomain(): constraints.Constraint {
    return constraints.positive;
  }
  protected override _call(x: Tensor): Tensor {
    return x.exp();
  }
  protected override _inverse(y: Tensor): Tensor {
    return y.log();
  }
  override logAbsDetJacobian(x: Tensor, _y: Tensor): Tensor {
    return x;
  }
}

/** y = sigmoid(x), kept inside [tiny, 1 - eps] as PyTorch's. */
export class SigmoidTransform extends Transform {
  constructor(...args: CtorArgs<typeof SIGMOID>) {
    super(...sigmoidArgs.bind(args));
  }
  override get codomain(): constraints.Constraint {
    return constraints.unitInterval;
  }
  protected override _call(x: Tensor): Tensor {
    const { tiny, eps } = finfo(x.dtype);
    return x.sigmoid().clamp(tiny, 1 - eps);
  }
  protected override _inverse(y: Tensor): Tensor {
    const { tiny, eps } = finfo(y.dtype);
    const c = y.clamp(tiny, 1 - eps);
    return c.log().sub(c.neg().log1p());
  }
  override logAbsDetJacobian(x: Tensor, _y: Tensor): Tensor {
    return x.neg().softplus().neg().sub(x.softplus());
  }
}

/** y = tanh(x); log|dy/dx| = 2 (log 2 - x - softplus(-2x)), PyTorch's stable form. */
export class TanhTransform extends Transform {
  constructor(...args: CtorArgs<typeof TANH>) {
    super(...tanhArgs.bind(args));
  }
  override get codomain(): constraints.Constraint {
    return constraints.interval(-1, 1);
  }
  protected override _call(x: Tensor): Tensor {
    return x.tanh();
  }
  protected override _inverse(y: Tensor): Tensor {
    return y.log1p().sub(y.neg().log1p()).mul(0.5);
  }
  override logAbsDetJacobian(x: Tensor, _y: Tensor): Tensor {
    return x.mul(-2).softplus().add(x).neg().add(Math.LN2).mul(2);
  }
}

/** y = loc + scale x, over events of `eventDim` dims (loc and scale broadcast). */
export class AffineTransform extends Transform {
  readonly loc: Tensor | number;
  readonly scale: Tensor | number;
  readonly eventDim: number;
  constructor(...args: CtorArgs<typeof AFFINE>) {
    const [loc, scale, eventDim, cacheSize] = affineArgs.bind(args);
    super(cacheSize);
    if (eventDim < 0) throw new ArgumentError(`AffineTransform: eventDim must be a non-negative integer, got ${eventDim}`);
    [this.loc, this.scale, this.eventDim] = [loc, scale, eventDim];
  }
  override get domain(): constraints.Constraint {
    return this.eventDim ? constraints.independent(constraints.real, this.eventDim) : constraints.real;
  }
  override get codomain(): constraints.Constraint {
    return this.domain;
  }
  override get sign(): number {
    if (typeof this.scale === "number") return Math.sign(this.scale);
    throw new ArgumentError("AffineTransform.sign: only defined for a number scale");
  }
  protected override _call(x: Tensor): Tensor {
    return x.mul(this.scale).add(this.loc);
  }
  protected override _inverse(y: Tensor): Tensor {
    return y.sub(this.loc).div(this.scale);
  }
  override logAbsDetJacobian(x: Tensor, _y: Tensor): Tensor {
    const s = this.scale;
    const result = typeof s === "number" ? x.mul(0).add(Math.log(Math.abs(s))) : s.abs().log().expand(broadcastShapes("AffineTransform", s.shape, x.shape));
    return sumRightmost(result, this.eventDim);
  }
  override forwardShape(shape: readonly number[]): number[] {
    const shapes = [shape, ...[this.loc, this.scale].filter((v): v is Tensor => v instanceof Tensor).map((t) => t.shape)];
    return broadcastShapes("AffineTransform", ...shapes);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.forwardShape(shape);
  }
}

/** Transforms applied in order (PyTorch's ComposeTransform). */
export class ComposeTransform extends Transform {
  readonly parts: Transform[];
  constructor(...args: CtorArgs<typeof COMPOSE>) {
    const [parts, cacheSize] = composeArgs.bind(args) as [Transform[], number];
    super(cacheSize);
    if (!Array.isArray(parts) || !parts.every((p) => p instanceof Transform)) {
      throw new ArgumentError(`ComposeTransform: expected a list of Transforms, got ${describeValue(parts)}`);
    }
    this.parts = [...parts];
  }
  /** The number of event dims of the domain (the most any part needs, carried back through the shape-changing parts). */
  get eventDim(): number {
    return this.domain.eventDim;
  }
  /** parts[0]'s domain, over as many event dims as the parts need (PyTorch's ComposeTransform.domain). */
  override get domain(): constraints.Constraint {
    if (this.parts.length === 0) return constraints.real;
    const domain = this.parts[0]!.domain;
    let ev = this.parts.at(-1)!.codomain.eventDim;
    for (const p of [...this.parts].reverse()) ev = Math.max(ev + p.domain.eventDim - p.codomain.eventDim, p.domain.eventDim);
    return ev > domain.eventDim ? constraints.independent(domain, ev - domain.eventDim) : domain;
  }
  override get codomain(): constraints.Constraint {
    if (this.parts.length === 0) return constraints.real;
    const codomain = this.parts.at(-1)!.codomain;
    let ev = this.parts[0]!.domain.eventDim;
    for (const p of this.parts) ev = Math.max(ev + p.codomain.eventDim - p.domain.eventDim, p.codomain.eventDim);
    return ev > codomain.eventDim ? constraints.independent(codomain, ev - codomain.eventDim) : codomain;
  }
  override get sign(): number {
    return this.parts.reduce((s, p) => s * p.sign, 1);
  }
  protected override _call(x: Tensor): Tensor {
    return this.parts.reduce((v, p) => p.forward(v), x);
  }
  protected override _inverse(y: Tensor): Tensor {
    return this.parts.reduceRight((v, p) => p.inverse(v), y);
  }
  override logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    if (this.parts.length === 0) return x.mul(0);
    let ev = this.domain.eventDim;
    let total: Tensor | null = null;
    let cur = x;
    for (const p of this.parts) {
      const next = p.forward(cur);
      const term = sumRightmost(p.logAbsDetJacobian(cur, next), ev - p.domain.eventDim);
      total = total === null ? term : total.add(term);
      ev += p.codomain.eventDim - p.domain.eventDim;
      cur = next;
    }
    void y;
    return total!;
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.parts.reduce((s, p) => p.forwardShape(s), [...shape]);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.parts.reduceRight((s, p) => p.inverseShape(s), [...shape]);
  }
}

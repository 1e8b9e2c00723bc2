/**
 * TransformedDistribution(base, transforms) (torch.distributions.TransformedDistribution):
 * samples of `base` pushed through the transforms; logProb inverts them and subtracts each
 * log |det Jacobian| (a tanh-squashed Gaussian policy, a log-normal built by hand).
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { shapesEqual } from "../tensor/shape.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Independent } from "./independent.js";
import { ComposeTransform, Transform } from "./transforms.js";
import { named, shapeArg, sumRightmost } from "./utils.js";

const TRANSFORMED = "TransformedDistribution(Any baseDistribution, Any transforms, bool? validateArgs=null)";
const transformedArgs = declareArgs(TRANSFORMED, "distributions");

/**
 * @example new distributions.TransformedDistribution(new distributions.Normal(mu, std), [new distributions.transforms.TanhTransform(1)])
 */
export class TransformedDistribution extends Distribution {
  baseDist: Distribution;
  transforms: Transform[];
  constructor(...args: CtorArgs<typeof TRANSFORMED>) {
    const [base, ts, validateArgs] = transformedArgs.bind(args);
    if (!(base instanceof Distribution)) throw new ArgumentError(`TransformedDistribution: baseDistribution must be a Distribution, got ${describeValue(base)}`);
    const list = ts instanceof Transform ? [ts] : ts;
    if (!Array.isArray(list) || !list.every((t) => t instanceof Transform)) {
      throw new ArgumentError(`TransformedDistribution: transforms must be a Transform or a list of Transforms, got ${describeValue(ts)}`);
    }
    const transform = new ComposeTransform(list);
    const baseShape = [...base.batchShape, ...base.eventShape];
    const baseEventDim = base.eventShape.length;
    const domainEventDim = transform.domain.eventDim;
    if (baseShape.length < domainEventDim) {
      throw new ShapeError(`TransformedDistribution: baseDistribution needs a shape of at least ${domainEventDim} dims, got ${fmtShape(baseShape)}`);
    }
    const shape = named("TransformedDistribution", () => transform.forwardShape(baseShape));
    const expandedBase = transform.inverseShape(shape);
    let b = base;
    if (!shapesEqual(baseShape, expandedBase)) b = b.expand(expandedBase.slice(0, expandedBase.length - baseEventDim));
    if (domainEventDim > baseEventDim) b = new Independent(b, domainEventDim - baseEventDim);
    const eventDim = transform.codomain.eventDim + Math.max(baseEventDim - domainEventDim, 0);
    const cut = shape.length - eventDim;
    super(shape.slice(0, cut), shape.slice(cut), validateArgs);
    this.baseDist = b;
    this.transforms = list;
  }
  override get hasRsample(): boolean {
    return this.baseDist.hasRsample;
  }
  protected override afterExpand(from: this): void {
    let shape = [...this.batchShape, ...this.eventShape];
    for (const t of [...this.transforms].reverse()) shape = t.inverseShape(shape);
    this.baseDist = from.baseDist.expand(shape.slice(0, shape.length - from.baseDist.eventShape.length));
  }
  override get support(): constraints.Constraint {
    if (this.transforms.length === 0) return this.baseDist.support;
    const c = this.transforms.at(-1)!.codomain;
    const extra = this.eventShape.length - c.eventDim;
    return extra > 0 ? constraints.independent(c, extra) : c;
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("TransformedDistribution.sample", "sampleShape", sampleShape);
    return this.transforms.reduce((x, t) => t.forward(x), this.baseDist.sample(s));
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("TransformedDistribution.rsample", "sampleShape", sampleShape);
    return this.transforms.reduce((x, t) => t.forward(x), this.baseDist.rsample(s));
  }
  override logProb(value: Tensor): Tensor {
    let y = this.checkValue(value);
    return named("TransformedDistribution.logProb", () => {
      let eventDim = this.eventShape.length;
      let lp: Tensor | null = null;
      for (const t of [...this.transforms].reverse()) {
        const x = t.inverse(y);
        eventDim += t.domain.eventDim - t.codomain.eventDim;
        const term = sumRightmost(t.logAbsDetJacobian(x, y), eventDim - t.domain.eventDim);
        lp = lp === null ? term.neg() : lp.sub(term);
        y = x;
      }
      const base = sumRightmost(this.baseDist.logProb(y), eventDim - this.baseDist.eventShape.length);
      return lp === null ? base : lp.add(base);
    });
  }
  /** Through monotone transforms only (the sign flips the CDF), as PyTorch's. */
  override cdf(value: Tensor): Tensor {
    let v = this.checkValue(value, "cdf");
    for (const t of [...this.transforms].reverse()) v = t.inverse(v);
    const c = this.baseDist.cdf(v);
    return new ComposeTransform(this.transforms).sign === 1 ? c : c.neg().add(1);
  }
  override icdf(value: Tensor): Tensor {
    let v = this.checkValue(value, "icdf", false);
    if (new ComposeTransform(this.transforms).sign !== 1) v = v.neg().add(1);
    return this.transforms.reduce((x, t) => t.forward(x), this.baseDist.icdf(v));
  }
  /** Subclasses that list parameters (RelaxedBernoulli, LogisticNormal, ...) print them, as other distributions. */
  override toString(): string {
    return Object.keys(this.params()).length ? super.toString() : `TransformedDistribution()`;
  }
}

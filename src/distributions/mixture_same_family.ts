/**
 * MixtureSameFamily(mixtureDistribution, componentDistribution)
 * (torch.distributions.MixtureSameFamily): a Categorical over K components that all come from
 * one distribution whose rightmost batch dim has size K (mixture density networks, Gaussian
 * mixtures). logProb is a logsumexp over the components, sample gathers the chosen
 * component's draw; there is no rsample (the choice is discrete).
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { noGrad } from "../autograd/grad_mode.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Categorical } from "./categorical.js";
import { named, shapeArg } from "./utils.js";

const MIXTURE = "MixtureSameFamily(Any mixtureDistribution, Any componentDistribution, bool? validateArgs=null)";
const mixtureArgs = declareArgs(MIXTURE, "distributions");

/**
 * @example
 * const mix = new distributions.Categorical({ logits: pi });            // [B, K]
 * const comp = new distributions.Independent(new distributions.Normal(mu, sigma), 1); // batch [B, K], event [D]
 * const gmm = new distributions.MixtureSameFamily(mix, comp);           // batch [B], event [D]
 * const nll = gmm.logProb(y).neg().mean();
 */
export class MixtureSameFamily extends Distribution {
  static override readonly argConstraints = {};
  mixtureDistribution: Categorical;
  componentDistribution: Distribution;
  private numComponent: number;
  private eventNdims: number;
  constructor(...args: CtorArgs<typeof MIXTURE>) {
    const [mixture, component, validateArgs] = mixtureArgs.bind(args);
    if (!(mixture instanceof Categorical)) {
      throw new ArgumentError(`MixtureSameFamily: mixtureDistribution must be an instance of Categorical, got ${mixture instanceof Distribution ? mixture.constructor.name : describeValue(mixture)}`);
    }
    if (!(component instanceof Distribution)) {
      throw new ArgumentError(`MixtureSameFamily: componentDistribution must be a Distribution, got ${describeValue(component)}`);
    }
    const mdbs = mixture.batchShape, cbs = component.batchShape;
    if (cbs.length === 0) throw new ShapeError("MixtureSameFamily: componentDistribution needs a batch dim of the components (its batch shape is [])");
    const cdbs = cbs.slice(0, -1);
    for (let i = 1; i <= Math.min(mdbs.length, cdbs.length); i++) {
      const a = mdbs[mdbs.length - i]!, b = cdbs[cdbs.length - i]!;
      if (a !== 1 && b !== 1 && a !== b) {
        throw new ShapeError(`MixtureSameFamily: mixtureDistribution.batchShape (${fmtShape(mdbs)}) is not compatible with componentDistribution.batchShape (${fmtShape(cbs)})`);
      }
    }
    const km = mixture.numEvents, kc = cbs.at(-1)!;
    if (km !== kc) throw new ShapeError(`MixtureSameFamily: the mixture's number of components (${km}) does not equal componentDistribution.batchShape[-1] (${kc})`);
    super(cdbs, component.eventShape, validateArgs);
    this.mixtureDistribution = mixture;
    this.componentDistribution = component;
    this.numComponent = km;
    this.eventNdims = component.eventShape.length;
  }
  protected override afterExpand(from: this): void {
    this.componentDistribution = from.componentDistribution.expand([...this.batchShape, this.numComponent]);
    this.mixtureDistribution = from.mixtureDistribution.expand(this.batchShape);
  }
  override get support(): constraints.Constraint {
    return this.componentDistribution.support;
  }
  /** x with a component dim inserted before the event dims. */
  private pad(x: Tensor): Tensor {
    return x.unsqueeze(-1 - this.eventNdims);
  }
  /** The mixture's probs [..., K] shaped to broadcast against the components' [...batch, K, ...event]. */
  private padMixtureDimensions(x: Tensor): Tensor {
    const catBatch = this.mixtureDistribution.batchShape.reduce((a, b) => a * b, 1);
    const padNdims = catBatch === 1 ? 0 : this.batchShape.length - this.mixtureDistribution.batchShape.length;
    const xs = x.shape;
    return x.reshape([...xs.slice(0, -1), ...new Array<number>(padNdims).fill(1), xs.at(-1)!, ...new Array<number>(this.eventNdims).fill(1)]);
  }
  override get mean(): Tensor {
    const probs = this.padMixtureDimensions(this.mixtureDistribution.probs);
    return probs.mul(this.componentDistribution.mean).sum(-1 - this.eventNdims);
  }
  override get variance(): Tensor {
    const probs = this.padMixtureDimensions(this.mixtureDistribution.probs);
    const meanCondVar = probs.mul(this.componentDistribution.variance).sum(-1 - this.eventNdims);
    const varCondMean = probs.mul(this.componentDistribution.mean.sub(this.pad(this.mean)).pow(2)).sum(-1 - this.eventNdims);
    return meanCondVar.add(varCondMean);
  }
  /** Σ_k π_k F_k(x), where the component has a cdf. */
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf", false);
    return named("MixtureSameFamily.cdf", () => this.componentDistribution.cdf(this.pad(v)).mul(this.mixtureDistribution.probs).sum(-1));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("MixtureSameFamily.logProb", () => {
      const lp = this.componentDistribution.logProb(this.pad(v));
      return lp.add(this.mixtureDistribution.logits.logSoftmax(-1)).logsumexp(-1);
    });
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("MixtureSameFamily.sample", "sampleShape", sampleShape);
    return noGrad(() => {
      const gatherDim = s.length + this.batchShape.length;
      const es = this.eventShape;
      // a mixture with a broadcast batch shape draws one choice per batch element
      const sameBatch = this.mixtureDistribution.batchShape.join() === this.batchShape.join();
      const mix = (sameBatch ? this.mixtureDistribution : this.mixtureDistribution.expand(this.batchShape)).sample(s);
      const comp = this.componentDistribution.sample(s);
      const idxShape = [...comp.shape.slice(0, gatherDim), 1, ...es];
      const idx = mix.reshape([...mix.shape, ...new Array<number>(es.length + 1).fill(1)]).expand(idxShape);
      return comp.gather(gatherDim, idx).squeeze(gatherDim);
    });
  }
  override toString(): string {
    return `MixtureSameFamily(\n  ${this.mixtureDistribution},\n  ${this.componentDistribution})`;
  }
}

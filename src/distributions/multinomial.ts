/**
 * Multinomial(totalCount, probs | logits) (torch.distributions.Multinomial): the counts of each
 * of K categories in totalCount independent draws of a Categorical (event shape [K]); counts
 * are floats in the parameters' dtype. totalCount is one integer for the whole batch (as
 * PyTorch's), and only logProb works without it being exact.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError } from "../errors.js";
import { arange, where, zeros, zerosLike } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Categorical } from "./categorical.js";
import { Binomial } from "./binomial.js";
import { named, shapeArg } from "./utils.js";

const MULTINOMIAL = "Multinomial(int totalCount=1, Tensor? probs=null, Tensor? logits=null, bool? validateArgs=null)";
const multinomialArgs = declareArgs(MULTINOMIAL, "distributions");

/**
 * @example new distributions.Multinomial(10, tensor([1, 1, 2])).sample() // e.g. tensor([2., 3., 5.])
 */
export class Multinomial extends Distribution {
  static override readonly argConstraints = { probs: constraints.simplex, logits: constraints.realVector };
  totalCount: number;
  /** @internal */
  _categorical: Categorical;
  constructor(...args: CtorArgs<typeof MULTINOMIAL>) {
    const [totalCount, probs, logits, validateArgs] = multinomialArgs.bind(args);
    if (!(totalCount >= 0)) throw new ArgumentError(`Multinomial: totalCount must be a non-negative integer, got ${totalCount}`);
    const cat = named("Multinomial", () => new Categorical({ probs, logits, validateArgs }));
    super(cat.batchShape, [cat.numEvents], validateArgs);
    this.totalCount = totalCount;
    this._categorical = cat;
  }
  get probs(): Tensor {
    return this._categorical.probs;
  }
  get logits(): Tensor {
    return this._categorical.logits;
  }
  protected override params(): Record<string, Tensor | null> {
    return (this._categorical as unknown as { params(): Record<string, Tensor | null> }).params();
  }
  protected override afterExpand(): void {
    this._categorical = this._categorical.expand(this.batchShape);
  }
  override get support(): constraints.Constraint {
    return constraints.multinomial(this.totalCount);
  }
  override get mean(): Tensor {
    return this.probs.mul(this.totalCount);
  }
  override get variance(): Tensor {
    return this.probs.mul(this.probs.neg().add(1)).mul(this.totalCount);
  }
  /** totalCount Categorical draws per sample, counted per category. */
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("Multinomial.sample", "sampleShape", sampleShape);
    const p = this.probs;
    const shape = this.extendedShape(s);
    const counts = zeros(shape, { dtype: p.dtype, device: p.device });
    if (this.totalCount === 0) return counts;
    const draws = this._categorical.sample([this.totalCount, ...s]);
    const perm = [...Array.from({ length: draws.ndim - 1 }, (_, i) => i + 1), 0];
    const idx = draws.permute(perm);
    return counts.scatterAdd(-1, idx, idx.to(p.dtype).mul(0).add(1));
  }
  override entropy(): Tensor {
    const n = this.totalCount, p = this.probs;
    const term1 = this._categorical.entropy().mul(n).sub(lgammaOf(n + 1));
    if (n === 0) return term1;
    const binomial = new Binomial(n, { probs: p, validateArgs: false });
    const support = arange(1, n + 1, { dtype: p.dtype, device: p.device }).reshape([n, ...binomial.batchShape.map(() => 1)]);
    const binomialProbs = binomial.logProb(support).exp();
    return term1.add(binomialProbs.mul(support.add(1).lgamma()).sum([0, -1]));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Multinomial.logProb", () => {
      let logits = this.logits;
      // 0 * -inf is 0 here: a category with no mass and no count contributes nothing
      logits = where(v.eq(0).logicalAnd(logits.eq(-Infinity)), zerosLike(logits), logits);
      const logFactorialN = v.sum(-1).add(1).lgamma();
      const logFactorialXs = v.add(1).lgamma().sum(-1);
      return logFactorialN.sub(logFactorialXs).add(logits.mul(v).sum(-1));
    });
  }
}

/** lgamma of a positive integer argument k: log((k-1)!). */
function lgammaOf(k: number): number {
  let s = 0;
  for (let i = 2; i < k; i++) s += Math.log(i);
  return s;
}

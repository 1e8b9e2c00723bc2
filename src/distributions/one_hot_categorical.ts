/** OneHotCategorical(probs | logits) (torch.distributions.OneHotCategorical): Categorical's draws as one-hot vectors. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { eye, oneHot } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Categorical } from "./categorical.js";
import { named, shapeArg } from "./utils.js";

const ONE_HOT = "OneHotCategorical(Tensor? probs=null, Tensor? logits=null, bool? validateArgs=null)";
const oneHotArgs = declareArgs(ONE_HOT, "distributions");

/**
 * One-hot vectors of length K (the event shape is [K]).
 * @example new distributions.OneHotCategorical({ probs: tensor([0.2, 0.8]) }).sample() // tensor([0., 1.])
 */
export class OneHotCategorical extends Distribution {
  static override readonly argConstraints = Categorical.argConstraints;
  override get hasEnumerateSupport(): boolean {
    return true;
  }
  /** @internal */
  _categorical: Categorical;
  constructor(...args: CtorArgs<typeof ONE_HOT>) {
    const [probs, logits, validateArgs] = oneHotArgs.bind(args);
    const cat = named("OneHotCategorical", () => new Categorical({ probs, logits, validateArgs }));
    super(cat.batchShape, [cat.numEvents], validateArgs);
    this._categorical = cat;
  }
  get probs(): Tensor {
    return this._categorical.probs;
  }
  get logits(): Tensor {
    return this._categorical.logits;
  }
  protected override get distName(): string {
    return "OneHotCategorical";
  }
  protected override params(): Record<string, Tensor | null> {
    return (this._categorical as unknown as { params(): Record<string, Tensor | null> }).params();
  }
  protected override afterExpand(): void {
    this._categorical = this._categorical.expand(this.batchShape);
  }
  override get support(): constraints.Constraint {
    return constraints.oneHot;
  }
  override get mean(): Tensor {
    return this.probs;
  }
  override get mode(): Tensor {
    const p = this.probs;
    return oneHot(p.argmax(-1), p.shape.at(-1)!).to(p.dtype);
  }
  override get variance(): Tensor {
    return this.probs.mul(this.probs.neg().add(1));
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("OneHotCategorical.sample", "sampleShape", sampleShape);
    const p = this.probs;
    return oneHot(this._categorical.sample(s), p.shape.at(-1)!).to(p.dtype);
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return this._categorical.logProb(v.max(-1)[1]);
  }
  override entropy(): Tensor {
    return this._categorical.entropy();
  }
  override enumerateSupport(expand = true): Tensor {
    const n = this.eventShape[0]!, p = this.probs;
    const values = eye(n, { dtype: p.dtype, device: p.device }).reshape([n, ...this.batchShape.map(() => 1), n]);
    return expand ? values.expand([n, ...this.batchShape, n]) : values;
  }
}

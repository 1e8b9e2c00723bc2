/**
 * Independent(base, reinterpretedBatchNdims) (torch.distributions.Independent): the rightmost
 * batch dims of `base` become event dims, so logProb and entropy sum over them (a diagonal
 * Gaussian as one distribution over vectors).
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { sumRightmost } from "./utils.js";

const INDEPENDENT = "Independent(Any baseDistribution, int reinterpretedBatchNdims, bool? validateArgs=null)";
const independentArgs = declareArgs(INDEPENDENT, "distributions");

/**
 * @example new distributions.Independent(new distributions.Normal(mu, sigma), 1) // batch [B, D] -> batch [B], event [D]
 */
export class Independent extends Distribution {
  static override readonly argConstraints = {};
  baseDist: Distribution;
  reinterpretedBatchNdims: number;
  constructor(...args: CtorArgs<typeof INDEPENDENT>) {
    const [base, n, validateArgs] = independentArgs.bind(args);
    if (!(base instanceof Distribution)) throw new ArgumentError(`Independent: baseDistribution must be a Distribution, got ${describeValue(base)}`);
    const b = base.batchShape;
    if (n < 0 || n > b.length) {
      throw new ShapeError(`Independent: expected 0 <= reinterpretedBatchNdims <= len(baseDistribution.batchShape), actual ${n} vs ${b.length} (batch shape ${fmtShape(b)})`);
    }
    super(b.slice(0, b.length - n), [...b.slice(b.length - n), ...base.eventShape], validateArgs);
    this.baseDist = base;
    this.reinterpretedBatchNdims = n;
  }
  override get hasRsample(): boolean {
    return this.baseDist.hasRsample;
  }
  override get hasEnumerateSupport(): boolean {
    return this.reinterpretedBatchNdims > 0 ? false : this.baseDist.hasEnumerateSupport;
  }
  protected override params(): Record<string, Tensor | null> {
    return {};
  }
  protected override afterExpand(from: this): void {
    const b = from.baseDist.batchShape;
    this.baseDist = from.baseDist.expand([...this.batchShape, ...b.slice(b.length - this.reinterpretedBatchNdims)]);
  }
  override get support(): constraints.Constraint {
    const s = this.baseDist.support;
    return this.reinterpretedBatchNdims === 0 || s.isDependent ? s : constraints.independent(s, this.reinterpretedBatchNdims);
  }
  override get mean(): Tensor {
    return this.baseDist.mean;
  }
  override get mode(): Tensor {
    return this.baseDist.mode;
  }
  override get variance(): Tensor {
    return this.baseDist.variance;
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    return this.baseDist.sample(sampleShape);
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    return this.baseDist.rsample(sampleShape);
  }
  override logProb(value: Tensor): Tensor {
    return sumRightmost(this.baseDist.logProb(value), this.reinterpretedBatchNdims);
  }
  override entropy(): Tensor {
    return sumRightmost(this.baseDist.entropy(), this.reinterpretedBatchNdims);
  }
  override enumerateSupport(expand = true): Tensor {
    if (this.reinterpretedBatchNdims > 0) return this.notDefined("enumerateSupport (over reinterpreted batch dims)");
    return this.baseDist.enumerateSupport(expand);
  }
  override toString(): string {
    return `Independent(${this.baseDist.toString()}, ${this.reinterpretedBatchNdims})`;
  }
}

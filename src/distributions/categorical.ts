/**
 * Categorical(probs | logits) (torch.distributions.Categorical): an index in [0, K) per batch
 * element; probs are normalized over the last dim, logits shifted by their logsumexp.
 * Samples are int64, as PyTorch's (multinomial with replacement underneath).
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { arange, full, multinomial } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { finfo, floatParam, logitsToProbs, named, probsOrLogits, probsToLogits, shapeArg } from "./utils.js";

const CATEGORICAL = "Categorical(Tensor? probs=null, Tensor? logits=null, bool? validateArgs=null)";
const categoricalArgs = declareArgs(CATEGORICAL, "distributions");

/**
 * A category drawn with the (unnormalized) weights `probs`, or softmax(`logits`), over the last dim.
 * @example const d = new distributions.Categorical({ logits: policy(state) }); const a = d.sample(); const loss = d.logProb(a).neg().mul(R)
 */
export class Categorical extends Distribution {
  static override readonly argConstraints = { probs: constraints.simplex, logits: constraints.independent(constraints.real, 1) };
  override get hasEnumerateSupport(): boolean {
    return true;
  }
  private _probs: Tensor | null = null;
  private _logits: Tensor | null = null;
  constructor(...args: CtorArgs<typeof CATEGORICAL>) {
    const [probs, logits, validateArgs] = categoricalArgs.bind(args);
    probsOrLogits("Categorical", probs, logits);
    const name = probs != null ? "probs" : "logits";
    const p = floatParam("Categorical", name, probs ?? logits, 1);
    super(p.shape.slice(0, -1), [], validateArgs);
    if (probs != null) this._probs = p.div(p.sum(-1, true));
    else this._logits = p.sub(p.logsumexp(-1, true));
    this.validateParams();
  }
  get probs(): Tensor {
    return (this._probs ??= logitsToProbs(this._logits!));
  }
  get logits(): Tensor {
    return (this._logits ??= probsToLogits(this._probs!));
  }
  /** The number of categories K. */
  get numEvents(): number {
    return (this._probs ?? this._logits)!.shape.at(-1)!;
  }
  protected override params(): Record<string, Tensor | null> {
    return { probs: this._probs, logits: this._logits };
  }
  protected override expandFields(): [string, number][] {
    return [["_probs", 1], ["_logits", 1]];
  }
  override get support(): constraints.Constraint {
    return constraints.integerInterval(0, this.numEvents - 1);
  }
  override get mean(): Tensor {
    const p = this.probs;
    return full(this.batchShape, NaN, { dtype: p.dtype, device: p.device });
  }
  override get mode(): Tensor {
    return this.probs.argmax(-1).to("int64");
  }
  override get variance(): Tensor {
    return this.mean;
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("Categorical.sample", "sampleShape", sampleShape);
    const n = s.reduce((a, b) => a * b, 1);
    const probs2d = this.probs.detach().reshape([-1, this.numEvents]);
    if (n === 0 || probs2d.shape[0] === 0) return full(this.extendedShape(s), 0, { dtype: "int64", device: probs2d.device });
    const samples2d = multinomial(probs2d, n, true).T;
    return samples2d.reshape(this.extendedShape(s)).to("int64");
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Categorical.logProb", () => {
      const logits = this.logits;
      const idx = v.to("int64").unsqueeze(-1);
      const shape = [...broadcastBatch(idx.shape.slice(0, -1), logits.shape.slice(0, -1)), 1];
      return logits.expand([...shape.slice(0, -1), logits.shape.at(-1)!]).gather(-1, idx.expand(shape)).squeeze(-1);
    });
  }
  override entropy(): Tensor {
    const logits = this.logits.clampMin(-finfo(this.logits.dtype).max);
    return logits.mul(this.probs).sum(-1).neg();
  }
  override enumerateSupport(expand = true): Tensor {
    const p = (this._probs ?? this._logits)!;
    const values = arange(this.numEvents, { dtype: "int64", device: p.device }).reshape([-1, ...this.batchShape.map(() => 1)]);
    return expand ? values.expand([-1, ...this.batchShape]) : values;
  }
}

function broadcastBatch(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

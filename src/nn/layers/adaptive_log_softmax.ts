/**
 * nn.AdaptiveLogSoftmaxWithLoss (Grave et al., "Efficient softmax approximation for GPUs"):
 * the classes are split by `cutoffs` into a frequent shortlist, scored by the head together
 * with one logit per tail cluster, and rarer clusters, each scored by a low-rank projection
 * (in -> in / divValue^(i+1) -> cluster size). Same submodules, parameter names, shapes and
 * initialisation as PyTorch 1.13, so its state dicts load unchanged.
 *
 * forward follows PyTorch's algorithm: only the rows whose target lies in a cluster run that
 * cluster's projection. Finding those rows reads which targets fall where on the host (as
 * PyTorch's nonzero does), so a compile()d step splits its graph there; a cluster with no
 * rows is not run at all, and its parameters get no gradient (null), exactly as in PyTorch.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { namedTuple } from "../../api/return_types.js";
import { where } from "../../ops/elementwise.js";
import { cat } from "../../ops/shape_ops.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkLayerSizes, checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { ModuleList, Sequential } from "./container.js";
import { Linear } from "./linear.js";

/** forward's result: a named tuple, `const [output, loss] = asm(x, y)` or `asm(x, y).loss`. */
export type ASMOutput = [output: Tensor, loss: Tensor] & { readonly output: Tensor; readonly loss: Tensor };

const ASM = "AdaptiveLogSoftmaxWithLoss(int inFeatures, int nClasses, int[] cutoffs, float divValue=4.0, bool headBias=false, *, Device? device=null, ScalarType? dtype=null)";
const asmArgs = declareArgs(ASM, "nn");

/**
 * Adaptive softmax: an efficient log-softmax (and negative log likelihood) over many classes.
 * @example
 * const asm = new nn.AdaptiveLogSoftmaxWithLoss(512, 10000, [100, 1000, 5000], 4.0);
 * const { output, loss } = asm(hidden, targets); // output: log p(target) per row
 * asm.logProb(hidden); // [N, 10000]; asm.predict(hidden) // [N] most likely classes
 */
export class AdaptiveLogSoftmaxWithLoss extends Module {
  readonly inFeatures: number;
  readonly nClasses: number;
  /** The given cutoffs with nClasses appended, as PyTorch keeps them. */
  readonly cutoffs: number[];
  readonly divValue: number;
  readonly headBias: boolean;
  readonly shortlistSize: number;
  readonly nClusters: number;
  readonly headSize: number;
  head: Linear;
  tail: ModuleList;

  constructor(...args: CtorArgs<typeof ASM>) {
    super();
    const op = "AdaptiveLogSoftmaxWithLoss";
    const [inFeatures, nClasses, cutoffsArg, divValue, headBias, { device, dtype }] = asmArgs.bind(args);
    const cutoffs = typeof cutoffsArg === "number" ? [cutoffsArg] : [...cutoffsArg];
    checkLayerSizes(op, { in_features: inFeatures, n_classes: nClasses }, device);
    const sorted = cutoffs.every((c, i) => i === 0 || c > cutoffs[i - 1]!);
    if (cutoffs.length === 0 || !sorted || cutoffs[0]! <= 0 || cutoffs[cutoffs.length - 1]! > nClasses - 1) {
      throw new FluxionError(`${op}: cutoffs should be a sequence of unique, positive integers sorted in an increasing order, where each value is between 1 and n_classes-1 (got cutoffs [${cutoffs.join(", ")}] for ${nClasses} classes)`);
    }
    if (!(divValue > 0) || !Number.isFinite(divValue)) throw new FluxionError(`${op}: divValue must be a positive number, got ${divValue}`);
    this.inFeatures = inFeatures;
    this.nClasses = nClasses;
    this.cutoffs = [...cutoffs, nClasses];
    this.divValue = divValue;
    this.headBias = headBias;
    this.shortlistSize = this.cutoffs[0]!;
    this.nClusters = this.cutoffs.length - 1;
    this.headSize = this.shortlistSize + this.nClusters;
    const create = { device, dtype };
    this.head = new Linear(inFeatures, this.headSize, headBias, create);
    this.tail = new ModuleList();
    for (let i = 0; i < this.nClusters; i++) {
      const hsz = Math.floor(inFeatures / divValue ** (i + 1)); // Python's int(in // div^(i+1))
      const osz = this.cutoffs[i + 1]! - this.cutoffs[i]!;
      this.tail.append(new Sequential(new Linear(inFeatures, hsz, false, create), new Linear(hsz, osz, false, create)));
    }
  }

  /** Re-initialises the head and the tail projections as PyTorch's reset_parameters. */
  resetParameters(): void {
    this.head.resetParameters();
    for (const proj of this.tail.children()) for (const lin of proj.children()) (lin as Linear).resetParameters();
  }

  private cluster(i: number): Module {
    return [...this.tail.children()][i]!;
  }

  private checkInput(where: string, x: Tensor): void {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`AdaptiveLogSoftmaxWithLoss.${where}: expected input with ${this.inFeatures} features (the last dim), got shape ${fmtShape(x.shape)}`);
    }
  }

  /**
   * The log-probability of each row's target ([N], or [] for an unbatched input [inFeatures]
   * with a 0-d target) and the mean negative log likelihood.
   */
  forward(input: Tensor, target: Tensor): ASMOutput {
    checkTensorArg(this, "input", input, 1);
    checkTensorArg(this, "target", target, 2);
    const op = "AdaptiveLogSoftmaxWithLoss";
    if (target.ndim === 1) {
      if (input.shape[0] !== target.shape[0]) throw new ShapeError(`${op}: Input and target should have the same size in the batch dimension (input ${fmtShape(input.shape)}, target ${fmtShape(target.shape)}).`);
      if (input.ndim !== 2) throw new ShapeError(`${op}: 1D target tensor expects 2D input tensors, but found inputs with size ${fmtShape(input.shape)}`);
    } else if (target.ndim === 0) {
      if (input.ndim !== 1) throw new ShapeError(`${op}: 0D target tensor expects 1D input tensors, but found inputs with size ${fmtShape(input.shape)}`);
    } else {
      throw new ShapeError(`${op}: 0D or 1D target tensor expected, multi-target not supported (target shape ${fmtShape(target.shape)})`);
    }
    if (target.dtype !== "int64" && target.dtype !== "int32") throw new DTypeError(`${op}: expected target of class indices with dtype int64 or int32, got ${target.dtype}`);
    this.checkInput("forward()", input);
    const batched = target.ndim > 0;
    const x = batched ? input : input.unsqueeze(0);
    const t = (batched ? target : target.unsqueeze(0)).to("int64");
    const B = t.shape[0]!;

    let output = zeros([B], { dtype: x.dtype, device: x.device });
    let gatherInds = t;
    let usedRows = 0;
    const bounds = [0, ...this.cutoffs];
    for (let i = 0; i < bounds.length - 1; i++) {
      const [low, high] = [bounds[i]!, bounds[i + 1]!];
      const mask = t.ge(low).logicalAnd(t.lt(high));
      const rows = mask.nonzero().reshape([-1]); // a host read, as PyTorch's nonzero
      const n = rows.shape[0]!;
      if (n === 0) continue;
      usedRows += n;
      if (i === 0) continue; // shortlist rows gather their own class from the head
      gatherInds = where(mask, this.shortlistSize + i - 1, gatherInds);
      const relative = t.indexSelect(0, rows).sub(low);
      const clusterOutput = this.cluster(i - 1)(x.indexSelect(0, rows)) as Tensor;
      const local = clusterOutput.logSoftmax(1).gather(1, relative.unsqueeze(1)).squeeze(1);
      output = output.indexAdd(0, rows, local); // rows of different clusters never overlap
    }
    if (usedRows !== B) {
      const [min, max] = [t.min().item(), t.max().item()];
      throw new FluxionError(`${op}: Target values should be in [0, ${this.nClasses - 1}], but values in range [${min}, ${max}] were found.`);
    }
    const headLogprob = (this.head(x) as Tensor).logSoftmax(1);
    output = output.add(headLogprob.gather(1, gatherInds.unsqueeze(1)).squeeze(1));
    const loss = output.neg().mean();
    return namedTuple("ASMoutput", ["output", "loss"], [batched ? output : output.squeeze(0), loss]) as ASMOutput;
  }

  /** The full [N, nClasses] log-distribution from the head's output (PyTorch's _get_full_log_prob). */
  private fullLogProb(x: Tensor, headOutput: Tensor): Tensor {
    const headLogprob = headOutput.logSoftmax(1);
    const parts = [headLogprob.narrow(1, 0, this.shortlistSize)];
    for (let i = 0; i < this.nClusters; i++) {
      const clusterLogprob = (this.cluster(i)(x) as Tensor).logSoftmax(1);
      parts.push(clusterLogprob.add(headLogprob.select(1, this.shortlistSize + i).unsqueeze(1)));
    }
    return cat(parts, 1);
  }

  /**
   * Log-probabilities of every class for each row: input [N, inFeatures] -> [N, nClasses].
   * @example asm.logProb(hidden).exp().sum(1) // ones
   */
  logProb(input: Tensor): Tensor {
    checkTensorArg("AdaptiveLogSoftmaxWithLoss.logProb()", "input", input);
    this.checkInput("logProb()", input);
    return this.fullLogProb(input, this.head(input) as Tensor);
  }

  /**
   * The most likely class of each row ([N], int64), as logProb(input).argmax(1) but running
   * the tail clusters only for rows whose head prefers a cluster (a host read decides, as in PyTorch).
   */
  predict(input: Tensor): Tensor {
    checkTensorArg("AdaptiveLogSoftmaxWithLoss.predict()", "input", input);
    this.checkInput("predict()", input);
    const headOutput = this.head(input) as Tensor;
    const output = headOutput.argmax(1);
    const notInShortlist = output.ge(this.shortlistSize);
    const rows = notInShortlist.nonzero().reshape([-1]);
    if (rows.shape[0] === 0) return output;
    if (rows.shape[0] === output.shape[0]) return this.fullLogProb(input, headOutput).argmax(1);
    const best = this.fullLogProb(input.indexSelect(0, rows), headOutput.indexSelect(0, rows)).argmax(1);
    return output.scatter(0, rows, best);
  }
}

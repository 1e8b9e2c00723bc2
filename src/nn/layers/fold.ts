/**
 * nn.Fold and nn.Unfold: F.fold / F.unfold (col2im / im2col) as modules. As PyTorch's they
 * also take unbatched inputs ([C·kh·kw, L] for Fold, [C, H, W] for Unfold), which the
 * functional forms here do not.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import type { Tensor } from "../../tensor/tensor.js";
import { fold, unfold, type Pair } from "../functional/fold.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { pyValue } from "./repr.js";

const FOLD = "Fold(int[2] outputSize, int[2] kernelSize, int[2] dilation=1, int[2] padding=0, int[2] stride=1)";
const UNFOLD = "Unfold(int[2] kernelSize, int[2] dilation=1, int[2] padding=0, int[2] stride=1)";
const foldArgs = declareArgs(FOLD, "nn");
const unfoldArgs = declareArgs(UNFOLD, "nn");

/** Runs a batched-only function on an input that may lack the batch dim (`batchedDims` with it). */
function maybeUnbatched(x: Tensor, batchedDims: number, run: (b: Tensor) => Tensor): Tensor {
  return x.ndim === batchedDims - 1 ? run(x.unsqueeze(0)).squeeze(0) : run(x);
}

/**
 * Sums sliding blocks [N, C·kh·kw, L] back into images [N, C, H, W] (col2im).
 * @example new nn.Fold([4, 5], [2, 2]).forward(cols) // [1, 12, 12] -> [1, 3, 4, 5]
 */
export class Fold extends Module {
  readonly outputSize: Pair;
  readonly kernelSize: Pair;
  readonly dilation: Pair;
  readonly padding: Pair;
  readonly stride: Pair;
  constructor(...args: CtorArgs<typeof FOLD>) {
    super();
    [this.outputSize, this.kernelSize, this.dilation, this.padding, this.stride] = foldArgs.bind(args) as unknown as [Pair, Pair, Pair, Pair, Pair];
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return maybeUnbatched(x, 3, (b) => fold(b, this.outputSize, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride }));
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}, kernel_size=${pyValue(this.kernelSize)}, dilation=${pyValue(this.dilation)}, padding=${pyValue(this.padding)}, stride=${pyValue(this.stride)}`;
  }
}

/**
 * Extracts sliding blocks of [N, C, H, W] as columns [N, C·kh·kw, L] (im2col).
 * @example new nn.Unfold(3, 1, 1).forward(x) // [1, 3, 5, 5] -> [1, 27, 25]
 */
export class Unfold extends Module {
  readonly kernelSize: Pair;
  readonly dilation: Pair;
  readonly padding: Pair;
  readonly stride: Pair;
  constructor(...args: CtorArgs<typeof UNFOLD>) {
    super();
    [this.kernelSize, this.dilation, this.padding, this.stride] = unfoldArgs.bind(args) as unknown as [Pair, Pair, Pair, Pair];
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return maybeUnbatched(x, 4, (b) => unfold(b, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride }));
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, dilation=${pyValue(this.dilation)}, padding=${pyValue(this.padding)}, stride=${pyValue(this.stride)}`;
  }
}

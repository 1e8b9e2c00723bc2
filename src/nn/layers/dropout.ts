/** Dropout and Dropout2d modules: active in training mode, the identity in eval mode. */
import { FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { dropout, dropout2d } from "../functional/dropout.js";
import { Module } from "../module.js";
import { pyFloat, pyValue } from "./repr.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkTensorArg } from "../args.js";

const DROPOUT = "Dropout(float p=0.5, bool inplace=false)";
const DROPOUT2D = "Dropout2d(float p=0.5, bool inplace=false)";
const binders = { Dropout: declareArgs(DROPOUT, "nn"), Dropout2d: declareArgs(DROPOUT2D, "nn") };

/** p and inplace are plain attributes, as PyTorch's: `model.dropout.p = 0.1` changes later calls (F.dropout checks the value). */
abstract class DropoutBase extends Module {
  p: number;
  inplace: boolean;
  constructor(kind: keyof typeof binders, args: ArrayLike<unknown>) {
    super();
    [this.p, this.inplace] = binders[kind].bind(args);
    const p = this.p;
    if (!(p >= 0 && p <= 1)) throw new FluxionError(`${kind}: dropout probability has to be between 0 and 1, but got ${p}`);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyValue(this.inplace)}`;
  }
}

/**
 * Zeroes each element with probability p during training and scales the rest by 1/(1-p).
 * @example new nn.Dropout(0.2, true) // in place; also new nn.Dropout({ p: 0.2, inplace: true })
 * @example
 * const drop = new nn.Dropout(0.5);
 * drop.forward(x);   // training: about half the elements zeroed, the rest doubled
 * String(drop);      // "Dropout(p=0.5, inplace=False)"
 */
export class Dropout extends DropoutBase {
  constructor(...args: CtorArgs<typeof DROPOUT>) {
    super("Dropout", args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return dropout(x, this.p, { training: this.training, inplace: this.inplace });
  }
}

/**
 * Zeroes whole channels of [N, C, H, W] with probability p during training.
 * @example new nn.Dropout2d(0.2).forward(x) // x [N, C, H, W]
 */
export class Dropout2d extends DropoutBase {
  constructor(...args: CtorArgs<typeof DROPOUT2D>) {
    super("Dropout2d", args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return dropout2d(x, this.p, { training: this.training, inplace: this.inplace });
  }
}

/** Dropout and Dropout2d modules: active in training mode, the identity in eval mode. */
import { FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { dropout, dropout2d } from "../functional/dropout.js";
import { Module } from "../module.js";
import { pyFloat, pyValue } from "./repr.js";

abstract class DropoutBase extends Module {
  readonly inplace: boolean;
  constructor(readonly p = 0.5, opts?: { inplace?: boolean }) {
    super();
    this.inplace = opts?.inplace ?? false;
    if (!(p >= 0 && p <= 1)) throw new FluxionError(`${new.target.name}: dropout probability has to be between 0 and 1, but got ${p}`);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyValue(this.inplace)}`;
  }
}

/**
 * Zeroes each element with probability p during training and scales the rest by 1/(1-p).
 * @example
 * const drop = new nn.Dropout(0.5);
 * drop.forward(x);   // training: about half the elements zeroed, the rest doubled
 * String(drop);      // "Dropout(p=0.5, inplace=False)"
 */
export class Dropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, inplace: this.inplace });
  }
}

/**
 * Zeroes whole channels of [N, C, H, W] with probability p during training.
 * @example new nn.Dropout2d(0.2).forward(x) // x [N, C, H, W]
 */
export class Dropout2d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, { training: this.training, inplace: this.inplace });
  }
}

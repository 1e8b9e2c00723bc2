/**
 * nn.Parameter: a tensor that a Module registers as learnable. Like PyTorch's, it is a
 * Tensor (every op works on it) that requires grad by default and shares storage with the
 * tensor it wraps.
 */
import { Tensor } from "../tensor/tensor.js";

export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.storage, data.shape, data.strides, data.offset, data.dtype);
    if (requiresGrad) this.requiresGrad_(true);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

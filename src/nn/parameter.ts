/**
 * nn.Parameter: a tensor that a Module registers as learnable. Like PyTorch's, it is a
 * Tensor (every op works on it) that requires grad by default and shares storage with the
 * tensor it wraps.
 */
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { DTypeError, fmtShape } from "../errors.js";
import { empty } from "../tensor/creation.js";
import { isFloating } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

const PARAMETER = "Parameter(Tensor? data=null, bool requiresGrad=true)";
const parameterArgs = declareArgs(PARAMETER, "nn");

/**
 * A learnable tensor: `new nn.Parameter(t)`, or frozen with `new nn.Parameter(t, false)` /
 * `{ requiresGrad: false }` (PyTorch's requires_grad=False); no data gives an empty tensor.
 */
export class Parameter extends Tensor {
  constructor(...args: CtorArgs<typeof PARAMETER>) {
    const [given, requiresGrad] = parameterArgs.bind(args);
    const data = given ?? empty([0]);
    if (requiresGrad && !isFloating(data.dtype)) {
      throw new DTypeError(`Parameter: only tensors of floating point dtype can require gradients, got ${data.dtype} (shape ${fmtShape(data.shape)}); pass requiresGrad: false to hold it`);
    }
    super(data.storage, data.shape, data.strides, data.offset, data.dtype);
    if (requiresGrad) this.requiresGrad_(true);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

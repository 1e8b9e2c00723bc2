/** Activation functions (F.relu, F.gelu, F.softmax, ...), thin wrappers over Tensor ops. */
import type { Tensor } from "../../tensor/tensor.js";
import { softmax as softmaxOp, logSoftmax as logSoftmaxOp } from "../../ops/reduction.js";
import { where } from "../../ops/elementwise.js";

export function relu(x: Tensor): Tensor {
  return x.relu();
}
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return x.leakyRelu(negativeSlope);
}
export function gelu(x: Tensor, opts?: { approximate?: "none" | "tanh" }): Tensor {
  return x.gelu(opts);
}
export function silu(x: Tensor): Tensor {
  return x.silu();
}
export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}
export function tanh(x: Tensor): Tensor {
  return x.tanh();
}
export function softplus(x: Tensor, opts?: { beta?: number; threshold?: number }): Tensor {
  return x.softplus(opts);
}
/** ELU: x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  return where(x.gt(0), x, x.expm1().mul(alpha));
}
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  return x.clamp(minVal, maxVal);
}
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return logSoftmaxOp(x, dim);
}

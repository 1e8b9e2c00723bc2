/**
 * Activation functions (F.relu, F.gelu, F.softmax, ...), thin wrappers over Tensor ops.
 * The raw functions serve the layers; ACTIVATION_FNS are the declared, argument-checked
 * forms `F` exports, in PyTorch's positional order (inplace included).
 */
import { FluxionError } from "../../errors.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { softmax as softmaxOp, logSoftmax as logSoftmaxOp } from "../../ops/reduction.js";
import { where } from "../../ops/elementwise.js";
import { applyInPlace } from "../../ops/inplace.js";
import { defineF } from "./define.js";

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
  if (minVal > maxVal) throw new FluxionError(`hardtanh: minVal cannot be greater than maxVal (got minVal=${minVal}, maxVal=${maxVal})`);
  return x.clamp(minVal, maxVal);
}
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return logSoftmaxOp(x, dim);
}

/** The declared forms (torch.nn.functional's signatures); `F` exports these. */
export const ACTIVATION_FNS = {
  relu: defineF("relu(Tensor input, bool inplace=false) -> Tensor", (x: Tensor, inplace: boolean) => (inplace ? x.relu_() : x.relu())),
  leakyRelu: defineF("leakyRelu(Tensor input, float negativeSlope=0.01, bool inplace=false) -> Tensor", (x: Tensor, slope: number, inplace: boolean) =>
    inplace ? x.leakyRelu_(slope) : x.leakyRelu(slope)),
  gelu: defineF('gelu(Tensor input, *, "none"|"tanh" approximate="none") -> Tensor', (x: Tensor, { approximate }: { approximate: "none" | "tanh" }) => x.gelu({ approximate })),
  silu: defineF("silu(Tensor input, bool inplace=false) -> Tensor", (x: Tensor, inplace: boolean) => (inplace ? x.silu_() : x.silu())),
  sigmoid: defineF("sigmoid(Tensor input) -> Tensor", sigmoid),
  tanh: defineF("tanh(Tensor input) -> Tensor", tanh),
  softplus: defineF("softplus(Tensor input, float beta=1, float threshold=20) -> Tensor", (x: Tensor, beta: number, threshold: number) => x.softplus(beta, threshold)),
  elu: defineF("elu(Tensor input, float alpha=1.0, bool inplace=false) -> Tensor", (x: Tensor, alpha: number, inplace: boolean) =>
    inplace ? applyInPlace(x, "elu_", (s) => elu(s, alpha)) : elu(x, alpha)),
  hardtanh: defineF("hardtanh(Tensor input, float minVal=-1.0, float maxVal=1.0, bool inplace=false) -> Tensor", (x: Tensor, lo: number, hi: number, inplace: boolean) =>
    inplace ? applyInPlace(x, "hardtanh_", (s) => hardtanh(s, lo, hi)) : hardtanh(x, lo, hi)),
  // PyTorch's `_stacklevel` (its third positional parameter) is left out: dtype is keyword-only here
  softmax: defineF("softmax(Tensor input, int dim, *, ScalarType? dtype=null) -> Tensor", (x: Tensor, dim: number, { dtype }: { dtype: DType | null }) => softmaxOp(x, dim, dtype)),
  logSoftmax: defineF("logSoftmax(Tensor input, int dim, *, ScalarType? dtype=null) -> Tensor", (x: Tensor, dim: number, { dtype }: { dtype: DType | null }) =>
    logSoftmaxOp(x, dim, dtype)),
};

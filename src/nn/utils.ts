/**
 * nn.utils: gradient clipping and flattening parameters to a vector, declared with
 * torch.nn.utils' signatures (PyTorch's positional order and a trailing options object).
 */
import { noGrad } from "../autograd/grad_mode.js";
import { describeValue } from "../api/args.js";
import { defineOp } from "../api/registry.js";
import { ArgumentError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { scalarTensor } from "../tensor/creation.js";
import { getDefaultDtype } from "../tensor/dtype.js";
import { readHostItem } from "../tensor/host_read.js";
import { Tensor } from "../tensor/tensor.js";
import { cat, stack } from "../ops/shape_ops.js";

/** `parameters` as a list of tensors: one Tensor or an iterable of them (PyTorch accepts both). */
function tensorsOf(op: string, parameters: unknown, single: boolean): Tensor[] {
  if (single && parameters instanceof Tensor) return [parameters];
  const iterable = parameters !== null && typeof parameters === "object" && typeof (parameters as Iterable<unknown>)[Symbol.iterator] === "function";
  if (!iterable || parameters instanceof Tensor) {
    throw new ArgumentError(`${op}(): argument 'parameters' must be ${single ? "a Tensor or " : ""}an iterable of Tensors, but got ${describeValue(parameters)}`);
  }
  const list = [...(parameters as Iterable<unknown>)];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new ArgumentError(`${op}(): parameters[${i}] must be a Tensor, but got ${describeValue(p)}`);
  });
  return list as Tensor[];
}

function gradsOf(op: string, parameters: unknown): Tensor[] {
  return tensorsOf(op, parameters, true).filter((p) => p.grad !== null).map((p) => p.grad!);
}

/**
 * Scales gradients so their combined norm is at most maxNorm; returns the total norm
 * (before clipping). normType may be Infinity (or "inf"). Reads nothing on the host
 * unless errorIfNonfinite asks for the check.
 * @example nn.utils.clipGradNorm_(model.parameters(), 1.0)
 */
export const clipGradNorm_ = defineOp(
  'clipGradNorm_(Any parameters, float maxNorm, float|"inf" normType=2.0, bool errorIfNonfinite=false) -> Tensor',
  (parameters: unknown, maxNorm: number, norm: number | "inf", errorIfNonfinite: boolean): Tensor => {
    const normType = norm === "inf" ? Infinity : norm;
    const grads = gradsOf("clipGradNorm_", parameters);
    return noGrad(() => {
      if (grads.length === 0) return scalarTensor(0, getDefaultDtype()); // torch.tensor(0.)
      const norms = grads.map((g) => g.norm(normType));
      // PyTorch 1.13: the largest for inf, else the norm of the stacked per-gradient norms (so
      // 0, -inf and fractional orders mean what torch.norm says, and p = 2 rounds as there)
      const total = normType === Infinity ? norms.reduce((a, b) => a.maximum(b)) : stack(norms).norm(normType);
      if (errorIfNonfinite) {
        // the check the user asked for needs the value: a counted host read
        const t = readHostItem<number>(total, "clipGradNorm_(errorIfNonfinite)");
        if (!Number.isFinite(t)) throw new FluxionError(`clipGradNorm_: the total norm of order ${normType} for gradients is non-finite (${t}), so it cannot be clipped. To scale the gradients by the non-finite norm anyway (as PyTorch's default does), pass errorIfNonfinite: false`);
      }
      // PyTorch 1.13: every gradient times min(maxNorm / (total + 1e-6), 1), a tensor, so
      // nothing is read on the host (a NaN total makes the gradients NaN, as there)
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
      for (const g of grads) g.mul_(coef.to(g.dtype));
      return total;
    });
  },
  { group: "nn.utils", key: "nn.utils.clipGradNorm_" },
);

/**
 * Clamps every gradient element into [-clipValue, clipValue].
 * @example nn.utils.clipGradValue_(model.parameters(), 0.5)
 */
export const clipGradValue_ = defineOp(
  "clipGradValue_(Any parameters, float clipValue) -> None",
  (parameters: unknown, clipValue: number): void => {
    const grads = gradsOf("clipGradValue_", parameters);
    noGrad(() => {
      for (const g of grads) g.clamp_(-clipValue, clipValue);
    });
  },
  { group: "nn.utils", key: "nn.utils.clipGradValue_" },
);

/**
 * All parameters flattened and concatenated into one vector.
 * @example const v = nn.utils.parametersToVector(model.parameters())
 */
export const parametersToVector = defineOp(
  "parametersToVector(Any parameters) -> Tensor",
  (parameters: unknown): Tensor => cat(tensorsOf("parametersToVector", parameters, false).map((p) => p.reshape([-1]))),
  { group: "nn.utils", key: "nn.utils.parametersToVector" },
);

/**
 * Copies consecutive slices of vec into the parameters (inverse of parametersToVector).
 * @example nn.utils.vectorToParameters(v, model.parameters())
 */
export const vectorToParameters = defineOp(
  "vectorToParameters(Tensor vec, Any parameters) -> None",
  (vec: Tensor, parameters: unknown): void => {
    const list = tensorsOf("vectorToParameters", parameters, false);
    const total = list.reduce((n, p) => n + p.numel(), 0);
    if (vec.ndim !== 1 || vec.numel() !== total) throw new ShapeError(`vectorToParameters: expected a 1-D vector of ${total} elements, got shape ${fmtShape(vec.shape)}`);
    noGrad(() => {
      let off = 0;
      for (const p of list) {
        p.copy_(vec.narrow(0, off, p.numel()).view(p.shape));
        off += p.numel();
      }
    });
  },
  { group: "nn.utils", key: "nn.utils.vectorToParameters" },
);
export * as rnn from "./utils_rnn.js";
export { weightNorm, removeWeightNorm, spectralNorm, removeSpectralNorm, type WeightNormed, type SpectralNormed } from "./weight_norm.js";
/** copy.deepcopy(module), also here for code that reaches it through nn.utils. */
export { deepcopy } from "../utils/deepcopy.js";
/** torch.nn.utils.parametrize: registerParametrization, removeParametrizations, isParametrized, cached. */
export * as parametrize from "./parametrize.js";
/** torch.nn.utils.parametrizations: orthogonal, spectralNorm, weightNorm as parametrizations. */
export * as parametrizations from "./parametrizations.js";
/** torch.nn.utils.stateless: functionalCall. */
export * as stateless from "./stateless_ns.js";
/** torch.nn.utils.prune: masks on parameters, kept by forward pre-hooks (prune.l1Unstructured, globalUnstructured, remove). */
export * as prune from "./prune.js";
export { fuseConvBnEval, fuseConvBnWeights, skipInit, clipGradNorm } from "./utils_fusion.js";

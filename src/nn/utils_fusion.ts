/**
 * nn.utils additions from torch.nn.utils: fuseConvBnEval / fuseConvBnWeights (fold an
 * eval-mode BatchNorm into the convolution before it: w' = w · γ/√(σ²+ε) per output channel,
 * b' = (b - μ) · γ/√(σ²+ε) + β), skipInit, and the deprecated clipGradNorm (clipGradNorm_
 * with PyTorch's warning).
 */
import { declareArgs, defineOp } from "../api/registry.js";
import { ArgumentError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { noGrad } from "../autograd/grad_mode.js";
import { onesLike, zerosLike } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { deepcopy } from "../utils/deepcopy.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { clipGradNorm_ } from "./utils.js";

type T = Tensor | null;

/**
 * The convolution weight and bias that compute conv → batch norm (eval statistics) in one
 * convolution, as new Parameters (PyTorch's fuse_conv_bn_weights). `transpose` for a
 * transposed convolution's weight [in, out/groups, ...] (output channels at dim 1).
 * @example const [w, b] = nn.utils.fuseConvBnWeights(conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
 */
export const fuseConvBnWeights = defineOp(
  "fuseConvBnWeights(Tensor convW, Tensor? convB, Tensor bnRm, Tensor bnRv, float bnEps, Tensor? bnW, Tensor? bnB, bool transpose=false) -> (Tensor, Tensor)",
  (convW: Tensor, convB: T, bnRm: Tensor, bnRv: Tensor, bnEps: number, bnW: T, bnB: T, transpose: boolean): [Parameter, Parameter] => {
    const op = "fuseConvBnWeights";
    if (convW.ndim < 2) throw new ShapeError(`${op}: expected a convolution weight of at least 2 dims, got shape ${fmtShape(convW.shape)}`);
    const C = convW.shape[transpose ? 1 : 0]!;
    for (const [name, t] of [["convB", convB], ["bnRm", bnRm], ["bnRv", bnRv], ["bnW", bnW], ["bnB", bnB]] as const) {
      if (t && (t.ndim !== 1 || t.shape[0] !== C)) throw new ShapeError(`${op}: expected ${name} of shape [${C}] (the convolution's output channels), got ${fmtShape(t.shape)}`);
    }
    const [w, b] = noGrad(() => {
      const cb = convB ?? zerosLike(bnRm), gamma = bnW ?? onesLike(bnRm), beta = bnB ?? zerosLike(bnRm);
      const rsqrt = bnRv.add(bnEps).rsqrt();
      const shape = transpose ? [1, -1, ...new Array<number>(convW.ndim - 2).fill(1)] : [-1, 1, ...new Array<number>(convW.ndim - 2).fill(1)];
      return [convW.mul(gamma.mul(rsqrt).reshape(shape)), cb.sub(bnRm).mul(rsqrt).mul(gamma).add(beta)];
    });
    return [new Parameter(w), new Parameter(b)];
  },
  { group: "nn.utils", key: "nn.utils.fuseConvBnWeights" },
);

/**
 * A copy of `conv` computing conv → bn of two eval-mode modules in one convolution
 * (PyTorch's fuse_conv_bn_eval); the originals are unchanged.
 * @example model.eval(); const fused = nn.utils.fuseConvBnEval(model.conv, model.bn);
 */
export const fuseConvBnEval = defineOp("fuseConvBnEval(Module conv, Module bn, bool transpose=false) -> Any", <C extends Module>(conv: C, bn: Module, transpose: boolean): C => {
  const op = "fuseConvBnEval";
  if (conv.training || bn.training) throw new FluxionError(`${op}: Fusion only for eval! (call .eval() on the convolution and the batch norm first)`);
  const c = conv as unknown as { weight?: Tensor; bias?: Tensor | null };
  const n = bn as unknown as { running_mean?: Tensor | null; running_var?: Tensor | null; eps?: number; weight?: Tensor | null; bias?: Tensor | null };
  if (!(c.weight instanceof Parameter)) throw new ArgumentError(`${op}: conv must be a convolution module with a weight, got ${conv.constructor.name}`);
  if (!n.running_mean || !n.running_var || typeof n.eps !== "number") throw new ArgumentError(`${op}: bn must be a batch norm module with running statistics (trackRunningStats), got ${bn.constructor.name}`);
  const fused = deepcopy(conv);
  const [w, b] = fuseConvBnWeights(c.weight, c.bias ?? null, n.running_mean, n.running_var, n.eps, n.weight ?? null, n.bias ?? null, transpose);
  const f = fused as unknown as { weight: Parameter; bias: Parameter | null };
  f.weight = w as Parameter;
  f.bias = b as Parameter; // a convolution without bias has the slot registered as null, as PyTorch's

  return fused;
}, { group: "nn.utils", key: "nn.utils.fuseConvBnEval" });

/**
 * A module of class `moduleCls` built from `args` (PyTorch's skip_init, which builds it on the
 * meta device so its parameters are left uninitialized). Fluxion has no meta device: the
 * module's own initialisation runs, and its values are yours to overwrite.
 * @example const fc = nn.utils.skipInit(nn.Linear, 10, 1); noGrad(() => fc.weight.fill_(1));
 */
// declared for the docs only: the arguments are the module's, an options object included
declareArgs("skipInit(Any moduleCls, Any... args)", "nn.utils");
export function skipInit<M extends Module, A extends unknown[]>(moduleCls: new (...a: A) => M, ...args: A): M {
  if (typeof moduleCls !== "function" || !(moduleCls.prototype instanceof Module)) throw new FluxionError(`skipInit: Expected a Module; got ${String(moduleCls)}`);
  return new moduleCls(...args);
}

let warnedClip = false;
/**
 * Deprecated (as in PyTorch): clipGradNorm_ under its old name; warns once.
 * @example nn.utils.clipGradNorm(model.parameters(), 1.0) // prefer clipGradNorm_
 */
export const clipGradNorm = defineOp(
  'clipGradNorm(Any parameters, float maxNorm, float|"inf" normType=2.0, bool errorIfNonfinite=false) -> Tensor',
  (parameters: unknown, maxNorm: number, normType: number | "inf", errorIfNonfinite: boolean): Tensor => {
    if (!warnedClip) {
      warnedClip = true;
      console.warn("fluxion: torch.nn.utils.clip_grad_norm is now deprecated in favor of torch.nn.utils.clip_grad_norm_ (nn.utils.clipGradNorm_).");
    }
    return clipGradNorm_(parameters as never, maxNorm, normType, errorIfNonfinite);
  },
  { group: "nn.utils", key: "nn.utils.clipGradNorm" },
);

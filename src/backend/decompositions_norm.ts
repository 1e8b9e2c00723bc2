/**
 * Batch and group normalization (forward and backward) as core primitives: the fallback the
 * dispatcher runs for the fused batchNorm/groupNorm primitives where a backend lacks them,
 * and the second implementation the CPU kernels are tested against (see decompositions.ts).
 * Statistics are the two-pass mean and biased variance; the backward is the closed form
 * dx = r · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂)), ĝ = g · weight, means over each statistic's set.
 */
import type { Tensor } from "../tensor/tensor.js";
import { dispatch } from "./dispatcher.js";
import type { FusedPrimitiveAttrs } from "./primitives.js";
import { alongAxis, binary, reduce, reshape, unary } from "./decompositions_helpers.js";

/** Mean and biased variance over `axes` (keepdim), and x minus the mean. */
function moments(x: Tensor, axes: readonly number[], n: number): { mean: Tensor; variance: Tensor; centered: Tensor } {
  const mean = binary("div", reduce("sum", x, axes), n);
  const centered = binary("sub", x, mean);
  return { mean, variance: binary("div", reduce("sum", binary("mul", centered, centered), axes), n), centered };
}

/** y · weight + bias with both optional, each a [C] vector broadcast along dim 1. */
function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
  const shape = alongAxis(y.shape, 1);
  if (weight) y = binary("mul", y, reshape(weight, shape));
  if (bias) y = binary("add", y, reshape(bias, shape));
  return y;
}

/** The optional inputs after x, in order, as their attribute flags say. */
function optional(inputs: readonly Tensor[], flags: readonly boolean[]): (Tensor | null)[] {
  let i = 1;
  return flags.map((f) => (f ? inputs[i++]! : null));
}

export function decomposeBatchNorm(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["batchNorm"]): Tensor[] {
  const x = inputs[0]!;
  const [weight, bias, runningMean, runningVar] = optional(inputs, [a.weight, a.bias, a.running, a.running]);
  const C = x.shape[1]!;
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const cshape = alongAxis(x.shape, 1);
  if (!a.training) {
    const mean = reshape(runningMean!, cshape);
    const invstd = unary("rsqrt", binary("add", reshape(runningVar!, cshape), a.eps));
    const y = affine(binary("mul", binary("sub", x, mean), invstd), weight, bias);
    return [y, reshape(mean, [C]), reshape(invstd, [C])];
  }
  const n = C === 0 ? 0 : x.numel() / C;
  const { mean, variance, centered } = moments(x, axes, n);
  const invstd = unary("rsqrt", binary("add", variance, a.eps));
  const y = affine(binary("mul", centered, invstd), weight, bias);
  if (runningMean && runningVar) {
    const m = a.momentum;
    const update = (r: Tensor, batch: Tensor) => dispatch("assign", [r, binary("add", binary("mul", r, 1 - m), binary("mul", reshape(batch, [C]), m))], {});
    update(runningMean, mean);
    update(runningVar, binary("mul", variance, n / (n - 1)));
  }
  return [y, reshape(mean, [C]), reshape(invstd, [C])];
}

export function decomposeBatchNormBackward(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["batchNormBackward"]): Tensor[] {
  const [g, x, mean0, invstd0] = inputs as [Tensor, Tensor, Tensor, Tensor];
  const weight = a.weight ? inputs[4]! : null;
  const C = x.shape[1]!;
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const cshape = alongAxis(x.shape, 1);
  const mean = reshape(mean0, cshape), invstd = reshape(invstd0, cshape);
  const xhat = binary("mul", binary("sub", x, mean), invstd);
  const gh = weight ? binary("mul", g, reshape(weight, cshape)) : g;
  let dx: Tensor;
  if (a.training) {
    const n = C === 0 ? 0 : x.numel() / C;
    const meanG = binary("div", reduce("sum", gh, axes), n);
    const meanGX = binary("div", reduce("sum", binary("mul", gh, xhat), axes), n);
    dx = binary("mul", binary("sub", binary("sub", gh, meanG), binary("mul", xhat, meanGX)), invstd);
  } else dx = binary("mul", gh, invstd);
  return [dx, reduce("sum", binary("mul", g, xhat), axes, false), reduce("sum", g, axes, false)];
}

/** x [N, C, *] seen as [N, groups, C/groups · spatial], and that group size. */
function grouped(x: Tensor, groups: number): { xg: Tensor; n: number } {
  const N = x.shape[0]!;
  const n = N * groups === 0 ? 0 : x.numel() / (N * groups);
  return { xg: reshape(x, [N, groups, n]), n };
}

export function decomposeGroupNorm(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["groupNorm"]): Tensor[] {
  const x = inputs[0]!;
  const [weight, bias] = optional(inputs, [a.weight, a.bias]);
  const { xg, n } = grouped(x, a.groups);
  const { mean, variance, centered } = moments(xg, [2], n);
  const rstd = unary("rsqrt", binary("add", variance, a.eps));
  const y = affine(reshape(binary("mul", centered, rstd), x.shape), weight, bias);
  const stats = [x.shape[0]!, a.groups];
  return [y, reshape(mean, stats), reshape(rstd, stats)];
}

export function decomposeGroupNormBackward(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["groupNormBackward"]): Tensor[] {
  const [g, x, mean, rstd] = inputs as [Tensor, Tensor, Tensor, Tensor];
  const weight = a.weight ? inputs[4]! : null;
  const N = x.shape[0]!, G = a.groups;
  const { xg, n } = grouped(x, G);
  const mg = reshape(mean, [N, G, 1]), rg = reshape(rstd, [N, G, 1]);
  const xhat = reshape(binary("mul", binary("sub", xg, mg), rg), x.shape);
  const gh = weight ? binary("mul", g, reshape(weight, alongAxis(x.shape, 1))) : g;
  const ghg = reshape(gh, [N, G, n]), xhg = reshape(xhat, [N, G, n]);
  const meanG = binary("div", reduce("sum", ghg, [2]), n);
  const meanGX = binary("div", reduce("sum", binary("mul", ghg, xhg), [2]), n);
  const dx = binary("mul", binary("sub", binary("sub", ghg, meanG), binary("mul", xhg, meanGX)), rg);
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  return [reshape(dx, x.shape), reduce("sum", binary("mul", g, xhat), axes, false), reduce("sum", g, axes, false)];
}

/**
 * F.linear and F.bilinear. linear is one op: a GEMM with the bias fused into its epilogue
 * (the matmul primitive's `bias: "col"`), and a backward that produces the weight gradient
 * dYᵀ·X directly in the weight's [out, in] layout.
 */
import { dispatch, runOpLayers } from "../../backend/dispatcher.js";
import { record1 } from "../../autograd/record.js";
import { DTypeError, ShapeError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { rawView } from "../../ops/views.js";
import { defineF } from "./define.js";

/**
 * y = x Wᵀ + b over the last dim of x. Layers call this (nn.Linear, the attention and
 * recurrent layers): it runs as the public op F.linear through the dispatcher's op layers,
 * so autocast sees it with its parameters however it is reached.
 * @example F.linear(x, weight, bias) // x [N, in], weight [out, in] -> [N, out]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return runOpLayers("F.linear", [x, weight, bias ?? null], linearImpl) as Tensor;
}

function linearImpl(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inFeatures = weight.shape[1]!;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(`linear: expected input with last dimension ${inFeatures} (weight shape ${fmtShape(weight.shape)}), got input shape ${fmtShape(x.shape)}`);
  }
  const outFeatures = weight.shape[0]!;
  if (weight.ndim !== 2 || (bias && (bias.ndim !== 1 || bias.shape[0] !== outFeatures))) {
    throw new ShapeError(`linear: expected weight [out, in] and bias [out], got weight ${fmtShape(weight.shape)} and bias ${bias ? fmtShape(bias.shape) : "none"}`);
  }
  if (x.dtype !== weight.dtype || (bias && bias.dtype !== weight.dtype)) {
    throw new DTypeError(`linear: input, weight and bias must have the same dtype, got ${x.dtype}, ${weight.dtype}${bias ? ` and ${bias.dtype}` : ""}`);
  }
  const lead = x.shape.slice(0, -1);
  const x2 = x.ndim === 2 ? x : x.reshape([-1, inFeatures]);
  // Wᵀ as a raw view: the primitive needs no autograd, the backward below is written out
  const wT = rawView(weight, [inFeatures, outFeatures], [weight.strides[1]!, weight.strides[0]!], weight.offset);
  const out2 = dispatch("matmul", bias ? [x2, wT, bias] : [x2, wT], bias ? { bias: "col" } : {});
  const needX = x2.requiresGrad, needW = weight.requiresGrad;
  const saved = [...(needW ? [x2] : []), ...(needX ? [weight] : [])];
  const y = record1("AddmmBackward0", [x2, weight, bias], out2, saved, ([g], s, needs) => {
    const xs = needW ? s[0] : undefined, w = needX ? s[needW ? 1 : 0] : undefined;
    return [
      needs[0] && w ? g!.matmul(w) : null, // dX = dY · W
      needs[1] && xs ? g!.t().matmul(xs) : null, // dW = dYᵀ · X, already [out, in]
      needs[2] ? g!.sum(0) : null,
    ];
  });
  return x.ndim === 2 ? y : y.reshape([...lead, outFeatures]);
}

/** y = x1ᵀ W x2 + b: x1 [N, in1], x2 [N, in2], weight [out, in1, in2]. */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const [, in1, in2] = weight.shape as [number, number, number];
  if (x1.shape[x1.ndim - 1] !== in1 || x2.shape[x2.ndim - 1] !== in2 || x1.shape.slice(0, -1).join() !== x2.shape.slice(0, -1).join()) {
    throw new ShapeError(`bilinear: inputs ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)} do not match weight ${fmtShape(weight.shape)} (expected [..., ${in1}] and [..., ${in2}] with equal leading dims)`);
  }
  // (x1 W) : [..., out, in2] then dot with x2 over in2
  const t = x1.unsqueeze(-2).unsqueeze(-2).matmul(weight).squeeze(-2); // [..., out, in2]
  const y = t.mul(x2.unsqueeze(-2)).sum(-1);
  return bias ? y.add(bias) : y;
}

/** The declared forms `F` exports (torch.nn.functional's signatures). */
export const LINEAR_FNS = {
  linear: defineF("linear(Tensor input, Tensor weight, Tensor? bias=null) -> Tensor", linearImpl),
  bilinear: defineF("bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor? bias=null) -> Tensor", bilinear),
};

/** F.linear and F.bilinear. */
import { ShapeError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";

/**
 * y = x Wᵀ + b over the last dim of x.
 * @example F.linear(x, weight, bias) // x [N, in], weight [out, in] -> [N, out]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inFeatures = weight.shape[1]!;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(`linear: expected input with last dimension ${inFeatures} (weight shape ${fmtShape(weight.shape)}), got input shape ${fmtShape(x.shape)}`);
  }
  const y = x.matmul(weight.t());
  return bias ? y.add(bias) : y;
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

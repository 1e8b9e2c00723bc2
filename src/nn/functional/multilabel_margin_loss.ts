/**
 * F.multilabelMarginLoss: the multi-class multi-label hinge loss. Each sample's target row
 * lists its classes and ends at the first -1 (the rest is ignored); the loss of a sample is
 *
 *   Σ_{j listed} Σ_{i not a target class} max(0, 1 - (x[y_j] - x[i])) / C
 *
 * composed from gather, a scatter (which classes are targets) and a masked sum over the
 * [N, listed, C] pairs, so there are no host reads and autograd gives PyTorch's gradient
 * (a pair contributes only where its margin is strictly positive, as in ATen's kernel).
 */
import { noGrad } from "../../autograd/grad_mode.js";
import { DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { assertAll } from "../../ops/advanced_indexing.js";
import { where } from "../../ops/elementwise.js";
import { zeros } from "../../tensor/creation.js";
import { shapesEqual } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";
import { legacyReduction, type Reduction } from "./loss.js";

/**
 * input [C] or [N, C] scores; target of the same shape holding class indices, each row
 * ended by -1 (int64 or int32).
 * @example F.multilabelMarginLoss(tensor([[0.1, 0.2, 0.4, 0.8]]), tensor([[3, 0, -1, 1]])) // 0.85: classes 3 and 0
 */
export function multilabelMarginLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  const op = "multilabelMarginLoss";
  if (!input.isFloatingPoint()) throw new DTypeError(`${op}: expected a floating point input, got ${input.dtype}`);
  if (target.dtype !== "int64" && target.dtype !== "int32") throw new DTypeError(`${op}: expected target of class indices with dtype int64 (or int32), got ${target.dtype}`);
  const nonEmpty = input.ndim === 1 ? input.shape[0]! > 0 : input.ndim === 2 && input.shape[1]! > 0;
  if (!nonEmpty) throw new ShapeError(`${op}: Expected non-empty vector or matrix with optional 0-dim batch size, but got input of shape ${fmtShape(input.shape)}`);
  if (!shapesEqual(input.shape, target.shape)) throw new ShapeError(`${op}: inconsistent size ${fmtShape(target.shape)} for argument #2 'target' (input shape ${fmtShape(input.shape)})`);
  const reduction = opts?.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") throw new ShapeError(`${op}: ${JSON.stringify(reduction)} is not a valid value for reduction`);
  const x = input.ndim === 2 ? input : input.unsqueeze(0);
  const t = (target.ndim === 2 ? target : target.unsqueeze(0)).to("int64");
  const C = x.shape[1]!;
  noGrad(() => assertAll(t.ge(-1).logicalAnd(t.lt(C)), `${op}: target out of range: class indices must be in [-1, ${C - 1}] (-1 ends a sample's list)`));
  // the listed entries: those before a row's first negative one
  const listed = t.lt(0).to("int32").cumsum(1).eq(0);
  const safe = where(listed, t, 0);
  const isTarget = zeros([x.shape[0]!, C], { dtype: x.dtype, device: x.device }).scatterAdd(1, safe, listed.to(x.dtype)).gt(0);
  // z[n, j, i] = 1 - x[y_j] + x[i], counted for listed j and non-target i where it is > 0
  const z = x.gather(1, safe).rsub(1).unsqueeze(2).add(x.unsqueeze(1));
  const counted = listed.unsqueeze(2).logicalAnd(isTarget.logicalNot().unsqueeze(1)).logicalAnd(z.detach().gt(0));
  let loss = where(counted, z, 0).sum([1, 2]).div(C);
  if (input.ndim === 1) loss = loss.reshape([]);
  return reduction === "none" ? loss : reduction === "sum" ? loss.sum() : loss.mean();
}

/** The declared form `F` exports (torch.nn.functional's signature and positional order). */
export const MULTILABEL_MARGIN_LOSS_FNS = {
  multilabelMarginLoss: defineF(
    'multilabelMarginLoss(Tensor input, Tensor target, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean") -> Tensor',
    (x: Tensor, t: Tensor, sizeAverage: boolean | null, reduce: boolean | null, reduction: Reduction) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return multilabelMarginLoss(x, t, { reduction });
    },
  ),
};

/**
 * The smaller torch.* linear-algebra functions PyTorch code still uses: inner, vdot, dist, the
 * deprecated aliases chainMatmul (multi_dot), ger (outer), frobeniusNorm and nuclearNorm, and
 * torch.vander (NumPy's order: decreasing powers unless `increasing`). Each is composed of
 * differentiable ops (its gradient is autograd's), with PyTorch 1.13's checks and messages.
 */
import { DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { isFloating } from "../../tensor/dtype.js";
import { ones } from "../../tensor/creation.js";
import { normalizeDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { dot, outer } from "../linalg.js";
import { cat } from "../shape_ops.js";
import { matrixNorm, vectorNorm } from "./norms.js";
import { multiDot } from "./products.js";

/** torch.inner: Σ over the last dims of both (a scalar operand: the product), shape a.shape[:-1] + b.shape[:-1]. */
export function inner(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) return a.mul(b);
  const k = a.shape[a.ndim - 1]!;
  if (b.shape[b.ndim - 1] !== k) throw new ShapeError(`inner() the last dimension must match on both input tensors but got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.dtype !== b.dtype) throw new DTypeError(`inner: expected both inputs to have the same dtype, but got ${a.dtype} and ${b.dtype} (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`);
  if (a.dtype === "bool") throw new DTypeError(`inner: not implemented for bool tensors`);
  const r = a.reshape([-1, k]).matmul(b.reshape([-1, k]).mT);
  return r.reshape([...a.shape.slice(0, -1), ...b.shape.slice(0, -1)]);
}

/** torch.vdot: the dot product of two 1-D tensors (conjugating the first, which real tensors need not). */
export function vdot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError(`vdot: 1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  if (a.dtype !== b.dtype) throw new DTypeError(`vdot: expected both vectors to have same dtype, but found ${a.dtype} and ${b.dtype}`);
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`vdot: inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`);
  }
  if (a.dtype === "bool") throw new DTypeError(`vdot: "dot" not implemented for bool tensors`);
  return dot(a, b);
}

/** torch.dist: the p-norm of a - b (broadcast): any real p, inf and -inf, 0 (the count of differences). */
export function dist(a: Tensor, b: Tensor, p: number): Tensor {
  const d = a.sub(b);
  if (!isFloating(d.dtype)) throw new DTypeError(`dist: norm(): input dtype should be either floating point or complex. Got ${d.dtype} instead.`);
  return vectorNorm(d, p, null, false, null, "dist");
}

/** torch.chainMatmul (deprecated): multi_dot of 2-D matrices; one matrix is returned as a copy. */
export function chainMatmul(matrices: readonly Tensor[]): Tensor {
  for (const m of matrices) if (m.ndim !== 2) throw new ShapeError(`chainMatmul: Tensor dimension is ${m.ndim}, expected 2 instead. (shape ${fmtShape(m.shape)})`);
  if (matrices.length === 0) throw new ShapeError("chainMatmul: chain_matmul(): Expected one or more matrices");
  if (matrices.length === 1) return matrices[0]!.clone();
  return multiDot(matrices);
}

/** torch.ger (deprecated): outer. */
export function ger(a: Tensor, b: Tensor): Tensor {
  return outer(a, b, "ger");
}

/** torch.frobeniusNorm (deprecated): sqrt(Σx²) over dim (all dims when empty); two dims as PyTorch 1.13, whose gradient at 0 is NaN. */
export function frobeniusNorm(x: Tensor, dim: readonly number[], keepdim: boolean): Tensor {
  const op = "frobeniusNorm";
  if (dim.length > 2) throw new ShapeError(`${op}: Expected at most 2 dimensions, but got ${dim.length} dimensions instead.`);
  if (dim.length < 2) return vectorNorm(x, 2, dim.length === 0 ? null : dim, keepdim, null, op);
  const d0 = normalizeDim(op, dim[0]!, x.ndim), d1 = normalizeDim(op, dim[1]!, x.ndim);
  if (d0 === d1) throw new ShapeError(`${op}: Expected dims to be different, got [${dim.join(", ")}] instead`);
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: norm(): input dtype should be either floating point or complex. Got ${x.dtype} instead.`);
  return x.mul(x).sum([d0, d1], keepdim).sqrt();
}

/** torch.nuclearNorm (deprecated): the nuclear norm of a 2-D input, or of the matrices in two dims. */
export function nuclearNorm(x: Tensor, dimArg: number | readonly number[] | null, keepdim: boolean): Tensor {
  const op = "nuclearNorm";
  const dim = typeof dimArg === "number" ? [dimArg] : dimArg; // int[] also takes one int
  if (dim === null) {
    if (x.ndim !== 2) throw new ShapeError(`${op}: Expected a tensor with 2 dimensions, but got a tensor with ${x.ndim} dimensions instead.`);
    return matrixNorm(x, "nuc", [0, 1], keepdim, null, op);
  }
  if (dim.length !== 2) throw new ShapeError(`${op}: nuclear norm requires a 'dim' argument of size 2 (got [${dim.join(", ")}])`);
  return matrixNorm(x, "nuc", dim, keepdim, null, op);
}

/** torch.vander(x, N, increasing): columns x^(N-1), ..., x, 1 (increasing: 1, x, ..., x^(N-1)); integer inputs give int64. */
export function torchVander(x: Tensor, N: number | null, increasing: boolean): Tensor {
  const op = "vander";
  if (x.ndim !== 1) throw new ShapeError(`${op}: x must be a one-dimensional tensor. (got shape ${fmtShape(x.shape)})`);
  const n = N ?? x.shape[0]!;
  if (n < 0) throw new ShapeError(`${op}: N must be non-negative. (got ${n})`);
  if (x.dtype === "float16" || x.dtype === "bfloat16") throw new DTypeError(`${op}: "cumprod" is not implemented for ${x.dtype} (convert to float32 first)`);
  const xs = isFloating(x.dtype) ? x : x.to("int64");
  const len = x.shape[0]!;
  let r: Tensor;
  if (n === 0) r = xs.unsqueeze(1).expand([len, 0]).clone();
  else {
    const first = ones([len, 1], { dtype: xs.dtype, device: x.device });
    r = n === 1 ? first : cat([first, xs.unsqueeze(1).expand([len, n - 1]).cumprod(1)], 1);
  }
  return increasing ? r : r.flip(1);
}

/**
 * The products of linalg: cross (and torch.cross), matrixPower, multiDot (with PyTorch's
 * matrix-chain order), vander and vecdot. All composed from differentiable ops, so their
 * gradients come from autograd.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { isFloating, isIntegral } from "../../tensor/dtype.js";
import { eye } from "../../tensor/creation.js";
import { normalizeDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cat } from "../shape_ops.js";
import { inv } from "./solve.js";

/** linalg.cross: the cross product of 3-vectors along `dim`, batches broadcast. */
export function cross(x: Tensor, y: Tensor, dim: number, op = "linalg.cross"): Tensor {
  if (x.ndim !== y.ndim) throw new ShapeError(`${op}: inputs must have the same number of dimensions (shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)}).`);
  if (x.dtype !== y.dtype) throw new DTypeError(`${op}: expected both inputs to have the same dtype, got ${x.dtype} and ${y.dtype}`);
  if (x.dtype === "bool") throw new DTypeError(`${op}: not implemented for bool tensors`);
  const d = normalizeDim(op, dim, x.ndim);
  if (x.shape[d] !== 3 || y.shape[d] !== 3) throw new ShapeError(`${op}: inputs dimension ${dim} must have length 3. Got ${x.shape[d]} and ${y.shape[d]}`);
  const c = (t: Tensor, i: number) => t.narrow(d, i, 1);
  const [x0, x1, x2] = [c(x, 0), c(x, 1), c(x, 2)], [y0, y1, y2] = [c(y, 0), c(y, 1), c(y, 2)];
  return cat([x1.mul(y2).sub(x2.mul(y1)), x2.mul(y0).sub(x0.mul(y2)), x0.mul(y1).sub(x1.mul(y0))], d);
}

/** torch.cross: dim defaults to the first dim of size 3 (PyTorch's deprecated default). */
export function torchCross(x: Tensor, y: Tensor, dim: number | null): Tensor {
  if (dim !== null) return cross(x, y, dim, "cross");
  const d = x.shape.indexOf(3);
  if (d < 0) throw new ShapeError(`cross: no dimension of size 3 in input (shape ${fmtShape(x.shape)})`);
  return cross(x, y, d, "cross");
}

/** linalg.matrixPower: Aⁿ by repeated squaring; n = 0 the identity, negative n powers of the inverse. */
export function matrixPower(A: Tensor, n: number, op = "linalg.matrixPower"): Tensor {
  if (A.ndim < 2) throw new ShapeError(`${op}: The input tensor A must have at least 2 dimensions (got shape ${fmtShape(A.shape)}).`);
  const size = A.shape[A.ndim - 1]!;
  if (A.shape[A.ndim - 2] !== size) throw new ShapeError(`${op}: A must be batches of square matrices, but they are ${A.shape[A.ndim - 2]} by ${size} matrices (shape ${fmtShape(A.shape)})`);
  if (A.dtype === "bool") throw new DTypeError(`${op}: not implemented for bool tensors`);
  // (a clone times zero plus the identity keeps A in the graph, with a zero gradient, as PyTorch)
  if (n === 0) return A.mul(0).add(eye(size, { dtype: A.dtype, device: A.device }));
  if (n === 1) return A.clone();
  if (n === -1) return inv(A);
  const a = n < 0 ? inv(A) : A;
  let k = Math.abs(n);
  if (k === 2) return a.matmul(a);
  if (k === 3) return a.matmul(a).matmul(a);
  // binary powering, least significant bit first (PyTorch's order of products)
  let z: Tensor | null = null, result: Tensor | null = null;
  while (k > 0) {
    const bit = k % 2;
    k = Math.floor(k / 2);
    z = z === null ? a : z.matmul(z);
    if (bit === 1) result = result === null ? z : result.matmul(z);
  }
  return result!;
}

/** The cheapest parenthesization of a matrix chain (sizes p0 x p1, p1 x p2, ...): split points s[i][j]. */
function chainOrder(p: readonly number[]): number[][] {
  const n = p.length - 1;
  const cost = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const split = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let len = 1; len < n; len++) {
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      cost[i]![j] = Infinity;
      for (let k = i; k < j; k++) {
        const q = cost[i]![k]! + cost[k + 1]![j]! + p[i]! * p[k + 1]! * p[j + 1]!;
        if (q < cost[i]![j]!) {
          cost[i]![j] = q;
          split[i]![j] = k;
        }
      }
    }
  }
  return split;
}

/** linalg.multiDot: the product of a chain of matrices (first and last may be vectors) in the cheapest order. */
export function multiDot(tensors: readonly Tensor[]): Tensor {
  const op = "multiDot";
  const n = tensors.length;
  if (n < 2) throw new ArgumentError(`${op}: expected at least 2 tensors but got ${n}`);
  tensors.forEach((t, i) => {
    const first = i === 0, last = i === n - 1;
    if (first || last) {
      if (t.ndim !== 1 && t.ndim !== 2) throw new ShapeError(`${op}: the ${first ? "first" : "last"} tensor must be 1D or 2D but got ${t.ndim}D (shape ${fmtShape(t.shape)})`);
    } else if (t.ndim !== 2) throw new ShapeError(`${op}: tensor ${i} must be 2D but got ${t.ndim}D (shape ${fmtShape(t.shape)})`);
    if (t.dtype !== tensors[0]!.dtype) throw new DTypeError(`${op}: all tensors must have the same dtype but tensor 0 is ${tensors[0]!.dtype} and tensor ${i} ${t.dtype}`);
  });
  const first1d = tensors[0]!.ndim === 1, last1d = tensors[n - 1]!.ndim === 1;
  const ms = tensors.map((t, i) => (i === 0 && first1d ? t.unsqueeze(0) : i === n - 1 && last1d ? t.unsqueeze(1) : t));
  for (let i = 1; i < n; i++) {
    if (ms[i - 1]!.shape[1] !== ms[i]!.shape[0]) {
      throw new ShapeError(`${op}: tensors ${i - 1} and ${i} with shapes ${fmtShape(tensors[i - 1]!.shape)} and ${fmtShape(tensors[i]!.shape)} cannot be multiplied`);
    }
  }
  let r: Tensor;
  if (n === 2) r = ms[0]!.matmul(ms[1]!);
  else {
    const split = chainOrder([ms[0]!.shape[0]!, ...ms.map((t) => t.shape[1]!)]);
    const product = (i: number, j: number): Tensor => (i === j ? ms[i]! : product(i, split[i]![j]!).matmul(product(split[i]![j]! + 1, j)));
    r = product(0, n - 1);
  }
  if (first1d && last1d) return r.reshape([]);
  if (first1d) return r.squeeze(0);
  if (last1d) return r.squeeze(-1);
  return r;
}

/** linalg.vander: [..., n] -> [..., n, N], columns x⁰, x¹, ..., x^(N-1). */
export function vander(x: Tensor, N: number | null): Tensor {
  const op = "linalg.vander";
  if (!(isFloating(x.dtype) && !["bfloat16", "float16"].includes(x.dtype)) && !(isIntegral(x.dtype) && x.dtype !== "bool")) {
    throw new DTypeError(`${op} supports floating point, complex, and integer tensors, but got ${x.dtype}`);
  }
  const x1 = x.ndim === 0 ? x.unsqueeze(-1) : x;
  const n = N ?? x1.shape[x1.ndim - 1]!;
  if (n <= 1) throw new ShapeError(`${op}: N must be greater than 1. (got ${n}, input shape ${fmtShape(x.shape)})`);
  const powers = x1.unsqueeze(-1).expand([...x1.shape, n - 1]).cumprod(-1);
  return cat([powers.narrow(-1, 0, 1).mul(0).add(1), powers], -1);
}

/** linalg.vecdot: Σ x·y along `dim`, broadcast. */
export function vecdot(x: Tensor, y: Tensor, dim: number): Tensor {
  if (x.dtype !== y.dtype) throw new DTypeError(`linalg.vecdot: Expected x and y to have the same dtype, but found x of type ${x.dtype} and y of type ${y.dtype} instead`);
  return x.mul(y).sum(dim);
}

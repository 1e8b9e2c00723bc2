/** Matrix products: matmul (torch.matmul semantics), mm, bmm, mv, dot, outer. */
import { dispatch } from "../backend/dispatcher.js";
import { record1 } from "../autograd/record.js";
import { DTypeError, ShapeError, fmtShape } from "../errors.js";
import { broadcastShapes } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { reduceGradToShape } from "./helpers.js";

function checkDTypes(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new DTypeError(`${op}: expected both operands to have the same dtype, but got ${a.dtype} (shape ${fmtShape(a.shape)}) and ${b.dtype} (shape ${fmtShape(b.shape)})`);
  if (a.dtype === "bool") throw new DTypeError(`${op}: not implemented for bool tensors`);
}

function shapeStr(s: readonly number[]): string {
  return s.join("x");
}

/** Both operands at least 2-D: broadcast the batch dims and multiply. */
function batched(op: string, a: Tensor, b: Tensor): Tensor {
  const K = a.shape[a.ndim - 1]!;
  if (b.shape[b.ndim - 2] !== K) {
    throw new ShapeError(`${op}: mat1 and mat2 shapes cannot be multiplied (${shapeStr(a.shape.length === 2 ? a.shape : [a.shape.slice(0, -1).reduce((x, y) => x * y, 1), K])} and ${shapeStr(b.shape.slice(-2))}); full shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  // [..., M, K] @ [K, N]: fold the batch into M rows (one GEMM, no broadcast copies)
  if (b.ndim === 2 && a.ndim > 2) {
    const rows = a.reshape([-1, K]);
    return batched(op, rows, b).reshape([...a.shape.slice(0, -1), b.shape[1]!]);
  }
  const batch = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const ae = a.expand([...batch, ...a.shape.slice(-2)]), be = b.expand([...batch, ...b.shape.slice(-2)]);
  const out = dispatch("matmul", [ae.detach(), be.detach()], {});
  const sa = a.shape, sb = b.shape;
  // dA = dY Bᵀ needs B, dB = Aᵀ dY needs A: save (and compute) only what is needed
  const needA = a.requiresGrad, needB = b.requiresGrad;
  const saved = [...(needB ? [a] : []), ...(needA ? [b] : [])];
  return record1("MmBackward0", [a, b], out, saved, ([g], s, needs) => {
    const x = needB ? s[0] : undefined, y = needA ? s[needB ? 1 : 0] : undefined;
    return [
      needs[0] && y ? reduceGradToShape(g!.matmul(y.mT), sa) : null,
      needs[1] && x ? reduceGradToShape(x.mT.matmul(g!), sb) : null,
    ];
  });
}

/** torch.matmul: dot for 1-D x 1-D, matrix product for 2-D, batched with broadcasting above. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkDTypes("matmul", a, b);
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(`matmul: both arguments need at least 1 dimension, but got ${a.ndim}D and ${b.ndim}D tensors`);
  if (a.ndim === 1 && b.ndim === 1) return dot(a, b);
  if (a.ndim === 1) return batched("matmul", a.unsqueeze(0), b).squeeze(-2);
  if (b.ndim === 1) return batched("matmul", a, b.unsqueeze(1)).squeeze(-1);
  return batched("matmul", a, b);
}

export function mm(a: Tensor, b: Tensor): Tensor {
  checkDTypes("mm", a, b);
  if (a.ndim !== 2 || b.ndim !== 2) throw new ShapeError(`mm: expected 2-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return batched("mm", a, b);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  checkDTypes("bmm", a, b);
  if (a.ndim !== 3 || b.ndim !== 3) throw new ShapeError(`bmm: expected 3-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw new ShapeError(`bmm: batch sizes must match, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return batched("bmm", a, b);
}

export function mv(a: Tensor, v: Tensor): Tensor {
  checkDTypes("mv", a, v);
  if (a.ndim !== 2 || v.ndim !== 1) throw new ShapeError(`mv: expected a 2-D matrix and a 1-D vector, got ${fmtShape(a.shape)} and ${fmtShape(v.shape)}`);
  return matmul(a, v);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  checkDTypes("dot", a, b);
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError(`dot: 1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  if (a.shape[0] !== b.shape[0]) throw new ShapeError(`dot: inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements`);
  return batched("dot", a.unsqueeze(0), b.unsqueeze(1)).reshape([]);
}

/** torch.outer (and torch.ger with op "ger"): a[i]·b[j], dtypes promoted as mul's. */
export function outer(a: Tensor, b: Tensor, op = "outer"): Tensor {
  if (a.ndim !== 1) throw new ShapeError(`${op}: Expected 1-D argument self, but got ${a.ndim}-D (shape ${fmtShape(a.shape)})`);
  if (b.ndim !== 1) throw new ShapeError(`${op}: Expected 1-D argument vec2, but got ${b.ndim}-D (shape ${fmtShape(b.shape)})`);
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}

const SIGS = {
  matmul: "matmul(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  mm: "mm(Tensor self, Tensor mat2, *, Tensor? out=null) -> Tensor",
  bmm: "bmm(Tensor self, Tensor mat2, *, Tensor? out=null) -> Tensor",
  mv: "mv(Tensor self, Tensor vec) -> Tensor",
  dot: "dot(Tensor self, Tensor other) -> Tensor",
  outer: "outer(Tensor self, Tensor vec2) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

/** The public, argument-checked forms (torch.matmul, ...); ops call the functions above directly. */
export const LINALG_FNS = {
  matmul: defineOp(SIGS.matmul, matmul),
  mm: defineOp(SIGS.mm, mm),
  bmm: defineOp(SIGS.bmm, bmm),
  mv: defineOp(SIGS.mv, mv),
  dot: defineOp(SIGS.dot, dot),
  outer: defineOp(SIGS.outer, (a: Tensor, b: Tensor) => outer(a, b)),
};

/**
 * The BLAS-style "add a product" ops, out = beta·self + alpha·(product), as PyTorch 1.13:
 *   addmm   self + mat1 @ mat2               (mat1 [n, m], mat2 [m, p])
 *   addmv   self + mat @ vec                 (mat [n, m], vec [m])
 *   addr    self + vec1 ⊗ vec2 (outer)       (vec1 [n], vec2 [m])
 *   baddbmm self + batch1 @ batch2 per batch (batch1 [b, n, m], batch2 [b, m, p])
 *   addbmm  self + Σ_b batch1[b] @ batch2[b] (one GEMM over the batch folded into m)
 * self broadcasts to the product's shape (in place it must have it). beta = 0 ignores self,
 * so a NaN or inf there does not reach the result. Integer results take beta and alpha
 * truncated toward zero, as PyTorch converts them to the integer type (addr refuses a
 * fractional one, as PyTorch does). Each op is one autograd node named as PyTorch's, whose
 * backward is written with Tensor ops (self: beta·g summed to its shape; the factors: alpha
 * times the product's own gradients), so beta = 0 gives self a zero gradient as in PyTorch.
 *
 * Dtypes follow PyTorch's kernels, which differ per op: addmm and addbmm want one dtype for
 * all three; addmv and baddbmm want it for the two factors and cast self to it; addr promotes
 * all three (and on bool computes (beta ∧ self) ∨ (alpha ∧ vec1 ∧ vec2)).
 */
import { dispatch } from "../backend/dispatcher.js";
import { noGrad } from "../autograd/grad_mode.js";
import { record1 } from "../autograd/record.js";
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { isFloating, type DType } from "../tensor/dtype.js";
import { zerosLike } from "../tensor/creation.js";
import { expandableTo } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { applyInPlace } from "./inplace.js";
import { reduceGradToShape, resultTypeOf } from "./helpers.js";

type Coef = number | boolean | bigint;

/** A scalar as the kernels of `dtype` hold it (float32 for float32 and the half types). */
const inPrecision = (v: number, dtype: DType) => (dtype === "float64" || !isFloating(dtype) ? v : Math.fround(v));

/** "2x4", as PyTorch prints matrix sizes in its messages. */
const dims = (s: readonly number[]) => s.join("x");

function checkRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.ndim !== rank) {
    const what = rank === 1 ? "a vector" : rank === 2 ? "a matrix" : "a 3D tensor";
    throw new ShapeError(`${op}: ${name} must be ${what}, got ${t.ndim}-D tensor (shape ${fmtShape(t.shape)})`);
  }
}

function checkSameDType(op: string, named: Record<string, Tensor>): DType {
  const entries = Object.entries(named);
  const dtype = entries[0]![1].dtype;
  if (entries.some(([, t]) => t.dtype !== dtype)) {
    const list = entries.map(([n, t]) => `${n} ${t.dtype}`).join(", ");
    throw new DTypeError(`${op}: expected ${entries.map(([n]) => n).join(" and ")} to have the same dtype, but got ${list}`);
  }
  if (dtype === "bool") throw new DTypeError(`${op}: not implemented for bool tensors (${entries.map(([n, t]) => `${n} ${fmtShape(t.shape)}`).join(", ")})`);
  return dtype;
}

/** self must broadcast to the product's shape (not the other way round, as expand). */
function checkSelf(op: string, self: Tensor, shape: readonly number[]): void {
  if (!expandableTo(self.shape, shape)) {
    throw new ShapeError(`${op}: self of shape ${fmtShape(self.shape)} cannot be broadcast to the product's shape ${fmtShape(shape)}`);
  }
}

/**
 * beta and alpha as the kernels of `dtype` use them: as given for floating results;
 * truncated toward zero for integer ones (PyTorch's conversion to the integer type), where
 * `strict` (addr) refuses a fractional one instead, as PyTorch does.
 */
function coefficient(op: string, name: string, v: Coef, dtype: DType, strict: boolean): number {
  const x = Number(v);
  if (isFloating(dtype)) return x;
  if (strict && !Number.isInteger(x)) throw new FluxionError(`${op}: for integral input tensors, argument ${name} must not be a floating point number, got ${x} (dtype ${dtype})`);
  if (!Number.isFinite(x)) throw new FluxionError(`${op}: argument ${name} must be finite for integral input tensors, got ${x} (dtype ${dtype})`);
  return Math.trunc(x);
}

/**
 * beta·self + alpha·product(a, b) as one recorded node. `grads` gives the product's
 * gradients for a and b (before alpha) from the output gradient; only what autograd asks
 * for is computed.
 */
function addProduct(
  name: string, self: Tensor, a: Tensor, b: Tensor, beta: number, alpha: number,
  product: (a: Tensor, b: Tensor) => Tensor,
  grads: (g: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null],
): Tensor {
  const out = noGrad(() => {
    const p = product(a, b);
    const scaled = alpha === 1 ? p : p.mul(alpha);
    if (beta === 0) return scaled; // self ignored: its NaNs do not propagate
    // + beta·self in one rounding, as PyTorch's kernels fuse it (addr is bit for bit)
    return beta === 1 ? scaled.add(self) : dispatch("binary", [scaled, self], { op: "addScaled", params: [inPrecision(beta, self.dtype)] });
  });
  const selfShape = self.shape;
  const scaled = (t: Tensor | null) => (t === null || alpha === 1 ? t : t.mul(alpha));
  return record1(name, [self, a, b], out, [a, b], ([g], [sa, sb], needs) => {
    const [ga, gb] = grads(g!, sa!, sb!, needs);
    return [needs[0] ? reduceGradToShape(beta === 1 ? g! : g!.mul(beta), selfShape) : null, scaled(ga), scaled(gb)];
  });
}

/**
 * beta·self + alpha·(mat1 @ mat2) (torch.addmm); self broadcasts to [n, p].
 * @example addmm(zeros([2]), ones([2, 3]), ones([3, 2]), { beta: 0, alpha: 2 }) // [[6, 6], [6, 6]]
 */
export function addmm(self: Tensor, mat1: Tensor, mat2: Tensor, beta: Coef = 1, alpha: Coef = 1): Tensor {
  const op = "addmm";
  checkRank(op, "mat1", mat1, 2);
  checkRank(op, "mat2", mat2, 2);
  if (mat1.shape[1] !== mat2.shape[0]) throw new ShapeError(`${op}: mat1 and mat2 shapes cannot be multiplied (${dims(mat1.shape)} and ${dims(mat2.shape)})`);
  const dtype = checkSameDType(op, { self, mat1, mat2 });
  checkSelf(op, self, [mat1.shape[0]!, mat2.shape[1]!]);
  return addProduct("AddmmBackward0", self, mat1, mat2, coefficient(op, "beta", beta, dtype, false), coefficient(op, "alpha", alpha, dtype, false),
    (a, b) => a.matmul(b),
    (g, a, b, needs) => [needs[1] ? g.matmul(b.mT) : null, needs[2] ? a.mT.matmul(g) : null]);
}

/**
 * beta·self + alpha·(mat @ vec) (torch.addmv); self broadcasts to [n] and is cast to the
 * factors' dtype, as PyTorch's kernel does.
 * @example addmv(tensor([1, 1]), tensor([[1, 2], [3, 4]]), tensor([1, 1])) // [4, 8]
 */
export function addmv(self: Tensor, mat: Tensor, vec: Tensor, beta: Coef = 1, alpha: Coef = 1): Tensor {
  const op = "addmv";
  checkRank(op, "mat", mat, 2);
  checkRank(op, "vec", vec, 1);
  if (mat.shape[1] !== vec.shape[0]) throw new ShapeError(`${op}: size mismatch: mat ${dims(mat.shape)} cannot multiply vec of size ${vec.shape[0]}`);
  const dtype = checkSameDType(op, { mat, vec });
  checkSelf(op, self, [mat.shape[0]!]);
  return addProduct("AddmvBackward0", self.to(dtype), mat, vec, coefficient(op, "beta", beta, dtype, false), coefficient(op, "alpha", alpha, dtype, false),
    (a, v) => a.matmul(v),
    (g, a, v, needs) => [needs[1] ? g.unsqueeze(1).mul(v.unsqueeze(0)) : null, needs[2] ? a.mT.matmul(g) : null]);
}

/**
 * beta·self + alpha·(vec1 ⊗ vec2) (torch.addr), all three promoted to one dtype; self
 * broadcasts to [n, m]. Each element is (alpha·vec1)·vec2 + beta·self, rounded as PyTorch's
 * kernel rounds it (the last multiply-add fused).
 * @example addr(zeros([2, 2]), tensor([1, 2]), tensor([3, 4])) // [[3, 4], [6, 8]]
 */
export function addr(self: Tensor, vec1: Tensor, vec2: Tensor, beta: Coef = 1, alpha: Coef = 1): Tensor {
  const op = "addr";
  if (vec1.ndim !== 1) throw new ShapeError(`${op}: expected 1-D argument vec1, but got ${vec1.ndim}-D (shape ${fmtShape(vec1.shape)})`);
  if (vec2.ndim !== 1) throw new ShapeError(`${op}: expected 1-D argument vec2, but got ${vec2.ndim}-D (shape ${fmtShape(vec2.shape)})`);
  const shape = [vec1.shape[0]!, vec2.shape[0]!];
  checkSelf(op, self, shape);
  const dtype = resultTypeOf(self, vec1, vec2);
  const b = coefficient(op, "beta", beta, dtype, true), a = coefficient(op, "alpha", alpha, dtype, true);
  if (dtype === "bool") return addrBool(self, vec1, vec2, b !== 0, a !== 0, shape);
  const [s, v1, v2] = [self, vec1, vec2].map((t) => t.to(dtype)) as [Tensor, Tensor, Tensor];
  // alpha enters before the outer product (alpha·vec1, then ·vec2), as PyTorch rounds it
  return addProduct("AddrBackward0", s, v1, v2, b, 1,
    (x, y) => (a === 1 ? x : x.mul(a)).unsqueeze(1).mul(y.unsqueeze(0)),
    (g, x, y, needs) => [needs[1] ? scale(g.matmul(y), a) : null, needs[2] ? scale(g.mT.matmul(x), a) : null]);
}

const scale = (t: Tensor, a: number) => (a === 1 ? t : t.mul(a));

/** addr on bool: (beta ∧ self) ∨ (alpha ∧ vec1 ∧ vec2); beta false ignores self. */
function addrBool(self: Tensor, vec1: Tensor, vec2: Tensor, beta: boolean, alpha: boolean, shape: number[]): Tensor {
  const product = vec1.unsqueeze(1).logicalAnd(vec2.unsqueeze(0));
  const scaled = alpha ? product : zerosLike(product);
  return beta ? self.expand(shape).logicalOr(scaled) : scaled;
}

/** batch1 [b, n, m] and batch2 [b, m, p], checked as PyTorch checks them. */
function checkBatches(op: string, batch1: Tensor, batch2: Tensor): void {
  checkRank(op, "batch1", batch1, 3);
  checkRank(op, "batch2", batch2, 3);
  const [b, , m] = batch1.shape as [number, number, number];
  if (batch2.shape[0] !== b) throw new ShapeError(`${op}: batch1 and batch2 must have same number of batches, got ${b} and ${batch2.shape[0]} (batch1 ${fmtShape(batch1.shape)}, batch2 ${fmtShape(batch2.shape)})`);
  if (batch2.shape[1] !== m) throw new ShapeError(`${op}: incompatible matrix sizes for bmm (${dims(batch1.shape.slice(1))} and ${dims(batch2.shape.slice(1))}); full shapes ${fmtShape(batch1.shape)} and ${fmtShape(batch2.shape)}`);
}

/**
 * beta·self + alpha·(batch1 @ batch2), batch by batch (torch.baddbmm); self broadcasts to
 * [b, n, p] and is cast to the batches' dtype, as PyTorch's kernel does.
 * @example baddbmm(zeros([2, 1, 1]), ones([2, 1, 3]), ones([2, 3, 1])) // [[[3]], [[3]]]
 */
export function baddbmm(self: Tensor, batch1: Tensor, batch2: Tensor, beta: Coef = 1, alpha: Coef = 1): Tensor {
  const op = "baddbmm";
  checkBatches(op, batch1, batch2);
  const dtype = checkSameDType(op, { batch1, batch2 });
  checkSelf(op, self, [batch1.shape[0]!, batch1.shape[1]!, batch2.shape[2]!]);
  return addProduct("BaddbmmBackward0", self.to(dtype), batch1, batch2, coefficient(op, "beta", beta, dtype, false), coefficient(op, "alpha", alpha, dtype, false),
    (a, b) => a.matmul(b),
    (g, a, b, needs) => [needs[1] ? g.matmul(b.mT) : null, needs[2] ? a.mT.matmul(g) : null]);
}

/**
 * beta·self + alpha·Σ_b batch1[b] @ batch2[b] (torch.addbmm); self broadcasts to [n, p].
 * The sum over batches is one GEMM: [n, b·m] @ [b·m, p].
 * @example addbmm(zeros([1, 1]), ones([2, 1, 3]), ones([2, 3, 1])) // [[6]]
 */
export function addbmm(self: Tensor, batch1: Tensor, batch2: Tensor, beta: Coef = 1, alpha: Coef = 1): Tensor {
  const op = "addbmm";
  checkBatches(op, batch1, batch2);
  const dtype = checkSameDType(op, { self, batch1, batch2 });
  const [, n] = batch1.shape as [number, number, number];
  const p = batch2.shape[2]!;
  checkSelf(op, self, [n, p]);
  return addProduct("AddbmmBackward0", self, batch1, batch2, coefficient(op, "beta", beta, dtype, false), coefficient(op, "alpha", alpha, dtype, false),
    (a, b) => a.permute([1, 0, 2]).reshape([n, -1]).matmul(b.reshape([-1, p])),
    // g [n, p] broadcast over the batch: dA[b] = g · B[b]ᵀ, dB[b] = A[b]ᵀ · g
    (g, a, b, needs) => [needs[1] ? g.matmul(b.mT) : null, needs[2] ? a.mT.matmul(g) : null]);
}

const SIGS = {
  addmm: "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1, Tensor? out=null) -> Tensor",
  addmm_: "addmm_(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> self",
  addmv: "addmv(Tensor self, Tensor mat, Tensor vec, *, Scalar beta=1, Scalar alpha=1, Tensor? out=null) -> Tensor",
  addmv_: "addmv_(Tensor self, Tensor mat, Tensor vec, *, Scalar beta=1, Scalar alpha=1) -> self",
  addr: "addr(Tensor self, Tensor vec1, Tensor vec2, *, Scalar beta=1, Scalar alpha=1, Tensor? out=null) -> Tensor",
  addr_: "addr_(Tensor self, Tensor vec1, Tensor vec2, *, Scalar beta=1, Scalar alpha=1) -> self",
  baddbmm: "baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1, Tensor? out=null) -> Tensor",
  baddbmm_: "baddbmm_(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1) -> self",
  addbmm: "addbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1, Tensor? out=null) -> Tensor",
  addbmm_: "addbmm_(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1) -> self",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

type Kw = { beta: Coef; alpha: Coef };
type Impl = (self: Tensor, a: Tensor, b: Tensor, beta: Coef, alpha: Coef) => Tensor;
const outOfPlace = (f: Impl) => (self: Tensor, a: Tensor, b: Tensor, { beta, alpha }: Kw) => f(self, a, b, beta, alpha);

/**
 * The in-place form: the result written into self, which must have the product's shape.
 * `sameDType`: addmv_/baddbmm_ refuse a self whose dtype differs from the factors' (their
 * out-of-place forms cast self instead), as PyTorch's "Bad in-place call" does.
 */
function inPlace(name: string, f: Impl, sameDType = false) {
  return (self: Tensor, a: Tensor, b: Tensor, { beta, alpha }: Kw) => {
    if (sameDType && self.dtype !== a.dtype) throw new DTypeError(`${name}: self has dtype ${self.dtype} but the product has ${a.dtype}; in place they must match`);
    return applyInPlace(self, name, (s) => f(s, a, b, beta, alpha), [a, b], false);
  };
}
const m = { variants: "method" } as const;

/** The public, argument-checked forms (torch.addmm, Tensor.addmm_, ...). */
export const BLAS_LIKE_FNS = {
  addmm: defineOp(SIGS.addmm, outOfPlace(addmm)),
  addmm_: defineOp(SIGS.addmm_, inPlace("addmm_", addmm), m),
  addmv: defineOp(SIGS.addmv, outOfPlace(addmv)),
  addmv_: defineOp(SIGS.addmv_, inPlace("addmv_", addmv, true), m),
  addr: defineOp(SIGS.addr, outOfPlace(addr)),
  addr_: defineOp(SIGS.addr_, inPlace("addr_", addr), m),
  baddbmm: defineOp(SIGS.baddbmm, outOfPlace(baddbmm)),
  baddbmm_: defineOp(SIGS.baddbmm_, inPlace("baddbmm_", baddbmm, true), m),
  addbmm: defineOp(SIGS.addbmm, outOfPlace(addbmm)),
  addbmm_: defineOp(SIGS.addbmm_, inPlace("addbmm_", addbmm), m),
};

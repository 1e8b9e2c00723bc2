/**
 * PyTorch's complex-number API on Fluxion's tensors, which are all real: conj, conjPhysical
 * (and conjPhysical_), resolveConj and resolveNeg return the tensor itself, as PyTorch's do
 * for real tensors; isConj and isNeg are false (no lazy conjugate or negative bits); real is
 * the tensor itself and imag raises PyTorch's error; isreal is all true; angle is 0 or pi by
 * sign (NaN stays NaN) with a zero gradient, as PyTorch's for real input. Written so that
 * code shared with complex-aware PyTorch programs (x.conj().t(), angle(x)) runs unchanged.
 */
import { defineOp, type MethodsOf } from "../api/registry.js";
import { noGrad } from "../autograd/grad_mode.js";
import { record1 } from "../autograd/record.js";
import { DTypeError } from "../errors.js";
import { onesLike, zerosLike } from "../tensor/creation.js";
import { floatResult } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { where } from "./elementwise.js";
import { applyInPlace } from "./inplace.js";

const SIGS = {
  conj: "conj(Tensor self) -> Tensor",
  conjPhysical: "conjPhysical(Tensor self) -> Tensor",
  conjPhysical_: "conjPhysical_(Tensor self) -> self",
  resolveConj: "resolveConj(Tensor self) -> Tensor",
  resolveNeg: "resolveNeg(Tensor self) -> Tensor",
  isConj: "isConj(Tensor self) -> bool",
  isNeg: "isNeg(Tensor self) -> bool",
  angle: "angle(Tensor self, *, Tensor? out=null) -> Tensor",
  isreal: "isreal(Tensor self) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {
    /** The real part: the tensor itself, as PyTorch's x.real of a real tensor. */
    readonly real: Tensor;
    /** Raises, as PyTorch's x.imag of a real tensor: Fluxion has no complex dtypes. */
    readonly imag: Tensor;
  }
}

const same = (x: Tensor) => x;

/**
 * The argument of each element as a complex number: 0 for x >= 0 (-0 included), pi for x < 0,
 * NaN for NaN, in the default float dtype for integer and bool input. Its gradient is zero.
 * @example angle(tensor([1, -2, 0])).tolist() // [0, 3.1415927410125732, 0]
 */
function angle(x: Tensor): Tensor {
  const dtype = floatResult(x.dtype);
  const out = noGrad(() => {
    const v = x.detach().to(dtype);
    return where(v.isnan(), v, v.lt(0).to(dtype).mul(Math.PI));
  });
  return record1("AngleBackward0", [x], out, [], () => [zerosLike(x)]);
}

function imag(x: Tensor): never {
  throw new DTypeError(`imag: imag is not implemented for tensors with non-complex dtypes (got ${x.dtype}; Fluxion has no complex dtypes)`);
}

export const REAL_COMPLEX_FNS = {
  /** torch.conj: the tensor itself (real tensors are their own conjugate). */
  conj: defineOp(SIGS.conj, same),
  /** torch.conj_physical: the tensor itself for a real tensor, as PyTorch's. */
  conjPhysical: defineOp(SIGS.conjPhysical, same),
  /** torch.conj_physical_: nothing to change; PyTorch's in-place checks still apply (a leaf that requires grad refuses). */
  conjPhysical_: defineOp(SIGS.conjPhysical_, (x: Tensor) => applyInPlace(x, "conjPhysical_", same, [], false)),
  resolveConj: defineOp(SIGS.resolveConj, same),
  resolveNeg: defineOp(SIGS.resolveNeg, same),
  isConj: defineOp(SIGS.isConj, () => false),
  isNeg: defineOp(SIGS.isNeg, () => false),
  angle: defineOp(SIGS.angle, angle),
  /** torch.isreal: true everywhere (a bool tensor of x's shape). */
  isreal: defineOp(SIGS.isreal, (x: Tensor) => onesLike(x, { dtype: "bool" })),
  /** torch.real: the tensor itself. */
  real: defineOp("real(Tensor self) -> Tensor", same, { variants: "function" }),
  /** torch.imag: raises, as PyTorch's for real tensors. */
  imag: defineOp("imag(Tensor self) -> Tensor", imag, { variants: "function" }),
};

Object.defineProperty(Tensor.prototype, "real", { get(this: Tensor) { return this; }, configurable: true });
Object.defineProperty(Tensor.prototype, "imag", { get(this: Tensor) { return imag(this); }, configurable: true });

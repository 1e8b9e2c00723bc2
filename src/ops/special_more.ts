/**
 * torch.special's Bessel, Airy and incomplete-gamma functions and its orthogonal polynomials as
 * ops: special.besselJ0 ... airyAi, special.gammainc/gammaincc with torch.igamma/igammac and
 * Tensor.igamma/igammac/igamma_/igammac_, and special.chebyshevPolynomialT ... legendrePolynomialP.
 * The scalar math is special_bessel.ts, special_igamma.ts and special_polynomials.ts, run through
 * the elementwise table; integer and bool inputs compute in the default float dtype, as PyTorch.
 *
 * Derivatives as PyTorch 1.13's (derivatives.yaml): igamma/igammac differentiate in x only (their
 * backward raises for a, as PyTorch's not_implemented("igamma: input")); the Bessel and Airy
 * functions and the polynomials have none there, so their results never require grad and a
 * backward through them raises as for any tensor that does not require grad.
 */
import { AutogradError } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import type { Fn } from "../api/types.js";
import type { Tensor } from "../tensor/tensor.js";
import { binary, defineBinaryGrads, unary } from "./elementwise.js";
import type { BinaryOpName, UnaryOpName } from "./elementwise_table.js";
import type { TensorLike } from "./helpers.js";
import { applyInPlace } from "./inplace.js";

/** A backward PyTorch does not have: the output requires grad, and backward raises. */
export function notImplemented(op: string): (g: Tensor) => Tensor {
  return () => {
    throw new AutogradError(`the derivative for '${op}' is not implemented (as in PyTorch)`);
  };
}

// d/dx P(a, x) = x^(a-1) e^-x / Gamma(a) = -d/dx Q(a, x), written as PyTorch writes it
const igammaDx = (a: Tensor, x: Tensor) => a.sub(1).mul(x.log()).sub(x).sub(a.lgamma()).exp();
defineBinaryGrads({
  igamma: { a: { uses: [], grad: notImplemented("igamma: input") }, b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(igammaDx(a, b)) } },
  igammac: { a: { uses: [], grad: notImplemented("igammac: input") }, b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(igammaDx(a, b)).neg() } },
});

// ---- torch.igamma / igammac and the Tensor methods -----------------------------------------------

const SIGS = {
  igamma: "igamma(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  igammac: "igammac(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  igamma_: "igamma_(Tensor self, Tensor other) -> self",
  igammac_: "igammac_(Tensor self, Tensor other) -> self",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

const igammaOf = (op: "igamma" | "igammac") => (a: Tensor, x: Tensor) => binary(op, a, x);
defineOp(SIGS.igamma_, (a: Tensor, x: Tensor) => applyInPlace(a, "igamma_", (s) => binary("igamma", s, x), [x]), { variants: "method" });
defineOp(SIGS.igammac_, (a: Tensor, x: Tensor) => applyInPlace(a, "igammac_", (s) => binary("igammac", s, x), [x]), { variants: "method" });

/** torch.igamma(a, x) and torch.igammac(a, x): floating-point tensors only, as PyTorch's kernels. */
export const IGAMMA_FNS = {
  igamma: defineOp(SIGS.igamma, igammaOf("igamma")),
  igammac: defineOp(SIGS.igammac, igammaOf("igammac")),
};

// ---- torch.special -------------------------------------------------------------------------------

/** A torch.special function: documented under "special", called as special.<name>(...). */
function sp<const S extends string | readonly string[]>(decl: S, impl: ((...a: any[]) => unknown) | readonly ((...a: any[]) => unknown)[]): Fn<S> {
  const name = (typeof decl === "string" ? decl : decl[0]!).split(/[.(]/)[0]!;
  return defineOp(decl, impl, { variants: "function", group: "special", key: `special.${name}` });
}
const U = (name: string) => `${name}(Tensor input, *, Tensor? out=null) -> Tensor` as const;
const unaryOf = (op: UnaryOpName) => (x: Tensor) => unary(op, x);
/** x a tensor or a number, n a tensor or a number, not both numbers (PyTorch's three overloads). */
const poly = (name: string) => [`${name}.Tensor(Tensor input, Tensor|Scalar n, *, Tensor? out=null) -> Tensor`, `${name}.Scalar_Self(Scalar input, Tensor n, *, Tensor? out=null) -> Tensor`] as const;
function polyOf(op: BinaryOpName) {
  const f = (x: TensorLike, n: TensorLike) => binary(op, x, n);
  return [f, f];
}

/**
 * The torch.special functions of this file, spread into `special` (special.ts).
 * @example special.besselJ0(tensor([0, 1, 2])) // tensor([1.0000, 0.7652, 0.2239])
 * @example special.chebyshevPolynomialT(tensor([0.5]), 3) // tensor([-1.])
 */
export const SPECIAL_MORE = {
  gammainc: sp("gammainc(Tensor input, Tensor other, *, Tensor? out=null) -> Tensor", igammaOf("igamma")),
  gammaincc: sp("gammaincc(Tensor input, Tensor other, *, Tensor? out=null) -> Tensor", igammaOf("igammac")),
  besselJ0: sp(U("besselJ0"), unaryOf("besselJ0")),
  besselJ1: sp(U("besselJ1"), unaryOf("besselJ1")),
  besselY0: sp(U("besselY0"), unaryOf("besselY0")),
  besselY1: sp(U("besselY1"), unaryOf("besselY1")),
  modifiedBesselI0: sp(U("modifiedBesselI0"), unaryOf("modifiedBesselI0")),
  modifiedBesselI1: sp(U("modifiedBesselI1"), unaryOf("modifiedBesselI1")),
  modifiedBesselK0: sp(U("modifiedBesselK0"), unaryOf("modifiedBesselK0")),
  modifiedBesselK1: sp(U("modifiedBesselK1"), unaryOf("modifiedBesselK1")),
  scaledModifiedBesselK0: sp(U("scaledModifiedBesselK0"), unaryOf("scaledModifiedBesselK0")),
  scaledModifiedBesselK1: sp(U("scaledModifiedBesselK1"), unaryOf("scaledModifiedBesselK1")),
  sphericalBesselJ0: sp(U("sphericalBesselJ0"), unaryOf("sphericalBesselJ0")),
  airyAi: sp(U("airyAi"), unaryOf("airyAi")),
  chebyshevPolynomialT: sp(poly("chebyshevPolynomialT"), polyOf("chebyshevT")),
  chebyshevPolynomialU: sp(poly("chebyshevPolynomialU"), polyOf("chebyshevU")),
  chebyshevPolynomialV: sp(poly("chebyshevPolynomialV"), polyOf("chebyshevV")),
  chebyshevPolynomialW: sp(poly("chebyshevPolynomialW"), polyOf("chebyshevW")),
  shiftedChebyshevPolynomialT: sp(poly("shiftedChebyshevPolynomialT"), polyOf("shiftedChebyshevT")),
  shiftedChebyshevPolynomialU: sp(poly("shiftedChebyshevPolynomialU"), polyOf("shiftedChebyshevU")),
  shiftedChebyshevPolynomialV: sp(poly("shiftedChebyshevPolynomialV"), polyOf("shiftedChebyshevV")),
  shiftedChebyshevPolynomialW: sp(poly("shiftedChebyshevPolynomialW"), polyOf("shiftedChebyshevW")),
  hermitePolynomialH: sp(poly("hermitePolynomialH"), polyOf("hermiteH")),
  hermitePolynomialHe: sp(poly("hermitePolynomialHe"), polyOf("hermiteHe")),
  laguerrePolynomialL: sp(poly("laguerrePolynomialL"), polyOf("laguerreL")),
  legendrePolynomialP: sp(poly("legendrePolynomialP"), polyOf("legendreP")),
};

/**
 * The special functions as ops: torch.erfc, erfinv, lgamma, digamma, polygamma, mvlgamma, i0
 * (functions, Tensor methods and in-place forms, as PyTorch has them) and the torch.special
 * namespace (`special.ndtr(x)`, `special.gammaln(x)`, ...), each with PyTorch's derivative
 * (derivatives.yaml) written beside it. The scalar math is special_math.ts, run through the
 * elementwise table; integer and bool inputs compute in the default float dtype, as PyTorch.
 */
import { ArgumentError, DTypeError } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import type { Fn } from "../api/types.js";
import { arange } from "../tensor/creation.js";
import { floatResult, type DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { binary, defineBinaryGrads, defineUnaryGrads, describe, unary, whereImpl } from "./elementwise.js";
import { EXTRA_FNS } from "./elementwise_extra.js";
import { applyInPlace } from "./inplace.js";
import type { TensorLike } from "./helpers.js";
import { SQRT_2PI } from "./special_math.js";
import { SPECIAL_MORE, notImplemented } from "./special_more.js";

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// ---- derivatives (PyTorch's derivatives.yaml) --------------------------------------------------

defineUnaryGrads({
  erfc: { uses: "x", grad: (g, x) => g.mul(x.mul(x).neg().exp().mul(-TWO_OVER_SQRT_PI)) },
  erfcx: { uses: "both", grad: (g, x, y) => g.mul(x.mul(y).mul(2).sub(TWO_OVER_SQRT_PI)) },
  erfinv: { uses: "out", grad: (g, _x, y) => g.mul(y.mul(y).exp().mul(Math.sqrt(Math.PI) / 2)) },
  lgamma: { uses: "x", grad: (g, x) => g.mul(unary("digamma", x)) },
  digamma: { uses: "x", grad: (g, x) => g.mul(unary("polygamma", x, [1])) },
  polygamma: { uses: "x", grad: (g, x, _y, [n]) => g.mul(unary("polygamma", x, [n! + 1])) },
  i0: { uses: "x", grad: (g, x) => g.mul(unary("i1", x)) },
  i0e: { uses: "both", grad: (g, x, y) => g.mul(unary("i1e", x).sub(x.sign().mul(y))) },
  // i1' = i0 - i1 / x and i1e' = i0e - i1e (sgn x + 1 / x): both 1/2 at 0
  i1: { uses: "both", grad: (g, x, y) => whereImpl(x.eq(0), g.mul(0.5), g.mul(unary("i0", x).sub(y.div(x)))) },
  i1e: { uses: "both", grad: (g, x, y) => whereImpl(x.eq(0), g.mul(0.5), g.mul(unary("i0e", x).sub(y.mul(x.sign().add(x.reciprocal()))))) },
  ndtr: { uses: "x", grad: (g, x) => g.mul(x.mul(x).mul(-0.5).exp().div(SQRT_2PI)) },
  ndtri: { uses: "out", grad: (g, _x, y) => g.mul(y.mul(y).mul(0.5).exp().mul(SQRT_2PI)) },
  logNdtr: { uses: "both", grad: (g, x, y) => g.div(y.add(x.mul(x).mul(0.5)).exp().mul(SQRT_2PI)) },
  entr: { uses: "x", grad: (g, x) => g.mul(x.log().add(1).neg()) },
});

defineBinaryGrads({
  // d/dx: log1p(y), but 0 where x == 0 and y <= -1 (never NaN or -inf there)
  xlog1py: {
    a: { uses: ["a", "b"], grad: (g, { a, b }) => binary("xlog1py", g, b).maskedFill(a.eq(0).logicalAnd(b.le(-1)), 0) },
    b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(a).div(b.add(1)) },
  },
  // d/dq zeta(x, q) = -x zeta(x + 1, q); PyTorch has no derivative in x
  zeta: { a: { uses: [], grad: notImplemented("zeta") }, b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(a).mul(binary("zeta", a.add(1), b)).neg() } },
});

// ---- implementations ---------------------------------------------------------------------------

type Special = "erfc" | "erfcx" | "erfinv" | "lgamma" | "digamma" | "i0" | "i0e" | "i1" | "i1e" | "ndtr" | "ndtri" | "logNdtr" | "entr";
const special1 = (op: Special) => (x: Tensor) => unary(op, x);

/** polygamma(n, x), the n-th derivative of digamma; n a non-negative integer. */
function polygammaImpl(n: number, x: Tensor): Tensor {
  if (n < 0) throw new ArgumentError(`polygamma(n, x) does not support negative n (got n=${n}, x ${describe(x)})`);
  return unary("polygamma", x, [n]);
}

/**
 * The multivariate log-gamma of dimension p: sum_{i<p} lgamma(x - i/2) + p (p-1)/4 log(pi),
 * composed as PyTorch composes it (so its gradient is the sum of digammas). Bool inputs are
 * refused as in PyTorch; values at or below (p-1)/2 give inf or NaN (PyTorch 1.13 checks no more).
 */
function mvlgammaImpl(x: Tensor, p: number, name = "mvlgamma"): Tensor {
  if (x.dtype === "bool") throw new DTypeError(`${name}: the input tensor may not be a boolean tensor (got ${describe(x)})`);
  if (p < 1) throw new ArgumentError(`${name}: p has to be greater than or equal to 1 (got p=${p})`);
  const d: DType = floatResult(x.dtype);
  const offsets = arange(-(p - 1) / 2, 0.5, 0.5, { dtype: d, device: x.device });
  const c = (p * (p - 1) * Math.log(Math.PI)) / 4;
  return x.unsqueeze(-1).add(offsets).lgamma().sum(-1).add(c);
}

// ---- declarations: torch.* and Tensor methods ---------------------------------------------------

const SIGS = {
  erfc: "erfc(Tensor self, *, Tensor? out=null) -> Tensor",
  erfinv: "erfinv(Tensor self, *, Tensor? out=null) -> Tensor",
  lgamma: "lgamma(Tensor self, *, Tensor? out=null) -> Tensor",
  digamma: "digamma(Tensor self, *, Tensor? out=null) -> Tensor",
  i0: "i0(Tensor self, *, Tensor? out=null) -> Tensor",
  mvlgamma: "mvlgamma(Tensor self, int p, *, Tensor? out=null) -> Tensor",
  erfc_: "erfc_(Tensor self) -> self",
  erfinv_: "erfinv_(Tensor self) -> self",
  lgamma_: "lgamma_(Tensor self) -> self",
  digamma_: "digamma_(Tensor self) -> self",
  i0_: "i0_(Tensor self) -> self",
  mvlgamma_: "mvlgamma_(Tensor self, int p) -> self",
  polygamma_: "polygamma_(Tensor self, int n) -> self",
} as const;
/** Tensor.polygamma(n): self first as a method, n first as the function (torch.polygamma(n, x)). */
const POLYGAMMA_METHOD = "polygamma(Tensor self, int n) -> Tensor";

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS>, MethodsOf<{ polygamma: typeof POLYGAMMA_METHOD }> {}
}

const m = { variants: "method" } as const;
/** The in-place form: the op's value written into self (a float result refuses an integer self). */
function inPlace(op: string, compute: (s: Tensor) => Tensor, savesSelf = true) {
  return (x: Tensor) => applyInPlace(x, op, compute, [], savesSelf);
}
defineOp(SIGS.erfc_, inPlace("erfc_", (s) => unary("erfc", s)), m);
defineOp(SIGS.erfinv_, inPlace("erfinv_", (s) => unary("erfinv", s), false), m); // its backward reads only the output
defineOp(SIGS.lgamma_, inPlace("lgamma_", (s) => unary("lgamma", s)), m);
defineOp(SIGS.digamma_, inPlace("digamma_", (s) => unary("digamma", s)), m);
defineOp(SIGS.i0_, inPlace("i0_", (s) => unary("i0", s)), m);
defineOp(SIGS.mvlgamma_, (x: Tensor, p: number) => applyInPlace(x, "mvlgamma_", (s) => mvlgammaImpl(s, p, "mvlgamma_"), []), m);
defineOp(SIGS.polygamma_, (x: Tensor, n: number) => applyInPlace(x, "polygamma_", (s) => polygammaImpl(n, s), []), m);
defineOp(POLYGAMMA_METHOD, (x: Tensor, n: number) => polygammaImpl(n, x), { variants: "method", key: "Tensor.polygamma" });

export const SPECIAL_FNS = {
  erfc: defineOp(SIGS.erfc, special1("erfc")),
  erfinv: defineOp(SIGS.erfinv, special1("erfinv")),
  lgamma: defineOp(SIGS.lgamma, special1("lgamma")),
  digamma: defineOp(SIGS.digamma, special1("digamma")),
  i0: defineOp(SIGS.i0, special1("i0")),
  mvlgamma: defineOp(SIGS.mvlgamma, (x: Tensor, p: number) => mvlgammaImpl(x, p)),
  polygamma: defineOp("polygamma(int n, Tensor self, *, Tensor? out=null) -> Tensor", polygammaImpl),
};

// ---- torch.special -----------------------------------------------------------------------------

/** A torch.special function: documented under "special", called as special.<name>(...). */
function sp<const S extends string | readonly string[]>(decl: S, impl: ((...a: any[]) => unknown) | readonly ((...a: any[]) => unknown)[]): Fn<S> {
  const name = (typeof decl === "string" ? decl : decl[0]!).split(/[.(]/)[0]!;
  return defineOp(decl, impl, { variants: "function", group: "special", key: `special.${name}` });
}
const U = (name: string) => `${name}(Tensor input, *, Tensor? out=null) -> Tensor` as const;
/** The binary ones take a scalar on either side (special.xlogy(2, t)), as PyTorch's. */
const scalarEither = (name: string) => [`${name}.Tensor(Tensor input, Tensor|Scalar other, *, Tensor? out=null) -> Tensor`, `${name}.Scalar_Self(Scalar input, Tensor other, *, Tensor? out=null) -> Tensor`] as const;
function both(op: "xlogy" | "xlog1py" | "zeta") {
  const f = (a: TensorLike, b: TensorLike) => binary(op, a, b);
  return [f, f];
}
type Dims = number | readonly number[];

/**
 * torch.special: the special functions under PyTorch's names, and its aliases of torch ops
 * (special.expit is sigmoid, special.gammaln lgamma, special.psi digamma, special.multigammaln
 * mvlgamma, special.logsumexp, softmax, logSoftmax, round ...), and special_more.ts's Bessel, Airy and
 * incomplete-gamma functions and orthogonal polynomials (special.besselJ0, gammainc, legendrePolynomialP ...).
 * @example special.ndtr(tensor([-1, 0, 1])) // tensor([0.1587, 0.5000, 0.8413])
 */
export const special = {
  erf: sp(U("erf"), (x: Tensor) => unary("erf", x)),
  erfc: sp(U("erfc"), special1("erfc")),
  erfcx: sp(U("erfcx"), special1("erfcx")),
  erfinv: sp(U("erfinv"), special1("erfinv")),
  expit: sp(U("expit"), (x: Tensor) => unary("sigmoid", x)),
  exp2: sp(U("exp2"), (x: Tensor) => unary("exp2", x)),
  expm1: sp(U("expm1"), (x: Tensor) => unary("expm1", x)),
  log1p: sp(U("log1p"), (x: Tensor) => unary("log1p", x)),
  logit: sp("logit(Tensor input, float? eps=null, *, Tensor? out=null) -> Tensor", (x: Tensor, eps: number | null) => EXTRA_FNS.logit(x, eps)),
  xlogy: sp(scalarEither("xlogy"), both("xlogy")),
  xlog1py: sp(scalarEither("xlog1py"), both("xlog1py")),
  zeta: sp(scalarEither("zeta"), both("zeta")),
  gammaln: sp(U("gammaln"), special1("lgamma")),
  digamma: sp(U("digamma"), special1("digamma")),
  psi: sp(U("psi"), special1("digamma")),
  polygamma: sp("polygamma(int n, Tensor input, *, Tensor? out=null) -> Tensor", polygammaImpl),
  multigammaln: sp("multigammaln(Tensor input, int p, *, Tensor? out=null) -> Tensor", (x: Tensor, p: number) => mvlgammaImpl(x, p, "multigammaln")),
  i0: sp(U("i0"), special1("i0")),
  i0e: sp(U("i0e"), special1("i0e")),
  i1: sp(U("i1"), special1("i1")),
  i1e: sp(U("i1e"), special1("i1e")),
  ndtr: sp(U("ndtr"), special1("ndtr")),
  ndtri: sp(U("ndtri"), special1("ndtri")),
  logNdtr: sp(U("logNdtr"), special1("logNdtr")),
  entr: sp(U("entr"), special1("entr")),
  sinc: sp(U("sinc"), (x: Tensor) => EXTRA_FNS.sinc(x)),
  round: sp("round(Tensor input, *, int decimals=0, Tensor? out=null) -> Tensor", (x: Tensor, { decimals }: { decimals: number }) => x.round({ decimals })),
  logsumexp: sp("logsumexp(Tensor input, int[] dim, bool keepdim=false, *, Tensor? out=null) -> Tensor", (x: Tensor, dim: Dims, keepdim: boolean) => x.logsumexp(dim, keepdim)),
  softmax: sp("softmax(Tensor input, int dim, ScalarType? dtype=null) -> Tensor", (x: Tensor, dim: number, dtype: DType | null) => x.softmax(dim, dtype)),
  logSoftmax: sp("logSoftmax(Tensor input, int dim, ScalarType? dtype=null) -> Tensor", (x: Tensor, dim: number, dtype: DType | null) => x.logSoftmax(dim, dtype)),
  ...SPECIAL_MORE,
};

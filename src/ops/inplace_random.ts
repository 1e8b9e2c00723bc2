/**
 * The in-place random fills of PyTorch's tensors beyond uniform_/normal_ (inplace.ts):
 * bernoulli_, exponential_, geometric_, logNormal_, cauchy_ and random_. Each draws through the
 * random primitive (uniform, normal, randint, or bernoulli on its probabilities) from the given
 * generator (else the default one) and shapes the draw with dispatched ops, so the values follow
 * PyTorch's distributions, not its random streams. Argument checks, dtype rules and messages are
 * PyTorch 1.13's; nothing is written when a check fails.
 */
import { dispatch } from "../backend/dispatcher.js";
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { isFloating, isHalf, type DType } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { expandableTo } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { applyInPlace } from "./inplace.js";

const SIGS = {
  bernoulli_: "bernoulli_(Tensor self, Tensor|float p=0.5, *, Generator? generator=null) -> self",
  exponential_: "exponential_(Tensor self, float lambd=1, *, Generator? generator=null) -> self",
  geometric_: "geometric_(Tensor self, float p, *, Generator? generator=null) -> self",
  logNormal_: "logNormal_(Tensor self, float mean=1, float std=2, *, Generator? generator=null) -> self",
  cauchy_: "cauchy_(Tensor self, float median=0, float sigma=1, *, Generator? generator=null) -> self",
  random_: "random_(Tensor self, int? from=null, int? to=null, *, Generator? generator=null) -> self",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

type Gen = { generator?: Generator | null };

/** The float dtype a draw for `x` is made in: x's own, float32 for half and integer tensors. */
const drawDType = (x: Tensor): DType => (isFloating(x.dtype) && !isHalf(x.dtype) ? x.dtype : "float32");

/** Uniform [0, 1) values of x's shape. */
function uniform01(x: Tensor, generator: Generator | null | undefined): Tensor {
  return dispatch("random", [], { dist: { kind: "uniform", low: 0, high: 1 }, shape: x.shape, dtype: drawDType(x), generator: generator ?? defaultGenerator }, x.device);
}

/** PyTorch's "<op>_cpu not implemented for 'Long'" for the fills defined on floating tensors only. */
function floatingOnly(op: string, x: Tensor): void {
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: not implemented for ${x.dtype} tensors (a floating point tensor is needed)`);
}

/** Writes `values` (any dtype that converts exactly: 0/1, integers) into x. */
const fill = (x: Tensor, op: string, values: () => Tensor): Tensor => applyInPlace(x, op, () => values().to(x.dtype), [], false);

function bernoulli_(x: Tensor, p: Tensor | number, { generator }: Gen): Tensor {
  let probs: Tensor;
  if (p instanceof Tensor) {
    if (!isFloating(p.dtype)) throw new DTypeError(`bernoulli_: p must be a floating point tensor, got ${p.dtype}`);
    if (!isFloating(x.dtype)) throw new DTypeError(`bernoulli_: a tensor of probabilities fills floating point tensors only, got ${x.dtype}`);
    if (!expandableTo(p.shape, x.shape)) throw new ShapeError(`bernoulli_: p of shape ${fmtShape(p.shape)} cannot be expanded to self's shape ${fmtShape(x.shape)}`);
    probs = p.detach().to(drawDType(x)).expand(x.shape).contiguous();
  } else {
    if (!(p >= 0 && p <= 1)) throw new FluxionError(`bernoulli_ expects p to be in [0, 1], but got p=${p}`);
    probs = dispatch("full", [], { shape: x.shape, value: p, dtype: drawDType(x) }, x.device);
  }
  return fill(x, "bernoulli_", () => dispatch("random", [probs], { dist: { kind: "bernoulli" }, shape: x.shape, dtype: probs.dtype, generator: generator ?? defaultGenerator }, x.device));
}

function exponential_(x: Tensor, lambd: number, { generator }: Gen): Tensor {
  floatingOnly("exponential_", x);
  if (!(lambd >= 0)) throw new FluxionError(`exponential_ expects lambda >= 0.0, but found lambda=${lambd}`);
  // -log(1 - u) / lambda, u in [0, 1): log1p keeps the small values exact
  return fill(x, "exponential_", () => uniform01(x, generator).neg().log1p().div(-lambd));
}

function geometric_(x: Tensor, p: number, { generator }: Gen): Tensor {
  if (!(p > 0 && p < 1)) throw new FluxionError(`geometric_ expects p to be in (0, 1), but got p=${p}`);
  // the number of trials up to the first success: ceil(log(1 - u) / log(1 - p)), at least 1
  return fill(x, "geometric_", () => uniform01(x, generator).neg().log1p().div(Math.log1p(-p)).ceil().clampMin(1));
}

function logNormal_(x: Tensor, mean: number, std: number, { generator }: Gen): Tensor {
  floatingOnly("logNormal_", x);
  if (!(std > 0)) throw new FluxionError(`logNormal_ expects std > 0.0, but found std=${std}`);
  return fill(x, "logNormal_", () => dispatch("random", [], { dist: { kind: "normal", mean, std }, shape: x.shape, dtype: drawDType(x), generator: generator ?? defaultGenerator }, x.device).exp());
}

function cauchy_(x: Tensor, median: number, sigma: number, { generator }: Gen): Tensor {
  floatingOnly("cauchy_", x);
  if (!Number.isFinite(median) || !Number.isFinite(sigma)) throw new FluxionError(`cauchy_ expects a finite median and sigma, got median=${median}, sigma=${sigma}`);
  // the inverse CDF: median + sigma tan(pi (u - 1/2))
  return fill(x, "cauchy_", () => uniform01(x, generator).sub(0.5).mul(Math.PI).tan().mul(sigma).add(median));
}

/**
 * random_()'s default range for each dtype: [0, 2^mantissa digits] for floats (every integer
 * there is exact), [0, max] for integers. int64 stops at 2^53 (PyTorch: 2^63 - 1), the
 * integers a JS number holds exactly.
 */
const RANDOM_TO: Partial<Record<DType, number>> = {
  float64: 2 ** 53, float32: 2 ** 24 + 1, float16: 2 ** 11 + 1, bfloat16: 2 ** 8 + 1,
  int64: 2 ** 53, int32: 2 ** 31, int8: 2 ** 7, uint8: 2 ** 8, bool: 2,
};
/** The integers a dtype holds exactly: [lowest, highest] (the checked bounds of from and to). */
const EXACT: Partial<Record<DType, [number, number]>> = {
  float64: [-(2 ** 53), 2 ** 53], float32: [-(2 ** 24), 2 ** 24], float16: [-(2 ** 11), 2 ** 11], bfloat16: [-(2 ** 8), 2 ** 8],
  int64: [-(2 ** 53), 2 ** 53], int32: [-(2 ** 31), 2 ** 31 - 1], int8: [-(2 ** 7), 2 ** 7 - 1],
  uint8: [0, 255], bool: [0, 1],
};

function random_(x: Tensor, from: number | null, to: number | null, { generator }: Gen): Tensor {
  // PyTorch's overloads: random_(), random_(to), random_(from, to)
  let lo = 0, hi: number;
  if (from !== null && to === null) hi = from;
  else {
    lo = from ?? 0;
    hi = to ?? RANDOM_TO[x.dtype] ?? NaN;
  }
  const exact = EXACT[x.dtype];
  if (exact === undefined || Number.isNaN(hi)) throw new DTypeError(`random_: not implemented for ${x.dtype} tensors`);
  if (lo >= hi) throw new FluxionError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
  if (lo < exact[0] || lo > exact[1]) throw new FluxionError(`random_: from=${lo} is out of bounds for ${x.dtype}`);
  if (hi - 1 > exact[1]) throw new FluxionError(`random_: to - 1 = ${hi - 1} is out of bounds for ${x.dtype}`);
  const dtype: DType = x.dtype === "bool" || isHalf(x.dtype) ? "float32" : x.dtype;
  return fill(x, "random_", () => dispatch("random", [], { dist: { kind: "randint", low: lo, high: hi }, shape: x.shape, dtype, generator: generator ?? defaultGenerator }, x.device));
}

const m = { variants: "method" } as const;
defineOp(SIGS.bernoulli_, bernoulli_, m);
defineOp(SIGS.exponential_, exponential_, m);
defineOp(SIGS.geometric_, geometric_, m);
defineOp(SIGS.logNormal_, logNormal_, m);
defineOp(SIGS.cauchy_, cauchy_, m);
defineOp(SIGS.random_, random_, m);

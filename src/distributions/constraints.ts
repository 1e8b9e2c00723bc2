/**
 * Constraints (torch.distributions.constraints): what a parameter or a sample may hold.
 * `check(value)` returns a bool tensor over the batch (the rightmost `eventDim` dims reduced
 * with all), as PyTorch's; the distributions use them only for validateArgs, and their
 * `toString()` is PyTorch's repr so messages read the same.
 */
import { Tensor } from "../tensor/tensor.js";
import { choleskyEx } from "../ops/linalg/index.js";
import { cat as catTensors, stack as stackTensors } from "../functional.js";
import { finfo } from "./utils.js";

export class Constraint {
  constructor(
    /** PyTorch's repr, e.g. "GreaterThan(lower_bound=0.0)". */
    readonly name: string,
    private readonly test: ((v: Tensor) => Tensor) | null,
    /** How many rightmost dims make one event (1 for simplex and vectors). */
    readonly eventDim = 0,
    readonly isDiscrete = false,
  ) {}
  /** Whether this is `dependent` (a constraint that depends on other parameters: not checked). */
  get isDependent(): boolean {
    return this.test === null;
  }
  /** A bool tensor: which events satisfy the constraint. */
  check(value: Tensor): Tensor {
    if (this.test === null) throw new Error(`${this.name} cannot be checked`);
    return this.test(value);
  }
  toString(): string {
    return this.name;
  }
}

/** Python's float repr: 0.0, 1.0, 0.5. */
const pyFloat = (x: number): string => (Number.isInteger(x) ? x.toFixed(1) : String(x));
const bound = (x: number | Tensor): string => (typeof x === "number" ? pyFloat(x) : x.toString());

function allLast(t: Tensor, n: number): Tensor {
  for (let i = 0; i < n; i++) t = t.all(-1);
  return t;
}

export const dependent = new Constraint("Dependent()", null);
export const real = new Constraint("Real()", (v) => v.eq(v)); // NaN is the only real that fails
export const boolean = new Constraint("Boolean()", (v) => v.eq(0).logicalOr(v.eq(1)), 0, true);
export const positive = greaterThan(0);
export const nonnegative = greaterThanEq(0);
export const unitInterval = interval(0, 1);
export const nonnegativeInteger = new Constraint("IntegerGreaterThan(lower_bound=0)", (v) => v.remainder(1).eq(0).logicalAnd(v.ge(0)), 0, true);
export const positiveInteger = new Constraint("IntegerGreaterThan(lower_bound=1)", (v) => v.remainder(1).eq(0).logicalAnd(v.ge(1)), 0, true);
export const realVector = independent(real, 1);
/** Non-negative entries summing to 1 (within 1e-6) over the last dim. */
export const simplex = new Constraint("Simplex()", (v) => v.ge(0).all(-1).logicalAnd(v.sum(-1).sub(1).abs().lt(1e-6)), 1);
/** One-hot vectors: 0/1 entries, one 1. */
export const oneHot = new Constraint("OneHot()", (v) => v.eq(0).logicalOr(v.eq(1)).all(-1).logicalAnd(v.sum(-1).eq(1)), 1, true);
/** Square lower-triangular matrices with a positive diagonal. */
export const lowerCholesky = new Constraint("LowerCholesky()", (v) => {
  const lower = v.tril().eq(v).all(-1).all(-1);
  return lower.logicalAnd(v.diagonal(0, -2, -1).gt(0).all(-1));
}, 2);
/** Symmetric matrices whose Cholesky factorization succeeds (PyTorch 1.13: cholesky_ex(v).info == 0). */
export const positiveDefinite = new Constraint("PositiveDefinite()", (v) => {
  const symmetric = v.sub(v.mT).abs().le(1e-6).all(-1).all(-1);
  const [, info] = choleskyEx(v);
  return symmetric.logicalAnd(info.eq(0));
}, 2);

export function greaterThan(lower: number | Tensor): Constraint {
  return new Constraint(`GreaterThan(lower_bound=${bound(lower)})`, (v) => v.gt(lower));
}
export function greaterThanEq(lower: number | Tensor): Constraint {
  return new Constraint(`GreaterThanEq(lower_bound=${bound(lower)})`, (v) => v.ge(lower));
}
export function lessThan(upper: number | Tensor): Constraint {
  return new Constraint(`LessThan(upper_bound=${bound(upper)})`, (v) => v.lt(upper));
}
export function interval(lower: number | Tensor, upper: number | Tensor): Constraint {
  return new Constraint(`Interval(lower_bound=${bound(lower)}, upper_bound=${bound(upper)})`, (v) => v.ge(lower).logicalAnd(v.le(upper)));
}
export function halfOpenInterval(lower: number | Tensor, upper: number | Tensor): Constraint {
  return new Constraint(`HalfOpenInterval(lower_bound=${bound(lower)}, upper_bound=${bound(upper)})`, (v) => v.ge(lower).logicalAnd(v.lt(upper)));
}
export function integerInterval(lower: number | Tensor, upper: number | Tensor): Constraint {
  const b = (x: number | Tensor): string => (typeof x === "number" ? String(x) : x.toString());
  return new Constraint(
    `IntegerInterval(lower_bound=${b(lower)}, upper_bound=${b(upper)})`,
    (v) => v.remainder(1).eq(0).logicalAnd(v.ge(lower)).logicalAnd(v.le(upper)),
    0,
    true,
  );
}
/** `base` over events of `reinterpretedBatchNdims` more dims. */
export function independent(base: Constraint, reinterpretedBatchNdims: number): Constraint {
  return new Constraint(
    `IndependentConstraint(${base.name}, ${reinterpretedBatchNdims})`,
    (v) => allLast(base.check(v), reinterpretedBatchNdims),
    base.eventDim + reinterpretedBatchNdims,
    base.isDiscrete,
  );
}

/** Lower Cholesky factors of correlation matrices: lower triangular, positive diagonal, unit-norm rows (PyTorch's tolerance). */
export const corrCholesky = new Constraint("CorrCholesky()", (v) => {
  const tol = finfo(v.dtype).eps * v.shape.at(-1)! * 10;
  const unitRows = v.detach().pow(2).sum(-1).sqrt().sub(1).abs().le(tol).all(-1);
  return lowerCholesky.check(v).logicalAnd(unitRows);
}, 2);

/** Count vectors of non-negative entries summing to at most `upperBound` (PyTorch's constraints.multinomial). */
export function multinomial(upperBound: number): Constraint {
  return new Constraint("Multinomial()", (v) => v.ge(0).all(-1).logicalAnd(v.sum(-1).le(upperBound)), 1, true);
}

/**
 * Pieces of `dim` of the given lengths, each satisfying its constraint (PyTorch's
 * constraints.cat). Elementwise pieces give their checks concatenated along `dim`; pieces with
 * event dims give one check per event (all pieces must hold).
 */
export function cat(parts: readonly Constraint[], dim: number, lengths: readonly number[]): Constraint {
  const eventDim = Math.max(0, ...parts.map((c) => c.eventDim));
  return new Constraint("_Cat()", (v) => {
    const checks: Tensor[] = [];
    let start = 0;
    parts.forEach((c, i) => {
      checks.push(c.check(v.narrow(dim, start, lengths[i]!)));
      start += lengths[i]!;
    });
    return eventDim === 0 ? catTensors(checks, dim) : checks.reduce((a, b) => a.logicalAnd(b));
  }, eventDim, parts.every((c) => c.isDiscrete));
}

/** Slices along `dim`, each satisfying its constraint (PyTorch's constraints.stack); as `cat` for event dims. */
export function stack(parts: readonly Constraint[], dim: number): Constraint {
  const eventDim = Math.max(0, ...parts.map((c) => c.eventDim));
  return new Constraint("_Stack()", (v) => {
    const d = dim < 0 ? dim + v.ndim : dim;
    const checks = parts.map((c, i) => c.check(v.select(d, i)));
    return eventDim === 0 ? stackTensors(checks, d) : checks.reduce((a, b) => a.logicalAnd(b));
  }, eventDim, parts.every((c) => c.isDiscrete));
}

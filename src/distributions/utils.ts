/**
 * Helpers shared by the distributions: PyTorch's broadcast_all (numbers become tensors of the
 * tensors' dtype, or the default float dtype), probs <-> logits, and the sum over the
 * rightmost dims that Independent and the multivariate log-densities use.
 */
import { Tensor } from "../tensor/tensor.js";
import { tensor, broadcastTensors } from "../functional.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape, nameIn } from "../errors.js";
import { assertAll } from "../ops/advanced_indexing.js";
import { readHostItem } from "../tensor/host_read.js";
import { describeValue } from "../api/args.js";
import { isFloating } from "../tensor/dtype.js";

export type Param = Tensor | number;

/** The smallest positive normal and the machine epsilon of a float dtype (torch.finfo). */
export function finfo(dtype: string): { eps: number; tiny: number; max: number } {
  if (dtype === "float64") return { eps: 2.220446049250313e-16, tiny: 2.2250738585072014e-308, max: Number.MAX_VALUE };
  if (dtype === "float16") return { eps: 0.0009765625, tiny: 6.103515625e-5, max: 65504 };
  if (dtype === "bfloat16") return { eps: 0.0078125, tiny: 1.1754943508222875e-38, max: 3.3895313892515355e38 };
  return { eps: 1.1920928955078125e-7, tiny: 1.1754943508222875e-38, max: 3.4028234663852886e38 };
}

/**
 * broadcast_all: the parameters as tensors of one broadcast shape. A number takes the dtype of
 * the tensors given with it (float32 when all are numbers); tensors must be floating point.
 */
export function broadcastAll(dist: string, names: readonly string[], values: readonly Param[]): Tensor[] {
  let like: Tensor | undefined;
  values.forEach((v, i) => {
    if (v instanceof Tensor) {
      if (!isFloating(v.dtype)) throw new DTypeError(`${dist}: ${names[i]} must be a floating point tensor, got ${v.dtype}`);
      like ??= v;
    } else if (typeof v !== "number") {
      throw new ArgumentError(`${dist}: ${names[i]} must be a Tensor or a number, got ${describeValue(v)}`);
    }
  });
  const ts = values.map((v) => (v instanceof Tensor ? v : tensor(v, { dtype: like?.dtype ?? "float32", device: like?.device })));
  if (ts.length === 1) return ts;
  try {
    return broadcastTensors(...ts);
  } catch (e) {
    throw new ShapeError(`${dist}: the shapes of ${names.join(", ")} (${ts.map((t) => fmtShape(t.shape)).join(", ")}) do not broadcast`);
  }
}

/** A parameter given as one tensor (Categorical's probs): floating point, at least `minDim` dims. */
export function floatParam(dist: string, name: string, v: unknown, minDim = 0): Tensor {
  if (typeof v === "number" && minDim === 0) return tensor(v);
  if (!(v instanceof Tensor)) throw new ArgumentError(`${dist}: ${name} must be a Tensor${minDim === 0 ? " or a number" : ""}, got ${describeValue(v)}`);
  if (!isFloating(v.dtype)) throw new DTypeError(`${dist}: ${name} must be a floating point tensor, got ${v.dtype}`);
  if (v.ndim < minDim) throw new ShapeError(`${dist}: ${name} must have at least ${minDim} dimension${minDim > 1 ? "s" : ""}, got shape ${fmtShape(v.shape)}`);
  return v;
}

/** The probabilities clamped into [eps, 1 - eps] (torch.distributions.utils.clamp_probs). */
export function clampProbs(p: Tensor): Tensor {
  const { eps } = finfo(p.dtype);
  return p.clamp(eps, 1 - eps);
}

/** logits from probabilities: log(p) (categorical) or log(p / (1 - p)) (binary). */
export function probsToLogits(p: Tensor, isBinary = false): Tensor {
  const c = clampProbs(p);
  return isBinary ? c.log().sub(c.neg().log1p()) : c.log();
}

/** probabilities from logits: sigmoid (binary) or softmax over the last dim. */
export function logitsToProbs(l: Tensor, isBinary = false): Tensor {
  return isBinary ? l.sigmoid() : l.softmax(-1);
}

/** Sums the rightmost `n` dims. */
export function sumRightmost(t: Tensor, n: number): Tensor {
  for (let i = 0; i < n; i++) t = t.sum(-1);
  return t;
}

/** A shape argument (sampleShape, batchShape) as PyTorch's torch.Size: an int or a list of ints >= 0. */
export function shapeArg(where: string, name: string, s: unknown): number[] {
  const list = typeof s === "number" ? [s] : s;
  if (!Array.isArray(list) || !list.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ArgumentError(`${where}: ${name} must be a list of non-negative integers, got ${describeValue(s)}`);
  }
  return list as number[];
}

/**
 * Runs `f` and makes a FluxionError from inside it name `where`, also when an inner
 * distribution already named itself (RelaxedOneHotCategorical: ExpRelaxedCategorical: ...),
 * so the message starts with the class the user constructed.
 */
export function named<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw nameIn(e, where, where, true);
  }
}

/**
 * binary_cross_entropy_with_logits(logits, target, reduction="none") as softplus(x) - x t:
 * softplus's gradient is sigmoid(x) everywhere (max(x, 0) + log1p(exp(-|x|)) has a kink at 0).
 */
export function bceWithLogits(logits: Tensor, target: Tensor): Tensor {
  return logits.softplus().sub(logits.mul(target));
}

/** Exactly one of probs / logits (Bernoulli, Categorical, Geometric): PyTorch's message otherwise. */
export function probsOrLogits(dist: string, probs: unknown, logits: unknown): void {
  if ((probs === null || probs === undefined) === (logits === null || logits === undefined)) {
    throw new ArgumentError(`${dist}: either probs or logits must be specified, but not both`);
  }
}

/**
 * A validateArgs check: raises unless every element of `cond` holds. On the CPU it reads the
 * result (PyTorch's check does too) and the message can show the offending values; on other
 * devices, where reads are asynchronous, it is a dispatched assertion (no host read) whose
 * message leaves the values out.
 */
export function requireAll(cond: Tensor, message: (withValues: boolean) => string, reason = "distributions validateArgs"): void {
  if (cond.device === "cpu") {
    if (!readHostItem<boolean>(cond.all(), reason)) throw new FluxionError(message(true));
    return;
  }
  assertAll(cond, message(false));
}

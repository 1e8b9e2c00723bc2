/**
 * Counting values into bins: bincount (occurrences of each non-negative integer, or the sum
 * of their weights) and histc (a histogram over equal-width bins), as PyTorch 1.13. Both
 * are a scatter-add of ones (or weights) at computed bin positions, so the counting runs on
 * any backend. What is read on the host is only what PyTorch reads too: bincount's
 * smallest and largest value (the output's length is the data's, and negatives are
 * refused), and histc's data range when min == max asks for it.
 */
import { dispatch } from "../backend/dispatcher.js";
import { noGrad } from "../autograd/grad_mode.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { scalarTensor, zeros } from "../tensor/creation.js";
import { isFloating, isHalf, isIntegral, type DType } from "../tensor/dtype.js";
import { readHost } from "../tensor/host_read.js";
import { checkNumel } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { castRaw } from "./helpers.js";
import { stack } from "./shape_ops.js";

/** [min, max] of a non-empty tensor, read on the host (as numbers; half dtypes widened). */
function extrema(x: Tensor, op: string): [number, number] {
  const v = readHost(stack([x.amin(), x.amax()]), op);
  return [Number(v[0]), Number(v[1])];
}

/** out[i] += src[k] for every k with index[k] = i (index already valid), no autograd. */
function countInto(size: number, dtype: DType, index: Tensor, src: Tensor, device: string): Tensor {
  const out = zeros([size], { dtype, device });
  if (index.numel() === 0) return out;
  return dispatch("scatter", [out, index, src], { axis: 0, reduce: "add" });
}

/**
 * The number of times each value 0..max occurs in a 1-D tensor of non-negative integers
 * (torch.bincount), int64; with `weights` (1-D, same length) the sum of their weights,
 * float32 for float32 weights and float64 for any other dtype, as PyTorch. The result has
 * max(max(x) + 1, minlength) bins; an empty input gives minlength int64 zeros (even with
 * weights, as PyTorch).
 * @example bincount(tensor([0, 1, 1, 3], { dtype: "int64" })) // [1, 2, 0, 1]
 */
export function bincount(x: Tensor, weights: Tensor | null = null, minlength = 0): Tensor {
  const op = "bincount";
  if (x.ndim !== 1 || !isIntegral(x.dtype)) {
    throw new DTypeError(`${op}: only supports 1-d non-negative integral inputs, got a ${x.dtype} tensor of shape ${fmtShape(x.shape)}`);
  }
  if (weights && (weights.ndim !== 1 || weights.shape[0] !== x.shape[0])) {
    throw new ShapeError(`${op}: weights should be 1-d and have the same length as input, got weights ${fmtShape(weights.shape)} for input ${fmtShape(x.shape)}`);
  }
  if (minlength < 0) throw new ArgumentError(`${op}: minlength should be >= 0, got ${minlength}`);
  if (x.numel() === 0) return zeros([minlength], { dtype: "int64", device: x.device });
  // the output's length is the data's: an inherent host read, as PyTorch's
  const [lo, hi] = extrema(x, op);
  if (lo < 0) throw new FluxionError(`${op}: only supports 1-d non-negative integral inputs, got a negative value ${lo}`);
  const size = Math.max(hi + 1, minlength);
  const dtype: DType = weights === null ? "int64" : weights.dtype === "float32" ? "float32" : "float64";
  checkNumel(op, [size], dtype);
  const index = x.dtype === "int32" || x.dtype === "int64" ? x : castRaw(x, "int32");
  return noGrad(() => {
    const src = weights === null ? scalarTensor(1, "int64", x.device).expand(x.shape) : weights.to(dtype);
    return countInto(size, dtype, index, src, x.device);
  });
}

/**
 * The bin edges histc uses: [min, max] as given, the data's range when they are equal
 * (and the input is not empty), widened by 1 on each side when that range is one point.
 */
function histRange(x: Tensor, min: number, max: number): [number, number] {
  let lo = min, hi = max;
  if (lo === hi && x.numel() > 0) [lo, hi] = extrema(x, "histc"); // an inherent host read, as PyTorch's
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new FluxionError(`histc: range of [${lo}, ${hi}] is not finite`);
  if (!(lo < hi)) throw new FluxionError(`histc: max must be larger than min (got min ${lo}, max ${hi})`);
  return [lo, hi];
}

/**
 * A histogram of x's elements (flattened) over `bins` equal-width bins between min and max
 * (torch.histc), in x's floating dtype; min = max (0 and 0 by default) uses the data's
 * range. Elements outside [min, max] are not counted; max falls in the last bin. As in
 * PyTorch 1.13, an element's bin is trunc((x − min)·bins / (max − min)) computed in x's
 * dtype, and a NaN element is counted in the first bin (1.13's kernel lets it through).
 * @example histc(tensor([1, 2, 1]), 4, 0, 3) // [0, 2, 1, 0]
 */
export function histc(x: Tensor, bins = 100, min: number | boolean | bigint = 0, max: number | boolean | bigint = 0): Tensor {
  const op = "histc";
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype} (shape ${fmtShape(x.shape)})`);
  if (bins <= 0) throw new ArgumentError(`${op}: bins must be > 0, but got ${bins}`);
  checkNumel(op, [bins], x.dtype);
  const [lo, hi] = histRange(x, Number(min), Number(max));
  return noGrad(() => {
    const flat = x.reshape([-1]);
    // the edges in x's dtype, and each step rounded to it, as the kernel computes
    const left = scalarTensor(lo, x.dtype, x.device), right = scalarTensor(hi, x.dtype, x.device);
    const inside = flat.lt(left).logicalOr(flat.gt(right)).logicalNot(); // NaN is "inside"
    const pos = flat.sub(left).mul(bins).div(right.sub(left));
    // max itself lands in the last bin: clamped before the truncating cast (the same bin), in
    // float32 at least (where bins - 1 is exact)
    const p = where(inside.logicalAnd(pos.isnan().logicalNot()), pos, 0);
    const bin = castRaw((isHalf(x.dtype) ? castRaw(p, "float32") : p).clampMax(bins - 1), "int32");
    return countInto(bins, x.dtype, bin, inside.to(x.dtype), x.device);
  });
}

const SIGS = {
  bincount: "bincount(Tensor self, Tensor? weights=null, int minlength=0) -> Tensor",
  histc: "histc(Tensor self, int bins=100, Scalar min=0, Scalar max=0, *, Tensor? out=null) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

/** The public, argument-checked forms (torch.bincount, torch.histc and their methods). */
export const COUNTING_FNS = {
  bincount: defineOp(SIGS.bincount, bincount),
  histc: defineOp(SIGS.histc, histc),
};

/**
 * torch.scatter_reduce: src reduced into a copy of self at index along dim with "sum",
 * "prod", "mean", "amax" or "amin", with or without self's own value (includeSelf).
 *
 * Composed from the gather/scatter/sort primitives: sum, prod and mean are scatters with
 * "add"/"multiply" plus a count of how many values reach each position; amax/amin (which
 * the scatter primitive has no reduce for) sort the sent values, then stably by target, so
 * each target's extreme is the last (first) of its run and exactly one value per target
 * is written — no write races and no host reads (a gather kernel checks the index), in
 * O(n log n) where a max-scatter primitive would be O(n).
 *
 * Gradients are PyTorch's: sum and mean pass (averaged) g through; amax/amin split g
 * evenly among the elements equal to the result (PyTorch counts self among them even when
 * includeSelf is false); prod is exact with zeros, written without dividing by a zero so
 * that its own gradient (createGraph) is right too, also where PyTorch refuses (several zeros).
 */
import { dispatch, dispatchAll } from "../backend/dispatcher.js";
import { record1 } from "../autograd/record.js";
import { noGrad } from "../autograd/grad_mode.js";
import type { BackwardFn } from "../autograd/node.js";
import { DTypeError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { isFloating } from "../tensor/dtype.js";
import { arange, full, onesLike, scalarTensor, zeros, zerosLike } from "../tensor/creation.js";
import { contiguousStrides, normalizeDim, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { applyInPlace } from "./inplace.js";
import { cat, pad } from "./shape_ops.js";
import { checkIndexDType, checkIndexValues } from "./advanced_indexing.js";

export type ScatterReduceOp = "sum" | "prod" | "mean" | "amax" | "amin";
const REDUCES: readonly ScatterReduceOp[] = ["sum", "prod", "mean", "amax", "amin"];

// ---- checks -----------------------------------------------------------------------------

function checkArgs(x: Tensor, d: number, index: Tensor, src: Tensor, reduce: string): void {
  const op = "scatterReduce";
  if (!REDUCES.includes(reduce as ScatterReduceOp)) throw new DTypeError(`${op}: reduce argument must be one of "sum", "prod", "mean", "amax", "amin", got ${JSON.stringify(reduce)}`);
  checkIndexDType(op, index);
  if (!(src instanceof Tensor)) throw new DTypeError(`${op}: expected src to be a Tensor, got ${typeof src}`);
  if (x.dtype !== src.dtype) throw new DTypeError(`${op}: expected self and src to have the same dtype, but got self ${x.dtype} and src ${src.dtype}`);
  if (reduce === "mean" && x.dtype === "bool") throw new DTypeError(`${op}: reduce "mean" is not implemented for bool tensors (PyTorch has none either)`);
  const nd = Math.max(x.ndim, 1);
  const ndOf = (t: Tensor) => Math.max(t.ndim, 1);
  if (ndOf(index) !== nd || ndOf(src) !== nd) {
    throw new ShapeError(`${op}: index (shape ${fmtShape(index.shape)}), self (shape ${fmtShape(x.shape)}) and src (shape ${fmtShape(src.shape)}) must have the same number of dimensions`);
  }
  const size = (t: Tensor, k: number) => (t.ndim === 0 ? 1 : t.shape[k]!);
  for (let k = 0; k < nd; k++) {
    if (size(index, k) > size(src, k) || (k !== d && size(index, k) > size(x, k))) {
      throw new ShapeError(`${op}: size of index (${fmtShape(index.shape)}) must be no larger than src (${fmtShape(src.shape)}) in every dimension, and no larger than self (${fmtShape(x.shape)}) in every dimension but ${d}`);
    }
  }
}

// ---- helpers ----------------------------------------------------------------------------

/** The part of src that is sent: its leading index.shape block (a view). */
function sentPart(src: Tensor, index: Tensor): Tensor {
  return shapesEqual(src.shape, index.shape) ? src : index.shape.reduce((t: Tensor, s, k) => t.narrow(k, 0, s), src);
}

/** base with v scattered at index along d, "add"ed or "multiply"-ed in (no autograd). */
function scatterRaw(base: Tensor, d: number, index: Tensor, v: Tensor, reduce: "add" | "multiply" | "none"): Tensor {
  return dispatch("scatter", [base, index, v], { axis: d, reduce });
}

/** How many src values reach each position of x (x's shape; x's dtype, int32 for integers and bool). */
function countSent(x: Tensor, d: number, index: Tensor): Tensor {
  const dt = isFloating(x.dtype) ? x.dtype : "int32";
  return scatterRaw(zeros(x.shape, { dtype: dt, device: x.device }), d, index, scalarTensor(1, dt, x.device).expand(index.shape), "add");
}

/**
 * amax/amin of the sent values per position of x (x's shape; positions nothing reaches
 * hold x's value). Sorts the sent values, then stably by flat target position, so each
 * target's run is in value order: its last (amax) or first (amin) element is the extreme.
 */
function segmentExtreme(kind: "amax" | "amin", x: Tensor, d: number, index: Tensor, sent: Tensor): Tensor {
  const n = x.numel(), m = index.numel();
  if (m === 0) return x;
  // flat target of each sent element: index along d, its own coordinates elsewhere
  const xs = contiguousStrides(x.shape);
  let target = index.mul(xs[d]!);
  index.shape.forEach((s, k) => {
    if (k !== d) target = target.add(arange(s, { dtype: "int32", device: x.device }).mul(xs[k]!).reshape(index.shape.map((t, j) => (j === k ? t : 1))));
  });
  const [v1, p1] = dispatchAll("sort", [sent.reshape([-1])], { axis: 0, descending: false }) as [Tensor, Tensor];
  const t1 = dispatch("gather", [target.reshape([-1]).contiguous(), p1], { axis: 0 });
  const [t2, p2] = dispatchAll("sort", [t1], { axis: 0, descending: false }) as [Tensor, Tensor];
  const v2 = dispatch("gather", [v1, p2], { axis: 0 });
  // the end (amax) or start (amin) of each run of equal targets
  const neighbour = kind === "amax" ? t2.narrow(0, 1, m - 1) : t2.narrow(0, 0, m - 1);
  const here = kind === "amax" ? t2.narrow(0, 0, m - 1) : t2.narrow(0, 1, m - 1);
  const edge = here.ne(neighbour), always = full([1], true, { dtype: "bool", device: x.device });
  const chosen = cat(kind === "amax" ? [edge, always] : [always, edge], 0);
  // the others go to a spare slot past the end, which is dropped
  const dest = where(chosen, t2, n);
  const buf = scatterRaw(zeros([n + 1], { dtype: x.dtype, device: x.device }), 0, dest, v2, "none");
  let r = buf.narrow(0, 0, n).reshape(x.shape);
  if (kind === "amin" && isFloating(x.dtype)) {
    // NaN sorts last, so a run's first element is its smallest number: NaN must still win
    const nans = scatterRaw(zeros(x.shape, { dtype: "int32", device: x.device }), d, index, sent.isnan().to("int32"), "add");
    r = where(nans.gt(0), NaN, r);
  }
  return r;
}

// ---- forward ----------------------------------------------------------------------------

function forward(x: Tensor, d: number, index: Tensor, src: Tensor, reduce: ScatterReduceOp, includeSelf: boolean, count: Tensor): Tensor {
  const reached = count.gt(0);
  const sent = sentPart(src, index);
  const c = (v: number) => scalarTensor(v, x.dtype, x.device); // keeps bool as bool
  switch (reduce) {
    case "sum":
    case "mean": {
      const base = includeSelf ? x : where(reached, c(0), x);
      const total = scatterRaw(base, d, index, sent, "add");
      if (reduce === "sum") return total;
      const denom = (includeSelf ? count.add(1) : where(reached, count, 1)).to(x.dtype);
      return isFloating(x.dtype) ? total.div(denom) : total.div(denom, { roundingMode: "floor" });
    }
    case "prod":
      return scatterRaw(includeSelf ? x : where(reached, c(1), x), d, index, sent, "multiply");
    case "amax":
    case "amin": {
      const ext = segmentExtreme(reduce, x, d, index, sent);
      const withSelf = includeSelf ? (reduce === "amax" ? x.maximum(ext) : x.minimum(ext)) : ext;
      return where(reached, withSelf, x);
    }
  }
}

// ---- backward ---------------------------------------------------------------------------

/**
 * The gradient of every member of a product with respect to that member — the product of
 * the others — without dividing by zero: per target, the product of the non-zero members
 * (nz), how many are zero (z) and the sum of the zero ones (s: 0, but its derivative counts
 * each zero once). For a member v: others = nz/v (nz if v is 0) times 1 (no other zero),
 * the other zero's value (exactly one), or 0 (more).
 */
function othersProduct(v: Tensor, nz: Tensor, z: Tensor, s: Tensor): Tensor {
  const isZero = v.eq(0);
  const otherZeros = z.sub(isZero.to(z.dtype));
  const otherNonzero = where(isZero, nz, nz.div(where(isZero, 1, v)));
  const otherZeroSum = s.sub(where(isZero, v, 0));
  return otherNonzero.mul(where(otherZeros.eq(0), 1, where(otherZeros.eq(1), otherZeroSum, 0)));
}

function prodGrads(g: Tensor, x: Tensor, d: number, index: Tensor, sent: Tensor, includeSelf: boolean, reached: Tensor, needs: readonly boolean[]): [Tensor | null, Tensor | null] {
  const srcZero = sent.eq(0);
  const ones = onesLike(x), zero = zerosLike(x);
  let nz = ones.scatter(d, index, where(srcZero, 1, sent), { reduce: "multiply" });
  let z = zero.scatterAdd(d, index, srcZero.to(x.dtype));
  let s = zero.scatterAdd(d, index, where(srcZero, sent, 0));
  if (includeSelf) {
    const selfZero = x.eq(0);
    nz = nz.mul(where(selfZero, 1, x));
    z = z.add(selfZero.to(x.dtype));
    s = s.add(where(selfZero, x, 0));
  }
  const gx = !needs[0] ? null : includeSelf ? g.mul(othersProduct(x, nz, z, s)) : where(reached, 0, g);
  const gs = !needs[1] ? null : g.gather(d, index).mul(othersProduct(sent, nz.gather(d, index), z.gather(d, index), s.gather(d, index)));
  return [gx, gs];
}

function scatterReduceBackward(d: number, reduce: ScatterReduceOp, includeSelf: boolean, srcShape: readonly number[]): BackwardFn {
  return ([g], [x, index, sent, out, count], needs) => {
    const reached = count!.gt(0);
    const toSrc = (t: Tensor | null) => (t === null ? null : padToSrc(t.gather(d, index!), srcShape));
    const maskSelf = (t: Tensor | null) => (t === null || includeSelf ? t : where(reached, 0, t));
    switch (reduce) {
      case "sum":
        return [maskSelf(needs[0] ? g! : null), needs[1] ? toSrc(g!) : null];
      case "mean": {
        const n = (includeSelf ? count!.add(1) : where(reached, count!, 1)).to(g!.dtype);
        const gn = g!.div(n);
        return [maskSelf(needs[0] ? gn : null), needs[1] ? toSrc(gn) : null];
      }
      case "prod": {
        const [gx, gs] = prodGrads(g!, x!, d, index!, sent!, includeSelf, reached, needs);
        return [gx, gs === null ? null : padToSrc(gs, srcShape)];
      }
      case "amax":
      case "amin": {
        // g split evenly among the elements equal to the result (self counted, as PyTorch)
        const value = out!.gather(d, index!);
        const selfIs = x!.eq(out!).to(g!.dtype), srcIs = sent!.eq(value).to(g!.dtype);
        const share = g!.div(selfIs.scatterAdd(d, index!, srcIs));
        return [maskSelf(needs[0] ? selfIs.mul(share) : null), needs[1] ? padToSrc(srcIs.mul(share.gather(d, index!)), srcShape) : null];
      }
    }
  };
}

/** t (index-shaped) zero-padded at the end of each dim up to src's shape. */
function padToSrc(t: Tensor, srcShape: readonly number[]): Tensor {
  if (shapesEqual(t.shape, srcShape)) return t;
  return pad(t, srcShape.flatMap((_, k) => [0, srcShape[srcShape.length - 1 - k]! - t.shape[t.ndim - 1 - k]!]));
}

// ---- public -----------------------------------------------------------------------------

/**
 * A copy of x with src reduced in at index along dim (torch.scatter_reduce): for dim 0,
 * out[index[i][j]][j] = reduce(out[index[i][j]][j], src[i][j]) over all i, starting from x's
 * value when includeSelf (default) or from the first value sent otherwise; positions no
 * index reaches keep x's value. Integer "mean" rounds down, as PyTorch's.
 *
 * @example
 * const idx = tensor([0, 0, 1], { dtype: "int32" });
 * tensor([1, 2]).scatterReduce(0, idx, tensor([5, 3, 7]), "amax") // [5, 7]
 * tensor([1, 2]).scatterReduce(0, idx, tensor([5, 3, 7]), "mean", { includeSelf: false }) // [4, 7]
 */
export function scatterReduce(x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduceOp, includeSelf = true): Tensor {
  const d = normalizeDim("scatterReduce", dim, x.ndim);
  checkArgs(x, d, index, src, reduce);
  if (x.ndim === 0 || index.ndim === 0 || src.ndim === 0) {
    const lift = (t: Tensor) => (t.ndim === 0 ? t.reshape([1]) : t);
    const r = scatterReduce(lift(x), 0, lift(index), lift(src), reduce, includeSelf);
    return x.ndim === 0 ? r.reshape([]) : r;
  }
  index = checkIndexValues("scatterReduce", index, x.shape[d]!, d, false, x.shape); // int32, checked by a kernel
  const sent = sentPart(src, index);
  const { out, count } = noGrad(() => {
    const count = countSent(x, d, index);
    return { out: forward(x, d, index, src, reduce, includeSelf, count), count };
  });
  if (!isFloating(x.dtype)) return out;
  return record1("ScatterReduceBackward0", [x, src], out, [x, index, sent, out, count], scatterReduceBackward(d, reduce, includeSelf, src.shape));
}

const SIGS = {
  scatterReduce: `scatterReduce(Tensor self, int dim, Tensor index, Tensor src, "sum"|"prod"|"mean"|"amax"|"amin" reduce, *, bool includeSelf=true) -> Tensor`,
  scatterReduce_: `scatterReduce_(Tensor self, int dim, Tensor index, Tensor src, "sum"|"prod"|"mean"|"amax"|"amin" reduce, *, bool includeSelf=true) -> self`,
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

type Kw = { includeSelf: boolean };

/** The public, argument-checked forms (torch.scatter_reduce, Tensor.scatter_reduce_). */
export const SCATTER_REDUCE_FNS = {
  scatterReduce: defineOp(SIGS.scatterReduce, (x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduceOp, { includeSelf }: Kw) =>
    scatterReduce(x, dim, index, src, reduce, includeSelf)),
  scatterReduce_: defineOp(SIGS.scatterReduce_, (x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduceOp, { includeSelf }: Kw) =>
    applyInPlace(x, "scatterReduce_", (s) => scatterReduce(s, dim, index, src, reduce, includeSelf), [src], reduce !== "sum" && reduce !== "mean"), { variants: "method" }),
};

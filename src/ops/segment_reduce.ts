/**
 * torch.segment_reduce (PyTorch 1.13, beta): data reduced ("sum", "mean", "max", "min",
 * "prod") over consecutive segments along `axis`, the segments given by their lengths or by
 * offsets; the ragged ("jagged") pooling of recommender models. Empty segments give the
 * reduction's identity (0, NaN for mean, -inf for max, inf for min, 1 for prod), or `initial`.
 *
 * Composed from searchsorted and scatterReduce, so it runs on any backend and its gradient is
 * scatterReduce's (max/min split g evenly among ties, prod exact with zeros): each position
 * along the axis gets its segment number from the offsets (positions outside every segment,
 * which offsets can leave, go to one extra slot that is dropped). With `unsafe` false the
 * lengths / offsets are read on the host once to check them, as PyTorch's kernel does.
 */
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import { noGrad } from "../autograd/grad_mode.js";
import { isFloating } from "../tensor/dtype.js";
import { arange, full, zeros } from "../tensor/creation.js";
import { normalizeDim } from "../tensor/shape.js";
import { readHost } from "../tensor/host_read.js";
import type { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { cat } from "./shape_ops.js";
import { scatterReduce } from "./scatter_reduce.js";
import { SEARCHSORTED_FNS } from "./searchsorted.js";

export type SegmentReduceOp = "sum" | "mean" | "max" | "min" | "prod";

const OP = "segmentReduce";
const IDENTITY: Record<SegmentReduceOp, number> = { sum: 0, mean: NaN, max: -Infinity, min: Infinity, prod: 1 };
const SCATTER = { sum: "sum", mean: "sum", max: "amax", min: "amin", prod: "prod" } as const;

function checkIntegerIndex(what: string, t: Tensor): void {
  if (isFloating(t.dtype) || t.dtype === "bool") throw new DTypeError(`${OP}: ${what} must be an int64 or int32 tensor, got ${t.dtype} (shape ${fmtShape(t.shape)})`);
}

/** The offsets ([...lead, S + 1], int64) from lengths or offsets, checked against data unless unsafe. */
function segmentOffsets(data: Tensor, axis: number, lengths: Tensor | null, offsets: Tensor | null, unsafe: boolean): Tensor {
  const given = lengths ?? offsets!;
  const what = lengths !== null ? "lengths" : "offsets";
  checkIntegerIndex(what, given);
  if (given.ndim === 0 || given.ndim > data.ndim) {
    throw new ShapeError(`${OP}: ${what} must have between 1 and data.dim() (${data.ndim}) dims, got shape ${fmtShape(given.shape)} for data ${fmtShape(data.shape)}`);
  }
  if (axis !== given.ndim - 1) throw new ShapeError(`${OP}: expected axis to be the last dimension of ${what} (${given.ndim - 1}) but got ${axis}`);
  if (given.shape.slice(0, -1).some((d, i) => d !== data.shape[i])) {
    throw new ShapeError(`${OP}: the leading dims of ${what} ${fmtShape(given.shape)} must match data's dims before axis ${axis}, ${fmtShape(data.shape.slice(0, axis))}`);
  }
  if (lengths === null && given.shape[given.ndim - 1] === 0) throw new ShapeError(`${OP}: offsets must hold at least one value (S + 1 for S segments), got shape ${fmtShape(given.shape)}`);
  const n = data.shape[axis]!;
  if (!unsafe) {
    const v = Array.from(readHost(given, `${OP} checks ${what} (pass unsafe: true to skip)`), Number);
    const row = given.shape[given.ndim - 1]!;
    for (let r = 0; r < v.length / row; r++) {
      const seg = v.slice(r * row, (r + 1) * row);
      if (lengths !== null) {
        const neg = seg.findIndex((x) => x < 0);
        if (neg >= 0) throw new FluxionError(`${OP}: lengths contains negative value! (${seg[neg]})`);
        const total = seg.reduce((a, b) => a + b, 0);
        if (total !== n) throw new FluxionError(`${OP}: expected all rows of lengths along axis to sum to data.size(${axis}) = ${n} when !unsafe, got a row summing to ${total}`);
      } else {
        for (let i = 0; i < seg.length; i++) {
          if (seg[i]! < 0 || seg[i]! > n) throw new FluxionError(`${OP}: offsets must lie in [0, data.size(${axis}) = ${n}], got ${seg[i]}`);
          if (i > 0 && seg[i]! < seg[i - 1]!) throw new FluxionError(`${OP}: offsets must be non-decreasing (a segment length is negative: ${seg[i - 1]} then ${seg[i]})`);
        }
      }
    }
  }
  return noGrad(() => {
    const g = given.long();
    if (lengths === null) return g;
    return cat([zeros([...g.shape.slice(0, -1), 1], { dtype: "int64", device: g.device }), g.cumsum(-1)], -1);
  });
}

/**
 * Reduces `data` over consecutive segments along `axis`, given by `lengths` (their sizes, summing
 * to data.size(axis)) or `offsets` (S + 1 boundaries); lengths win when both are given, as in
 * PyTorch. lengths / offsets have data's dims before `axis` as their leading dims, and the result
 * is data's shape with size S along `axis`. `initial` joins every segment's reduction (for mean:
 * (sum + initial) / length) and is the value of an empty segment.
 * @example segmentReduce(tensor([1, 2, 3, 4, 5]), "sum", { lengths: tensor([2, 0, 3], { dtype: "int64" }) }) // [3, 0, 12]
 */
export function segmentReduce(data: Tensor, reduce: SegmentReduceOp, opts: { lengths?: Tensor | null; indices?: Tensor | null; offsets?: Tensor | null; axis?: number; unsafe?: boolean; initial?: number | null } = {}): Tensor {
  const { lengths = null, indices = null, offsets = null, axis: axisIn = 0, unsafe = false, initial = null } = opts;
  if (!(reduce in IDENTITY)) throw new ArgumentError(`${OP}: unsupported reduction given! ${JSON.stringify(reduce)} (expected "sum", "mean", "max", "min" or "prod")`);
  if (indices !== null) throw new FluxionError(`${OP}: indices based reduction is not supported yet; give lengths or offsets`);
  if (lengths === null && offsets === null) throw new ArgumentError(`${OP}: either lengths or offsets must be defined`);
  if (!isFloating(data.dtype)) throw new DTypeError(`${OP}: data must be a floating point tensor, got ${data.dtype} (shape ${fmtShape(data.shape)}); convert it with .float()`);
  if (data.ndim === 0) throw new ShapeError(`${OP}: data must have at least one dimension, got a 0-d tensor`);
  const axis = normalizeDim(OP, axisIn, data.ndim);
  const offs = segmentOffsets(data, axis, lengths, offsets, unsafe);
  const S = offs.shape[offs.ndim - 1]! - 1;
  const n = data.shape[axis]!;
  const lead = data.shape.slice(0, axis);
  const trail = data.shape.slice(axis + 1);
  const { index, counts } = noGrad(() => {
    // position p lies in segment s when offsets[s] <= p < offsets[s + 1]; outside them all: slot S
    const pos = arange(n, { dtype: "int64", device: data.device }).view([...lead.map(() => 1), n]).expand([...lead, n]).contiguous();
    let seg = SEARCHSORTED_FNS.searchsorted(offs, pos, { right: true }).long().sub(1);
    seg = where(seg.lt(0), S, seg);
    const index = seg.view([...lead, n, ...trail.map(() => 1)]).expand(data.shape).contiguous();
    const counts = offs.narrow(-1, 1, S).sub(offs.narrow(-1, 0, S)).to(data.dtype).view([...lead, S, ...trail.map(() => 1)]);
    return { index, counts };
  });
  const withInitial = initial !== null;
  const extreme = reduce === "max" || reduce === "min";
  // max / min reduce the data alone (the identity stays where nothing lands) and meet initial
  // afterwards, so that a value equal to initial takes the whole gradient, as in PyTorch
  const fill = withInitial && !extreme ? initial : reduce === "mean" ? 0 : IDENTITY[reduce];
  const base = full([...lead, S + 1, ...trail], fill, { dtype: data.dtype, device: data.device });
  let out = scatterReduce(base, axis, index, data, SCATTER[reduce], !extreme).narrow(axis, 0, S);
  if (extreme && withInitial) out = where(reduce === "max" ? out.lt(initial) : out.gt(initial), initial, out);
  if (reduce === "mean") {
    out = out.div(counts); // 0 / 0 is NaN for an empty segment, PyTorch's value without initial
    if (withInitial) out = where(counts.eq(0), initial, out);
  }
  return out;
}

const SIG = 'segmentReduce(Tensor data, "sum"|"mean"|"max"|"min"|"prod" reduce, *, Tensor? lengths=null, Tensor? indices=null, Tensor? offsets=null, int axis=0, bool unsafe=false, float? initial=null) -> Tensor';
type Kw = { lengths: Tensor | null; indices: Tensor | null; offsets: Tensor | null; axis: number; unsafe: boolean; initial: number | null };

/** torch.segment_reduce, argument-checked. */
export const SEGMENT_REDUCE_FNS = {
  segmentReduce: defineOp(SIG, (data: Tensor, reduce: SegmentReduceOp, kw: Kw) => segmentReduce(data, reduce, kw), { variants: "function" }),
};

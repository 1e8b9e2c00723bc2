/**
 * searchsorted and bucketize (torch.searchsorted / torch.bucketize): for each value, the index
 * at which it would be inserted into a sorted sequence (the last dim of `sortedSequence`,
 * whose leading dims match the values'; or one 1-D sequence for any values). Composed as a
 * binary search of ceil(log2(N + 1)) rounds of gather + compare + where over all values at
 * once, so it runs on any backend without host reads. NaN sorts last, as in PyTorch: the
 * comparisons are PyTorch's (go right unless value <= middle, or < with right=true).
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import { noGrad } from "../autograd/grad_mode.js";
import { full, zeros } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { asTensor, resultTypeOf, type TensorLike } from "./helpers.js";

type Opts = { outInt32: boolean; right: boolean; side?: "left" | "right" | null; sorter?: Tensor | null };

function search(op: string, seq: Tensor, valuesIn: TensorLike, { outInt32, right, side, sorter }: Opts): Tensor {
  if (side === "left" && right) throw new ArgumentError(`${op}: side and right can't be set to opposites, got side of left while right was true`);
  const useRight = right || side === "right";
  // a scalar is a 0-d tensor of the promoted dtype (1.5 against int64 boundaries stays 1.5, as in PyTorch)
  const values = valuesIn instanceof Tensor ? valuesIn : asTensor(valuesIn, resultTypeOf(seq, valuesIn), seq.device);
  if (seq.ndim === 0) throw new ShapeError(`${op}: the sorted sequence must have at least one dimension, got a 0-d tensor`);
  if (seq.dtype === "bool" || values.dtype === "bool") throw new DTypeError(`${op}: bool tensors are not supported (sorted sequence ${seq.dtype}, values ${values.dtype})`);
  if (seq.ndim > 1 && (values.ndim !== seq.ndim || seq.shape.slice(0, -1).some((d, i) => d !== values.shape[i]))) {
    throw new ShapeError(`${op}: boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor ${fmtShape(seq.shape)} and input value tensor ${fmtShape(values.shape)}`);
  }
  return noGrad(() => {
    let s = seq;
    if (sorter) {
      if (sorter.ndim !== seq.ndim || sorter.shape.some((d, i) => d !== seq.shape[i])) throw new ShapeError(`${op}: sorter ${fmtShape(sorter.shape)} must have the sorted sequence's shape ${fmtShape(seq.shape)}`);
      s = seq.ndim === 1 ? seq.take(sorter) : seq.gather(-1, sorter);
    }
    const N = s.shape[s.ndim - 1]!;
    const at = (idx: Tensor) => (s.ndim === 1 ? s.take(idx) : s.gather(-1, idx));
    let lo = zeros(values.shape, { dtype: "int32", device: values.device });
    let hi = full(values.shape, N, { dtype: "int32", device: values.device });
    // floor(log2 N) + 1 = ceil(log2(N + 1)) halvings bring every [lo, hi) to one point
    for (let span = N; span > 0; span = Math.floor(span / 2)) {
      const active = lo.lt(hi);
      const mid = lo.add(hi).floorDivide(2);
      const m = at(mid.clampMax(N - 1));
      const go = (useRight ? values.lt(m) : values.le(m)).logicalNot().logicalAnd(active);
      lo = where(go, mid.add(1), lo);
      hi = where(active.logicalAnd(go.logicalNot()), mid, hi);
    }
    return outInt32 ? lo : lo.long();
  });
}

const SEARCHSORTED = 'searchsorted(Tensor sortedSequence, Tensor|Scalar values, *, bool outInt32=false, bool right=false, "left"|"right"? side=null, Tensor? sorter=null) -> Tensor';
const BUCKETIZE = "bucketize(Tensor|Scalar input, Tensor boundaries, *, bool outInt32=false, bool right=false) -> Tensor";

export const SEARCHSORTED_FNS = {
  searchsorted: defineOp(SEARCHSORTED, (seq: Tensor, values: TensorLike, opts: Opts) => search("searchsorted", seq, values, opts)),
  // bucketize(x, boundaries) is searchsorted(boundaries, x) with 1-D boundaries
  // (a scalar input gives a 0-d result, as torch.bucketize's Scalar overload)
  bucketize: defineOp(BUCKETIZE, (x: TensorLike, boundaries: Tensor, opts: Opts) => {
    if (boundaries.ndim !== 1) throw new ShapeError(`bucketize: boundaries tensor must be 1 dimension, but got dim(${boundaries.ndim}) (shape ${fmtShape(boundaries.shape)})`);
    return search("bucketize", boundaries, x, opts);
  }),
};

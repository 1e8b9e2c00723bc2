/**
 * More of PyTorch's shape ops, composed from views, flip, gather, cat and pad (so their
 * gradients come with them): rot90, takeAlongDim, atleast1d/2d/3d, blockDiag, hsplit /
 * vsplit / dsplit, columnStack, rowStack, dstack and narrowCopy, with PyTorch 1.13's
 * signatures (function and Tensor method where PyTorch has both) and messages.
 */
import { DTypeError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { promoteTypes } from "../tensor/dtype.js";
import { broadcastShapes, normalizeDim } from "../tensor/shape.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { gather } from "./advanced_indexing.js";
import { cat, flip, pad, tensorSplit, vstack } from "./shape_ops.js";

// ---- rot90 ----------------------------------------------------------------------------------

/**
 * Rotates by 90 degrees k times in the plane of dims [d0, d1], from d0 toward d1 (a copy):
 * k = 1 flips d1 and swaps the two, k = 2 flips both, k = 3 flips d0 and swaps.
 * @example rot90(tensor([[1, 2], [3, 4]])).tolist() // [[2, 4], [1, 3]]
 */
function rot90(x: Tensor, k: number, dims: readonly number[]): Tensor {
  if (dims.length !== 2) throw new ShapeError(`rot90: expected total rotation dims == 2, but got dims = ${dims.length}`);
  if (x.ndim < 2) throw new ShapeError(`rot90: expected total dims >= 2, but got total dims = ${x.ndim} (shape ${fmtShape(x.shape)})`);
  const d0 = normalizeDim("rot90", dims[0]!, x.ndim), d1 = normalizeDim("rot90", dims[1]!, x.ndim);
  if (d0 === d1) throw new ShapeError(`rot90: expected rotation dims to be different, but got dim0 = ${dims[0]} and dim1 = ${dims[1]}`);
  switch (((k % 4) + 4) % 4) {
    case 1: return flip(x, [d1]).transpose(d0, d1);
    case 2: return flip(x, [d0, d1]);
    case 3: return flip(x, [d0]).transpose(d0, d1);
    default: return x.clone();
  }
}

// ---- takeAlongDim ---------------------------------------------------------------------------

/**
 * The values of x at `indices` along dim, x and indices broadcast against each other in every
 * other dim (NumPy's take_along_axis); without dim, x flattened (torch.take_along_dim).
 * Pairs with argsort/argmax: `x.takeAlongDim(x.argsort(1), 1)` is x sorted along dim 1.
 * @example takeAlongDim(tensor([[10, 30, 20]]), tensor([[0, 2]], { dtype: "int64" }), 1) // [[10, 20]]
 */
function takeAlongDim(x: Tensor, indices: Tensor, dim: number | null): Tensor {
  if (indices.dtype !== "int64" && indices.dtype !== "int32") {
    throw new DTypeError(`takeAlongDim: torch.take_along_dim(): dtype of indices should be Long but got ${indices.dtype} (int64 and int32 are accepted)`);
  }
  if (dim === null) return gather(x.reshape([-1]), 0, indices.reshape([-1]));
  if (x.ndim !== indices.ndim) {
    throw new ShapeError(`takeAlongDim: input and indices should have the same number of dimensions, but got ${x.ndim} dimensions for input, and ${indices.ndim} dimensions for indices (input shape ${fmtShape(x.shape)}, indices shape ${fmtShape(indices.shape)})`);
  }
  const d = normalizeDim("takeAlongDim", dim, x.ndim);
  // broadcast everything but dim: each side keeps its own size there
  const xs = [...x.shape], is = [...indices.shape];
  xs[d] = indices.shape[d]!;
  is[d] = x.shape[d]!;
  const xShape = broadcastShapes("takeAlongDim", xs, indices.shape), iShape = broadcastShapes("takeAlongDim", x.shape, is);
  return gather(x.expand(iShape), d, indices.expand(xShape));
}

// ---- atleast --------------------------------------------------------------------------------

/**
 * x as at least n-D (a view; x itself when it has n dims or more, as PyTorch): 0-d becomes
 * [1], [1, 1] or [1, 1, 1]; 1-d [k] becomes [1, k] or [1, k, 1]; 2-d [m, k] becomes [m, k, 1].
 */
function atleast(x: Tensor, n: 1 | 2 | 3): Tensor {
  if (x.ndim >= n) return x;
  if (x.ndim === 0) return x.reshape(new Array<number>(n).fill(1));
  if (n === 2) return x.unsqueeze(0);
  return x.ndim === 1 ? x.unsqueeze(0).unsqueeze(-1) : x.unsqueeze(-1);
}

function atleastDecls<const N extends 1 | 2 | 3>(n: N) {
  return [`atleast${n}d(Tensor self) -> Tensor`, `atleast${n}d.Sequence(Tensor... tensors) -> Tensor[]`] as const;
}
function atleastImpls(n: 1 | 2 | 3) {
  return [(x: Tensor) => atleast(x, n), (ts: Tensor[]) => ts.map((t) => atleast(t, n))];
}

// ---- blockDiag ------------------------------------------------------------------------------

/**
 * A block diagonal matrix of 0-, 1- and 2-D tensors (0-d is 1x1, 1-d [n] is 1xn), of their
 * promoted dtype; each block is padded with zeros to the full width and the rows concatenated.
 * @example blockDiag(tensor([[1, 2]]), tensor(3)).tolist() // [[1, 2, 0], [0, 0, 3]]
 */
function blockDiag(tensors: readonly Tensor[]): Tensor {
  const blocks = tensors.map((t, i) => {
    if (t.ndim > 2) throw new ShapeError(`blockDiag: torch.block_diag: Input tensors must have 2 or fewer dimensions. Input ${i} has ${t.ndim} dimensions (shape ${fmtShape(t.shape)})`);
    return t.ndim === 2 ? t : t.reshape([1, -1]);
  });
  if (blocks.length === 0) return zeros([1, 0]);
  const dtype = blocks.map((b) => b.dtype).reduce(promoteTypes);
  const width = blocks.reduce((w, b) => w + b.shape[1]!, 0);
  let left = 0;
  return cat(blocks.map((b) => {
    const cols = b.shape[1]!;
    const row = pad(b.dtype === dtype ? b : b.to(dtype), [left, width - left - cols]);
    left += cols;
    return row;
  }), 0);
}

// ---- hsplit / vsplit / dsplit -----------------------------------------------------------------

/** torch.hsplit/vsplit/dsplit: tensorSplit along dim 1 (0 for 1-D), 0 or 2; an int must divide that dim. */
function directionalSplit(op: "hsplit" | "vsplit" | "dsplit", x: Tensor, sections: number | readonly number[]): Tensor[] {
  const minDims = op === "hsplit" ? 1 : op === "vsplit" ? 2 : 3;
  if (x.ndim < minDims) throw new ShapeError(`${op}: torch.${op} requires a tensor with at least ${minDims} dimension, but got a tensor with ${x.ndim} dimensions!`);
  const dim = op === "hsplit" ? (x.ndim === 1 ? 0 : 1) : op === "vsplit" ? 0 : 2;
  if (typeof sections === "number") {
    const size = x.shape[dim]!;
    if (sections === 0 || size % sections !== 0) {
      throw new ShapeError(`${op}: torch.${op} attempted to split along dimension ${dim}, but the size of the dimension ${size} is not divisible by the split_size ${sections}!`);
    }
  }
  return tensorSplit(x, sections, dim);
}

// ---- stacking -----------------------------------------------------------------------------------

/** Columns side by side: 0-d and 1-d inputs become columns [n, 1], then hstack (dim 1). */
function columnStack(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new ShapeError("columnStack: column_stack expects a non-empty TensorList");
  return cat(tensors.map((t) => (t.ndim <= 1 ? t.reshape([-1, 1]) : t)), 1);
}

/** Depth-wise: every input made at least 3-D (atleast3d), then concatenated along dim 2. */
function dstack(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new ShapeError("dstack: dstack expects a non-empty TensorList");
  return cat(tensors.map((t) => atleast(t, 3)), 2);
}

// ---- narrowCopy ---------------------------------------------------------------------------------

/** narrow(dim, start, length) as a new tensor (torch.narrow_copy). */
function narrowCopy(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.ndim === 0) throw new IndexError("narrowCopy: narrow() cannot be applied to a 0-dim tensor.");
  return x.narrow(dim, start, length).clone();
}

// ---- declarations ---------------------------------------------------------------------------------

const SIGS = {
  rot90: "rot90(Tensor self, int k=1, int[] dims=[0, 1]) -> Tensor",
  takeAlongDim: "takeAlongDim(Tensor self, Tensor indices, int? dim=null) -> Tensor",
  hsplit: "hsplit(Tensor self, int|int[] indicesOrSections) -> Tensor[]",
  vsplit: "vsplit(Tensor self, int|int[] indicesOrSections) -> Tensor[]",
  dsplit: "dsplit(Tensor self, int|int[] indicesOrSections) -> Tensor[]",
  narrowCopy: "narrowCopy(Tensor self, int dim, int start, int length) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

type Sections = number | readonly number[];
export const SHAPE_EXTRA_FNS = {
  rot90: defineOp(SIGS.rot90, rot90),
  takeAlongDim: defineOp(SIGS.takeAlongDim, takeAlongDim),
  hsplit: defineOp(SIGS.hsplit, (x: Tensor, s: Sections) => directionalSplit("hsplit", x, s)),
  vsplit: defineOp(SIGS.vsplit, (x: Tensor, s: Sections) => directionalSplit("vsplit", x, s)),
  dsplit: defineOp(SIGS.dsplit, (x: Tensor, s: Sections) => directionalSplit("dsplit", x, s)),
  narrowCopy: defineOp(SIGS.narrowCopy, narrowCopy),
  // functions only, as in PyTorch; atleast*d take one tensor (returning it) or several / a list (returning a list)
  atleast1d: defineOp(atleastDecls(1), atleastImpls(1)),
  atleast2d: defineOp(atleastDecls(2), atleastImpls(2)),
  atleast3d: defineOp(atleastDecls(3), atleastImpls(3)),
  blockDiag: defineOp("blockDiag(Tensor... tensors) -> Tensor", blockDiag),
  columnStack: defineOp("columnStack(Tensor[] tensors, *, Tensor? out=null) -> Tensor", columnStack),
  rowStack: defineOp("rowStack(Tensor[] tensors, *, Tensor? out=null) -> Tensor", (ts: readonly Tensor[]) => vstack(ts)),
  dstack: defineOp("dstack(Tensor[] tensors, *, Tensor? out=null) -> Tensor", dstack),
};

/**
 * PyTorch-style indexing: `x.index(...specs)` is Python's `x[specs]` and
 * `x.indexPut_(specs, value)` is `x[specs] = value`, plus the mask ops (maskedFill,
 * maskedSelect) that are built on them.
 *
 * A spec is an int, a slice (`slice(1, 3)` or the string "1:3"), `null` (new axis), "..."
 * (ellipsis), an int32 or int64 index tensor or JS number array, or a bool mask. Basic specs (ints,
 * slices, null, ellipsis, 0-d int tensors) are applied first as views (src/ops/views.ts), so
 * a basic-only index shares storage and writes through it reach x. The remaining index
 * tensors ("advanced" indices) follow NumPy/PyTorch: they broadcast together, and their
 * result dims go where the first of them stood when they are adjacent, or first otherwise.
 * An advanced index is lowered to one flat int32 position per result element, read with
 * the gather primitive and written with indexPut (src/ops/advanced_indexing.ts).
 */
import { dispatch } from "../backend/dispatcher.js";
import { needsGrad } from "../autograd/record.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { DTypeError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { arange, scalarTensor, tensor } from "../tensor/creation.js";
import { readHostItem } from "../tensor/host_read.js";
import { broadcastShapes, contiguousStrides, shapesEqual } from "../tensor/shape.js";
import { isIntegral } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { applyInPlace } from "./inplace.js";
import { select, slice as sliceView, unsqueeze } from "./views.js";
import { checkIndexValues, nonzero, putFlat, takeFlat } from "./advanced_indexing.js";
import type { TensorLike } from "./helpers.js";
import { defineOp, type MethodsOf } from "../api/registry.js";



/** A Python slice: start, stop, step, each optional (null). */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}
  toString(): string {
    return `${this.start ?? ""}:${this.stop ?? ""}${this.step === null ? "" : `:${this.step}`}`;
  }
}

/**
 * A slice spec for index(): slice(1, 3) is Python's 1:3, slice(null, null, 2) is ::2.
 * The string forms "1:3" and "::2" work too. As in Python, a bound may be an integer (or
 * bool) tensor of one element, read on the host: `d[i:i + 8]` with `i` from torch.randint
 * is `d.index(slice(i, i.add(8)))`.
 *
 * @example
 * x.index(slice(1), 0) // x[1:, 0]
 * for (const i of ix) rows.push(data.index(slice(i, i.add(blockSize)))) // ix an int64 tensor
 */
export function slice(start?: number | Tensor | null, stop?: number | Tensor | null, step?: number | Tensor | null): Slice {
  return new Slice(sliceBound("start", start), sliceBound("stop", stop), sliceBound("step", step));
}

/** A slice bound as a number: Python's __index__ takes one-element integer or bool tensors. */
function sliceBound(name: string, v: number | Tensor | null | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Tensor)) {
    if (typeof v !== "number") throw new IndexError(`slice: ${name} must be an int, a one-element integer tensor or null, got ${typeof v}`);
    return v;
  }
  if ((!isIntegral(v.dtype) && v.dtype !== "bool") || v.numel() !== 1) {
    throw new IndexError(`slice: only integer tensors of a single element can be converted to an index (${name} is ${v.dtype} of shape ${fmtShape(v.shape)})`);
  }
  return Number(readHostItem<number | bigint | boolean>(v.reshape([]), "slice"));
}

type NestedIndex = number | boolean | readonly NestedIndex[];
/** One entry of an index: int, Slice, "a:b:c", null (new axis), "...", index tensor or array, bool mask. */
export type IndexSpec = number | boolean | string | null | Slice | Tensor | readonly NestedIndex[];

type Parsed =
  | { kind: "int"; i: number }
  | { kind: "slice"; s: Slice }
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  | { kind: "tensor"; t: Tensor }
  | { kind: "mask"; t: Tensor }
  | { kind: "boolScalar"; v: boolean };

const SLICE_RE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

function parseSpec(op: string, spec: IndexSpec): Parsed {
  if (spec === null) return { kind: "newaxis" };
  if (typeof spec === "number") {
    if (!Number.isInteger(spec)) throw new IndexError(`${op}: only integers, slices, null, "...", and int64, int32 or bool tensors are valid indices (got ${spec})`);
    return { kind: "int", i: spec };
  }
  if (typeof spec === "boolean") return { kind: "boolScalar", v: spec };
  if (typeof spec === "string") {
    if (spec.trim() === "...") return { kind: "ellipsis" };
    const m = SLICE_RE.exec(spec);
    if (!m) throw new IndexError(`${op}: invalid index string ${JSON.stringify(spec)}; expected "..." or a slice such as ":", "1:", "::2", "-3:-1"`);
    const num = (g: string | undefined) => (g === undefined ? null : Number(g));
    return { kind: "slice", s: new Slice(num(m[1]), num(m[2]), num(m[3])) };
  }
  if (spec instanceof Slice) return { kind: "slice", s: spec };
  if (spec instanceof Tensor) {
    // a 0-d tensor selects like a Python int or bool (a view): its value is read on the host
    if (spec.dtype === "bool") return spec.ndim === 0 ? { kind: "boolScalar", v: readHostItem<boolean>(spec, op) } : { kind: "mask", t: spec };
    if (spec.dtype !== "int32" && spec.dtype !== "int64") {
      throw new DTypeError(`${op}: tensors used as indices must be int64, int32 or bool tensors, got ${spec.dtype} (shape ${fmtShape(spec.shape)}); convert with .long(), or .bool() for a mask`);
    }
    // a 0-d integer tensor selects like an int (a view), as in PyTorch
    return spec.ndim === 0 ? { kind: "int", i: Number(readHostItem<number | bigint>(spec, op)) } : { kind: "tensor", t: spec };
  }
  if (Array.isArray(spec)) return arraySpec(op, spec as readonly NestedIndex[]);
  throw new IndexError(`${op}: unsupported index ${String(spec)} of type ${typeof spec}`);
}

/** A JS (nested) array index: all booleans make a mask, all integers an int32 index tensor. */
function arraySpec(op: string, spec: readonly NestedIndex[]): Parsed {
  const leaves = (spec as unknown[]).flat(Infinity) as (number | boolean)[];
  if (leaves.length > 0 && leaves.every((v) => typeof v === "boolean")) return { kind: "mask", t: tensor(spec as never, { dtype: "bool" }) };
  for (const v of leaves) {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new IndexError(`${op}: an index array must hold only integers or only booleans, got ${String(v)}`);
  }
  return { kind: "tensor", t: tensor(spec as never, { dtype: "int32" }) };
}

/**
 * PyTorch's (and old NumPy's) rule for an index that is one list: a list of fewer than 32
 * items holding a sequence, tensor, slice, None or Ellipsis is the tuple of those specs, so
 * x[[[0, 1], [2, 2]]] is x[[0, 1], [2, 2]] (two elements, not a [2, 2, ...] block), and
 * x[[t1, t2]] is x[t1, t2]. A flat list of ints stays one index.
 */
function sequenceAsTuple(specs: readonly IndexSpec[]): readonly IndexSpec[] {
  if (specs.length !== 1 || !Array.isArray(specs[0])) return specs;
  const only = specs[0] as readonly unknown[];
  if (only.length >= 32) return specs;
  const tupleItem = (e: unknown) => Array.isArray(e) || e instanceof Tensor || e instanceof Slice || e === null || (typeof e === "string");
  return only.some(tupleItem) ? (only as IndexSpec[]) : specs;
}

/** Python's slice.indices() for a positive step: clamped [start, stop) in a dim of size n. */
function clampSlice(op: string, s: Slice, n: number): [number, number, number] {
  const step = s.step ?? 1;
  if (step === 0) throw new IndexError(`${op}: slice step cannot be zero`);
  if (!Number.isInteger(step)) throw new IndexError(`${op}: slice step must be an integer, got ${step}`);
  if (step < 0) throw new IndexError(`${op}: slice step must be greater than zero (got ${step}); use flip() to reverse`);
  const norm = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    if (!Number.isInteger(v)) throw new IndexError(`${op}: slice indices must be integers or null, got ${v}`);
    return v < 0 ? Math.max(0, v + n) : Math.min(v, n);
  };
  const start = norm(s.start, 0);
  return [start, Math.max(start, norm(s.stop, n)), step];
}

/** An advanced index: int32 tensor `index` along dim `dim` of the basic view (`realDim` of x, for errors). */
interface AdvancedIndex {
  dim: number;
  realDim: number;
  index: Tensor;
}

/** Number of x's dims a spec consumes (for sizing the ellipsis). */
function consumed(p: Parsed): number {
  if (p.kind === "int" || p.kind === "slice" || p.kind === "tensor") return 1;
  if (p.kind === "mask") return p.t.ndim;
  return 0;
}

/** Applies the basic specs as views and collects the advanced ones, in view dims. */
function applyBasic(op: string, x: Tensor, specs: readonly IndexSpec[]): { view: Tensor; adv: AdvancedIndex[] } {
  const parsed = specs.map((s) => parseSpec(op, s));
  if (parsed.filter((p) => p.kind === "ellipsis").length > 1) throw new IndexError(`${op}: an index can only have a single ellipsis ("...")`);
  const used = parsed.reduce((n, p) => n + consumed(p), 0);
  if (used > x.ndim) throw new IndexError(`${op}: too many indices for tensor of dimension ${x.ndim} (shape ${fmtShape(x.shape)})`);
  let v = x, d = 0, real = 0;
  const adv: AdvancedIndex[] = [];
  for (const p of parsed) {
    switch (p.kind) {
      case "newaxis":
        v = unsqueeze(v, d++);
        break;
      case "ellipsis":
        d += x.ndim - used;
        real += x.ndim - used;
        break;
      case "int": {
        const n = v.shape[d]!;
        if (p.i < -n || p.i >= n) throw new IndexError(`${op}: index ${p.i} is out of bounds for dimension ${real} with size ${n}`);
        v = select(v, d, p.i < 0 ? p.i + n : p.i);
        real++;
        break;
      }
      case "slice": {
        const n = v.shape[d]!;
        const [start, stop, step] = clampSlice(op, p.s, n);
        if (!(start === 0 && stop === n && step === 1)) v = sliceView(v, d, start, stop, step);
        d++, real++;
        break;
      }
      case "boolScalar":
        // x[true] adds a size-1 dim indexed by [0]; x[false] by an empty index
        v = unsqueeze(v, d);
        adv.push({ dim: d++, realDim: real, index: tensor(p.v ? [0] : [], { dtype: "int32", device: x.device }) });
        break;
      case "tensor":
        adv.push({ dim: d++, realDim: real++, index: p.t });
        break;
      case "mask": {
        const k = p.t.ndim;
        for (let j = 0; j < k; j++) {
          if (p.t.shape[j] !== v.shape[d + j]) {
            throw new IndexError(`${op}: the shape of the mask ${fmtShape(p.t.shape)} at index ${j} does not match the shape of the indexed tensor ${fmtShape(v.shape)} at index ${d + j}`);
          }
        }
        // a k-dim mask is k index tensors: the coordinates of its true elements
        const nz = nonzero(p.t);
        for (let j = 0; j < k; j++) adv.push({ dim: d + j, realDim: real + j, index: nz.select(1, j) });
        d += k, real += k;
        break;
      }
    }
  }
  return { view: v, adv };
}

/**
 * Lowers the advanced indices over `view` to one flat (row-major) position into `view` per
 * result element; the returned int32 tensor has the result's shape. Checks bounds.
 */
function flatPositions(op: string, view: Tensor, adv: readonly AdvancedIndex[]): Tensor {
  let bshape: number[];
  try {
    bshape = broadcastShapes(op, ...adv.map((a) => a.index.shape));
  } catch {
    throw new IndexError(`${op}: shape mismatch: indexing tensors could not be broadcast together with shapes ${adv.map((a) => fmtShape(a.index.shape)).join(", ")}`);
  }
  const cs = contiguousStrides(view.shape);
  const advDims = new Set(adv.map((a) => a.dim));
  const rest = view.shape.map((_, d) => d).filter((d) => !advDims.has(d));
  // adjacent advanced indices keep their place; separated ones move to the front (NumPy rule)
  const adjacent = adv.every((a, i) => i === 0 || a.dim === adv[i - 1]!.dim + 1);
  const advAt = adjacent ? rest.filter((d) => d < adv[0]!.dim).length : 0;
  const restPos = rest.map((_, i) => (i < advAt ? i : i + bshape.length));
  const resultShape = [...rest.slice(0, advAt).map((d) => view.shape[d]!), ...bshape, ...rest.slice(advAt).map((d) => view.shape[d]!)];
  const ones = () => resultShape.map(() => 1);

  let flat = scalarTensor(0, "int32", view.device);
  for (const a of adv) {
    const idx = checkIndexValues(op, a.index, view.shape[a.dim]!, a.realDim, true);
    flat = flat.add(idx.mul(cs[a.dim]!));
  }
  const advShape = ones();
  advShape.splice(advAt, bshape.length, ...bshape);
  flat = flat.expand(bshape).reshape(advShape);
  rest.forEach((d, i) => {
    const s = ones();
    s[restPos[i]!] = view.shape[d]!;
    flat = flat.add(arange(view.shape[d]!, { dtype: "int32", device: view.device }).mul(cs[d]!).reshape(s));
  });
  return shapesEqual(flat.shape, resultShape) ? flat : flat.expand(resultShape);
}

/** A view of all of x (x[...] in Python). */
function alias(x: Tensor): Tensor {
  return x.ndim === 0 ? x.view([]) : sliceView(x, 0, 0, x.shape[0]!, 1);
}

/**
 * x[specs]: basic specs give a view; index tensors and masks give a copy (see file comment).
 * Differentiable.
 *
 * @example
 * const x = arange(12).reshape(3, 4);
 * x.index(1);                         // x[1]          -> [4, 5, 6, 7]
 * x.index(":", slice(1, 3));          // x[:, 1:3]     shape [3, 2], a view
 * x.index(null, "...", -1);           // x[None, ..., -1] shape [1, 3]
 * x.index([0, 2], [1, 3]);            // x[[0, 2], [1, 3]] -> [1, 11]
 * x.index(x.gt(5));                   // x[x > 5]      -> [6, 7, ..., 11]
 */
export function index(x: Tensor, ...specs: IndexSpec[]): Tensor {
  const { view, adv } = applyBasic("index", x, sequenceAsTuple(specs));
  if (adv.length === 0) return view === x ? alias(x) : view;
  return takeFlat(view, flatPositions("index", view, adv));
}

function checkValueShape(op: string, value: Tensor, target: readonly number[], given: Tensor = value): void {
  let ok = value.ndim <= target.length;
  if (ok) {
    try {
      ok = shapesEqual(broadcastShapes(op, value.shape, target), target);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new ShapeError(`${op}: shape mismatch: value tensor of shape ${fmtShape(given.shape)} cannot be broadcast to indexing result of shape ${fmtShape(target)}`);
}

/**
 * Python's `x[i] = v` drops v's leading size-1 dims before broadcasting (PyTorch's setitem,
 * slicePrefix1sSize), so `adv[t] = delta` with delta [1, N] writes a row of N. index_put_
 * with accumulate (`x[i] += v` does not get here) keeps the strict shape rule, as PyTorch's.
 */
function dropLeadingOnes(value: Tensor): Tensor {
  let k = 0;
  while (k < value.ndim && value.shape[k] === 1) k++;
  return k === 0 ? value : value.reshape(value.shape.slice(k));
}

/**
 * PyTorch's advanced-index put wants a value tensor of x's dtype ("Index put requires the
 * source and destination dtypes match"): a float tensor written into an int64 one would be
 * truncated silently. Fluxion refuses a value of another kind (bool, integer, floating) and
 * casts within a kind: int32 and int64 mix (Fluxion's indices and arange are int32 where
 * PyTorch's are int64), as do float32 values put into float16 (mixed precision). One element
 * through a single bool mask casts whatever its kind, as PyTorch (it becomes masked_fill);
 * so does basic indexing (ints, slices), which is copy_.
 */
function checkValueDtype(op: string, x: Tensor, specs: readonly IndexSpec[], value: Tensor, accumulate: boolean): void {
  const kind = (t: Tensor) => (t.dtype === "bool" ? "bool" : t.isFloatingPoint() ? "float" : "int");
  if (kind(value) === kind(x)) return;
  const tensors = specs.filter((s): s is Tensor => s instanceof Tensor);
  if (!accumulate && value.numel() === 1 && tensors.length === 1 && (tensors[0]!.dtype === "bool" || tensors[0]!.dtype === "uint8")) return;
  throw new DTypeError(
    `${op}: Index put requires the source and destination dtypes match, got ${x.dtype} for the destination (shape ${fmtShape(x.shape)}) and ${value.dtype} for the source (shape ${fmtShape(value.shape)}); convert the value with .to("${x.dtype}")`,
  );
}

/**
 * x[specs] = value (or += value with `accumulate`, where repeated indices add up), in place.
 * `value` broadcasts to the indexed shape (after dropping leading size-1 dims, as Python's
 * `x[specs] = value`) and is cast to x's dtype (with an index tensor, a value tensor must have
 * x's dtype already, as PyTorch's: see checkValueDtype). Differentiable: x's
 * gradient is zero at overwritten positions, value's gradient gathers from them. Bad
 * indices raise before anything is written.
 *
 * @example
 * const x = zeros([3, 3]);
 * x.indexPut_([1], 5);                                  // x[1] = 5
 * x.indexPut_([[0, 0], [2, 2]], tensor([1, 1]), { accumulate: true }); // x[0, 2] += 2
 * x.indexPut_([x.lt(0)], 0);                            // x[x < 0] = 0
 */
export function indexPut_(x: Tensor, specs: readonly IndexSpec[], value: TensorLike, opts?: { accumulate?: boolean }): Tensor {
  const op = "indexPut_";
  if (!Array.isArray(specs)) throw new IndexError(`${op}: specs must be an array of index specs, e.g. [0, ":"] for x[0, :]`);
  const accumulate = opts?.accumulate ?? false;
  specs = sequenceAsTuple(specs);
  const { view, adv } = applyBasic(op, x, specs);
  const given = value instanceof Tensor ? value : scalarTensor(value, x.dtype, x.device);
  const val = accumulate ? given : dropLeadingOnes(given);
  if (adv.length === 0) {
    checkValueShape(op, val, view.shape, given);
    const cast = val.dtype === view.dtype ? val : val.to(view.dtype);
    applyInPlace(view, op, (s) => (accumulate ? s.add(cast) : cast.expand(view.shape)), [cast], false);
    return x;
  }
  if (value instanceof Tensor) checkValueDtype(op, x, specs, value, accumulate);
  const positions = flatPositions(op, view, adv);
  checkValueShape(op, val, positions.shape, given);
  const overlapping = view.shape.some((s, d) => s > 1 && view.strides[d] === 0);
  const guarded = isGradEnabled() && view._base !== null && view._base.requiresGrad; // let applyInPlace raise
  if (!needsGrad([view, val]) && !overlapping && !guarded) {
    // nothing to record: write the selected elements directly instead of copying all of x
    if (positions.numel() > 0) {
      let vals = val.expand(positions.shape).contiguous().reshape([-1]);
      if (vals.storage === view.storage) vals = vals.clone(); // never read what is being written
      dispatch("indexPut", [view, positions.reshape([-1]).contiguous(), vals.dtype === view.dtype ? vals : vals.to(view.dtype)], { accumulate });
    }
    view.storage.version++;
    return x;
  }
  applyInPlace(view, op, (s) => putFlat(s, positions, val, accumulate), [val], false);
  return x;
}

/**
 * x with `value` where `mask` (bool, broadcastable to x's shape) is true (torch.masked_fill).
 *
 * @example
 * tensor([1, -2, 3]).maskedFill(tensor([false, true, false]), 0) // [1, 0, 3]
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  checkMask("maskedFill", x, mask, true);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new ShapeError(`maskedFill: only supports a 0-dimensional value tensor, but got a tensor with ${value.ndim} dimension(s) (shape ${fmtShape(value.shape)})`);
  }
  const v = value instanceof Tensor ? (value.dtype === x.dtype ? value : value.to(x.dtype)) : scalarTensor(value, x.dtype, x.device);
  return where(mask, v, x);
}

/**
 * The elements of x where `mask` is true, as a 1-D tensor; x and mask broadcast together
 * (torch.masked_select).
 *
 * @example
 * tensor([[1, 2], [3, 4]]).maskedSelect(tensor([true, false])) // [1, 3]
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  checkMask("maskedSelect", x, mask, false);
  const shape = broadcastShapes("maskedSelect", x.shape, mask.shape);
  return index(x.expand(shape), mask.expand(shape));
}

function checkMask(op: string, x: Tensor, mask: Tensor, intoX: boolean): void {
  if (!(mask instanceof Tensor) || mask.dtype !== "bool") {
    throw new DTypeError(`${op}: expected mask to be a bool tensor, got ${mask instanceof Tensor ? mask.dtype : typeof mask}`);
  }
  if (intoX && !shapesEqual(broadcastShapes(op, x.shape, mask.shape), x.shape)) {
    throw new ShapeError(`${op}: mask of shape ${fmtShape(mask.shape)} cannot be broadcast to the input's shape ${fmtShape(x.shape)}`);
  }
}

const SIGS = {
  index: "index(Tensor self, Any... indices) -> Tensor",
  indexPut_: "indexPut_(Tensor self, Any[] indices, Tensor|Scalar values, bool accumulate=false) -> self",
  indexPut: "indexPut(Tensor self, Any[] indices, Tensor|Scalar values, bool accumulate=false) -> Tensor",
  maskedFill: "maskedFill(Tensor self, Tensor mask, Tensor|Scalar value) -> Tensor",
  maskedFill_: "maskedFill_(Tensor self, Tensor mask, Tensor|Scalar value) -> self",
  maskedSelect: "maskedSelect(Tensor self, Tensor mask) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<Omit<typeof SIGS, "index" | "indexPut_" | "indexPut">> {
    /**
     * x[specs]: ints, slices (`"1:5:2"` or slice()), null (a new axis), "..." , index
     * tensors and bool masks, as PyTorch's indexing.
     */
    index(...specs: IndexSpec[]): Tensor;
    /** x[specs] = value in place (PyTorch's indexed assignment). */
    indexPut_(specs: readonly IndexSpec[], value: TensorLike, accumulate?: boolean | { accumulate?: boolean }): this;
    /** Out-of-place indexPut_: a copy with x[specs] = value. */
    indexPut(specs: readonly IndexSpec[], value: TensorLike, accumulate?: boolean | { accumulate?: boolean }): Tensor;
  }
}

const m = { variants: "method" } as const;
/** The public, argument-checked forms (torch.masked_select, ...); ops call the functions above directly. */
export const INDEXING_FNS = {
  index: defineOp(SIGS.index, (x: Tensor, specs: IndexSpec[]) => index(x, ...specs), m),
  indexPut_: defineOp(SIGS.indexPut_, (x: Tensor, specs: IndexSpec[], value: TensorLike, accumulate: boolean) => {
    indexPut_(x, specs, value, { accumulate });
    return x;
  }, m),
  indexPut: defineOp(SIGS.indexPut, (x: Tensor, specs: IndexSpec[], value: TensorLike, accumulate: boolean) => indexPut_(x.clone(), specs, value, { accumulate })),
  maskedFill: defineOp(SIGS.maskedFill, maskedFill),
  maskedFill_: defineOp(SIGS.maskedFill_, (x: Tensor, mask: Tensor, value: TensorLike) => applyInPlace(x, "maskedFill_", (s) => maskedFill(s, mask, value), [value], false), m),
  maskedSelect: defineOp(SIGS.maskedSelect, maskedSelect),
};

/**
 * Numerical helpers of torch.*, composed from tensor ops (so gradients come from theirs):
 * tensordot, trapezoid / trapz / cumulativeTrapezoid, gradient (finite differences),
 * pdist, unravelIndex and histogram.
 */
import { defineOp, type MethodsOf } from "../api/registry.js";
import { describeValue } from "../api/args.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../errors.js";
import { isFloating, isIntegral } from "../tensor/dtype.js";
import { normalizeDim } from "../tensor/shape.js";
import { arange, ones, tensor, zeros } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { cdist } from "./cdist.js";
import { where } from "./elementwise.js";
import { SHAPE_FNS } from "./shape_ops.js";
import { SEARCHSORTED_FNS } from "./searchsorted.js";
import { COMBINATORICS_FNS } from "./combinatorics.js";

const cat = (ts: Tensor[], d: number): Tensor => SHAPE_FNS.cat(ts, d);

// ---- tensordot -------------------------------------------------------------------------

function dimList(op: string, v: unknown, what: string): number[] {
  if (typeof v === "number" && Number.isInteger(v)) return [v];
  if (Array.isArray(v) && v.every((d) => typeof d === "number" && Number.isInteger(d))) return v as number[];
  // a tensor of dims is read on the host, as PyTorch reads it: the dims decide the shapes
  if (v instanceof Tensor && isIntegral(v.dtype) && v.ndim <= 1) return (v.reshape([-1]).tolist() as (number | bigint)[]).map(Number);
  throw new ArgumentError(`${op}: ${what} must be an int or a list of ints, got ${describeValue(v)}`);
}

/**
 * torch.tensordot: sums the products of a's dims `dims[0]` with b's dims `dims[1]` (an int n:
 * a's last n dims with b's first n), as one matmul of the permuted, flattened operands.
 * @example tensordot(a, b, 1); tensordot(a, b, [[1, 0], [0, 1]])
 */
export function tensordot(a: Tensor, b: Tensor, dims: unknown = 2): Tensor {
  const op = "tensordot";
  let da: number[], db: number[];
  if (typeof dims === "number" || (dims instanceof Tensor && dims.ndim === 0)) {
    const n = typeof dims === "number" ? dims : Number(dims.item());
    if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`${op}: tensordot expects dims >= 0, but got dims=${n}`);
    if (n > a.ndim || n > b.ndim) throw new ShapeError(`${op}: dims (${n}) must not exceed the dimensions of a (${a.ndim}) and b (${b.ndim})`);
    da = Array.from({ length: n }, (_, i) => a.ndim - n + i);
    db = Array.from({ length: n }, (_, i) => i);
  } else if ((Array.isArray(dims) || dims instanceof Tensor) && (dims as { length?: number }).length !== 0) {
    const pair = dims instanceof Tensor ? (dims.ndim === 2 && dims.shape[0] === 2 ? [dims.select(0, 0), dims.select(0, 1)] : null) : (dims as unknown[]);
    if (pair === null || pair.length !== 2) throw new ArgumentError(`${op}: dims must be an int or a pair of dim lists [dimsA, dimsB], got ${describeValue(dims)}`);
    da = dimList(op, pair[0], "dims[0]").map((d) => normalizeDim(op, d, a.ndim));
    db = dimList(op, pair[1], "dims[1]").map((d) => normalizeDim(op, d, b.ndim));
  } else throw new ArgumentError(`${op}: dims must be an int or a pair of dim lists [dimsA, dimsB], got ${describeValue(dims)}`);
  if (da.length !== db.length) throw new ShapeError(`${op}: both dimension lists should have same length, got ${da.length} and ${db.length}`);
  for (let i = 0; i < da.length; i++) {
    if (a.shape[da[i]!] !== b.shape[db[i]!]) {
      throw new ShapeError(`${op}: contracted dimensions need to match, but first has size ${a.shape[da[i]!]} in dim ${da[i]} and second has size ${b.shape[db[i]!]} in dim ${db[i]} (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`);
    }
    if (da.indexOf(da[i]!) !== i || db.indexOf(db[i]!) !== i) throw new ArgumentError(`${op}: dim ${da.indexOf(da[i]!) !== i ? da[i] : db[i]} appears multiple times in the list of dims`);
  }
  const freeA = a.shape.map((_, i) => i).filter((i) => !da.includes(i));
  const freeB = b.shape.map((_, i) => i).filter((i) => !db.includes(i));
  const k = da.reduce((p, d) => p * a.shape[d]!, 1);
  const outShape = [...freeA.map((i) => a.shape[i]!), ...freeB.map((i) => b.shape[i]!)];
  const m = freeA.reduce((p, d) => p * a.shape[d]!, 1), n = freeB.reduce((p, d) => p * b.shape[d]!, 1);
  const am = a.permute([...freeA, ...da]).reshape([m, k]);
  const bm = b.permute([...db, ...freeB]).reshape([k, n]);
  return am.matmul(bm).reshape(outShape);
}

// ---- trapezoid rules -------------------------------------------------------------------

/** The spacings x[i+1] - x[i] shaped to broadcast against y's pairs along `dim`. */
function spacings(op: string, y: Tensor, x: Tensor, dim: number): Tensor {
  const n = y.shape[dim]!;
  if (x.ndim === 1) {
    if (x.shape[0] !== n) throw new ShapeError(`${op}: There must be one \`x\` value for each sample point (x has ${x.shape[0]}, y has ${n} along dim ${dim})`);
    const shape = y.shape.map((_, i) => (i === dim ? n - 1 : 1));
    return x.diff().reshape(shape);
  }
  const xd = x.ndim === y.ndim ? dim : normalizeDim(op, dim - y.ndim, x.ndim);
  if (x.shape[xd] !== n) throw new ShapeError(`${op}: There must be one \`x\` value for each sample point (x shape ${fmtShape(x.shape)}, y shape ${fmtShape(y.shape)}, dim ${dim})`);
  return x.diff(1, xd);
}

function checkY(op: string, y: Tensor): void {
  if (y.dtype === "bool") throw new DTypeError(`${op}: expected a numeric tensor y, got bool`);
}

/**
 * torch.trapezoid: the integral of y along dim by the trapezoidal rule, with sample points x
 * (a tensor) or a constant spacing dx (default 1).
 * @example trapezoid(tensor([1, 2, 3])) // 4; trapezoid(y, x)
 */
function trapezoidX(op: string, y: Tensor, x: Tensor, dim: number): Tensor {
  checkY(op, y);
  const d = normalizeDim(op, dim, y.ndim);
  if (y.shape[d] === 0) return zeros(y.shape.filter((_, i) => i !== d), { dtype: isFloating(y.dtype) ? y.dtype : undefined, device: y.device });
  const n = y.shape[d]!;
  const pairs = y.narrow(d, 1, n - 1).add(y.narrow(d, 0, n - 1));
  return pairs.mul(spacings(op, y, x, d)).sum(d).div(2);
}
function trapezoidDx(op: string, y: Tensor, dx: number, dim: number): Tensor {
  checkY(op, y);
  const d = normalizeDim(op, dim, y.ndim);
  if (y.shape[d] === 0) return zeros(y.shape.filter((_, i) => i !== d), { dtype: isFloating(y.dtype) ? y.dtype : undefined, device: y.device });
  // PyTorch's form: (sum - (first + last) / 2) * dx
  return y.sum(d).sub(y.select(d, 0).add(y.select(d, -1)).mul(0.5)).mul(dx);
}

/** torch.cumulative_trapezoid: the running trapezoidal integral (one element fewer along dim). */
function cumulativeX(op: string, y: Tensor, x: Tensor, dim: number): Tensor {
  checkY(op, y);
  const d = normalizeDim(op, dim, y.ndim);
  const n = y.shape[d]!;
  if (n === 0) return y.narrow(d, 0, 0).mul(1.0);
  const pairs = y.narrow(d, 1, n - 1).add(y.narrow(d, 0, n - 1));
  return pairs.mul(spacings(op, y, x, d)).div(2).cumsum(d);
}
function cumulativeDx(op: string, y: Tensor, dx: number, dim: number): Tensor {
  checkY(op, y);
  const d = normalizeDim(op, dim, y.ndim);
  const n = y.shape[d]!;
  if (n === 0) return y.narrow(d, 0, 0).mul(1.0);
  return y.narrow(d, 1, n - 1).add(y.narrow(d, 0, n - 1)).mul(dx / 2).cumsum(d);
}

// ---- gradient --------------------------------------------------------------------------

type Spacing = number | number[] | Tensor | Tensor[] | null;

/**
 * torch.gradient: central differences inside, one-sided (edgeOrder 1 or 2) at the ends, along
 * each of `dim` (all dims by default). spacing: one number for every dim, a number per dim,
 * or a coordinate tensor per dim (unevenly spaced samples).
 * @example gradient(tensor([1, 4, 9, 16])) // [tensor([3, 4, 6, 7])]
 */
function gradientImpl(input: Tensor, o: { spacing?: Spacing; dim?: number | number[] | null; edgeOrder?: number }): Tensor[] {
  const op = "gradient";
  const edgeOrder = o.edgeOrder ?? 1;
  if (edgeOrder !== 1 && edgeOrder !== 2) throw new ArgumentError(`${op}: torch.gradient only supports edge_order=1 and edge_order=2, got ${edgeOrder}`);
  if (input.dtype === "bool") throw new DTypeError(`${op}: expected a numeric input, got bool`);
  const dims = o.dim === null || o.dim === undefined ? input.shape.map((_, i) => i) : (typeof o.dim === "number" ? [o.dim] : o.dim).map((d) => normalizeDim(op, d, input.ndim));
  if (new Set(dims).size !== dims.length) throw new ArgumentError(`${op}: dim ${JSON.stringify(o.dim)} appears multiple times in the list of dims`);
  const sp = o.spacing ?? 1;
  const okItem = (v: unknown) => (typeof v === "number" && Number.isFinite(v)) || v instanceof Tensor;
  if (!(okItem(sp) || (Array.isArray(sp) && sp.every(okItem)))) {
    throw new ArgumentError(`${op}: spacing must be a number, a 0-d tensor, or a list of numbers or coordinate tensors (one per dim), got ${describeValue(sp)}`);
  }
  const perDim: (number | Tensor)[] = typeof sp === "number" || (sp instanceof Tensor && sp.ndim === 0) ? dims.map(() => sp) : sp instanceof Tensor ? [sp] : (sp as (number | Tensor)[]);
  if (perDim.length !== dims.length) {
    throw new ArgumentError(`${op}: torch.gradient expected spacing to be unspecified, a scalar or its length to match the number of dimensions specified (${dims.length}), got ${perDim.length}`);
  }
  for (const d of dims) {
    if (input.shape[d]! < edgeOrder + 1) {
      throw new ShapeError(`${op}: torch.gradient expected each dimension size to be at least edge_order+1 (dim ${d} has size ${input.shape[d]}, edge_order ${edgeOrder}; shape ${fmtShape(input.shape)})`);
    }
  }
  const f = input;
  return dims.map((d, k) => {
    const s = perDim[k]!;
    if (typeof s === "number" || s.ndim === 0) return uniformGradient(f, d, s, edgeOrder);
    if (s.ndim !== 1 || s.shape[0] !== input.shape[d]) {
      throw new ShapeError(`${op}: torch.gradient expected each tensor in spacing to be 1-D with one coordinate per element of its dim (dim ${d} has ${input.shape[d]}), got shape ${fmtShape(s.shape)}`);
    }
    return coordinateGradient(f, d, s, edgeOrder);
  });
}

/** Differences with a constant spacing h (a number, or a 0-d tensor used as one without reading it). */
function uniformGradient(f: Tensor, d: number, h: number | Tensor, edgeOrder: number): Tensor {
  const h2 = typeof h === "number" ? 2 * h : h.mul(2);
  const n = f.shape[d]!;
  const at = (i: number, len = 1) => f.narrow(d, i < 0 ? n + i : i, len);
  const parts: Tensor[] = [];
  if (edgeOrder === 1) parts.push(at(1).sub(at(0)).div(h));
  else parts.push(at(0).mul(-1.5).add(at(1).mul(2)).sub(at(2).mul(0.5)).div(h));
  if (n > 2) parts.push(f.narrow(d, 2, n - 2).sub(f.narrow(d, 0, n - 2)).div(h2));
  if (edgeOrder === 1) parts.push(at(-1).sub(at(-2)).div(h));
  else parts.push(at(-3).mul(0.5).sub(at(-2).mul(2)).add(at(-1).mul(1.5)).div(h));
  return cat(parts, d);
}

/** numpy's second-order-accurate differences for uneven spacing (PyTorch's formulas). */
function coordinateGradient(f: Tensor, d: number, x: Tensor, edgeOrder: number): Tensor {
  const n = f.shape[d]!;
  const shape = f.shape.map((_, i) => (i === d ? -1 : 1));
  const xs = isFloating(x.dtype) ? x : x.to(f.dtype);
  const dx = xs.diff().reshape(shape); // n - 1 spacings
  const at = (i: number, len = 1) => f.narrow(d, i < 0 ? n + i : i, len);
  const dxAt = (i: number, len = 1) => dx.narrow(d, i < 0 ? n - 1 + i : i, len);
  const parts: Tensor[] = [];
  if (edgeOrder === 1) parts.push(at(1).sub(at(0)).div(dxAt(0)));
  else {
    const dx1 = dxAt(0), dx2 = dxAt(1);
    const a = dx1.mul(2).add(dx2).neg().div(dx1.mul(dx1.add(dx2)));
    const b = dx1.add(dx2).div(dx1.mul(dx2));
    const c = dx1.neg().div(dx2.mul(dx1.add(dx2)));
    parts.push(a.mul(at(0)).add(b.mul(at(1))).add(c.mul(at(2))));
  }
  if (n > 2) {
    const dx1 = dx.narrow(d, 0, n - 2), dx2 = dx.narrow(d, 1, n - 2);
    const a = dx2.neg().div(dx1.mul(dx1.add(dx2)));
    const b = dx2.sub(dx1).div(dx1.mul(dx2));
    const c = dx1.div(dx2.mul(dx1.add(dx2)));
    parts.push(a.mul(f.narrow(d, 0, n - 2)).add(b.mul(f.narrow(d, 1, n - 2))).add(c.mul(f.narrow(d, 2, n - 2))));
  }
  if (edgeOrder === 1) parts.push(at(-1).sub(at(-2)).div(dxAt(-1)));
  else {
    const dx1 = dxAt(-2), dx2 = dxAt(-1);
    const a = dx2.div(dx1.mul(dx1.add(dx2)));
    const b = dx2.add(dx1).neg().div(dx1.mul(dx2));
    const c = dx2.mul(2).add(dx1).div(dx2.mul(dx1.add(dx2)));
    parts.push(a.mul(at(-3)).add(b.mul(at(-2))).add(c.mul(at(-1))));
  }
  return cat(parts, d);
}

// ---- pdist, unravelIndex -----------------------------------------------------------------

/**
 * torch.pdist: the p-norm distances between each pair of rows of an [N, M] input, the upper
 * triangle of cdist(x, x) in row-major order (N(N-1)/2 values).
 * @example pdist(tensor([[0, 0], [3, 4], [6, 8]])) // [5, 10, 5]
 */
export function pdist(input: Tensor, p = 2): Tensor {
  const op = "pdist";
  if (input.ndim !== 2) throw new ShapeError(`${op}: pdist only supports 2D tensors, got: ${input.ndim}D (shape ${fmtShape(input.shape)})`);
  if (!(p >= 0)) throw new ArgumentError(`${op}: pdist only supports non-negative p values, got ${p}`);
  if (input.dtype !== "float32" && input.dtype !== "float64") throw new DTypeError(`${op}: pdist only supports floating-point dtypes (float32, float64), got ${input.dtype}`);
  const n = input.shape[0]!;
  if (n < 2) return zeros([0], { dtype: input.dtype, device: input.device }).add(input.sum().mul(0));
  // the upper triangle of the direct cdist (exact at zero distances), row-major
  const [r, c] = COMBINATORICS_FNS.triuIndices(n, n, 1, { dtype: "int64", device: input.device }).unbind(0) as [Tensor, Tensor];
  return cdist(input, input, p, "donot_use_mm_for_euclid_dist").reshape([-1]).indexSelect(0, r.mul(n).add(c));
}

/**
 * torch.unravel_index (PyTorch 2.2; 1.13 lacks it): the coordinates of flat indices in a
 * tensor of `shape`, one int64 tensor per dim (negative indices wrap as Python's % does).
 * @example unravelIndex(tensor([4, 1], { dtype: "int64" }), [2, 3]) // [tensor([1, 0]), tensor([1, 1])]
 */
function unravelIndexImpl(indices: Tensor, shape: number[]): Tensor[] {
  const op = "unravelIndex";
  if (!isIntegral(indices.dtype)) throw new DTypeError(`${op}: expected 'indices' to be integer dtype, but got ${indices.dtype}`);
  if (shape.some((s) => s < 0)) throw new ArgumentError(`${op}: 'shape' cannot have negative values, but got [${shape.join(", ")}]`);
  const idx = indices.to("int64");
  const out: Tensor[] = [];
  let stride = 1;
  const strides = shape.map(() => 0);
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  for (let d = 0; d < shape.length; d++) out.push(idx.floorDivide(BigInt(strides[d]!)).remainder(BigInt(shape[d]!)));
  return out;
}

// ---- histogram -------------------------------------------------------------------------

/** The bin index of each value (-1 outside [edges[0], edges[last]] or NaN); the last edge closes the last bin. */
function binIndex(x: Tensor, edges: Tensor): Tensor {
  const bins = edges.shape[0]! - 1;
  const lo = edges.select(0, 0), hi = edges.select(0, -1);
  const idx = SEARCHSORTED_FNS.searchsorted(edges, x, { right: true }).sub(1).clampMax(bins - 1);
  const inside = x.ge(lo).logicalAnd(x.le(hi));
  return where(inside, idx, -1);
}

function histogramFromEdges(op: string, x: Tensor, edges: Tensor, weight: Tensor | null, density: boolean): [Tensor, Tensor] {
  if (weight !== null) {
    if (weight.dtype !== x.dtype) throw new DTypeError(`${op}: expected input and weight tensors to have the same dtype, but got input ${x.dtype} and weight ${weight.dtype}`);
    if (weight.ndim !== x.ndim || weight.shape.some((s, i) => s !== x.shape[i])) {
      throw new ShapeError(`${op}: if weight tensor is provided it should have the same shape as the input tensor (input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)})`);
    }
  }
  const bins = edges.shape[0]! - 1;
  const flat = x.reshape([-1]);
  const idx = binIndex(flat, edges);
  const inside = idx.ge(0);
  const w = weight === null ? inside.to(x.dtype) : where(inside, weight.reshape([-1]), 0);
  let hist = zeros([bins + 1], { dtype: x.dtype, device: x.device }).scatterAdd(0, where(inside, idx, bins).to("int64"), w).narrow(0, 0, bins);
  if (density) hist = hist.div(hist.sum().mul(edges.diff()));
  return [hist, edges];
}

/**
 * bins + 1 equal-width edges over range [min, max] (x's own min..max when null; a single value v
 * spans v - 0.5..v + 0.5), computed as PyTorch's kernel computes linspace.
 */
function equalEdges(op: string, x: Tensor, bins: number, range: readonly number[] | null): Tensor {
  let lo: Tensor, hi: Tensor;
  if (range !== null) {
    if (range.length !== 2) throw new ArgumentError(`${op}: range must be [min, max], got ${describeValue(range)}`);
    const [a, b] = range as [number, number];
    if (!(a <= b)) throw new ArgumentError(`${op}: min should not exceed max, but got min ${a} max ${b}`);
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new ArgumentError(`${op}: range of [${a}, ${b}] is not finite`);
    lo = tensor(a, { dtype: x.dtype, device: x.device });
    hi = tensor(b, { dtype: x.dtype, device: x.device });
  } else if (x.numel() === 0) {
    lo = tensor(0, { dtype: x.dtype, device: x.device });
    hi = tensor(0, { dtype: x.dtype, device: x.device });
  } else {
    lo = x.amin();
    hi = x.amax();
  }
  const same = lo.eq(hi);
  lo = where(same, lo.sub(0.5), lo);
  hi = where(same, hi.add(0.5), hi);
  // linspace(lo, hi, bins + 1) as PyTorch's kernel: the first half from lo, the second back from hi
  const i = arange(bins + 1, { dtype: x.dtype, device: x.device });
  const step = hi.sub(lo).div(bins);
  const half = Math.floor((bins + 1) / 2);
  return where(i.lt(half), lo.add(step.mul(i)), hi.sub(step.mul(i.neg().add(bins))));
}

function checkHistInput(op: string, x: Tensor): void {
  if (x.dtype !== "float32" && x.dtype !== "float64") throw new DTypeError(`${op}: torch.histogram: input tensor and bins tensors should have the same dtype, and be float32 or float64 ("histogramdd" not implemented for '${x.dtype}')`);
}

/**
 * torch.histogram: counts (or weights, or a density) of the values in `bins` equal bins over
 * `range` (the input's min..max by default; a single value v spans v - 0.5..v + 0.5), or in
 * the bins a tensor of edges gives. Returns (hist, binEdges). Float input only, as PyTorch.
 * @example const [hist, edges] = histogram(x, 4, { range: [0, 1] })
 */
function histogramBins(x: Tensor, bins: number, o: { range?: number[] | null; weight?: Tensor | null; density?: boolean }): [Tensor, Tensor] {
  const op = "histogram";
  checkHistInput(op, x);
  if (!Number.isInteger(bins) || bins <= 0) throw new ArgumentError(`${op}: torch.histogram(): bins must be > 0, but got ${bins}`);
  const edges = equalEdges(op, x.detach(), bins, o.range ?? null);
  return histogramFromEdges(op, x.detach(), edges, o.weight ?? null, o.density ?? false);
}
function histogramEdges(x: Tensor, bins: Tensor, o: { weight?: Tensor | null; density?: boolean }): [Tensor, Tensor] {
  const op = "histogram";
  checkHistInput(op, x);
  if (bins.dtype !== x.dtype) throw new DTypeError(`${op}: torch.histogram: input tensor and bins tensors should have the same dtype, but got input ${x.dtype} and bins ${bins.dtype}`);
  if (bins.ndim !== 1 || bins.shape[0]! < 1) throw new ShapeError(`${op}: torch.histogram: bins tensor should have one dimension and at least 1 element, but got shape ${fmtShape(bins.shape)}`);
  if (bins.shape[0] === 1) return [zeros([0], { dtype: x.dtype, device: x.device }), bins.detach().clone()];
  return histogramFromEdges(op, x.detach(), bins.detach().clone(), o.weight ?? null, o.density ?? false);
}

/**
 * torch.histogramdd: the D-dimensional histogram of the points in input's last dim ([*, D]):
 * bins per dim (one int for all, an int per dim, or a tensor of edges per dim), equal bins
 * over range ([min0, max0, min1, max1, ...], each dim's own min..max by default), optional
 * weight per point ([*]) and density. Returns (hist [b0, b1, ...], binEdges: D tensors).
 * @example const [hist, edges] = histogramdd(points, [2, 3]) // points [N, 2]: hist [2, 3]
 */
function histogramdd(x: Tensor, bins: number | number[] | Tensor[], o: { range: number[] | null; weight: Tensor | null; density: boolean }): [Tensor, Tensor[]] {
  const op = "histogramdd";
  checkHistInput(op, x);
  if (x.ndim < 1) throw new ShapeError(`${op}: torch.histogramdd: input tensor should have at least 1 dimension, but got 0-d`);
  const D = x.shape[x.ndim - 1]!;
  const pts = x.detach().reshape([-1, D]);
  const N = pts.shape[0]!;
  const list = typeof bins === "number" ? new Array<number>(D).fill(bins) : bins;
  if (list.length !== D) throw new ArgumentError(`${op}: torch.histogramdd: expected ${D} sequences of bin edges (or bin counts) for a ${D}-dimensional histogram but got ${list.length}`);
  if (o.range !== null && o.range.length !== 2 * D) throw new ArgumentError(`${op}: torch.histogramdd: for a ${D}-dimensional histogram range should have ${2 * D} elements, but got ${o.range.length}`);
  const edges = list.map((b, d) => {
    const col = pts.select(1, d);
    if (typeof b === "number") {
      if (!Number.isInteger(b) || b <= 0) throw new ArgumentError(`${op}: torch.histogramdd(): bins must be > 0, but got ${b} for dimension ${d}`);
      return equalEdges(op, col, b, o.range === null ? null : o.range.slice(2 * d, 2 * d + 2));
    }
    if (!(b instanceof Tensor)) throw new ArgumentError(`${op}: bins must be an int, a list of ints or a list of tensors of edges, got ${describeValue(b)}`);
    if (b.dtype !== x.dtype) throw new DTypeError(`${op}: torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input ${x.dtype} and bins ${b.dtype}`);
    if (b.ndim !== 1 || b.shape[0]! < 1) throw new ShapeError(`${op}: torch.histogramdd: bins tensor should have one dimension and at least 1 element, but got shape ${fmtShape(b.shape)}`);
    return b.detach().clone();
  });
  const sizes = edges.map((e) => e.shape[0]! - 1);
  const cells = sizes.reduce((a, b) => a * b, 1);
  if (o.weight !== null && (o.weight.ndim !== x.ndim - 1 || o.weight.shape.some((s, i) => s !== x.shape[i]))) {
    throw new ShapeError(`${op}: if weight tensor is provided it should have the same shape as the input tensor excluding its innermost dimension (input ${fmtShape(x.shape)}, weight ${fmtShape(o.weight.shape)})`);
  }
  // the flat cell of each point, or `cells` (a slot dropped at the end) when outside any dim's edges
  let flatIdx = zeros([N], { dtype: "int64", device: x.device });
  let inside = ones([N], { dtype: "bool", device: x.device });
  edges.forEach((e, d) => {
    const n = sizes[d]!;
    if (n === 0) {
      inside = inside.logicalAnd(zeros([N], { dtype: "bool", device: x.device }));
      return;
    }
    const idx = binIndex(pts.select(1, d), e);
    inside = inside.logicalAnd(idx.ge(0));
    flatIdx = flatIdx.mul(BigInt(n)).add(idx.clampMin(0).to("int64"));
  });
  const w = o.weight === null ? inside.to(x.dtype) : where(inside, o.weight.detach().reshape([-1]), 0);
  let hist = zeros([cells + 1], { dtype: x.dtype, device: x.device }).scatterAdd(0, where(inside, flatIdx, BigInt(cells)), w).narrow(0, 0, cells).reshape(sizes);
  if (o.density) {
    let volume = ones(sizes.map(() => 1), { dtype: x.dtype, device: x.device });
    edges.forEach((e, d) => {
      volume = volume.mul(e.diff().reshape(sizes.map((s, k) => (k === d ? s : 1))));
    });
    hist = hist.div(hist.sum()).div(volume);
  }
  return [hist, edges];
}

const HIST_SIGS = {
  histogram: [
    "histogram(Tensor self, int bins=100, *, float[]? range=null, Tensor? weight=null, bool density=false) -> (Tensor hist, Tensor binEdges)",
    "histogram.bins_tensor(Tensor self, Tensor bins, *, Tensor? weight=null, bool density=false) -> (Tensor hist, Tensor binEdges)",
  ],
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof HIST_SIGS> {}
}

export const NUMERIC_EXTRA_FNS = {
  tensordot: defineOp("tensordot(Tensor a, Tensor b, Any dims=2) -> Tensor", tensordot, { variants: "function" }),
  trapezoid: defineOp(
    ["trapezoid.x(Tensor y, Tensor x, *, int dim=-1) -> Tensor", "trapezoid.dx(Tensor y, *, float dx=1, int dim=-1) -> Tensor"],
    [(y: Tensor, x: Tensor, o: { dim: number }) => trapezoidX("trapezoid", y, x, o.dim), (y: Tensor, o: { dx: number; dim: number }) => trapezoidDx("trapezoid", y, o.dx, o.dim)],
    { variants: "function" },
  ),
  trapz: defineOp(
    ["trapz.x(Tensor y, Tensor x, *, int dim=-1) -> Tensor", "trapz.dx(Tensor y, *, float dx=1, int dim=-1) -> Tensor"],
    [(y: Tensor, x: Tensor, o: { dim: number }) => trapezoidX("trapz", y, x, o.dim), (y: Tensor, o: { dx: number; dim: number }) => trapezoidDx("trapz", y, o.dx, o.dim)],
    { variants: "function" },
  ),
  cumulativeTrapezoid: defineOp(
    ["cumulativeTrapezoid.x(Tensor y, Tensor x, *, int dim=-1) -> Tensor", "cumulativeTrapezoid.dx(Tensor y, *, float dx=1, int dim=-1) -> Tensor"],
    [(y: Tensor, x: Tensor, o: { dim: number }) => cumulativeX("cumulativeTrapezoid", y, x, o.dim), (y: Tensor, o: { dx: number; dim: number }) => cumulativeDx("cumulativeTrapezoid", y, o.dx, o.dim)],
    { variants: "function" },
  ),
  gradient: defineOp("gradient(Tensor self, *, Any? spacing=1, int[]? dim=null, int edgeOrder=1) -> Tensor[]", gradientImpl, { variants: "function" }),
  pdist: defineOp("pdist(Tensor input, float p=2) -> Tensor", pdist, { variants: "function" }),
  unravelIndex: defineOp("unravelIndex(Tensor indices, int[] shape) -> Tensor[]", unravelIndexImpl, { variants: "function" }),
  histogram: defineOp(HIST_SIGS.histogram, [histogramBins, histogramEdges]),
  histogramdd: defineOp(
    "histogramdd(Tensor input, int|int[]|Tensor[] bins, *, float[]? range=null, Tensor? weight=null, bool density=false) -> (Tensor hist, Tensor[] binEdges)",
    histogramdd, { variants: "function" }),
};

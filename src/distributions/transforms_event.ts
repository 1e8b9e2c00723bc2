/**
 * Transforms over whole events (torch.distributions.transforms): SoftmaxTransform and
 * StickBreakingTransform (real vectors to the simplex; stick-breaking adds one entry),
 * LowerCholeskyTransform and CorrCholeskyTransform (to Cholesky factors), ReshapeTransform,
 * IndependentTransform (reinterprets batch dims as event dims), and CatTransform and
 * StackTransform (a transform per piece of one dim). Their log-Jacobians sum over the event.
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { cat, eye, pad, stack, tensor } from "../functional.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import * as constraints from "./constraints.js";
import { Transform } from "./transforms.js";
import { finfo, sumRightmost } from "./utils.js";

const group = "distributions.transforms";
const SOFTMAX = "SoftmaxTransform(int cacheSize=0)";
const STICK = "StickBreakingTransform(int cacheSize=0)";
const LOWER_CHOL = "LowerCholeskyTransform(int cacheSize=0)";
const CORR_CHOL = "CorrCholeskyTransform(int cacheSize=0)";
const RESHAPE = "ReshapeTransform(int[] inShape, int[] outShape, int cacheSize=0)";
const INDEPENDENT = "IndependentTransform(Any baseTransform, int reinterpretedBatchNdims, int cacheSize=0)";
const CAT = "CatTransform(Any tseq, int dim=0, int[]? lengths=null, int cacheSize=0)";
const STACK = "StackTransform(Any tseq, int dim=0, int cacheSize=0)";
const softmaxArgs = declareArgs(SOFTMAX, group), stickArgs = declareArgs(STICK, group);
const lowerCholArgs = declareArgs(LOWER_CHOL, group), corrCholArgs = declareArgs(CORR_CHOL, group);
const reshapeArgs = declareArgs(RESHAPE, group), independentArgs = declareArgs(INDEPENDENT, group);
const catArgs = declareArgs(CAT, group), stackArgs = declareArgs(STACK, group);

function needDims(where: string, shape: readonly number[], n: number): void {
  if (shape.length < n) throw new ShapeError(`${where}: too few dimensions on input: expected at least ${n}, got shape ${fmtShape(shape)}`);
}

/** y = softmax(x) over the last dim; not bijective (inverse log y, no log-Jacobian). */
export class SoftmaxTransform extends Transform {
  override readonly bijective: boolean = false;
  constructor(...args: CtorArgs<typeof SOFTMAX>) {
    super(...softmaxArgs.bind(args));
  }
  override get domain(): constraints.Constraint {
    return constraints.realVector;
  }
  override get codomain(): constraints.Constraint {
    return constraints.simplex;
  }
  protected override _call(x: Tensor): Tensor {
    const p = x.sub(x.amax(-1, true)).exp();
    return p.div(p.sum(-1, true));
  }
  protected override _inverse(y: Tensor): Tensor {
    return y.log();
  }
  override forwardShape(shape: readonly number[]): number[] {
    needDims("SoftmaxTransform", shape, 1);
    return [...shape];
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.forwardShape(shape);
  }
}

/** log(K + 1 - k) for k = 1..K: the offsets that make x = 0 map to the simplex's centre. */
function stickOffsetLog(like: Tensor, k: number, top: number): Tensor {
  return tensor(Array.from({ length: k }, (_, i) => Math.log(top - i)), { dtype: like.dtype, device: like.device });
}

/**
 * Real vectors of length K to the (K+1)-simplex by stick breaking: each entry takes a sigmoid
 * fraction of what is left (PyTorch's StickBreakingTransform, the bijection LogisticNormal uses).
 */
export class StickBreakingTransform extends Transform {
  constructor(...args: CtorArgs<typeof STICK>) {
    super(...stickArgs.bind(args));
  }
  override get domain(): constraints.Constraint {
    return constraints.realVector;
  }
  override get codomain(): constraints.Constraint {
    return constraints.simplex;
  }
  protected override _call(x: Tensor): Tensor {
    const k = x.shape.at(-1)!;
    const { tiny, eps } = finfo(x.dtype);
    const z = x.sub(stickOffsetLog(x, k, k)).sigmoid().clamp(tiny, 1 - eps);
    const zCumprod = z.neg().add(1).cumprod(-1);
    return pad(z, [0, 1], { value: 1 }).mul(pad(zCumprod, [1, 0], { value: 1 }));
  }
  protected override _inverse(y: Tensor): Tensor {
    const k = y.shape.at(-1)! - 1;
    const yCrop = y.narrow(-1, 0, k);
    const sf = yCrop.cumsum(-1).neg().add(1).clampMin(finfo(y.dtype).tiny);
    return yCrop.log().sub(sf.log()).add(stickOffsetLog(y, k, k));
  }
  override logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const k = x.shape.at(-1)!;
    const xs = x.sub(stickOffsetLog(x, k, k));
    // -x + logsigmoid(x) + log y[..., :-1]
    return xs.neg().sub(xs.neg().softplus()).add(y.narrow(-1, 0, k).log()).sum(-1);
  }
  override forwardShape(shape: readonly number[]): number[] {
    needDims("StickBreakingTransform", shape, 1);
    return [...shape.slice(0, -1), shape.at(-1)! + 1];
  }
  override inverseShape(shape: readonly number[]): number[] {
    needDims("StickBreakingTransform.inv", shape, 1);
    return [...shape.slice(0, -1), shape.at(-1)! - 1];
  }
}

/** Unconstrained square matrices to lower-triangular ones with a positive diagonal: exp of the diagonal, the strict lower part kept. */
export class LowerCholeskyTransform extends Transform {
  constructor(...args: CtorArgs<typeof LOWER_CHOL>) {
    super(...lowerCholArgs.bind(args));
  }
  override get domain(): constraints.Constraint {
    return constraints.independent(constraints.real, 2);
  }
  override get codomain(): constraints.Constraint {
    return constraints.lowerCholesky;
  }
  protected override _call(x: Tensor): Tensor {
    return x.tril(-1).add(x.diagonal(0, -2, -1).exp().diagEmbed());
  }
  protected override _inverse(y: Tensor): Tensor {
    return y.tril(-1).add(y.diagonal(0, -2, -1).log().diagEmbed());
  }
}

/** A [n*n, m] 0/1 matrix picking the entries strictly below diagonal `diag` (row by row, PyTorch's order) of a flattened n x n matrix. */
function trilSelector(n: number, diag: number, like: Tensor): Tensor {
  const cells: number[] = [];
  for (let r = 0; r < n; r++) for (let c = 0; c <= r + diag; c++) cells.push(r * n + c);
  const data = new Array<number>(n * n * cells.length).fill(0);
  cells.forEach((cell, j) => (data[cell * cells.length + j] = 1));
  return tensor(data, { dtype: like.dtype, device: like.device, shape: [n * n, cells.length] });
}

/**
 * Vectors of length n(n-1)/2 to lower Cholesky factors of n x n correlation matrices (unit
 * rows): tanh to (-1, 1), then stick breaking row by row (PyTorch's CorrCholeskyTransform,
 * the bijection behind LKJCholesky).
 */
export class CorrCholeskyTransform extends Transform {
  constructor(...args: CtorArgs<typeof CORR_CHOL>) {
    super(...corrCholArgs.bind(args));
  }
  override get domain(): constraints.Constraint {
    return constraints.realVector;
  }
  override get codomain(): constraints.Constraint {
    return constraints.corrCholesky;
  }
  protected override _call(x: Tensor): Tensor {
    const { eps } = finfo(x.dtype);
    const t = x.tanh().clamp(-1 + eps, 1 - eps);
    const n = this.forwardShape(x.shape).at(-1)!;
    const r = t.matmul(trilSelector(n, -1, t).mT).reshape([...t.shape.slice(0, -1), n, n]);
    const z1mCumprodSqrt = r.pow(2).neg().add(1).sqrt().cumprod(-1);
    const rEye = r.add(eye(n, { dtype: r.dtype, device: r.device }));
    return rEye.mul(pad(z1mCumprodSqrt.narrow(-1, 0, n - 1), [1, 0], { value: 1 }));
  }
  protected override _inverse(y: Tensor): Tensor {
    const n = y.shape.at(-1)!;
    const flat = (m: Tensor): Tensor => m.reshape([...m.shape.slice(0, -2), n * n]).matmul(trilSelector(n, -1, m));
    const yCumsum = y.mul(y).cumsum(-1).neg().add(1);
    const shifted = pad(yCumsum.narrow(-1, 0, n - 1), [1, 0], { value: 1 });
    const t = flat(y).div(flat(shifted).sqrt());
    return t.add(1).div(t.neg().add(1)).log().div(2);
  }
  override logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const n = y.shape.at(-1)!;
    const y1mCumsum = y.mul(y).cumsum(-1).neg().add(1);
    const tril = y1mCumsum.reshape([...y.shape.slice(0, -2), n * n]).matmul(trilSelector(n, -2, y));
    const stickBreakingLogdet = tril.log().sum(-1).mul(0.5);
    const tanhLogdet = x.add(x.mul(-2).softplus()).sub(Math.LN2).sum(-1).mul(-2);
    return stickBreakingLogdet.add(tanhLogdet);
  }
  override forwardShape(shape: readonly number[]): number[] {
    needDims("CorrCholeskyTransform", shape, 1);
    const N = shape.at(-1)!;
    const D = Math.round(Math.sqrt(0.25 + 2 * N) + 0.5);
    if ((D * (D - 1)) / 2 !== N) throw new ShapeError(`CorrCholeskyTransform: the input's last dim (${N}) is not the length of a flattened strictly lower triangle n(n-1)/2`);
    return [...shape.slice(0, -1), D, D];
  }
  override inverseShape(shape: readonly number[]): number[] {
    needDims("CorrCholeskyTransform.inv", shape, 2);
    const N = shape.at(-2)!;
    if (shape.at(-1) !== N) throw new ShapeError(`CorrCholeskyTransform.inv: the input is not square, got shape ${fmtShape(shape)}`);
    return [...shape.slice(0, -2), (N * (N - 1)) / 2];
  }
}

/** Reshapes the rightmost dims from `inShape` to `outShape` (same number of elements); log-Jacobian 0. */
export class ReshapeTransform extends Transform {
  readonly inShape: number[];
  readonly outShape: number[];
  constructor(...args: CtorArgs<typeof RESHAPE>) {
    const [inArg, outArg, cacheSize] = reshapeArgs.bind(args);
    super(cacheSize);
    const inShape = typeof inArg === "number" ? [inArg] : [...inArg], outShape = typeof outArg === "number" ? [outArg] : [...outArg];
    const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
    if (numel(inShape) !== numel(outShape)) {
      throw new ShapeError(`ReshapeTransform: inShape ${fmtShape(inShape)} and outShape ${fmtShape(outShape)} have different numbers of elements`);
    }
    this.inShape = [...inShape];
    this.outShape = [...outShape];
  }
  override get domain(): constraints.Constraint {
    return constraints.independent(constraints.real, this.inShape.length);
  }
  override get codomain(): constraints.Constraint {
    return constraints.independent(constraints.real, this.outShape.length);
  }
  protected override _call(x: Tensor): Tensor {
    return x.reshape(this.forwardShape(x.shape));
  }
  protected override _inverse(y: Tensor): Tensor {
    return y.reshape(this.inverseShape(y.shape));
  }
  override logAbsDetJacobian(x: Tensor, _y: Tensor): Tensor {
    const batch = x.shape.slice(0, x.ndim - this.inShape.length);
    return x.detach().reshape([...batch, -1]).sum(-1).mul(0);
  }
  private swap(where: string, shape: readonly number[], from: readonly number[], to: readonly number[]): number[] {
    needDims(where, shape, from.length);
    const cut = shape.length - from.length;
    const tail = shape.slice(cut);
    if (tail.some((d, i) => d !== from[i])) throw new ShapeError(`${where}: shape mismatch: expected ${fmtShape(from)} but got ${fmtShape(tail)}`);
    return [...shape.slice(0, cut), ...to];
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.swap("ReshapeTransform", shape, this.inShape, this.outShape);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.swap("ReshapeTransform.inv", shape, this.outShape, this.inShape);
  }
  override toString(): string {
    return `ReshapeTransform(${fmtShape(this.inShape)}, ${fmtShape(this.outShape)})`;
  }
}

function transformArg(where: string, t: unknown): Transform {
  if (!(t instanceof Transform)) throw new ArgumentError(`${where}: expected a Transform, got ${describeValue(t)}`);
  return t;
}

/** `baseTransform` with its rightmost `reinterpretedBatchNdims` batch dims made event dims (its log-Jacobian summed over them). */
export class IndependentTransform extends Transform {
  override readonly bijective: boolean;
  readonly baseTransform: Transform;
  readonly reinterpretedBatchNdims: number;
  constructor(...args: CtorArgs<typeof INDEPENDENT>) {
    const [base, n, cacheSize] = independentArgs.bind(args);
    super(cacheSize);
    this.baseTransform = transformArg("IndependentTransform", base);
    this.bijective = this.baseTransform.bijective;
    if (!(n >= 0)) throw new ArgumentError(`IndependentTransform: reinterpretedBatchNdims must be a non-negative integer, got ${n}`);
    this.reinterpretedBatchNdims = n;
  }
  override get domain(): constraints.Constraint {
    return constraints.independent(this.baseTransform.domain, this.reinterpretedBatchNdims);
  }
  override get codomain(): constraints.Constraint {
    return constraints.independent(this.baseTransform.codomain, this.reinterpretedBatchNdims);
  }
  override get sign(): number {
    return this.baseTransform.sign;
  }
  protected override _call(x: Tensor): Tensor {
    needDims("IndependentTransform", x.shape, this.domain.eventDim);
    return this.baseTransform.forward(x);
  }
  protected override _inverse(y: Tensor): Tensor {
    needDims("IndependentTransform.inv", y.shape, this.codomain.eventDim);
    return this.baseTransform.inverse(y);
  }
  override logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    return sumRightmost(this.baseTransform.logAbsDetJacobian(x, y), this.reinterpretedBatchNdims);
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.baseTransform.forwardShape(shape);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.baseTransform.inverseShape(shape);
  }
  override toString(): string {
    return `IndependentTransform(${this.baseTransform}, ${this.reinterpretedBatchNdims})`;
  }
}

function transformList(where: string, tseq: unknown): Transform[] {
  if (!Array.isArray(tseq) || tseq.length === 0 || !tseq.every((t) => t instanceof Transform)) {
    throw new ArgumentError(`${where}: tseq must be a non-empty list of Transforms, got ${describeValue(tseq)}`);
  }
  return [...tseq];
}

/** The dim `dim` of `x` must exist and have `size` entries. */
function checkDim(where: string, x: Tensor, dim: number, size: number): number {
  if (dim < -x.ndim || dim >= x.ndim) throw new ShapeError(`${where}: dim ${dim} is out of range for shape ${fmtShape(x.shape)}`);
  const d = dim < 0 ? dim + x.ndim : dim;
  if (x.shape[d] !== size) throw new ShapeError(`${where}: expected size ${size} along dim ${dim}, got shape ${fmtShape(x.shape)}`);
  return d;
}

/**
 * Applies tseq[i] to the i-th piece (of lengths[i] entries, 1 each by default) of dim `dim`
 * and concatenates the results (PyTorch's CatTransform).
 * @example new distributions.transforms.CatTransform([new ExpTransform(), new AffineTransform(0, 2)], 0, [2, 3]) // exp of x[0:2], 2 x[2:5]
 */
export class CatTransform extends Transform {
  override readonly bijective: boolean;
  readonly transforms: Transform[];
  readonly dim: number;
  readonly lengths: number[];
  constructor(...args: CtorArgs<typeof CAT>) {
    const [tseq, dim, lengths, cacheSize] = catArgs.bind(args);
    super(cacheSize);
    this.transforms = transformList("CatTransform", tseq);
    this.bijective = this.transforms.every((t) => t.bijective);
    this.lengths = lengths == null ? this.transforms.map(() => 1) : typeof lengths === "number" ? [lengths] : [...lengths];
    if (this.lengths.length !== this.transforms.length) {
      throw new ArgumentError(`CatTransform: expected one length per transform (${this.transforms.length}), got ${this.lengths.length}`);
    }
    this.dim = dim;
  }
  /** The total length of dim `dim`. */
  get length(): number {
    return this.lengths.reduce((a, b) => a + b, 0);
  }
  private get eventDim(): number {
    return Math.max(...this.transforms.map((t) => t.domain.eventDim));
  }
  override get domain(): constraints.Constraint {
    return constraints.cat(this.transforms.map((t) => t.domain), this.dim, this.lengths);
  }
  override get codomain(): constraints.Constraint {
    return constraints.cat(this.transforms.map((t) => t.codomain), this.dim, this.lengths);
  }
  private pieces(x: Tensor, f: (t: Transform, piece: Tensor) => Tensor, where: string): Tensor[] {
    const d = checkDim(where, x, this.dim, this.length);
    let start = 0;
    return this.transforms.map((t, i) => {
      const piece = x.narrow(d, start, this.lengths[i]!);
      start += this.lengths[i]!;
      return f(t, piece);
    });
  }
  protected override _call(x: Tensor): Tensor {
    return cat(this.pieces(x, (t, p) => t.forward(p), "CatTransform"), this.dim);
  }
  protected override _inverse(y: Tensor): Tensor {
    return cat(this.pieces(y, (t, p) => t.inverse(p), "CatTransform.inv"), this.dim);
  }
  override logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const d = checkDim("CatTransform.logAbsDetJacobian", x, this.dim, this.length);
    checkDim("CatTransform.logAbsDetJacobian", y, this.dim, this.length);
    const ev = this.eventDim;
    let start = 0;
    const terms = this.transforms.map((t, i) => {
      const len = this.lengths[i]!;
      const term = t.logAbsDetJacobian(x.narrow(d, start, len), y.narrow(d, start, len));
      start += len;
      return sumRightmost(term, ev - t.domain.eventDim);
    });
    // the cat dim among the batch dims: the pieces' terms are concatenated; among the event dims: summed
    const rel = d - x.ndim + ev;
    return rel < 0 ? cat(terms, rel) : terms.reduce((a, b) => a.add(b));
  }
}

/** Applies tseq[i] to x.select(dim, i) and stacks the results along `dim` (PyTorch's StackTransform). */
export class StackTransform extends Transform {
  override readonly bijective: boolean;
  readonly transforms: Transform[];
  readonly dim: number;
  constructor(...args: CtorArgs<typeof STACK>) {
    const [tseq, dim, cacheSize] = stackArgs.bind(args);
    super(cacheSize);
    this.transforms = transformList("StackTransform", tseq);
    this.bijective = this.transforms.every((t) => t.bijective);
    this.dim = dim;
  }
  override get domain(): constraints.Constraint {
    return constraints.stack(this.transforms.map((t) => t.domain), this.dim);
  }
  override get codomain(): constraints.Constraint {
    return constraints.stack(this.transforms.map((t) => t.codomain), this.dim);
  }
  private slices(x: Tensor, where: string): Tensor[] {
    const d = checkDim(where, x, this.dim, this.transforms.length);
    return this.transforms.map((_, i) => x.select(d, i));
  }
  protected override _call(x: Tensor): Tensor {
    return stack(this.slices(x, "StackTransform").map((s, i) => this.transforms[i]!.forward(s)), this.dim);
  }
  protected override _inverse(y: Tensor): Tensor {
    return stack(this.slices(y, "StackTransform.inv").map((s, i) => this.transforms[i]!.inverse(s)), this.dim);
  }
  override logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const xs = this.slices(x, "StackTransform.logAbsDetJacobian"), ys = this.slices(y, "StackTransform.logAbsDetJacobian");
    return stack(xs.map((s, i) => this.transforms[i]!.logAbsDetJacobian(s, ys[i]!)), this.dim);
  }
}

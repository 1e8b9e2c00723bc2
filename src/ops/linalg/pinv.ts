/**
 * What the SVD (or, for Hermitian input, eigh) gives beyond itself: linalg.pinv / torch.pinverse,
 * linalg.matrixRank and linalg.lstsq, with PyTorch 1.13's tolerances and its pinv gradient
 * (pinv_backward, which holds at any matrix of locally constant rank, repeated singular values
 * included). lstsq's solution is pinv(A)·B: the minimum-norm least-squares solution, which is
 * what PyTorch's gelsd/gelss drivers return and what its default gelsy returns for full-rank A
 * (for rank-deficient A, gelsy's rank decision and answer may differ); PyTorch differentiates
 * lstsq exactly this way.
 */
import { noGrad } from "../../autograd/grad_mode.js";
import { record1 } from "../../autograd/record.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { full, zeros } from "../../tensor/creation.js";
import { readHost } from "../../tensor/host_read.js";
import { Tensor } from "../../tensor/tensor.js";
import { maximum, where } from "../elementwise.js";
import { checkMatrices } from "./checks.js";
import { eigh, svdParts } from "./factorizations.js";

/** Machine epsilon of a float dtype (float32 or float64). */
export function epsOf(dtype: string): number {
  return dtype === "float64" ? Number.EPSILON : 2 ** -23;
}

type Tol = number | Tensor | null;

/**
 * PyTorch's get_atol_rtol: atol defaults to 0; rtol to eps·max(m, n), or to 0 where an atol > 0
 * is given. Both as tensors of A's dtype (PyTorch's are float64; a GPU may have no float64,
 * and the two differ only for a value within rounding of the tolerance), broadcast against
 * the batch.
 */
function tolerances(op: string, A: Tensor, atol: Tol, rtol: Tol): [Tensor, Tensor] {
  const t = (v: number | Tensor) => (v instanceof Tensor ? v.to(A.dtype) : full([], v, { dtype: A.dtype, device: A.device }));
  for (const [name, v] of [["atol", atol], ["rtol", rtol]] as const) {
    if (v instanceof Tensor && !v.isFloatingPoint()) throw new DTypeError(`${op}: ${name} tensor of dtype ${v.dtype} is not supported (a floating point tolerance is)`);
  }
  const a = t(atol ?? 0);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const byDefault = epsOf(A.dtype) * Math.max(m, n);
  const r = rtol !== null ? t(rtol) : atol !== null ? where(a.gt(0), 0, t(byDefault)) : t(byDefault);
  return [a, r];
}

/** s > max(atol, rtol · largest), the values that count (s [..., k], largest [..., 1]). */
function aboveTolerance(s: Tensor, largest: Tensor, atol: Tensor, rtol: Tensor): Tensor {
  const tol = maximum(atol.unsqueeze(-1), rtol.unsqueeze(-1).mul(largest));
  return s.gt(tol);
}

/** PyTorch's pinv_backward: the derivative of A⁺ at A (constant rank), as matrices of the smallest size. */
function pinvBackward(g: Tensor, pinvA: Tensor, A: Tensor): Tensor {
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const pinvAh = pinvA.mT, gh = g.mT;
  if (m <= n) {
    const K = gh.matmul(pinvA);
    const KpinvAh = K.matmul(pinvAh);
    return pinvA.matmul(K).mT.neg().add(KpinvAh).sub(A.matmul(pinvA).matmul(KpinvAh)).add(pinvAh.matmul(pinvA).matmul(gh.sub(K.matmul(A))));
  }
  const K = pinvA.matmul(gh);
  const pinvAhK = pinvAh.matmul(K);
  return K.matmul(pinvA).mT.neg().add(gh.sub(A.matmul(K)).matmul(pinvA).matmul(pinvAh)).add(pinvAhK).sub(pinvAhK.matmul(pinvA).matmul(A));
}

/** linalg.pinv: V diag(1/s) Uᴴ over the singular values above the tolerance (|eigenvalues| with `hermitian`). */
export function pinv(A: Tensor, atol: Tol, rtol: Tol, hermitian: boolean, op = "linalg.pinv"): Tensor {
  checkMatrices(op, A);
  const [at, rt] = tolerances(op, A, atol, rtol);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const X = noGrad(() => {
    if (A.numel() === 0) return zeros([...A.shape.slice(0, -2), n, m], { dtype: A.dtype, device: A.device });
    if (!hermitian) {
      const { U, S, Vh } = svdParts(op, A, false, true);
      const keep = aboveTolerance(S, S.narrow(-1, 0, 1), at, rt);
      const inv = where(keep, S.reciprocal(), 0);
      return Vh!.mT.mul(inv.unsqueeze(-2)).matmul(U!.mT);
    }
    const [w, V] = eigh(A, "L");
    const absw = w.abs();
    const inv = where(aboveTolerance(absw, absw.amax(-1, { keepdim: true }), at, rt), w.reciprocal(), 0);
    return V.mul(inv.unsqueeze(-2)).matmul(V.mT);
  });
  return record1("LinalgPinvBackward0", [A], X, [A, X], ([g], [a, x]) => [pinvBackward(g!, x!, a!)]);
}

/** torch.pinverse(A, rcond): pinv with rtol = rcond and atol = 0. */
export function pinverse(A: Tensor, rcond: number): Tensor {
  return pinv(A, 0, rcond, false, "pinverse");
}

/** linalg.matrixRank: how many singular values (|eigenvalues| with `hermitian`) exceed the tolerance, int64. */
export function matrixRank(A: Tensor, atol: Tol, rtol: Tol, hermitian: boolean): Tensor {
  const op = "linalg.matrixRank";
  checkMatrices(op, A);
  const [at, rt] = tolerances(op, A, atol, rtol);
  const batch = A.shape.slice(0, -2);
  if (Math.min(A.shape[A.ndim - 2]!, A.shape[A.ndim - 1]!) === 0) return zeros(batch, { dtype: "int64", device: A.device });
  return noGrad(() => {
    const s = hermitian ? eigh(A, "L")[0].abs() : svdParts(op, A, false, false).S;
    const largest = hermitian ? s.amax(-1, { keepdim: true }) : s.narrow(-1, 0, 1);
    return aboveTolerance(s, largest, at, rt).sum(-1);
  });
}

const DRIVERS = ["gels", "gelsy", "gelsd", "gelss"];

/**
 * linalg.lstsq: (solution, residuals, rank, singularValues) as PyTorch returns them for each
 * driver: rank for all but gels; singular values for gelsd and gelss; residuals (the squared
 * column norms of A X - B) when m > n, the driver is not gelsy, and every A has full rank.
 */
export function lstsq(A: Tensor, B: Tensor, rcond: number | null, driver: string | null): Tensor[] {
  const op = "torch.linalg.lstsq";
  if (A.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dimensions (got shape ${fmtShape(A.shape)}).`);
  if (B.ndim < 1) throw new ShapeError(`${op}: other must have at least 1 dimension (got shape ${fmtShape(B.shape)}).`);
  checkMatrices(op, A);
  if (A.dtype !== B.dtype) throw new DTypeError(`${op}: Expected input and other to have the same dtype, but got input's dtype ${A.dtype} and other's dtype ${B.dtype}`);
  const d = driver ?? "gelsy";
  if (!DRIVERS.includes(d)) throw new ArgumentError(`${op}: parameter \`driver\` should be one of (${DRIVERS.join(", ")}) (got ${JSON.stringify(d)})`);
  const dimDiff = A.ndim - B.ndim;
  if (dimDiff < 0 || dimDiff > 1) throw new ShapeError(`${op}: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1 (shapes ${fmtShape(A.shape)} and ${fmtShape(B.shape)})`);
  const vector = dimDiff === 1;
  const Bm = vector ? B.unsqueeze(-1) : B;
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  if (Bm.shape[Bm.ndim - 2] !== m) throw new ShapeError(`${op}: input.size(-2) should match other.size(${vector ? -1 : -2}) (shapes ${fmtShape(A.shape)} and ${fmtShape(B.shape)})`);
  const rc = rcond ?? epsOf(A.dtype) * Math.max(m, n);
  const Xm = pinv(A, 0, rc, false, op).matmul(Bm);
  const solution = vector ? Xm.squeeze(-1) : Xm;
  const opts = { dtype: A.dtype, device: A.device };
  const S = d === "gelsd" || d === "gelss" || d === "gelsy" ? noGrad(() => svdParts(op, A, false, false).S) : null;
  const rank = S === null ? zeros([0], { dtype: "int64", device: A.device }) : noGrad(() => (S.shape[S.ndim - 1] === 0 ? zeros(A.shape.slice(0, -2), { dtype: "int64", device: A.device }) : S.gt(S.narrow(-1, 0, 1).mul(rc)).sum(-1)));
  const singularValues = d === "gelsd" || d === "gelss" ? S! : zeros([0], opts);
  let residuals = zeros([0], opts);
  // (whether every A has full rank is read on the host, as PyTorch does; not on a GPU)
  const fullRank = () => d === "gels" || (rank.storage.memory === null && readHost<Uint8Array>(rank.eq(n).all().reshape([1]), op)[0] === 1);
  // (not differentiable, as in PyTorch: only the solution is)
  if (m > n && d !== "gelsy" && fullRank()) residuals = noGrad(() => A.matmul(Xm).sub(Bm).square().sum(-2));
  return [solution, residuals, rank, singularValues];
}

/**
 * The `linalg` namespace (torch.linalg, PyTorch 1.13), exported from the package as `linalg`
 * (like `nn`). Each function is declared once here; the work is in the files beside this one
 * (a file per idea), on top of the `linalg` primitive (src/backend/linalg.ts). The torch.*
 * forms and Tensor methods (inverse, det, svd ...) are in ./torch_forms.ts; the matrix
 * products (matmul, mm, ...) in ../linalg.ts.
 *
 * @example
 * import { linalg, randn } from "fluxion";
 * const A = randn(3, 3, { dtype: "float64" });
 * const x = linalg.solve(A, randn(3, { dtype: "float64" }));
 * const { U, S, Vh } = linalg.svd(A, false);
 */
import { defineOp } from "../../api/registry.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { matmul } from "../linalg.js";
import { diagonal as diagonalOf } from "../diagonal.js";
import { cholesky as choleskyImpl, choleskyEx as choleskyExImpl, eigh as eighImpl, eigvalsh as eigvalshImpl, qr as qrImpl, svd as svdImpl, svdvals as svdvalsImpl, type QrMode } from "./factorizations.js";
import { det as detImpl, inv as invImpl, invEx as invExImpl, slogdet as slogdetImpl, solve as solveImpl, solveEx as solveExImpl } from "./solve.js";
import { solveTriangular as solveTriangularImpl } from "./triangular.js";
import { lstsq as lstsqImpl, matrixRank as matrixRankImpl, pinv as pinvImpl } from "./pinv.js";
import { matrixNorm as matrixNormImpl, norm as normImpl, vectorNorm as vectorNormImpl } from "./norms.js";
import { matrixExp as matrixExpImpl } from "./matrix_exp.js";
import { DTypeError } from "../../errors.js";
import { cond as condImpl, type CondOrd } from "./cond.js";
import { tensorinv as tensorinvImpl, tensorsolve as tensorsolveImpl } from "./tensor_solve.js";
import { householderProduct as householderProductImpl } from "./householder.js";
import { lu as luImpl, luFactor as luFactorImpl, luFactorEx as luFactorExImpl, luSolve as luSolveImpl } from "./lu.js";
import { ldlFactor as ldlFactorImpl, ldlFactorEx as ldlFactorExImpl, ldlSolve as ldlSolveImpl } from "./ldl.js";
import { cross as crossImpl, matrixPower as matrixPowerImpl, multiDot as multiDotImpl, vander as vanderImpl, vecdot as vecdotImpl } from "./products.js";

type Tol = number | Tensor | null;
type Ord = number | "fro" | "nuc";

const LINALG = {
  cholesky: "cholesky(Tensor A, *, bool upper=false, Tensor? out=null) -> Tensor",
  choleskyEx: "choleskyEx(Tensor A, *, bool upper=false, bool checkErrors=false) -> (Tensor L, Tensor info)",
  qr: 'qr(Tensor A, "reduced"|"complete"|"r" mode="reduced") -> (Tensor Q, Tensor R)',
  eigh: 'eigh(Tensor A, "L"|"U" UPLO="L") -> (Tensor eigenvalues, Tensor eigenvectors)',
  eigvalsh: 'eigvalsh(Tensor A, "L"|"U" UPLO="L", *, Tensor? out=null) -> Tensor',
  svd: "svd(Tensor A, bool fullMatrices=true, *, str? driver=null) -> (Tensor U, Tensor S, Tensor Vh)",
  svdvals: "svdvals(Tensor A, *, str? driver=null, Tensor? out=null) -> Tensor",
  solve: "solve(Tensor A, Tensor B, *, bool left=true, Tensor? out=null) -> Tensor",
  solveEx: "solveEx(Tensor A, Tensor B, *, bool left=true, bool checkErrors=false) -> (Tensor result, Tensor info)",
  solveTriangular: "solveTriangular(Tensor A, Tensor B, *, bool upper, bool left=true, bool unitriangular=false, Tensor? out=null) -> Tensor",
  inv: "inv(Tensor A, *, Tensor? out=null) -> Tensor",
  invEx: "invEx(Tensor A, *, bool checkErrors=false) -> (Tensor inverse, Tensor info)",
  det: "det(Tensor A, *, Tensor? out=null) -> Tensor",
  slogdet: "slogdet(Tensor A) -> (Tensor sign, Tensor logabsdet)",
  lstsq: "lstsq(Tensor A, Tensor B, float? rcond=null, *, str? driver=null) -> (Tensor solution, Tensor residuals, Tensor rank, Tensor singularValues)",
  pinv: "pinv(Tensor A, *, float|Tensor? atol=null, float|Tensor? rtol=null, bool hermitian=false, Tensor? out=null) -> Tensor",
  matrixRank: "matrixRank(Tensor A, *, float|Tensor? atol=null, float|Tensor? rtol=null, bool hermitian=false, Tensor? out=null) -> Tensor",
  matrixNorm: 'matrixNorm(Tensor A, float|"fro"|"nuc" ord="fro", int[] dim=[-2, -1], bool keepdim=false, *, ScalarType? dtype=null, Tensor? out=null) -> Tensor',
  vectorNorm: "vectorNorm(Tensor x, float ord=2, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null, Tensor? out=null) -> Tensor",
  norm: 'norm(Tensor A, float|"fro"|"nuc"? ord=null, int[]? dim=null, bool keepdim=false, *, Tensor? out=null, ScalarType? dtype=null) -> Tensor',
  cross: "cross(Tensor input, Tensor other, *, int dim=-1, Tensor? out=null) -> Tensor",
  matrixPower: "matrixPower(Tensor A, int n, *, Tensor? out=null) -> Tensor",
  multiDot: "multiDot(Tensor[] tensors, *, Tensor? out=null) -> Tensor",
  vander: "vander(Tensor x, *, int? N=null) -> Tensor",
  vecdot: "vecdot(Tensor x, Tensor y, *, int dim=-1, Tensor? out=null) -> Tensor",
  matmul: "matmul(Tensor input, Tensor other, *, Tensor? out=null) -> Tensor",
  diagonal: "diagonal(Tensor A, *, int offset=0, int dim1=-2, int dim2=-1) -> Tensor",
  matrixExp: "matrixExp(Tensor A) -> Tensor",
  luFactor: "luFactor(Tensor A, *, bool pivot=true) -> (Tensor LU, Tensor pivots)",
  luFactorEx: "luFactorEx(Tensor A, *, bool pivot=true, bool checkErrors=false) -> (Tensor LU, Tensor pivots, Tensor info)",
  lu: "lu(Tensor A, *, bool pivot=true) -> (Tensor P, Tensor L, Tensor U)",
  luSolve: "luSolve(Tensor LU, Tensor pivots, Tensor B, *, bool left=true, bool adjoint=false, Tensor? out=null) -> Tensor",
  ldlFactor: "ldlFactor(Tensor A, *, bool hermitian=false) -> (Tensor LD, Tensor pivots)",
  ldlFactorEx: "ldlFactorEx(Tensor A, *, bool hermitian=false, bool checkErrors=false) -> (Tensor LD, Tensor pivots, Tensor info)",
  ldlSolve: "ldlSolve(Tensor LD, Tensor pivots, Tensor B, *, bool hermitian=false, Tensor? out=null) -> Tensor",
  cond: 'cond(Tensor A, float|"fro"|"nuc"? p=null, *, Tensor? out=null) -> Tensor',
  tensorinv: "tensorinv(Tensor A, int ind=2, *, Tensor? out=null) -> Tensor",
  tensorsolve: "tensorsolve(Tensor A, Tensor B, int[]? dims=null, *, Tensor? out=null) -> Tensor",
  householderProduct: "householderProduct(Tensor A, Tensor tau, *, Tensor? out=null) -> Tensor",
  eig: "eig(Tensor A, *, Tensor? out=null) -> (Tensor eigenvalues, Tensor eigenvectors)",
  eigvals: "eigvals(Tensor A, *, Tensor? out=null) -> Tensor",
} as const;

/** A linalg.* declaration: a function of the namespace, documented in its own section. */
function linalgOp<const S extends string>(decl: S, impl: (...args: any[]) => unknown) {
  const name = decl.slice(0, decl.indexOf("("));
  return defineOp(decl, impl, { variants: "function", group: "linalg", key: `linalg.${name}` });
}

/** L with A = L Lᴴ (U with A = Uᴴ U when upper); LinAlgError where A is not positive-definite. */
export const cholesky = linalgOp(LINALG.cholesky, (A: Tensor, o: { upper: boolean }) => choleskyImpl(A, o.upper));
/** (L, info): cholesky without the error (info > 0: the order of the leading minor that is not positive-definite). */
export const choleskyEx = linalgOp(LINALG.choleskyEx, (A: Tensor, o: { upper: boolean; checkErrors: boolean }) => choleskyExImpl(A, o.upper, o.checkErrors));
/** (Q, R) with A = QR: Householder, with LAPACK's signs (as PyTorch's); mode "reduced", "complete" or "r". */
export const qr = linalgOp(LINALG.qr, (A: Tensor, mode: QrMode) => qrImpl(A, mode));
/** (eigenvalues ascending, eigenvectors as columns) of the symmetric matrix whose UPLO triangle A holds. */
export const eigh = linalgOp(LINALG.eigh, (A: Tensor, UPLO: "L" | "U") => eighImpl(A, UPLO));
/** The eigenvalues of a symmetric matrix, ascending. */
export const eigvalsh = linalgOp(LINALG.eigvalsh, (A: Tensor, UPLO: "L" | "U") => eigvalshImpl(A, UPLO));
/** (U, S, Vh) with A = U diag(S) Vh, S descending; fullMatrices gives square U and Vh. */
export const svd = linalgOp(LINALG.svd, (A: Tensor, full: boolean, o: { driver: string | null }) => svdImpl(A, full, o.driver));
/** The singular values, descending. */
export const svdvals = linalgOp(LINALG.svdvals, (A: Tensor, o: { driver: string | null }) => svdvalsImpl(A, o.driver));
/** X with A X = B (X A = B when left is false); B a matrix or a vector (batch), batches broadcast. */
export const solve = linalgOp(LINALG.solve, (A: Tensor, B: Tensor, o: { left: boolean }) => solveImpl(A, B, o.left));
/** (result, info): solve without the error for a singular A (info > 0). */
export const solveEx = linalgOp(LINALG.solveEx, (A: Tensor, B: Tensor, o: { left: boolean; checkErrors: boolean }) => solveExImpl(A, B, o.left, o.checkErrors));
/** X with A X = B (X A = B when left is false) for a triangular A (its `upper` or lower triangle is read). */
export const solveTriangular = linalgOp(LINALG.solveTriangular, (A: Tensor, B: Tensor, o: { upper: boolean; left: boolean; unitriangular: boolean }) => solveTriangularImpl(A, B, o.upper, o.left, o.unitriangular));
/** A⁻¹; LinAlgError where A is singular. */
export const inv = linalgOp(LINALG.inv, (A: Tensor) => invImpl(A));
/** (inverse, info): inv without the error (info > 0 where A is singular). */
export const invEx = linalgOp(LINALG.invEx, (A: Tensor, o: { checkErrors: boolean }) => invExImpl(A, o.checkErrors));
/** The determinant (from an LU factorization). */
export const det = linalgOp(LINALG.det, (A: Tensor) => detImpl(A));
/** (sign, logabsdet): det = sign · exp(logabsdet); sign 0 and logabsdet -inf where A is singular. */
export const slogdet = linalgOp(LINALG.slogdet, (A: Tensor) => slogdetImpl(A));
/** (solution, residuals, rank, singularValues) of min ‖A X - B‖ (the solution is pinv(A)·B; see docs/linalg.md). */
export const lstsq = linalgOp(LINALG.lstsq, (A: Tensor, B: Tensor, rcond: number | null, o: { driver: string | null }) => lstsqImpl(A, B, rcond, o.driver));
/** The pseudoinverse (singular values at or below max(atol, rtol·σ₁) dropped). */
export const pinv = linalgOp(LINALG.pinv, (A: Tensor, o: { atol: Tol; rtol: Tol; hermitian: boolean }) => pinvImpl(A, o.atol, o.rtol, o.hermitian));
/** The numerical rank (int64): singular values above max(atol, rtol·σ₁). */
export const matrixRank = linalgOp(LINALG.matrixRank, (A: Tensor, o: { atol: Tol; rtol: Tol; hermitian: boolean }) => matrixRankImpl(A, o.atol, o.rtol, o.hermitian));
/** A matrix norm over the two dims: "fro", "nuc", 1, -1, 2, -2, inf, -inf. */
export const matrixNorm = linalgOp(LINALG.matrixNorm, (A: Tensor, ord: Ord, dim: number | readonly number[], keepdim: boolean, o: { dtype: DType | null }) =>
  matrixNormImpl(A, ord, typeof dim === "number" ? [dim] : dim, keepdim, o.dtype));
/** A vector norm over `dim` (all dims when null): any real ord, inf and -inf, 0 (count). */
export const vectorNorm = linalgOp(LINALG.vectorNorm, (x: Tensor, ord: number, dim: number | readonly number[] | null, keepdim: boolean, o: { dtype: DType | null }) =>
  vectorNormImpl(x, ord, dim, keepdim, o.dtype));
/** A vector or matrix norm, as PyTorch decides from ord and dim. */
export const norm = linalgOp(LINALG.norm, (A: Tensor, ord: Ord | null, dim: number | readonly number[] | null, keepdim: boolean, o: { dtype: DType | null }) => normImpl(A, ord, dim, keepdim, o.dtype));
/** The cross product of 3-vectors along `dim`. */
export const cross = linalgOp(LINALG.cross, (x: Tensor, y: Tensor, o: { dim: number }) => crossImpl(x, y, o.dim));
/** Aⁿ for an integer n (negative: powers of A⁻¹). */
export const matrixPower = linalgOp(LINALG.matrixPower, (A: Tensor, n: number) => matrixPowerImpl(A, n));
/** The product of a chain of matrices in the cheapest order; the first and last may be vectors. */
export const multiDot = linalgOp(LINALG.multiDot, (ts: Tensor[]) => multiDotImpl(ts));
/** The Vandermonde matrix [x⁰, x¹, ..., x^(N-1)] (N defaults to x's last size). */
export const vander = linalgOp(LINALG.vander, (x: Tensor, o: { N: number | null }) => vanderImpl(x, o.N));
/** Σ x·y along `dim`. */
export const vecdot = linalgOp(LINALG.vecdot, (x: Tensor, y: Tensor, o: { dim: number }) => vecdotImpl(x, y, o.dim));
/** torch.matmul under its linalg name. */
const matmulAlias = linalgOp(LINALG.matmul, (x: Tensor, y: Tensor) => matmul(x, y));
/** The diagonals of the matrices in dims (dim1, dim2): diagonal with linalg's defaults (-2, -1). */
export const diagonal = linalgOp(LINALG.diagonal, (A: Tensor, o: { offset: number; dim1: number; dim2: number }) => diagonalOf(A, o.offset, o.dim1, o.dim2));
export { matmulAlias as matmul };
/** exp(A) of batches of square matrices (scaling and squaring of a Taylor polynomial). */
export const matrixExp = linalgOp(LINALG.matrixExp, (A: Tensor) => matrixExpImpl(A));
/** (LU, pivots) of A = P L U (any m x n; pivots 1-based int32, LAPACK's); an exactly zero pivot raises. */
export const luFactor = linalgOp(LINALG.luFactor, (A: Tensor, o: { pivot: boolean }) => luFactorImpl(A, o.pivot));
/** (LU, pivots, info): luFactor without the error (info > 0: the first zero pivot, 1-based). */
export const luFactorEx = linalgOp(LINALG.luFactorEx, (A: Tensor, o: { pivot: boolean; checkErrors: boolean }) => luFactorExImpl(A, o.pivot, o.checkErrors));
/** (P, L, U) with A = P L U: P a permutation matrix, L unit lower (m x k), U upper (k x n). */
export const lu = linalgOp(LINALG.lu, (A: Tensor, o: { pivot: boolean }) => luImpl(A, o.pivot));
/** X with A X = B from luFactor's (LU, pivots): `adjoint` solves Aᴴ X = B, `left` false X A = B; batches broadcast. */
export const luSolve = linalgOp(LINALG.luSolve, (LU: Tensor, pivots: Tensor, B: Tensor, o: { left: boolean; adjoint: boolean }) => luSolveImpl(LU, pivots, B, o.left, o.adjoint));
/**
 * (LD, pivots) of the Bunch-Kaufman A = P L D Lᵀ Pᵀ of a symmetric A (its lower triangle is
 * read), in LAPACK's sytrf layout as PyTorch returns it: D's 1x1 and 2x2 blocks on the diagonal,
 * L's multipliers below, pivots 1-based int32 (negative pairs mark 2x2 blocks). An exactly zero
 * block of D raises. `hermitian` changes nothing for real A. CPU only for now.
 * @example const { LD, pivots } = linalg.ldlFactor(A); const X = linalg.ldlSolve(LD, pivots, B);
 */
export const ldlFactor = linalgOp(LINALG.ldlFactor, (A: Tensor) => ldlFactorImpl(A));
/** (LD, pivots, info): ldlFactor without the error (info > 0: the first zero block of D, 1-based). */
export const ldlFactorEx = linalgOp(LINALG.ldlFactorEx, (A: Tensor, o: { checkErrors: boolean }) => ldlFactorExImpl(A, o.checkErrors));
/** X with A X = B from ldlFactor's (LD, pivots); batches broadcast. */
export const ldlSolve = linalgOp(LINALG.ldlSolve, (LD: Tensor, pivots: Tensor, B: Tensor) => ldlSolveImpl(LD, pivots, B));
/** The condition number in the norm `p`: null or ±2 from the singular values (any m x n), "fro", "nuc", ±1, ±inf as ‖A‖·‖A⁻¹‖ (square A; inf where singular). */
export const cond = linalgOp(LINALG.cond, (A: Tensor, p: CondOrd) => condImpl(A, p));
/** The inverse of A seen as a prod(shape[:ind]) x prod(shape[ind:]) matrix, shaped shape[ind:] + shape[:ind]. */
export const tensorinv = linalgOp(LINALG.tensorinv, (A: Tensor, ind: number) => tensorinvImpl(A, ind));
/** X with tensordot(A, X, X.ndim) = B; `dims` of A are moved to the end first. */
export const tensorsolve = linalgOp(LINALG.tensorsolve, (A: Tensor, B: Tensor, dims: number | readonly number[] | null) => tensorsolveImpl(A, B, typeof dims === "number" ? [dims] : dims));
/** The first n columns of H_0 ... H_{k-1} from geqrf's (a, tau) (torch.orgqr). */
export const householderProduct = linalgOp(LINALG.householderProduct, (A: Tensor, tau: Tensor) => householderProductImpl(A, tau));

/** Fluxion has no complex dtype: eig and eigvals (complex results in PyTorch) raise, pointing at eigh/eigvalsh. */
function noComplex(op: string, instead: string): never {
  throw new DTypeError(`linalg.${op}: Fluxion has no complex dtype, and the eigenvalues and eigenvectors of a general real matrix are complex (PyTorch returns complex tensors); for a real symmetric matrix use linalg.${instead}`);
}
/** Refused by design (complex results): see linalg.eigh. */
export const eig = linalgOp(LINALG.eig, (): never => noComplex("eig", "eigh (eigenvalues ascending, real eigenvectors)"));
/** Refused by design (complex results): see linalg.eigvalsh. */
export const eigvals = linalgOp(LINALG.eigvals, (): never => noComplex("eigvals", "eigvalsh"));

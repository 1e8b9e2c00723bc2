/**
 * The torch.* linear-algebra functions PyTorch users write, each also a Tensor method where
 * PyTorch has one: inverse, det, logdet, slogdet, cholesky, qr (`some`), svd (`some`,
 * `computeUv`, and V rather than Vh), pinverse, cross (dim defaulting to the first of size 3),
 * matrixPower, triangularSolve, lu (LU, pivots[, infos]), luSolve(b, LU, pivots), luUnpack,
 * geqrf/orgqr/ormqr, choleskySolve/choleskyInverse, inner, vdot, dist, ger, chainMatmul,
 * frobeniusNorm, nuclearNorm and vander. They run the same implementations as the linalg namespace
 * (./index.ts), under their own names in error messages.
 */
import { defineOp, type MethodsOf } from "../../api/registry.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cholesky as choleskyImpl, qr as qrImpl, torchSvd } from "./factorizations.js";
import { det as detImpl, inv as invImpl, logdet as logdetImpl, slogdet as slogdetImpl } from "./solve.js";
import { triangularSolve as triangularSolveImpl } from "./triangular.js";
import { pinverse as pinverseImpl } from "./pinv.js";
import { matrixPower as matrixPowerImpl, torchCross } from "./products.js";
import { matrixExp as matrixExpImpl } from "./matrix_exp.js";
import { luUnpack as luUnpackImpl, torchLu, torchLuSolve } from "./lu.js";
import { geqrf as geqrfImpl, householderProduct, ormqr as ormqrImpl } from "./householder.js";
import { choleskyInverse as choleskyInverseImpl, choleskySolve as choleskySolveImpl } from "./cholesky_solve.js";
import { chainMatmul as chainMatmulImpl, dist as distImpl, frobeniusNorm as frobeniusNormImpl, ger as gerImpl, inner as innerImpl, nuclearNorm as nuclearNormImpl, torchVander, vdot as vdotImpl } from "./torch_products.js";

const TORCH = {
  inverse: "inverse(Tensor self, *, Tensor? out=null) -> Tensor",
  det: "det(Tensor self) -> Tensor",
  logdet: "logdet(Tensor self) -> Tensor",
  slogdet: "slogdet(Tensor self) -> (Tensor sign, Tensor logabsdet)",
  cholesky: "cholesky(Tensor self, bool upper=false, *, Tensor? out=null) -> Tensor",
  qr: "qr(Tensor self, bool some=true) -> (Tensor Q, Tensor R)",
  svd: "svd(Tensor self, bool some=true, bool computeUv=true) -> (Tensor U, Tensor S, Tensor V)",
  pinverse: "pinverse(Tensor self, float rcond=1e-15) -> Tensor",
  cross: "cross(Tensor self, Tensor other, int? dim=null, *, Tensor? out=null) -> Tensor",
  matrixPower: "matrixPower(Tensor self, int n) -> Tensor",
  matrixExp: "matrixExp(Tensor self) -> Tensor",
  triangularSolve: "triangularSolve(Tensor self, Tensor A, bool upper=true, bool transpose=false, bool unitriangular=false) -> (Tensor solution, Tensor clonedCoefficient)",
  lu: "lu(Tensor self, bool pivot=true, bool getInfos=false) -> Tensor[]",
  luSolve: "luSolve(Tensor self, Tensor LUData, Tensor LUPivots, *, Tensor? out=null) -> Tensor",
  geqrf: "geqrf(Tensor self) -> (Tensor a, Tensor tau)",
  orgqr: "orgqr(Tensor self, Tensor input2) -> Tensor",
  ormqr: "ormqr(Tensor self, Tensor input2, Tensor input3, bool left=true, bool transpose=false, *, Tensor? out=null) -> Tensor",
  choleskySolve: "choleskySolve(Tensor self, Tensor input2, bool upper=false, *, Tensor? out=null) -> Tensor",
  choleskyInverse: "choleskyInverse(Tensor self, bool upper=false, *, Tensor? out=null) -> Tensor",
  inner: "inner(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  vdot: "vdot(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  dist: "dist(Tensor self, Tensor other, Scalar p=2) -> Tensor",
  ger: "ger(Tensor self, Tensor vec2, *, Tensor? out=null) -> Tensor",
} as const;

const FUNCTIONS = {
  chainMatmul: "chainMatmul(Tensor... matrices, *, Tensor? out=null) -> Tensor",
  frobeniusNorm: "frobeniusNorm(Tensor input, int[] dim=[], bool keepdim=false, *, Tensor? out=null) -> Tensor",
  nuclearNorm: "nuclearNorm(Tensor input, bool keepdim=false, *, Tensor? out=null) -> Tensor",
  nuclearNormDim: "nuclearNorm.dim(Tensor input, int[] dim, bool keepdim=false, *, Tensor? out=null) -> Tensor",
  vander: "vander(Tensor x, int? N=null, bool increasing=false) -> Tensor",
  luUnpack: "luUnpack(Tensor LUData, Tensor LUPivots, bool unpackData=true, bool unpackPivots=true) -> (Tensor P, Tensor L, Tensor U)",
} as const;

declare module "../../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof TORCH> {}
}

/** torch.* forms (also Tensor methods): `fx.inverse(A)`, `A.inverse()`. */
export const TORCH_LINALG_FNS = {
  inverse: defineOp(TORCH.inverse, (A: Tensor) => invImpl(A)),
  det: defineOp(TORCH.det, (A: Tensor) => detImpl(A)),
  logdet: defineOp(TORCH.logdet, (A: Tensor) => logdetImpl(A)),
  slogdet: defineOp(TORCH.slogdet, (A: Tensor) => slogdetImpl(A, "slogdet")),
  cholesky: defineOp(TORCH.cholesky, (A: Tensor, upper: boolean) => choleskyImpl(A, upper, "cholesky")),
  qr: defineOp(TORCH.qr, (A: Tensor, some: boolean) => qrImpl(A, some ? "reduced" : "complete", "qr")),
  svd: defineOp(TORCH.svd, (A: Tensor, some: boolean, computeUv: boolean) => torchSvd(A, some, computeUv)),
  pinverse: defineOp(TORCH.pinverse, (A: Tensor, rcond: number) => pinverseImpl(A, rcond)),
  cross: defineOp(TORCH.cross, (x: Tensor, y: Tensor, dim: number | null) => torchCross(x, y, dim)),
  matrixPower: defineOp(TORCH.matrixPower, (A: Tensor, n: number) => matrixPowerImpl(A, n, "matrixPower")),
  matrixExp: defineOp(TORCH.matrixExp, (A: Tensor) => matrixExpImpl(A, "matrixExp")),
  triangularSolve: defineOp(TORCH.triangularSolve, (b: Tensor, A: Tensor, upper: boolean, transpose: boolean, unit: boolean) => triangularSolveImpl(b, A, upper, transpose, unit)),
  lu: defineOp(TORCH.lu, (A: Tensor, pivot: boolean, getInfos: boolean) => torchLu(A, pivot, getInfos)),
  luSolve: defineOp(TORCH.luSolve, (b: Tensor, LU: Tensor, pivots: Tensor) => torchLuSolve(b, LU, pivots)),
  geqrf: defineOp(TORCH.geqrf, (A: Tensor) => geqrfImpl(A)),
  orgqr: defineOp(TORCH.orgqr, (A: Tensor, tau: Tensor) => householderProduct(A, tau, "orgqr")),
  ormqr: defineOp(TORCH.ormqr, (A: Tensor, tau: Tensor, C: Tensor, left: boolean, transpose: boolean) => ormqrImpl(A, tau, C, left, transpose)),
  choleskySolve: defineOp(TORCH.choleskySolve, (b: Tensor, u: Tensor, upper: boolean) => choleskySolveImpl(b, u, upper)),
  choleskyInverse: defineOp(TORCH.choleskyInverse, (u: Tensor, upper: boolean) => choleskyInverseImpl(u, upper)),
  inner: defineOp(TORCH.inner, (a: Tensor, b: Tensor) => innerImpl(a, b)),
  vdot: defineOp(TORCH.vdot, (a: Tensor, b: Tensor) => vdotImpl(a, b)),
  dist: defineOp(TORCH.dist, (a: Tensor, b: Tensor, p: number) => distImpl(a, b, p)),
  ger: defineOp(TORCH.ger, (a: Tensor, b: Tensor) => gerImpl(a, b)),
  chainMatmul: defineOp(FUNCTIONS.chainMatmul, (ms: Tensor[]) => chainMatmulImpl(ms)),
  frobeniusNorm: defineOp(FUNCTIONS.frobeniusNorm, (x: Tensor, dim: number | readonly number[], keepdim: boolean) => frobeniusNormImpl(x, typeof dim === "number" ? [dim] : dim, keepdim)),
  nuclearNorm: defineOp([FUNCTIONS.nuclearNorm, FUNCTIONS.nuclearNormDim], [
    (x: Tensor, keepdim: boolean) => nuclearNormImpl(x, null, keepdim),
    (x: Tensor, dim: readonly number[], keepdim: boolean) => nuclearNormImpl(x, dim, keepdim),
  ]),
  vander: defineOp(FUNCTIONS.vander, (x: Tensor, N: number | null, increasing: boolean) => torchVander(x, N, increasing)),
  luUnpack: defineOp(FUNCTIONS.luUnpack, (LU: Tensor, pivots: Tensor, data: boolean, piv: boolean) => luUnpackImpl(LU, pivots, data, piv)),
};

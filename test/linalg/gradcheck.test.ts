/**
 * linalg's gradients against finite differences (autograd.gradcheck, float64), and second
 * derivatives (gradgradcheck) where the formulas are differentiable ops themselves. The
 * factorizations that read one triangle (cholesky, eigh) are checked through a symmetric
 * input, and eigen/singular vectors through sign-invariant functions (V ⊙ V, U·Vh), as
 * PyTorch's own tests do. Also: gradients where only the values are used and the values
 * repeat (PyTorch's formulas without the 1/(λᵢ - λⱼ) terms), batched and broadcast inputs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { autograd, det, eye, inverse, linalg, logdet, pinverse, randn, svd as torchSvd, tensor, type Tensor } from "../../src/index.js";

const f64 = { dtype: "float64" as const };
const leaf = (...shape: number[]) => randn(shape, f64).requiresGrad_(true);
/** A symmetric, well-conditioned matrix from any X (so gradcheck's perturbations stay valid inputs). */
const sym = (X: Tensor) => X.add(X.mT).mul(0.5);
const spd = (X: Tensor) => X.matmul(X.mT).add(eye(X.shape[X.ndim - 1]!, f64));
/** A triangular matrix with a diagonal kept away from 0. */
const upperOf = (X: Tensor) => X.triu().add(eye(X.shape[X.ndim - 1]!, f64).mul(4));

type F = (...xs: Tensor[]) => Tensor | Tensor[];
const CASES: [string, F, () => Tensor[], boolean][] = [
  // name, function, inputs, also gradgradcheck
  ["cholesky", (X) => linalg.cholesky(spd(X)), () => [leaf(3, 3)], true],
  ["cholesky upper, batched", (X) => linalg.cholesky(spd(X), { upper: true }), () => [leaf(2, 3, 3)], false],
  ["choleskyEx", (X) => linalg.choleskyEx(spd(X)).L, () => [leaf(3, 3)], false],
  ["qr reduced, tall", (X) => [...linalg.qr(X)], () => [leaf(4, 3)], true],
  ["qr reduced, wide", (X) => [...linalg.qr(X)], () => [leaf(3, 5)], true],
  ["qr complete, wide", (X) => [...linalg.qr(X, "complete")], () => [leaf(2, 4)], false],
  ["qr batched", (X) => [...linalg.qr(X)], () => [leaf(2, 3, 3)], false],
  ["eigh", (X) => { const r = linalg.eigh(sym(X)); return [r.eigenvalues, r.eigenvectors.mul(r.eigenvectors)]; }, () => [leaf(4, 4)], true],
  ["eigh UPLO=U, batched", (X) => { const r = linalg.eigh(sym(X), "U"); return [r.eigenvalues, r.eigenvectors.mul(r.eigenvectors)]; }, () => [leaf(2, 3, 3)], false],
  ["eigh, eigenvectors only", (X) => { const V = linalg.eigh(sym(X)).eigenvectors; return V.mul(V); }, () => [leaf(3, 3)], false],
  ["eigvalsh", (X) => linalg.eigvalsh(sym(X)), () => [leaf(4, 4)], true],
  ["svd tall", (X) => { const r = linalg.svd(X, false); return [r.S, r.U.mul(r.U), r.Vh.mul(r.Vh), r.U.matmul(r.Vh)]; }, () => [leaf(5, 3)], true],
  ["svd wide", (X) => { const r = linalg.svd(X, false); return [r.S, r.U.mul(r.U), r.Vh.mul(r.Vh)]; }, () => [leaf(3, 5)], false],
  ["svd full matrices (the first k columns)", (X) => { const r = linalg.svd(X); return r.U.narrow(-1, 0, 3).matmul(r.Vh); }, () => [leaf(4, 3)], false],
  ["svd U only", (X) => { const U = linalg.svd(X, false).U; return U.mul(U); }, () => [leaf(4, 3)], false],
  ["svd Vh only", (X) => { const Vh = linalg.svd(X, false).Vh; return Vh.mul(Vh); }, () => [leaf(3, 4)], false],
  ["svdvals", (X) => linalg.svdvals(X), () => [leaf(2, 4, 3)], true],
  ["torch.svd (V)", (X) => { const [U, S, V] = torchSvd(X); return [S, U.matmul(V.mT)]; }, () => [leaf(4, 3)], false],
  ["solve", (A, B) => linalg.solve(A, B), () => [leaf(3, 3).add(eye(3, f64).mul(3)).detach().requiresGrad_(true), leaf(3, 2)], true],
  ["solve vector, broadcast batch", (A, B) => linalg.solve(A, B), () => [leaf(2, 3, 3), leaf(3)], false],
  ["solve left=false", (A, B) => linalg.solve(A, B, { left: false }), () => [leaf(3, 3), leaf(4, 3)], false],
  ["solveTriangular upper left", (A, B) => linalg.solveTriangular(upperOf(A), B, { upper: true }), () => [leaf(3, 3), leaf(3, 2)], true],
  ["solveTriangular lower right unitriangular", (A, B) => linalg.solveTriangular(upperOf(A).mT, B, { upper: false, left: false, unitriangular: true }), () => [leaf(3, 3), leaf(2, 3)], false],
  ["solveTriangular broadcast", (A, B) => linalg.solveTriangular(upperOf(A), B, { upper: true }), () => [leaf(2, 1, 3, 3), leaf(4, 3, 1)], false],
  ["inv", (A) => linalg.inv(A), () => [leaf(3, 3)], true],
  ["inverse (batched)", (A) => inverse(A), () => [leaf(2, 3, 3)], false],
  ["det", (A) => linalg.det(A), () => [leaf(3, 3)], true],
  ["det batched", (A) => det(A), () => [leaf(2, 2, 2)], false],
  ["slogdet", (A) => linalg.slogdet(A).logabsdet, () => [leaf(3, 3)], true],
  ["logdet", (X) => logdet(spd(X)), () => [leaf(3, 3)], false],
  ["pinv tall", (A) => linalg.pinv(A), () => [leaf(4, 3)], true],
  ["pinv wide", (A) => linalg.pinv(A), () => [leaf(3, 4)], false],
  ["pinv hermitian", (X) => linalg.pinv(sym(X), { hermitian: true }), () => [leaf(3, 3)], false],
  ["pinverse", (A) => pinverse(A), () => [leaf(2, 3)], false],
  ["lstsq", (A, B) => linalg.lstsq(A, B).solution, () => [leaf(5, 3), leaf(5, 2)], false],
  ["lstsq wide (minimum norm)", (A, B) => linalg.lstsq(A, B).solution, () => [leaf(2, 4), leaf(2, 3)], false],
  ["matrixNorm fro", (A) => linalg.matrixNorm(A), () => [leaf(3, 4)], true],
  ["matrixNorm nuc", (A) => linalg.matrixNorm(A, "nuc"), () => [leaf(3, 4)], false],
  ["matrixNorm 2 and -2", (A) => [linalg.matrixNorm(A, 2), linalg.matrixNorm(A, -2)], () => [leaf(2, 3, 4)], false],
  ["matrixNorm 1 and inf", (A) => [linalg.matrixNorm(A, 1), linalg.matrixNorm(A, -Infinity)], () => [leaf(3, 4)], false],
  ["vectorNorm 2, 3, 0.5 and inf", (x) => [linalg.vectorNorm(x), linalg.vectorNorm(x, 3, 1), linalg.vectorNorm(x, 0.5), linalg.vectorNorm(x, Infinity, [0], true)], () => [leaf(3, 4)], false],
  ["norm", (A) => [linalg.norm(A), linalg.norm(A, "nuc"), linalg.norm(A, 1, 0)], () => [leaf(3, 4)], false],
  ["cross", (x, y) => linalg.cross(x, y), () => [leaf(4, 3), leaf(1, 3)], true],
  ["matrixPower 5 and -2", (A) => [linalg.matrixPower(A, 5), linalg.matrixPower(A.add(eye(3, f64).mul(3)), -2)], () => [leaf(3, 3)], false],
  ["multiDot", (a, b, c, d) => linalg.multiDot([a, b, c, d]), () => [leaf(3), leaf(3, 4), leaf(4, 2), leaf(2)], false],
  ["vander", (x) => linalg.vander(x, { N: 4 }), () => [leaf(3)], false],
  ["vecdot", (x, y) => linalg.vecdot(x, y), () => [leaf(3, 4), leaf(4)], false],
];

describe("linalg gradients against finite differences (float64)", () => {
  for (const [name, fn, make, second] of CASES) {
    it(name, () => {
      const xs = make();
      assert.ok(autograd.gradcheck(fn, xs, { atol: 1e-6, rtol: 1e-4 }));
      if (second) assert.ok(autograd.gradgradcheck(fn, xs, { atol: 1e-5, rtol: 1e-3 }));
    });
  }
});

describe("gradients where the values repeat", () => {
  it("svdvals and eigvalsh: U·Vh and V·Vᵀ (no 0/0 from equal values), as PyTorch", () => {
    const A = tensor([[2, 0, 0], [0, 2, 0], [0, 0, 1]], { ...f64, requiresGrad: true });
    linalg.svdvals(A).sum().backward();
    assert.deepEqual(A.grad!.tolist(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const B = tensor([[3, 0], [0, 3]], { ...f64, requiresGrad: true });
    linalg.eigvalsh(B).sum().backward();
    assert.deepEqual(B.grad!.tolist(), [[1, 0], [0, 1]]);
  });

  it("svd and eigh with only the values used get the same finite gradient (the engine tells the formula which outputs got one)", () => {
    const A = tensor([[2, 0], [0, 2]], { ...f64, requiresGrad: true });
    linalg.svd(A).S.sum().backward();
    assert.deepEqual(A.grad!.tolist(), [[1, 0], [0, 1]]);
    const B = tensor([[1, 0], [0, 1]], { ...f64, requiresGrad: true });
    linalg.eigh(B).eigenvalues.mul(2).sum().backward();
    assert.deepEqual(B.grad!.tolist(), [[2, 0], [0, 2]]);
    // using the vectors of a repeated value has no defined gradient: NaN/inf, as in PyTorch
    const C = tensor([[1, 0], [0, 1]], { ...f64, requiresGrad: true });
    const V = linalg.eigh(C).eigenvectors;
    V.mul(V).mul(tensor([[1, 2], [3, 4]], f64)).sum().backward();
    assert.ok((C.grad!.toTypedArray() as Float64Array).some((v) => !Number.isFinite(v)));
  });

  it("det at a singular matrix: the cofactor matrix (also batched, with invertible neighbours)", () => {
    const A = tensor([[[1, 2], [2, 4]], [[2, 1], [1, 1]]], { ...f64, requiresGrad: true });
    det(A).sum().backward();
    // cofactors: [[4, -2], [-2, 1]] and, for the invertible one, det·A⁻ᵀ = [[1, -1], [-1, 2]]
    const g = A.grad!.tolist() as number[][][];
    assert.deepEqual(g[0]!.map((r) => r.map((v) => Math.round(v * 1e12) / 1e12)), [[4, -2], [-2, 1]]);
    assert.deepEqual(g[1]!.map((r) => r.map((v) => Math.round(v * 1e12) / 1e12)), [[1, -1], [-1, 2]]);
  });
});

// PyTorch 1.13: A = [[1,2,3],[2,4,6],[3,6,9]] (rank 1) and B = [[1,2,3],[2,4,6],[1,0,1]] (rank 2);
// g = grad(det(X), X, create_graph=True), then grad((g * V).sum(), X) with V = [[1,.5,-1],[2,0,1],[.3,1,1]]:
// A: g = 0, second [[-8,-15.2,12.8],[-9.5,12.1,-4.9],[9,-3,-1]];
// B: g = [[4,4,-4],[-2,-2,2],[0,0,0]], second [[-2,-1.2,.8],[.5,2.1,.1],[9,-3,-1]]
describe("det at a singular matrix", () => {
  it("has the cofactor matrix as gradient and a finite second derivative (rank 1 and rank 2)", () => {
    const V = tensor([[1, 0.5, -1], [2, 0, 1], [0.3, 1, 1]], f64);
    const cases = [
      [[[1, 2, 3], [2, 4, 6], [3, 6, 9]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[-8, -15.2, 12.8], [-9.5, 12.1, -4.9], [9, -3, -1]]],
      [[[1, 2, 3], [2, 4, 6], [1, 0, 1]], [[4, 4, -4], [-2, -2, 2], [0, 0, 0]], [[-2, -1.2, 0.8], [0.5, 2.1, 0.1], [9, -3, -1]]],
    ] as const;
    for (const [a, g1, g2] of cases) {
      const X = tensor(a.map((r) => [...r]), { ...f64, requiresGrad: true });
      const [g] = autograd.grad(linalg.det(X), [X], { createGraph: true });
      const [h] = autograd.grad(g!.mul(V).sum(), [X]);
      (g!.tolist() as number[][]).flat().forEach((x, i) => assert.ok(Math.abs(x - g1.flat()[i]!) < 1e-12, `grad ${i}: ${x}`));
      (h!.tolist() as number[][]).flat().forEach((x, i) => assert.ok(Math.abs(x - g2.flat()[i]!) < 1e-12, `second ${i}: ${x}`));
    }
  });
});

/**
 * linalg on WebGPU: the backend has no linalg kernel, so every factorization runs as the
 * primitive's decomposition into core primitives (WGSL kernels), in float32. Results agree
 * with the CPU's (float64 loops rounded to float32) to float32 accuracy; gradients too. The
 * singular/not-positive-definite checks read `info` on the host, which a GPU cannot do
 * synchronously: there they are skipped and the results hold inf/NaN (docs/linalg.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { eye, linalg, manualSeed, randn, tensor, type Tensor } from "../../../src/index.js";
import { assertClose } from "../../helpers.js";
import { sameAsCpu, startWebGPU, valuesOf } from "./setup.js";

const skip = await startWebGPU();
manualSeed(5);

const A = randn([3, 3]), B = randn([3, 2]), W = randn([2, 4, 3]);
const SPD = A.matmul(A.mT).add(eye(3).mul(3));

test("factorizations and solvers match the CPU's, in float32", { skip }, async () => {
  const tol = { rtol: 1e-4, atol: 2e-5 };
  await sameAsCpu([SPD], (x) => linalg.cholesky(x), { ...tol, msg: "cholesky" });
  await sameAsCpu([SPD], (x) => linalg.cholesky(x, { upper: true }), { ...tol, msg: "cholesky upper" });
  await sameAsCpu([SPD, B], (x, b) => linalg.solve(x, b), { ...tol, msg: "solve" });
  await sameAsCpu([A], (x) => linalg.inv(x), { rtol: 1e-3, atol: 1e-4, msg: "inv" });
  await sameAsCpu([W], (x) => linalg.det(x.narrow(-1, 0, 3).narrow(-2, 0, 3)), { ...tol, msg: "det" });
  await sameAsCpu([SPD], (x) => linalg.slogdet(x).logabsdet, { ...tol, msg: "slogdet" });
  await sameAsCpu([W], (x) => linalg.qr(x).R, { ...tol, msg: "qr R" });
  await sameAsCpu([W], (x) => linalg.qr(x).Q, { ...tol, msg: "qr Q" });
  await sameAsCpu([W], (x) => linalg.svdvals(x), { ...tol, msg: "svdvals" });
  await sameAsCpu([SPD], (x) => linalg.eigvalsh(x), { ...tol, msg: "eigvalsh" });
  await sameAsCpu([A.triu().add(eye(3).mul(2)), B], (x, b) => linalg.solveTriangular(x, b, { upper: true }), { ...tol, msg: "solveTriangular" });
  await sameAsCpu([W], (x) => linalg.matrixNorm(x, "nuc"), { ...tol, msg: "nuclear norm" });
  await sameAsCpu([W.select(0, 0)], (x) => linalg.pinv(x), { rtol: 1e-3, atol: 1e-4, msg: "pinv" });
  // eigen/singular vectors: sign-invariant forms
  await sameAsCpu([SPD], (x) => linalg.eigh(x).eigenvectors.abs(), { rtol: 1e-3, atol: 1e-4, msg: "eigh |V|" });
  await sameAsCpu([W], (x) => {
    const r = linalg.svd(x, false);
    return r.U.matmul(r.Vh);
  }, { rtol: 1e-3, atol: 1e-4, msg: "svd U·Vh" });
});

test("gradients run on the GPU too and match the CPU's", { skip }, async () => {
  const grad = async (device: string, f: (x: Tensor) => Tensor) => {
    const x = (device === "cpu" ? SPD.clone() : SPD.to(device)).requiresGrad_(true);
    f(x).sum().backward();
    return valuesOf(x.grad!);
  };
  for (const [name, f] of [
    ["inv", (x: Tensor) => linalg.inv(x)],
    ["cholesky", (x: Tensor) => linalg.cholesky(x)],
    ["eigvalsh", (x: Tensor) => linalg.eigvalsh(x).mul(tensor([1, 2, 3]).to(x.device))],
    ["det", (x: Tensor) => linalg.det(x)],
  ] as const) {
    assertClose(await grad("webgpu", f), await grad("cpu", f), { rtol: 1e-3, atol: 1e-4, msg: name });
  }
});

test("a singular matrix on the GPU: no synchronous check, inf/NaN in the result; choleskyEx's info says so", { skip }, async () => {
  const S = tensor([[1, 2], [2, 4]]).to("webgpu");
  const X = await valuesOf(linalg.inv(S));
  assert.ok(X.some((v) => !Number.isFinite(v)), `inverse of a singular matrix: ${X}`);
  const { info } = linalg.choleskyEx(tensor([[1, 2], [2, 1]]).to("webgpu"));
  assert.deepEqual(await valuesOf(info), [2]);
});

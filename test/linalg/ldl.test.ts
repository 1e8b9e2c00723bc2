/**
 * linalg.ldlFactor / ldlFactorEx / ldlSolve against PyTorch 1.13 (test/fixtures/ldl_torch.json,
 * from ldl_torch.py): LAPACK's sytrf layout and pivots exactly (1x1 and 2x2 blocks, runs of
 * 2x2 blocks sharing a pivot value, the lower triangle read from a non-symmetric input, a
 * singular matrix's info), LD's values, the solve, and PyTorch's argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AutogradError, DTypeError, LinAlgError, ShapeError, linalg, noGrad, randn, tensor, zeros, type Tensor } from "../../src/index.js";

interface Enc { dtype: "float32" | "float64" | "int32"; shape: number[]; v: number[] }
interface Case { name: string; A: Enc; LD: Enc; pivots: Enc; info: Enc; B?: Enc; X?: Enc }
const FIX = JSON.parse(readFileSync(new URL("../fixtures/ldl_torch.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

const dec = (e: Enc): Tensor => tensor(e.dtype === "float64" ? Float64Array.from(e.v) : e.dtype === "float32" ? Float32Array.from(e.v) : Int32Array.from(e.v), { shape: e.shape });
const flat = (t: Tensor) => Array.from(t.contiguous().toTypedArray() as ArrayLike<number>);

function close(got: Tensor, want: Enc, what: string, rtol: number): void {
  assert.equal(got.dtype, want.dtype, `${what} dtype`);
  assert.deepEqual(got.shape, want.shape, `${what} shape`);
  const g = flat(got);
  const scale = Math.max(1, ...want.v.map(Math.abs));
  want.v.forEach((w, i) => assert.ok(Math.abs(g[i]! - w) <= rtol * scale, `${what}[${i}]: ${g[i]} vs ${w}`));
}

for (const c of FIX.cases) {
  test(`ldlFactorEx matches PyTorch ${FIX.torch}: ${c.name} (LD, pivots, info)`, () => {
    const A = dec(c.A);
    const { LD, pivots, info } = linalg.ldlFactorEx(A);
    assert.deepEqual([pivots.dtype, pivots.shape, flat(pivots)], ["int32", c.pivots.shape, c.pivots.v]);
    assert.deepEqual([info.dtype, info.shape, flat(info)], ["int32", c.info.shape, c.info.v]);
    close(LD, c.LD, "LD", c.A.dtype === "float32" ? 1e-5 : 1e-12);
    if (!c.B) return;
    const X = linalg.ldlSolve(LD, pivots, dec(c.B));
    close(X, c.X!, "X", c.A.dtype === "float32" ? 1e-4 : 1e-10);
    // hermitian changes nothing for real matrices
    assert.deepEqual(flat(linalg.ldlSolve(LD, pivots, dec(c.B), { hermitian: true })), flat(X));
  });
}

test("ldlFactor returns (LD, pivots); a singular D raises LinAlgError naming the zero block", () => {
  const { LD, pivots } = linalg.ldlFactor(tensor([[4, 2], [2, 3]], { dtype: "float64" }));
  assert.deepEqual(flat(LD), [4, 0, 0.5, 2]);
  assert.deepEqual(flat(pivots), [1, 2]);
  assert.throws(() => linalg.ldlFactor(zeros([3, 3])), (e: unknown) => e instanceof LinAlgError && /D\[0,0\] \(the block of step 1\) is exactly zero/.test(e.message));
  assert.throws(() => linalg.ldlFactorEx(zeros([2, 3, 3]), { checkErrors: true }), (e: unknown) => e instanceof LinAlgError && /Batch element 0/.test(e.message));
});

test("ldlSolve broadcasts batches and solves random indefinite systems to rounding", () => {
  const A0 = randn([3, 6, 6], { dtype: "float64" });
  const A = A0.add(A0.mT);
  const { LD, pivots } = linalg.ldlFactor(A);
  const B = randn([6, 4], { dtype: "float64" });
  const X = linalg.ldlSolve(LD, pivots, B);
  assert.deepEqual(X.shape, [3, 6, 4]);
  assert.ok((A.matmul(X).sub(B).abs().max().item() as number) < 1e-9);
  // empty matrices
  const E = linalg.ldlFactor(zeros([0, 0], { dtype: "float64" }));
  assert.deepEqual([E.LD.shape, E.pivots.shape], [[0, 0], [0]]);
});

test("ldlFactor and ldlSolve refuse what PyTorch refuses", () => {
  assert.throws(() => linalg.ldlFactor(zeros([2, 3])), (e: unknown) => e instanceof ShapeError && /must be batches of square matrices, but they are 2 by 3 matrices/.test(e.message));
  assert.throws(() => linalg.ldlFactor(zeros([3])), (e: unknown) => e instanceof ShapeError && /at least 2 dimensions/.test(e.message));
  assert.throws(() => linalg.ldlFactor(zeros([3, 3], { dtype: "int32" })), (e: unknown) => e instanceof DTypeError && /Expected a floating point/.test(e.message));
  const { LD, pivots } = linalg.ldlFactor(tensor([[4, 2], [2, 3]], { dtype: "float64" }));
  assert.throws(() => linalg.ldlSolve(LD, pivots, zeros([2, 1])), (e: unknown) => e instanceof DTypeError && /same dtype/.test(e.message));
  assert.throws(() => linalg.ldlSolve(LD, pivots, zeros([3, 1], { dtype: "float64" })), (e: unknown) => e instanceof ShapeError && /each A matrix is 2 by 2 but each b matrix is 3 by 1/.test(e.message));
  assert.throws(() => linalg.ldlSolve(LD, pivots, zeros([2], { dtype: "float64" })), ShapeError);
  assert.throws(() => linalg.ldlSolve(LD, pivots.narrow(0, 0, 1), zeros([2, 1], { dtype: "float64" })), (e: unknown) => e instanceof ShapeError && /LD.shape\[:-1\] and pivots.shape/.test(e.message));
  assert.throws(() => linalg.ldlSolve(LD, pivots.float(), zeros([2, 1], { dtype: "float64" })), DTypeError);
  // int64 pivots are taken, as PyTorch takes them
  assert.deepEqual(flat(linalg.ldlSolve(LD, pivots.long(), tensor([[4], [2]], { dtype: "float64" }))), [1, 0]);
});

test("ldlFactor and ldlSolve have no derivative (as PyTorch 1.13): they raise for inputs that require grad", () => {
  const A = tensor([[4, 2], [2, 3]], { dtype: "float64", requiresGrad: true });
  assert.throws(() => linalg.ldlFactor(A), (e: unknown) => e instanceof AutogradError && /derivative for 'linalg.ldlFactor' is not implemented/.test(e.message));
  const { LD, pivots } = noGrad(() => linalg.ldlFactor(A));
  assert.equal(LD.requiresGrad, false);
  assert.throws(() => linalg.ldlSolve(LD, pivots, tensor([[1], [1]], { dtype: "float64", requiresGrad: true })), AutogradError);
});

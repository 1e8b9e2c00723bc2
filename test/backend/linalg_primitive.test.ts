/**
 * The `linalg` primitive (src/backend/linalg.ts): the CPU kernel (cpu/linalg.ts, float64
 * loops) against the decomposition into core primitives (decompositions_linalg.ts) — two
 * independent implementations of the same algorithms — on random, strided, broadcast-batch,
 * float32, empty and failing inputs, every op and attribute; the properties each result must
 * have (orthonormal factors, triangular shapes, reconstructions, sorted values) at sizes up
 * to 16; the dispatcher's fallback to the decomposition on a backend without the kernel (its
 * layers see one linalg call); the primitive's contract checks; compile()'s output rule.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, ShapeError, compile, dispatchAll, eye, linalg, manualSeed, randn, tensor, withDispatchLayer, type DType, type Tensor } from "../../src/index.js";
import { runDecomposition } from "../../src/backend/dispatcher.js";
import { linalg as cpuLinalg } from "../../src/backend/cpu/linalg.js";
import { linalgOutputs, type LinalgAttrs } from "../../src/backend/linalg.js";
import { assertClose, nonContiguous } from "../helpers.js";
import { NOFUSED } from "./fused_helpers.js";

manualSeed(11);

/** Runs the kernel and the decomposition on the same inputs; every output must agree (shape, dtype, values). */
function agree(inputs: Tensor[], attrs: LinalgAttrs, msg: string, tol?: number): Tensor[] {
  const a = cpuLinalg(inputs, attrs, "cpu");
  const b = runDecomposition("linalg", inputs, attrs, "cpu");
  const specs = linalgOutputs(inputs, attrs);
  assert.equal(a.length, specs.length, `${msg}: kernel outputs`);
  assert.equal(b.length, specs.length, `${msg}: decomposition outputs`);
  const t = tol ?? (inputs[0]!.dtype === "float32" ? 2e-4 : 1e-10);
  a.forEach((x, i) => {
    assert.deepEqual([...x.shape], specs[i]!.shape, `${msg}: kernel output ${i} shape`);
    assert.deepEqual([...b[i]!.shape], specs[i]!.shape, `${msg}: decomposition output ${i} shape`);
    assert.equal(x.dtype, specs[i]!.dtype, `${msg}: output ${i} dtype`);
    assert.equal(b[i]!.dtype, specs[i]!.dtype, `${msg}: decomposition output ${i} dtype`);
    assert.ok(x.isContiguous() && b[i]!.isContiguous(), `${msg}: output ${i} contiguous`);
    assertClose(x, b[i]!, { rtol: t, atol: t, msg: `${msg}: output ${i}` });
  });
  return a;
}

const spd = (n: number, batch: number[] = [], dtype: DType = "float64") => {
  const x = randn([...batch, n, n], { dtype: "float64" });
  return x.matmul(x.mT).add(eye(n, { dtype: "float64" }).mul(n)).to(dtype);
};
const sym = (n: number, batch: number[] = []) => {
  const x = randn([...batch, n, n], { dtype: "float64" });
  return x.add(x.mT);
};

test("cholesky, lu and the triangular solve: kernel = decomposition (layouts, batches, float32, failures)", () => {
  for (const [A, name] of [[spd(4), "4x4"], [spd(3, [2, 2]), "batched"], [nonContiguous(spd(5)), "strided"], [spd(3, [], "float32"), "float32"], [spd(1), "1x1"]] as const) {
    for (const upper of [false, true]) agree([A], { op: "cholesky", upper }, `cholesky ${name} upper=${upper}`);
  }
  // not positive-definite: info and the partial factor (potf2's) agree
  const bad = tensor([[[4, 2, 0], [2, 1, 0], [0, 0, 1]], [[-1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 2, 0], [0, 0, -3]]], { dtype: "float64" });
  const [, info] = agree([bad], { op: "cholesky", upper: false }, "cholesky failing");
  assert.deepEqual(info!.tolist(), [2, 1, 3]);
  for (const [A, name] of [[randn([5, 5], { dtype: "float64" }), "5x5"], [randn([2, 3, 4, 4], { dtype: "float64" }), "batched"], [randn([3, 3]), "float32"], [randn([4, 4], { dtype: "float64" }).mT, "transposed"]] as const) {
    agree([A], { op: "lu" }, `lu ${name}`);
  }
  // rectangular (getrf of m x n: k = min(m, n) pivots, a permutation of the m rows)
  for (const shape of [[5, 3], [3, 5], [2, 4, 2], [1, 4], [4, 1]]) {
    const [LU, piv, perm] = agree([randn(shape, { dtype: "float64" })], { op: "lu" }, `lu [${shape}]`);
    assert.deepEqual(LU!.shape, shape);
    assert.equal(piv!.shape[piv!.ndim - 1], Math.min(shape.at(-1)!, shape.at(-2)!));
    assert.equal(perm!.shape[perm!.ndim - 1], shape.at(-2));
  }
  agree([tensor([[0, 1, 2], [0, 2, 4], [0, 0, 1], [0, 1, 1]], { dtype: "float64" })], { op: "lu" }, "lu tall with a zero column");
  // exactly singular: the first zero pivot, as getrf
  const [, , , luInfo] = agree([tensor([[[1, 2], [2, 4]], [[0, 0], [0, 1]], [[1, 0], [0, 0]]], { dtype: "float64" })], { op: "lu" }, "lu singular");
  assert.deepEqual(luInfo!.tolist(), [2, 1, 2]);
  const T = randn([2, 4, 4], { dtype: "float64" }).add(eye(4, { dtype: "float64" }).mul(4));
  for (const upper of [false, true]) {
    for (const unitriangular of [false, true]) {
      agree([T, randn([2, 4, 3], { dtype: "float64" })], { op: "solveTriangular", upper, unitriangular }, `solveTriangular upper=${upper} unit=${unitriangular}`);
      agree([T.mT, nonContiguous(randn([2, 4, 3], { dtype: "float64" }))], { op: "solveTriangular", upper, unitriangular }, `solveTriangular strided`);
    }
  }
  // a zero on the diagonal gives inf/NaN as trsm does, in both
  agree([tensor([[0, 0], [0, 0]], { dtype: "float64" }), tensor([[1, 1], [1, 1]], { dtype: "float64" })], { op: "solveTriangular", upper: true, unitriangular: false }, "solveTriangular singular");
});

test("qr, eigh and svd: kernel = decomposition, every mode", () => {
  for (const shape of [[5, 3], [3, 5], [4, 4], [2, 3, 2], [1, 1], [6, 1], [1, 6]]) {
    const A = randn(shape, { dtype: "float64" });
    for (const mode of ["reduced", "complete", "r"] as const) agree([A], { op: "qr", mode }, `qr ${mode} [${shape}]`);
    agree([A], { op: "geqrf" }, `geqrf [${shape}]`);
    for (const full of [false, true]) {
      for (const vectors of [true, false]) {
        const out = cpuLinalg([A], { op: "svd", full, vectors }, "cpu");
        const dec = runDecomposition("linalg", [A], { op: "svd", full, vectors }, "cpu");
        // singular vectors agree up to rounding where the values are distinct (random matrices)
        out.forEach((t, i) => assertClose(t, dec[i]!, { rtol: 1e-9, atol: 1e-9, msg: `svd [${shape}] full=${full} output ${i}` }));
      }
    }
  }
  for (const A of [sym(4), sym(3, [2]), randn([3, 3], { dtype: "float64" }), nonContiguous(sym(5))]) {
    for (const upper of [false, true]) {
      for (const vectors of [true, false]) agree([A], { op: "eigh", upper, vectors }, `eigh [${A.shape}] upper=${upper} vectors=${vectors}`, 1e-9);
    }
  }
  agree([randn([4, 3])], { op: "qr", mode: "reduced" }, "qr float32");
  agree([sym(4).float()], { op: "eigh", upper: false, vectors: false }, "eigh float32", 1e-4);
  agree([randn([4, 3])], { op: "svd", full: false, vectors: false }, "svdvals float32", 1e-4);
});

test("empty inputs: empty batches, 0 x 0 and 0 x n matrices give the shapes PyTorch gives (identity where a factor is square)", () => {
  const z = (s: number[]) => randn(s, { dtype: "float64" });
  agree([z([0, 3, 3])], { op: "cholesky", upper: false }, "cholesky empty batch");
  agree([z([2, 0, 0])], { op: "lu" }, "lu 0x0");
  const [, , perm30] = agree([z([3, 0])], { op: "lu" }, "lu 3x0");
  assert.deepEqual(perm30!.tolist(), [0, 1, 2]);
  agree([z([0, 3, 2])], { op: "lu" }, "lu empty batch");
  agree([z([0, 3])], { op: "geqrf" }, "geqrf 0x3");
  agree([z([2, 3, 0])], { op: "geqrf" }, "geqrf 3x0");
  agree([z([0, 3])], { op: "qr", mode: "complete" }, "qr 0x3");
  const [Q] = agree([z([3, 0])], { op: "qr", mode: "complete" }, "qr 3x0");
  assert.deepEqual(Q!.tolist(), eye(3).tolist());
  const [, , Vh] = agree([z([0, 3])], { op: "svd", full: true, vectors: true }, "svd 0x3");
  assert.deepEqual(Vh!.tolist(), eye(3).tolist());
  agree([z([2, 0, 3])], { op: "svd", full: false, vectors: true }, "svd batch of 0x3");
  agree([z([0, 0]), z([0, 2])], { op: "solveTriangular", upper: true, unitriangular: false }, "solveTriangular 0x0");
  agree([z([3, 3]), z([3, 0])], { op: "solveTriangular", upper: true, unitriangular: false }, "solveTriangular no columns");
});

test("the results have the properties of their factorizations (n up to 16, float32 and float64)", () => {
  for (const dtype of ["float64", "float32"] as const) {
    const tol = dtype === "float64" ? 1e-11 : 2e-5;
    for (const n of [2, 7, 16]) {
      const A = randn([n + 2, n], { dtype });
      const I = (k: number) => eye(k, { dtype });
      const [Q, R] = dispatchAll("linalg", [A], { op: "qr", mode: "reduced" }) as [Tensor, Tensor];
      assertClose(Q.mT.matmul(Q), I(n), { atol: tol * n, rtol: 0, msg: `QᵀQ = I (${dtype}, ${n})` });
      assert.deepEqual(R.tril(-1).abs().max().item(), 0, "R is upper triangular");
      assertClose(Q.matmul(R), A, { atol: tol * n * 4, rtol: 0, msg: "QR = A" });
      const [U, S, Vh] = dispatchAll("linalg", [A], { op: "svd", full: true, vectors: true }) as [Tensor, Tensor, Tensor];
      assertClose(U.mT.matmul(U), I(n + 2), { atol: tol * n, rtol: 0, msg: "UᵀU = I (full)" });
      assertClose(Vh.matmul(Vh.mT), I(n), { atol: tol * n, rtol: 0, msg: "Vh Vhᵀ = I" });
      assertClose(U.narrow(-1, 0, n).mul(S.unsqueeze(-2)).matmul(Vh), A, { atol: tol * n * 4, rtol: 0, msg: "U S Vh = A" });
      const s = Array.from(S.toTypedArray());
      assert.ok(s.every((v, i) => v >= 0 && (i === 0 || v <= s[i - 1]!)), "S descending and non-negative");
      const M = A.mT.matmul(A);
      const [w, V] = dispatchAll("linalg", [M], { op: "eigh", upper: false, vectors: true }) as [Tensor, Tensor];
      assertClose(V.mul(w.unsqueeze(-2)).matmul(V.mT), M, { atol: tol * n * 20, rtol: tol, msg: "V diag(w) Vᵀ = M" });
      const ws = Array.from(w.toTypedArray());
      assert.ok(ws.every((v, i) => i === 0 || v >= ws[i - 1]!), "w ascending");
      // the eigenvalues of AᵀA are the squared singular values
      assertClose(w.flip(0), S.square(), { atol: tol * 50, rtol: tol * 10, msg: "eig(AᵀA) = S²" });
      const [L] = dispatchAll("linalg", [M.add(I(n))], { op: "cholesky", upper: false });
      assertClose(L!.matmul(L!.mT), M.add(I(n)), { atol: tol * n * 20, rtol: tol, msg: "L Lᵀ = A" });
    }
  }
});

test("ill-conditioned and rank-deficient inputs: kernel and decomposition agree, singular values to eps · σ₁", () => {
  const n = 6;
  const hilbert = tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => 1 / (i + j + 1))), { dtype: "float64" });
  const [s1] = agree([hilbert], { op: "svd", full: false, vectors: false }, "Hilbert svdvals", 1e-14);
  const s = Array.from(s1!.toTypedArray());
  // known: σ₁ ≈ 1.6189, σ₆ ≈ 1.08e-7 for the 6 x 6 Hilbert matrix
  assert.ok(Math.abs(s[0]! - 1.618899858924339) < 1e-12 && Math.abs(s[5]! - 1.0827994845e-7) < 1e-12, `Hilbert singular values ${s}`);
  const rank2 = randn([5, 2], { dtype: "float64" }).matmul(randn([2, 4], { dtype: "float64" }));
  // the columns of U for the zero singular values are any orthonormal completion: each implementation completes
  const attrs: LinalgAttrs = { op: "svd", full: false, vectors: true };
  for (const [U, S] of [cpuLinalg([rank2], attrs, "cpu"), runDecomposition("linalg", [rank2], attrs, "cpu")] as [Tensor, Tensor][]) {
    assert.ok((S.toTypedArray() as Float64Array)[2]! < 1e-14, "zero singular values stay zero");
    assertClose(U.mT.matmul(U), eye(4, { dtype: "float64" }), { atol: 1e-12, rtol: 0, msg: "U is completed to an orthonormal basis" });
  }
  const [Uk, Sk] = cpuLinalg([rank2], attrs, "cpu"), [Ud, Sd] = runDecomposition("linalg", [rank2], attrs, "cpu");
  assertClose(Sk!, Sd!, { atol: 1e-12, rtol: 0, msg: "rank 2: S" });
  assertClose(Uk!.narrow(-1, 0, 2), Ud!.narrow(-1, 0, 2), { atol: 1e-9, rtol: 0, msg: "rank 2: U's determined columns" });
});

test("a backend without the kernel runs the decomposition; its layers see one linalg call", () => {
  const A = tensor([[4, 2], [2, 3]], { dtype: "float64", device: NOFUSED });
  const calls: string[] = [];
  const L = withDispatchLayer((call, next) => {
    calls.push(call.op);
    return next(call);
  }, () => dispatchAll("linalg", [A], { op: "cholesky", upper: false })[0]!);
  assert.deepEqual(calls, ["linalg"]);
  assert.equal(L.device, NOFUSED);
  assertClose(L, [[2, 0], [1, Math.SQRT2]], { atol: 1e-15, rtol: 0 });
  // and the ops built on it run there end to end, errors included
  const B = tensor([[1, 2], [2, 1]], { dtype: "float64", device: NOFUSED });
  assert.throws(() => linalg.cholesky(B), /leading minor of order 2 is not positive-definite/);
  assertClose(linalg.inv(A).matmul(A), eye(2, { dtype: "float64" }), { atol: 1e-14, rtol: 0 });
});

test("the primitive's contract: op, flags, arity, dtypes and shapes are checked, naming linalg", () => {
  const A = randn([3, 3], { dtype: "float64" });
  const bad = (inputs: unknown[], attrs: unknown, cls: new (...a: never[]) => Error, re: RegExp) =>
    assert.throws(() => dispatchAll("linalg", inputs as Tensor[], attrs as LinalgAttrs), (e: unknown) => e instanceof cls && re.test((e as Error).message) && /linalg/.test((e as Error).message));
  bad([A], { op: "eig" }, ArgumentError, /op must be one of cholesky, lu, ldl, qr, geqrf, eigh, svd, solveTriangular/);
  bad([A], { op: "cholesky" }, ArgumentError, /upper must be true or false/);
  bad([A], { op: "qr", mode: "full" }, ArgumentError, /mode must be/);
  bad([A, A], { op: "lu" }, ArgumentError, /expected 1 input tensor/);
  bad([A], { op: "solveTriangular", upper: true, unitriangular: false }, ArgumentError, /expected 2 input tensors/);
  bad([randn([3, 2], { dtype: "float64" })], { op: "cholesky", upper: false }, ShapeError, /square/);
  bad([randn([3, 2], { dtype: "float64" })], { op: "eigh", upper: false, vectors: false }, ShapeError, /square/);
  bad([randn([3])], { op: "svd", full: false, vectors: false }, ShapeError, /at least 2 dims/);
  bad([A.to("int32")], { op: "lu" }, DTypeError, /float32 or float64, got int32/);
  bad([A.to("bfloat16")], { op: "lu" }, DTypeError, /got bfloat16/);
  bad([A, randn([2, 3, 2], { dtype: "float64" })], { op: "solveTriangular", upper: true, unitriangular: false }, ShapeError, /batch dims/);
  bad([A, randn([3, 2])], { op: "solveTriangular", upper: true, unitriangular: false }, DTypeError, /one dtype/);
});

test("compile() records the primitive with its output rule and runs it as eager does", () => {
  const step = compile((A: Tensor, b: Tensor) => linalg.solve(A.matmul(A.mT).add(eye(3, { dtype: "float64" })), b).mul(2));
  const A = randn([2, 3, 3], { dtype: "float64" }), b = randn([2, 3], { dtype: "float64" });
  const want = linalg.solve(A.matmul(A.mT).add(eye(3, { dtype: "float64" })), b).mul(2);
  for (let i = 0; i < 2; i++) assertClose(step(A, b), want, { atol: 1e-12, rtol: 0 });
  const eig = compile((M: Tensor) => linalg.eigvalsh(M.add(M.mT)));
  const M = randn([4, 4], { dtype: "float64" });
  assertClose(eig(M), linalg.eigvalsh(M.add(M.mT)), { atol: 1e-12, rtol: 0 });
});

test("ldl: the kernel's LD, pivots and info have the contract's shapes; the decomposition refuses it by name (CPU only)", () => {
  const A0 = randn([2, 4, 4], { dtype: "float64" });
  const A = A0.add(A0.mT);
  const outs = cpuLinalg([A], { op: "ldl" }, "cpu");
  const specs = linalgOutputs([A], { op: "ldl" });
  outs.forEach((x, i) => assert.deepEqual([[...x.shape], x.dtype], [specs[i]!.shape, specs[i]!.dtype]));
  assert.throws(() => runDecomposition("linalg", [A], { op: "ldl" }, "cpu"), /ldlFactor: Bunch-Kaufman LDLᵀ runs on the CPU only/);
  bad2([A.narrow(-1, 0, 3)], { op: "ldl" });
});
function bad2(inputs: Tensor[], attrs: LinalgAttrs): void {
  assert.throws(() => dispatchAll("linalg", inputs, attrs), (e: unknown) => e instanceof ShapeError && /square/.test((e as Error).message));
}

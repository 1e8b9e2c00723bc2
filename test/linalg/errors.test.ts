/**
 * linalg's errors: each bad call of test/fixtures/linalg_torch.json's `errors` raises a
 * FluxionError whose message carries PyTorch 1.13's (its op names and dtypes written as
 * Fluxion writes them; Fluxion adds the shapes in parentheses and, where an op fails inside
 * another, the outer op's name in front), of the right class: LinAlgError for singular, not
 * positive-definite and non-finite matrices. Also: info-based errors per batch element, the
 * `*Ex` forms that return info instead, and the gradient errors of qr.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, FluxionError, LinAlgError, ShapeError, cholesky, eye, inverse, linalg, ones, stack, tensor, zeros, type Tensor } from "../../src/index.js";
import { FIXTURE } from "./cases.js";

const f64 = { dtype: "float64" as const };
const npd = () => tensor([[1, 2], [2, 1]]);

/** The Fluxion form of each fixture call (same arguments). */
const CALLS: Record<string, () => unknown> = {
  "cholesky not positive-definite": () => linalg.cholesky(npd()),
  "cholesky batch element": () => linalg.cholesky(stack([eye(2), npd()])),
  "cholesky not square": () => linalg.cholesky(ones(2, 3)),
  "cholesky 1-D": () => linalg.cholesky(ones(3)),
  "cholesky int64": () => linalg.cholesky(ones(2, 2, { dtype: "int64" })),
  "torch.cholesky not positive-definite": () => cholesky(npd()),
  "inv singular": () => linalg.inv(zeros(2, 2)),
  "inv batch element": () => linalg.inv(zeros(3, 2, 2)),
  "inv not square": () => linalg.inv(ones(2, 3)),
  "inverse singular": () => inverse(zeros(2, 2)),
  "inv bfloat16": () => linalg.inv(ones(2, 2, { dtype: "bfloat16" })),
  "solve singular": () => linalg.solve(zeros(2, 2), ones(2)),
  "solve batch element": () => linalg.solve(zeros(3, 2, 2), ones(3, 2)),
  "solve shapes": () => linalg.solve(eye(2), ones(3)),
  "solve shapes left=False": () => linalg.solve(eye(2), ones(2, 3), { left: false }),
  "solve dtypes": () => linalg.solve(eye(2), ones(2, 2, f64)),
  "det not square": () => linalg.det(ones(2, 3)),
  "det int64": () => linalg.det(ones(2, 2, { dtype: "int64" })),
  "eigh not square": () => linalg.eigh(ones(2, 3)),
  "svd 1-D": () => linalg.svd(ones(2)),
  "svd non-finite": () => linalg.svd(tensor([[NaN, 1], [1, 1]])),
  "svd driver": () => linalg.svd(ones(2, 2), { driver: "gesvd" }),
  "qr 1-D": () => linalg.qr(ones(2)),
  "solveTriangular shapes": () => linalg.solveTriangular(ones(2, 2), ones(3, 2), { upper: true }),
  "solveTriangular 1-D B": () => linalg.solveTriangular(ones(2, 2), ones(2), { upper: true }),
  "solveTriangular shapes left=False": () => linalg.solveTriangular(ones(2, 2), ones(2, 3), { upper: true, left: false }),
  "matrixNorm order": () => linalg.matrixNorm(ones(2, 2), 3),
  "matrixNorm 1-D": () => linalg.matrixNorm(ones(2)),
  "matrixNorm same dims": () => linalg.matrixNorm(ones(2, 2), { dim: [0, 0] }),
  "vectorNorm int64": () => linalg.vectorNorm(ones(2, 2, { dtype: "int64" })),
  "vectorNorm inf of empty": () => linalg.vectorNorm(zeros(0), Infinity),
  "vectorNorm dtype narrowing": () => linalg.vectorNorm(ones(2, 2, f64), { dtype: "float32" }),
  "norm 3-D with ord": () => linalg.norm(ones(2, 2, 2), 2),
  "norm dim of length 3": () => linalg.norm(ones(2, 2), { dim: [0, 1, 1] }),
  "cross length": () => linalg.cross(ones(2, 2), ones(2, 2)),
  "cross ndim": () => linalg.cross(ones(2, 3), ones(3)),
  "matrixPower not square": () => linalg.matrixPower(ones(2, 3), 2),
  "matrixPower singular inverse": () => linalg.matrixPower(zeros(2, 2), -1),
  "multiDot one tensor": () => linalg.multiDot([ones(2, 3)]),
  "multiDot shapes": () => linalg.multiDot([ones(2, 3), ones(2, 3)]),
  "multiDot 3-D middle": () => linalg.multiDot([ones(3, 3), ones(2, 3, 3), ones(3)]),
  "multiDot 3-D first": () => linalg.multiDot([ones(2, 3, 3), ones(3, 3)]),
  "lstsq rows": () => linalg.lstsq(ones(3, 2), ones(2, 2)),
  "lstsq driver": () => linalg.lstsq(ones(3, 2), ones(3, 2), { driver: "foo" }),
  "lstsq dtypes": () => linalg.lstsq(ones(3, 2, f64), ones(3, 2)),
  "lstsq 1-D A": () => linalg.lstsq(ones(3), ones(3)),
  "vander N": () => linalg.vander(tensor(1)),
};

/** PyTorch's spelling of names as Fluxion's. */
const TORCH_NAMES: [RegExp, string][] = [
  [/linalg\.solve_triangular/g, "linalg.solveTriangular"], [/linalg\.matrix_norm/g, "linalg.matrixNorm"], [/linalg\.vector_norm/g, "linalg.vectorNorm"],
  [/linalg\.matrix_power/g, "linalg.matrixPower"], [/multi_dot\(\):/g, "multiDot:"],
  [/\bLong\b/g, "int64"], [/\bFloat\b/g, "float32"], [/\bDouble\b/g, "float64"], [/\bBFloat16\b/g, "bfloat16"],
];

/** Fluxion's message without the parentheses it adds: "(shape [2, 3])", "(got ...)", "(shapes ...)". */
function withoutAdditions(msg: string): string {
  return msg.replace(/\s*\((?:got |shapes? |input shape |A of shape )[^()]*(?:\([^()]*\)[^()]*)*\)/g, "");
}

function errorOf(fn: () => unknown): FluxionError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FluxionError, `not a FluxionError: ${String(e)}`);
    return e;
  }
  assert.fail("no error");
}

describe("linalg errors carry PyTorch 1.13's messages", () => {
  it("every fixture error has a Fluxion call", () => {
    assert.deepEqual(Object.keys(CALLS).sort(), Object.keys(FIXTURE.errors).sort());
  });
  for (const [name, torchMsg] of Object.entries(FIXTURE.errors)) {
    it(name, () => {
      assert.ok(torchMsg, "PyTorch raised");
      const e = errorOf(CALLS[name]!);
      let expected = torchMsg;
      for (const [re, to] of TORCH_NAMES) expected = expected.replace(re, to);
      assert.ok(withoutAdditions(e.message).includes(expected), `Fluxion: ${e.message}\nPyTorch: ${torchMsg}`);
      if (/singular|positive-definite|non-finite/.test(torchMsg)) assert.ok(e instanceof LinAlgError, `${e.constructor.name}, expected LinAlgError`);
      if (/dtype|Long|BFloat16|Double/.test(torchMsg)) assert.ok(e instanceof DTypeError, `${e.constructor.name}, expected DTypeError`);
    });
  }
});

describe("linalg error details", () => {
  it("shape errors name the shapes", () => {
    assert.match(errorOf(() => linalg.cholesky(ones(2, 3))).message, /\[2, 3\]/);
    assert.match(errorOf(() => linalg.solve(eye(2), ones(2, 2, f64))).message, /float32.*float64/);
    assert.ok(errorOf(() => linalg.qr(ones(4))) instanceof ShapeError);
  });

  it("the batch element named is the first failing one, counted over all batch dims", () => {
    const A = eye(2).expand([2, 3, 2, 2]).clone();
    const bad = A.index(1, 2);
    bad.mul_(-1);
    assert.match(errorOf(() => linalg.cholesky(A)).message, /\(Batch element 5\): .* order 1 is not positive-definite/);
    const S = eye(3).expand([4, 3, 3]).clone();
    S.index(2).index(1).zero_();
    assert.match(errorOf(() => linalg.inv(S)).message, /\(Batch element 2\): The diagonal element 2 is zero/);
  });

  it("the Ex forms return info instead of raising, and raise with checkErrors", () => {
    const A = stack([eye(2), npd(), eye(2).mul(-1)]);
    const { info } = linalg.choleskyEx(A);
    assert.deepEqual(info.tolist(), [0, 2, 1]);
    assert.equal(info.dtype, "int32");
    assert.throws(() => linalg.choleskyEx(A, { checkErrors: true }), LinAlgError);
    const sing = stack([eye(2), zeros(2, 2)]);
    assert.deepEqual(linalg.invEx(sing).info.tolist(), [0, 1]);
    assert.throws(() => linalg.invEx(sing, { checkErrors: true }), /linalg.inv: \(Batch element 1\)/);
    const r = linalg.solveEx(sing, ones(2, 2));
    assert.deepEqual(r.info.tolist(), [0, 1]);
    assert.deepEqual(r.result.shape, [2, 2]);
    assert.throws(() => linalg.solveEx(sing, ones(2, 2), { checkErrors: true }), LinAlgError);
  });

  it("a failed check leaves nothing behind: the same call on a good input still works", () => {
    assert.throws(() => linalg.inv(zeros(2, 2)));
    assert.deepEqual(linalg.inv(eye(2).mul(2)).tolist(), [[0.5, 0], [0, 0.5]]);
  });

  it("qr is not differentiable with mode r, nor complete with more rows than columns (raised in backward, as PyTorch)", () => {
    const A = ones(3, 2, f64).add(eye(3, 2, f64)).requiresGrad_(true);
    const R = linalg.qr(A, "r").R;
    assert.throws(() => R.sum().backward(), /depends on Q, which is not computed when mode='r'/);
    const [Q] = linalg.qr(A, "complete");
    assert.throws(() => (Q as Tensor).sum().backward(), /not differentiable when mode='complete' and nrows > ncols/);
    const B = ones(2, 3, f64).add(eye(2, 3, f64)).requiresGrad_(true);
    linalg.qr(B, "complete").Q.sum().backward(); // m <= n: fine
    assert.ok(B.grad);
  });

  it("integer and bool inputs are refused where PyTorch refuses them, with the dtype named", () => {
    for (const fn of [() => linalg.inv(ones(2, 2, { dtype: "int32" })), () => linalg.svdvals(ones(2, 2, { dtype: "bool" })), () => linalg.eigh(ones(2, 2, { dtype: "int64" })), () => linalg.pinv(ones(2, 2, { dtype: "int32" }))]) {
      const e = errorOf(fn);
      assert.ok(e instanceof DTypeError, e.message);
      assert.match(e.message, /int32|int64|bool/);
    }
    // the norms take half precision; the factorizations do not
    assert.equal(linalg.vectorNorm(ones(3, { dtype: "bfloat16" })).dtype, "bfloat16");
    assert.ok(errorOf(() => linalg.svd(ones(2, 2, { dtype: "float16" }))) instanceof DTypeError);
  });
});

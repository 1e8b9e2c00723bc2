/**
 * nn.CrossMapLRN2d against PyTorch 1.13 (test/fixtures/cross_map_lrn2d_torch.json, from
 * cross_map_lrn2d_torch.py): its legacy forward (channel 0's square stays in every window) and
 * its hand-written backward, for sizes 1 to 9 (size 1's backward fails there, and here), float32
 * and float64; the reprs; the 4-D and dtype checks; and LocalResponseNorm's values where channel
 * 0 is zero.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AutogradError, DTypeError, ShapeError, nn, randn, tensor, zeros, type Tensor } from "../../src/index.js";

interface Enc { dtype: "float32" | "float64"; shape: number[]; v: number[] }
interface Case { size: number; alpha: number; beta: number; k: number; x: Enc; y: Enc; g: Enc; gx?: Enc; grad_error?: string }
const FIX = JSON.parse(readFileSync(new URL("../fixtures/cross_map_lrn2d_torch.json", import.meta.url), "utf8")) as { torch: string; cases: Case[]; reprs: Record<string, string> };
const dec = (e: Enc, requiresGrad = false): Tensor => tensor(e.dtype === "float64" ? Float64Array.from(e.v) : Float32Array.from(e.v), { shape: e.shape, requiresGrad });

function close(got: Tensor, want: Enc, what: string): void {
  assert.deepEqual([got.dtype, got.shape], [want.dtype, want.shape], what);
  const tol = want.dtype === "float32" ? 2e-5 : 1e-12;
  const g = Array.from(got.toTypedArray() as Float64Array);
  want.v.forEach((w, i) => assert.ok(Math.abs(g[i]! - w) <= tol * Math.max(1, Math.abs(w)), `${what}[${i}]: ${g[i]} vs ${w}`));
}

for (const c of FIX.cases) {
  test(`CrossMapLRN2d(${c.size}, ${c.alpha}, ${c.beta}, ${c.k}) on ${c.x.dtype} [${c.x.shape}] matches PyTorch ${FIX.torch}: forward and backward`, () => {
    const x = dec(c.x, true);
    const y = new nn.CrossMapLRN2d(c.size, c.alpha, c.beta, c.k).forward(x);
    close(y, c.y, "y");
    if (c.grad_error) {
      assert.throws(() => y.backward(dec(c.g)), (e: unknown) => e instanceof AutogradError && /size 1 fails in PyTorch/.test(e.message));
      return;
    }
    y.backward(dec(c.g));
    close(x.grad!, c.gx!, "grad");
  });
}

test("CrossMapLRN2d prints as PyTorch's and checks its input", () => {
  assert.equal(String(new nn.CrossMapLRN2d(3)), FIX.reprs.default);
  assert.equal(String(new nn.CrossMapLRN2d(5, 1e-3, 0.5, 2)), FIX.reprs.custom);
  assert.equal(String(new nn.CrossMapLRN2d({ size: 5, alpha: 1e-3, beta: 0.5, k: 2 })), FIX.reprs.custom);
  const m = new nn.CrossMapLRN2d(3);
  assert.throws(() => m.forward(zeros([5, 2, 3])), (e: unknown) => e instanceof ShapeError && /expected a 4-D input/.test(e.message));
  assert.throws(() => m.forward(zeros([1, 3, 2, 2], { dtype: "int32" })), DTypeError);
  assert.throws(() => new nn.CrossMapLRN2d(0), ShapeError);
  assert.deepEqual(m.parameters().length, 0);
});

test("where channel 0 is zero (its square stays in every window) it agrees with LocalResponseNorm", () => {
  const x = randn([2, 6, 3, 3], { dtype: "float64" });
  x.narrow(1, 0, 1).zero_();
  for (const size of [1, 3, 5]) {
    const c = new nn.CrossMapLRN2d(size, 0.3, 0.75, 2).forward(x), d = new nn.LocalResponseNorm(size, 0.3, 0.75, 2).forward(x);
    assert.ok((c.sub(d).abs().max().item() as number) < 1e-14, `size ${size}`);
  }
  // with it nonzero they differ (PyTorch's quirk, kept)
  const y = randn([1, 6, 2, 2], { dtype: "float64" });
  assert.ok((new nn.CrossMapLRN2d(3, 0.3, 0.75, 2).forward(y).sub(new nn.LocalResponseNorm(3, 0.3, 0.75, 2).forward(y)).abs().max().item() as number) > 1e-6);
});

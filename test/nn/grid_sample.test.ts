/**
 * F.affineGrid and F.gridSample against PyTorch 1.13 (test/fixtures/grid_sample_torch.py):
 * values and both gradients (input and grid) for every mode x padding mode x alignCorners,
 * 4-D and 5-D, grids outside [-1, 1], on exact borders and on rounding ties; float32 cases;
 * gradcheck in float64; errors naming the op.
 */
import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { autograd, nn, tensor, zeros, DTypeError, ShapeError, ArgumentError, FluxionError, type Tensor } from "../../src/index.js";
import { assertClose, fluxionErrorMessage, randomTensor } from "../helpers.js";

const F = nn.F;
const REF = JSON.parse(readFileSync(new URL("../fixtures/grid_sample_torch.json", import.meta.url), "utf8"));
type Enc = { shape: number[]; v: number[] };
const make = (e: Enc, dtype: "float32" | "float64" = "float64", requiresGrad = false) => tensor(e.v, { shape: e.shape, dtype, requiresGrad });

describe("F.affineGrid against PyTorch", () => {
  for (const c of REF.affine) {
    it(`${c.name}: grid and theta gradient`, () => {
      const theta = make(c.theta, "float64", true);
      const y = F.affineGrid(theta, c.size, c.alignCorners);
      assert.deepEqual(y.shape, c.out.shape);
      assertClose(y, c.out.v, { atol: 1e-12, rtol: 1e-12 });
      y.mul(make(c.gout)).sum().backward();
      assertClose(theta.grad, c.grad.v, { atol: 1e-12, rtol: 1e-12 });
    });
  }
});

describe("F.gridSample against PyTorch", () => {
  for (const c of REF.sample) {
    it(`${c.name}: output, input gradient and grid gradient`, () => {
      const dtype = c.dtype as "float32" | "float64";
      const input = make(c.input, dtype, true), grid = make(c.grid, dtype, true);
      const y = F.gridSample(input, grid, c.mode, c.paddingMode, c.alignCorners);
      assert.deepEqual(y.shape, c.out.shape);
      assert.equal(y.dtype, dtype);
      const tol = dtype === "float32" ? { atol: 1e-5, rtol: 1e-5 } : { atol: 1e-12, rtol: 1e-10 };
      assertClose(y, c.out.v, { ...tol, msg: "out" });
      y.mul(make(c.gout, dtype)).sum().backward();
      assertClose(input.grad, c.gradInput.v, { ...tol, msg: "grad input" });
      // PyTorch's nearest mode gives the grid a zero gradient (not none): so here
      assert.ok(grid.grad, "grid has a gradient");
      assertClose(grid.grad, c.gradGrid.v, { ...tol, atol: dtype === "float32" ? 1e-4 : 1e-10, msg: "grad grid" });
    });
  }
});

test("the options object and positional arguments agree; alignCorners left out warns once and means false", () => {
  const c = REF.sample.find((s: { name: string }) => s.name === "4d_bicubic_reflection_alignTrue");
  const input = make(c.input), grid = make(c.grid);
  const a = F.gridSample(input, grid, { mode: "bicubic", paddingMode: "reflection", alignCorners: true });
  assertClose(a, c.out.v, { atol: 1e-12, rtol: 1e-10 });
  const plain = REF.sample.find((s: { name: string }) => s.name === "4d_bilinear_zeros_alignFalse");
  const warn = console.warn;
  const seen: string[] = [];
  console.warn = (m: string) => seen.push(m);
  try {
    assertClose(F.gridSample(make(plain.input), make(plain.grid)), plain.out.v, { atol: 1e-12, rtol: 1e-10 });
    F.gridSample(make(plain.input), make(plain.grid));
  } finally {
    console.warn = warn;
  }
  assert.ok(seen.length <= 1 && seen.every((m) => /alignCorners/.test(m)));
});

test("gradcheck in float64: gridSample (bilinear and bicubic, away from kinks) and affineGrid", () => {
  const input = randomTensor([1, 2, 4, 5], { seed: 3, requiresGrad: true });
  // grid points away from integer pixel coordinates, where the interpolation is smooth
  const grid = tensor([[[[-0.61, 0.33], [0.27, -0.48]], [[0.71, 0.12], [-0.15, 0.58]]]], { dtype: "float64", requiresGrad: true });
  for (const mode of ["bilinear", "bicubic"] as const) {
    for (const paddingMode of ["zeros", "border", "reflection"] as const) {
      assert.ok(autograd.gradcheck((x, g) => F.gridSample(x!, g!, { mode, paddingMode, alignCorners: false }), [input, grid]), `${mode} ${paddingMode}`);
    }
  }
  const theta = randomTensor([2, 2, 3], { seed: 5, requiresGrad: true });
  assert.ok(autograd.gradcheck((t) => F.affineGrid(t!, [2, 1, 3, 4], { alignCorners: false }), [theta]));
  const theta3 = randomTensor([1, 3, 4], { seed: 6, requiresGrad: true });
  assert.ok(autograd.gradcheck((t) => F.affineGrid(t!, [1, 1, 2, 3, 2], { alignCorners: true }), [theta3]));
});

test("the identity transform reproduces the image (alignCorners false and true), and a flip flips it", () => {
  const img = randomTensor([2, 3, 5, 7], { seed: 9 });
  for (const alignCorners of [false, true]) {
    const theta = tensor([[[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]]], { dtype: "float64" });
    const grid = F.affineGrid(theta, [2, 3, 5, 7], { alignCorners });
    assertClose(F.gridSample(img, grid, { alignCorners }), img, { atol: 1e-12 });
    const flipX = tensor([[[-1, 0, 0], [0, 1, 0]], [[-1, 0, 0], [0, 1, 0]]], { dtype: "float64" });
    assertClose(F.gridSample(img, F.affineGrid(flipX, [2, 3, 5, 7], { alignCorners }), { alignCorners, mode: "nearest" }), img.flip(3), { atol: 1e-12 });
  }
});

test("errors name gridSample / affineGrid with the shapes and dtypes, as PyTorch's checks", () => {
  const E = REF.errors;
  const x4 = zeros([1, 1, 3, 3]), g4 = zeros([1, 2, 2, 2]);
  const msg = (f: () => unknown) => fluxionErrorMessage(f, "the call");
  assert.match(msg(() => F.gridSample(x4, g4, { mode: "area" as never })), /gridSample.*mode/);
  assert.match(msg(() => F.gridSample(x4, g4, { paddingMode: "wrap" as never })), /gridSample.*paddingMode/);
  assert.match(E.batch, /same batch size/);
  assert.throws(() => F.gridSample(x4, zeros([2, 2, 2, 2]), { alignCorners: false }), (e) => e instanceof ShapeError && /^gridSample: expected grid and input to have same batch size, but got input with sizes \[1, 1, 3, 3\] and grid with sizes \[2, 2, 2, 2\]/.test(e.message));
  assert.throws(() => F.gridSample(x4, zeros([1, 2, 2, 3]), { alignCorners: false }), (e) => e instanceof ShapeError && /size 2 in last dimension.*\[1, 2, 2, 3\]/.test(e.message));
  assert.throws(() => F.gridSample(x4, zeros([1, 2, 2, 2, 2]), { alignCorners: false }), (e) => e instanceof ShapeError && /4D or 5D input and grid with same number of dimensions/.test(e.message));
  assert.match(E.bicubic5d, /bicubic interpolation only supports 4D input/);
  assert.throws(() => F.gridSample(zeros([1, 1, 2, 2, 2]), zeros([1, 1, 1, 1, 3]), { mode: "bicubic", alignCorners: false }), (e) => e instanceof ShapeError && /gridSample: bicubic interpolation only supports 4D input/.test(e.message));
  assert.throws(() => F.gridSample(zeros([1, 1, 0, 3]), g4, { alignCorners: false }), (e) => e instanceof ShapeError && /non-empty spatial dimensions.*dimension 2 being empty/.test(e.message));
  assert.throws(() => F.gridSample(x4, g4.double(), { alignCorners: false }), (e) => e instanceof DTypeError && /gridSample.*float32.*float64/.test(e.message));
  assert.throws(() => F.gridSample(x4.int(), g4.int(), { alignCorners: false }), DTypeError);
  assert.throws(() => F.gridSample(x4, [[1]] as never), ArgumentError);
  assert.match(E.theta_shape, /Nx2x3/);
  assert.throws(() => F.affineGrid(zeros([1, 3, 3]), [1, 1, 2, 2], { alignCorners: false }), (e) => e instanceof ShapeError && /affineGrid: Expected a batch of 2D affine matrices of shape Nx2x3 for size \[1, 1, 2, 2\]\. Got \[1, 3, 3\]/.test(e.message));
  assert.throws(() => F.affineGrid(zeros([1, 2, 3], { dtype: "int64" }), [1, 1, 2, 2], { alignCorners: false }), (e) => e instanceof DTypeError && /floating point type, but got int64/.test(e.message));
  assert.throws(() => F.affineGrid(zeros([1, 2, 3]), [1, 2, 2], { alignCorners: false }), (e) => e instanceof ShapeError && /only supports 4D and 5D sizes/.test(e.message));
  assert.throws(() => F.affineGrid(zeros([1, 2, 3]), [1, 1, 0, 2], { alignCorners: false }), (e) => e instanceof ShapeError && /non-zero, positive output size/.test(e.message));
  assert.throws(() => F.affineGrid(zeros([2, 2, 3]), [1, 1, 2, 2], { alignCorners: false }), (e) => e instanceof FluxionError && /affineGrid.*batch of 1/.test(e.message));
});

test("empty batches and empty output grids give empty results", () => {
  const y = F.gridSample(zeros([0, 2, 3, 3]), zeros([0, 4, 4, 2]), { alignCorners: false });
  assert.deepEqual(y.shape, [0, 2, 4, 4]);
  const z = F.gridSample(zeros([1, 2, 3, 3]), zeros([1, 0, 4, 2]), { alignCorners: false });
  assert.deepEqual(z.shape, [1, 2, 0, 4]);
});

test("huge and infinite grid coordinates read zeros (zeros padding) or the border, never garbage", () => {
  const img = randomTensor([1, 1, 3, 3], { seed: 2, lo: 1, hi: 2 });
  const grid = tensor([[[[1e30, 0], [-Infinity, 0], [0, 1e12]]]], { dtype: "float64" });
  const z = F.gridSample(img, grid, { alignCorners: false }) as Tensor;
  assert.deepEqual(Array.from(z.toTypedArray()), [0, 0, 0]);
  const b = F.gridSample(img, grid, { paddingMode: "border", alignCorners: true });
  assertClose(b, [img.select(2, 1).select(2, 2).item(), img.select(2, 1).select(2, 0).item(), img.select(2, 2).select(2, 1).item()], { atol: 1e-12 });
});

test("the spatial transformer tutorial's module: theta from a Linear, affineGrid then gridSample, gradients reach the localization net", () => {
  class STN extends nn.Module {
    fcLoc = new nn.Linear(2 * 6 * 6, 6);
    constructor() {
      super();
      // the tutorial's init: identity transform
      this.fcLoc.weight.data.zero_();
      this.fcLoc.bias!.data.copy_(tensor([1, 0, 0, 0, 1, 0]));
    }
    forward(x: Tensor): Tensor {
      const theta = this.fcLoc(x.flatten(1)).view(-1, 2, 3);
      const grid = F.affineGrid(theta, x.shape, { alignCorners: false });
      return F.gridSample(x, grid, { alignCorners: false });
    }
  }
  const stn = new STN();
  const x = randomTensor([3, 2, 6, 6], { seed: 30, dtype: "float32" });
  const y = stn(x);
  assertClose(y, x, { atol: 1e-5 }); // identity at init
  y.mul(randomTensor([3, 2, 6, 6], { seed: 31, dtype: "float32" })).sum().backward();
  const g = stn.fcLoc.bias!.grad!;
  assert.deepEqual(g.shape, [6]);
  assert.ok((g.abs().sum().item() as number) > 1e-3, "the transform's parameters get a gradient");
  assert.ok((stn.fcLoc.weight.grad!.abs().sum().item() as number) > 1e-3);
});

/**
 * The torch-namespace nn forms against PyTorch 1.13 (test/fixtures/torch_namespace_torch.json,
 * written by torch_namespace_torch.py): the losses with reduction as ATen's int enum,
 * torch.convolution for every rank, transposed or not, constantPadNd, maxPool1dWithIndices, the
 * native_* normalizations (their tuples, the running statistics they update), the functional RNN
 * cells (values and gradients to every input), normExceptDim and svdLowrank/pcaLowrank
 * (singular values and reconstructions); then featureDropout,
 * nativeDropout and matrixRank, and the errors PyTorch raises.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { FluxionError, Generator, manualSeed, ones, tensor, type DType, type Tensor } from "../../src/index.js";
import { assertValues, decAll } from "../fixtures/math_ref.js";

type Enc = { t: unknown[]; shape: number[]; dtype: string };
type Case = { inputs: Record<string, Enc>; results: Enc[]; reduction?: number; grads?: (Enc | null)[]; noBias?: Enc[]; pow?: number; dim?: number };
const FX: Record<string, Case> = JSON.parse(readFileSync(new URL("../fixtures/torch_namespace_torch.json", import.meta.url), "utf8"));

const dec = (e: Enc, requiresGrad = false): Tensor => tensor(decAll(e.t), { dtype: e.dtype as DType, requiresGrad }).reshape(e.shape).detach().requiresGrad_(requiresGrad);
function inputs(c: Case, requiresGrad = false): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, dec(v, requiresGrad)]));
}
function check(name: string, got: Tensor | readonly Tensor[], expected: readonly Enc[], rtol = 1e-10, atol = 1e-12): void {
  const outs = Array.isArray(got) ? got : [got as Tensor];
  assert.equal(outs.length, expected.length, `${name}: ${outs.length} results, PyTorch gives ${expected.length}`);
  outs.forEach((o, i) => {
    const e = expected[i]!;
    assert.deepEqual([...o.shape], e.shape, `${name}[${i}] shape`);
    assert.equal(o.dtype, e.dtype, `${name}[${i}] dtype`);
    assertValues(o, decAll(e.t), { rtol, atol, msg: `${name}[${i}]` });
  });
}

test("torch-level losses take reduction as ATen's int (0 none, 1 mean, 2 sum) and match PyTorch", () => {
  for (const r of [0, 1, 2]) {
    let c = FX[`bcel${r}`]!, i = inputs(c);
    check(`bcel${r}`, fx.binaryCrossEntropyWithLogits(i.x!, i.t!, i.w!, i.pw!, r), c.results);
    c = FX[`cos${r}`]!; i = inputs(c);
    check(`cos${r}`, fx.cosineEmbeddingLoss(i.a!, i.b!, i.t!, 0.1, r), c.results);
    c = FX[`hinge${r}`]!; i = inputs(c);
    check(`hinge${r}`, fx.hingeEmbeddingLoss(i.x!, i.t!, 0.7, r), c.results);
    c = FX[`kl${r}`]!; i = inputs(c);
    check(`kl${r}`, fx.klDiv(i.x!, i.t!, r), c.results);
    c = FX[`klLog${r}`]!; i = inputs(c);
    check(`klLog${r}`, fx.klDiv(i.x!, i.t!, r, { logTarget: true }), c.results);
    c = FX[`mrl${r}`]!; i = inputs(c);
    check(`mrl${r}`, fx.marginRankingLoss(i.a!, i.b!, i.t!, 0.2, r), c.results);
    c = FX[`pnll${r}`]!; i = inputs(c);
    check(`pnll${r}`, fx.poissonNllLoss(i.x!, i.t!, true, true, 1e-8, r), c.results);
    c = FX[`pnllRaw${r}`]!; i = inputs(c);
    check(`pnllRaw${r}`, fx.poissonNllLoss(i.x!, i.t!, false, false, 1e-8, r), c.results);
    c = FX[`triplet${r}`]!; i = inputs(c);
    check(`triplet${r}`, fx.tripletMarginLoss(i.a!, i.p!, i.n!, 0.5, 1.5, 1e-6, true, r), c.results, 1e-9);
    c = FX[`ctc${r}`]!; i = inputs(c);
    check(`ctc${r}`, fx.ctcLoss(i.lp!, i.t!, [5, 4], [2, 1], 0, r, false), c.results, 1e-9);
  }
  // the defaults: margin and reduction 1 (mean)
  const i = inputs(FX.kl1!);
  check("kl default", fx.klDiv(i.x!, i.t!), FX.kl1!.results);
  assert.throws(() => fx.klDiv(i.x!, i.t!, 3), (e: Error) => e instanceof FluxionError && /reduction must be 0 \(none\), 1 \(mean\) or 2 \(sum\).*got 3/.test(e.message));
  assert.throws(() => fx.klDiv(i.x!, i.t!, "mean" as never), FluxionError);
});

test("torch.convolution picks the convolution by the weight's rank and the transposed flag", () => {
  let c = FX.conv1d!, i = inputs(c);
  check("conv1d", fx.convolution(i.x!, i.w!, i.b!, [2], [1], [2], false, [0], 2), c.results);
  c = FX.convT1d!; i = inputs(c);
  check("convT1d", fx.convolution(i.x!, i.w!, i.b!, [2], [1], [1], true, [1], 2), c.results);
  c = FX.conv2d!; i = inputs(c);
  check("conv2d", fx.convolution(i.x!, i.w!, null, [1, 2], [1, 0], [1, 1], false, [0, 0], 1), c.results);
  c = FX.convT2d!; i = inputs(c);
  check("convT2d", fx.convolution(i.x!, i.w!, null, [2, 2], [0, 1], [1, 1], true, [1, 0], 1), c.results);
  c = FX.conv3d!; i = inputs(c);
  check("conv3d", fx.convolution(i.x!, i.w!, null, [1], [0], [1], false, [0], 1), c.results);
  assert.throws(() => fx.convolution(i.x!, ones([2, 2]), null, [1], [0], [1], false, [0], 1), /convolution: expected a weight of 3, 4 or 5 dims/);
  assert.throws(() => fx.convolution(i.x!, i.w!, null, [1, 1], [0], [1], false, [0], 1), /expected stride to be a single integer value or a list of 3 values/);
  // every argument is required, as in ATen
  assert.throws(() => (fx.convolution as (...a: unknown[]) => Tensor)(i.x!, i.w!, null), FluxionError);
});

test("constantPadNd pads (negative pads crop) and maxPool1dWithIndices returns (values, indices)", () => {
  let c = FX.pad!, i = inputs(c);
  check("pad", fx.constantPadNd(i.x!, [1, -1, 0, 2], 3.5), c.results);
  assert.throws(() => fx.constantPadNd(i.x!, [1, 0, 1]), /constantPadNd: Length of pad must be even but instead it equals 3/);
  c = FX.maxpool!; i = inputs(c);
  const [v, idx] = fx.maxPool1dWithIndices(i.x!, 3, 2, 1, 1, true);
  check("maxpool", v, [c.results[0]!]);
  // indices are int32, as every Fluxion pooling's (docs/pytorch.md), where PyTorch's are int64
  assert.equal(idx.dtype, "int32");
  check("maxpool indices", idx.long(), [c.results[1]!]);
  // stride defaults to the kernel size
  assert.deepEqual(fx.maxPool1dWithIndices(i.x!, 3)[0].shape, [1, 2, 2]);
});

test("nativeLayerNorm / nativeBatchNorm / nativeGroupNorm return PyTorch's (output, mean, rstd) tuples", () => {
  let c = FX.nativeLayerNorm!, i = inputs(c);
  check("nativeLayerNorm", fx.nativeLayerNorm(i.x!, [3, 4], i.w!, i.b!, 1e-5), c.results, 1e-9, 1e-12);
  c = FX.nativeBatchNormTrain!; i = inputs(c);
  const [out, mean, invstd] = fx.nativeBatchNorm(i.x!, i.w!, i.b!, i.rm!, i.rv!, true, 0.1, 1e-5);
  // the running statistics are updated in place, as PyTorch's
  check("nativeBatchNormTrain", [out, mean, invstd, i.rm!, i.rv!], c.results, 1e-9, 1e-12);
  c = FX.nativeBatchNormEval!; i = inputs(c);
  check("nativeBatchNormEval", fx.nativeBatchNorm(i.x!, i.w!, i.b!, i.rm!, i.rv!, false, 0.1, 1e-5), c.results, 1e-9, 1e-12);
  c = FX.nativeGroupNorm!; i = inputs(c);
  check("nativeGroupNorm", fx.nativeGroupNorm(i.x!, i.w!, i.b!, 2, 4, 3, 2, 1e-5), c.results, 1e-9, 1e-12);
  assert.throws(() => fx.nativeGroupNorm(i.x!, i.w!, i.b!, 2, 4, 4, 2, 1e-5), /nativeGroupNorm: Expected input of shape \[N=2, C=4, \*\] with 4 \(HxW\)/);
  // every argument is required, as in ATen
  assert.throws(() => (fx.nativeLayerNorm as (...a: unknown[]) => unknown)(i.x!, [3]), FluxionError);
});

test("the functional RNN cells match PyTorch's values and gradients, with and without biases", () => {
  for (const name of ["rnnTanhCell", "rnnReluCell", "gruCell", "lstmCell"] as const) {
    const c = FX[name]!, i = inputs(c, true);
    const outs: Tensor[] = name === "lstmCell"
      ? [...fx.lstmCell(i.x!, [i.h!, i.c!], i.wih!, i.whh!, i.bih!, i.bhh!)]
      : [fx[name](i.x!, i.h!, i.wih!, i.whh!, i.bih!, i.bhh!)];
    check(name, outs, c.results, 1e-9, 1e-12);
    outs.map((o, k) => o.sum().mul(k + 1)).reduce((a, b) => a.add(b)).backward();
    const leaves = [i.x!, i.h!, i.c!, i.wih!, i.whh!, i.bih!, i.bhh!];
    c.grads!.forEach((g, k) => {
      if (g === null) assert.equal(leaves[k]!.grad, null, `${name} grad ${k} is none`);
      else assertValues(leaves[k]!.grad, decAll(g.t), { rtol: 1e-9, atol: 1e-12, msg: `${name} grad ${k}` });
    });
    const d = inputs(c);
    const noBias = name === "lstmCell" ? [...fx.lstmCell(d.x!, [d.h!, d.c!], d.wih!, d.whh!)] : [fx[name](d.x!, d.h!, d.wih!, d.whh!)];
    check(`${name} no bias`, noBias, c.noBias!, 1e-9, 1e-12);
  }
  const i = inputs(FX.gruCell!);
  assert.throws(() => fx.gruCell(ones([2, 5], { dtype: "float64" }), i.h!, i.wih!, i.whh!), /gruCell: input has inconsistent input_size: got 5 expected 3/);
  assert.throws(() => fx.gruCell(i.x!, ones([3, 4], { dtype: "float64" }), i.wih!, i.whh!), /gruCell: Input batch size 2 doesn't match hidden batch size 3/);
  assert.throws(() => fx.lstmCell(i.x!, [i.h!], i.wih!, i.whh!), /lstmCell: lstm_cell expects two hidden states/);
});

test("normExceptDim: the pow-norm over all dims but dim, kept; dim -1 the whole tensor's", () => {
  for (const [k, c] of Object.entries(FX).filter(([k]) => k.startsWith("normExceptDim_"))) {
    const i = inputs(c);
    check(k, fx.normExceptDim(i.v!, c.pow!, c.dim!), c.results, 1e-12);
  }
  assert.throws(() => fx.normExceptDim(ones([2, 3]), 2, 2), /normExceptDim: Dimension out of range/);
});

test("featureDropout zeroes whole features (dims 0 and 1) and scales the rest; nativeDropout returns (output, mask)", () => {
  const x = ones([4, 6, 5]);
  assert.equal(fx.featureDropout(x, 0.5, false), x); // not training: the input itself, as PyTorch
  manualSeed(3);
  const y = fx.featureDropout(x, 0.5, true);
  const v = y.tolist() as number[][][];
  for (const plane of v) for (const row of plane) assert.ok(row.every((e) => e === row[0]) && (row[0] === 0 || row[0] === 2), "one draw per (n, c)");
  const z = ones([4, 6, 5]);
  assert.equal(fx.featureDropout_(z, 1, true), z);
  assert.equal(z.sum().item(), 0);
  assert.throws(() => fx.featureDropout(ones([3]), 0.5, true), /featureDropout: Feature dropout requires at least 2 dimensions in the input/);
  assert.throws(() => fx.featureDropout(x, 1.5, true), /dropout probability has to be between 0 and 1, but got 1.5/);

  const [same, all] = fx.nativeDropout(ones([3]), 0.5, false);
  assert.deepEqual(same.tolist(), [1, 1, 1]);
  assert.equal(all.dtype, "bool");
  assert.deepEqual(all.tolist(), [true, true, true]);
  manualSeed(0);
  const [out, mask] = fx.nativeDropout(ones([1000], { dtype: "float64" }), 0.25, true);
  assert.equal(mask.dtype, "bool");
  assert.deepEqual(out.tolist(), (mask.tolist() as boolean[]).map((k) => (k ? 1 / 0.75 : 0)));
  const kept = mask.sum().item() as number;
  assert.ok(kept > 700 && kept < 800, `about 750 of 1000 kept, got ${kept}`);
  const [none, noMask] = fx.nativeDropout(ones([2]), 1, null);
  assert.deepEqual(none.tolist(), [0, 0]);
  assert.deepEqual(noMask.tolist(), [false, false]);
  void Generator;
});

test("matrixRank raises PyTorch 1.13's removal error, naming linalg.matrixRank", () => {
  assert.throws(() => fx.matrixRank(ones([2, 2])), /matrixRank: This function was deprecated since version 1.9 and is now removed. Please use the `linalg.matrixRank`/);
});

test("svdLowrank / pcaLowrank: PyTorch's singular values and reconstruction of a rank-3 matrix (signs of the factors are free)", () => {
  manualSeed(0);
  for (const name of ["svdLowrank", "pcaLowrank"] as const) {
    const c = FX[name]!, i = inputs(c);
    const A = i.L!.matmul(i.R!);
    const [U, S, V] = (fx[name] as (A: Tensor, q: number) => [Tensor, Tensor, Tensor])(A, 3);
    assert.deepEqual([U.shape, S.shape, V.shape], [[8, 3], [3], [6, 3]]);
    check(`${name} S`, S, [c.results[0]!], 1e-9, 1e-9);
    check(`${name} U S V^T`, U.mul(S).matmul(V.mT), [c.results[1]!], 1e-9, 1e-9);
    // orthonormal factors
    assertValues(U.mT.matmul(U), [1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 1e-12, msg: `${name} U^T U` });
    assertValues(V.mT.matmul(V), [1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 1e-12, msg: `${name} V^T V` });
  }
  const i = inputs(FX.svdLowrank!);
  const A = i.L!.matmul(i.R!);
  // the wide case, batches, M, and niter 0
  const [U, S, V] = fx.svdLowrank(A.mT, 3, 0);
  assertValues(U.mul(S).matmul(V.mT), Array.from(A.mT.contiguous().toTypedArray() as Float64Array), { rtol: 1e-9, atol: 1e-9 });
  const batch = fx.stack([A, A.mul(2)]);
  const [Ub, Sb, Vb] = fx.svdLowrank(batch, 3);
  assertValues(Ub.mul(Sb.unsqueeze(-2)).matmul(Vb.mT), Array.from(batch.toTypedArray() as Float64Array), { rtol: 1e-9, atol: 1e-9 });
  const [Um, Sm, Vm] = fx.svdLowrank(A.add(5), 3, 2, fx.full([8, 6], 5, { dtype: "float64" }));
  assertValues(Um.mul(Sm).matmul(Vm.mT), Array.from(A.toTypedArray() as Float64Array), { rtol: 1e-9, atol: 1e-9 });
  // pca centers the columns by default: its S is the centered matrix's
  const [, Sp] = fx.pcaLowrank(A.add(3), 3);
  check("pca centered", Sp, [FX.pcaLowrank!.results[0]!], 1e-9, 1e-9);
  assert.throws(() => fx.svdLowrank(A, 7), /svdLowrank: q\(=7\) must be non-negative integer and not greater than min\(m, n\)=6/);
  assert.throws(() => fx.pcaLowrank(A, 2, true, -1), /niter\(=-1\) must be non-negative integer/);
  assert.throws(() => fx.svdLowrank(A, 2, 2 ** 53), /niter\(=9007199254740992\) is more power iterations than make sense/);
  assert.throws(() => fx.svdLowrank(ones([3])), /expected a matrix or a batch of matrices/);
});

test("torch.embeddingBag returns (output, offset2bag, bagSize, maxIndices) as PyTorch's CPU kernel fills them", () => {
  for (const [k, c] of Object.entries(FX).filter(([k]) => /^bag\d/.test(k))) {
    const i = inputs(c as Case & { mode: number; pad: number | null }) as Record<string, Tensor>;
    const { mode, pad } = c as unknown as { mode: number; pad: number | null };
    const r = fx.embeddingBag(i.w!, i.i!, i.o!, false, mode, false, null, false, pad);
    check(k, r, c.results, 1e-12);
  }
  const c = FX.bagPsw!, i = inputs(c);
  check("bagPsw", fx.embeddingBag(i.w!, i.i!, i.o!, false, 0, false, i.psw!), c.results, 1e-12);
  // float32 sum without a padding index: PyTorch's fast path leaves offset2bag empty
  const [, o2b, size] = fx.embeddingBag(i.w!.float(), i.i!, i.o!);
  assert.deepEqual([o2b.shape, size.tolist()], [[0], [0, 0, 0, 0]]);
  // includeLastOffset: 3 bags from 4 offsets; sizes count each bag's own indices
  const [out, , sizes] = fx.embeddingBag(i.w!, i.i!, i.o!, false, 1, false, null, true);
  assert.deepEqual([out.shape, sizes.tolist()], [[3, 3], [2, 0, 3]]);
  assert.throws(() => fx.embeddingBag(i.w!, i.i!, i.o!, false, 3), /embeddingBag: mode must be 0 \(sum\), 1 \(mean\) or 2 \(max\), got 3/);
  assert.throws(() => fx.embeddingBag(i.w!, i.i!, i.o!, false, 0, true), /sparse=true/);
  assert.throws(() => fx.embeddingBag(i.w!, i.i!.reshape([7, 1]), i.o!), /input has to be a 1D Tensor/);
});

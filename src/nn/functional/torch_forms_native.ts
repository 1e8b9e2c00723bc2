/**
 * torch-namespace forms that return more than F's do, or have no F counterpart: the
 * native_* normalizations and dropout (torch.native_layer_norm returns (output, mean, rstd),
 * native_batch_norm (output, saveMean, saveInvstd), native_group_norm (output, mean, rstd),
 * native_dropout (output, mask)), the functional RNN cells torch.rnn_tanh_cell,
 * rnn_relu_cell, lstm_cell and gru_cell (PyTorch's cell equations over w_ih, w_hh, b_ih, b_hh),
 * torch.embedding_bag (output, offset2bag, bag_size, max_indices), torch.norm_except_dim and
 * torch.matrix_rank (removed in PyTorch 1.13, which raises).
 * The outputs are F's (so values and checks are the same); the statistics are computed beside.
 */
import { defineOp } from "../../api/registry.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { FluxionError, IndexError, ShapeError, fmtShape } from "../../errors.js";
import { arange, bernoulli, empty, full, zeros } from "../../tensor/creation.js";
import { SEARCHSORTED_FNS } from "../../ops/searchsorted.js";
import { where } from "../../ops/elementwise.js";
import { embeddingBag, type EmbeddingBagMode } from "./embedding_bag.js";
import type { Tensor } from "../../tensor/tensor.js";
import { linear } from "./linear.js";
import { batchNorm, groupNorm, layerNorm } from "./normalization.js";

const fn = { variants: "function" } as const;
type T = Tensor | null;

/** The mean and 1 / sqrt(biased variance + eps) over `dims`, kept as size-1 dims, without autograd. */
function stats(x: Tensor, dims: number[], eps: number): [Tensor, Tensor] {
  return noGrad(() => {
    const v = x.detach();
    const mean = v.mean(dims, true);
    const rstd = v.var(dims, { correction: 0, keepdim: true }).add(eps).rsqrt();
    return [mean, rstd];
  });
}

/**
 * torch.native_layer_norm(input, normalized_shape, weight, bias, eps): F.layerNorm's output with
 * the mean and rstd (1 / sqrt(var + eps)) per normalized group, shaped as input with the
 * normalized dims kept as 1.
 */
function nativeLayerNorm(x: Tensor, shape: number | number[], w: T, b: T, eps: number): [Tensor, Tensor, Tensor] {
  const norm = [shape].flat();
  const out = layerNorm(x, norm, w, b, { eps });
  const dims = norm.map((_, i) => x.ndim - norm.length + i);
  const [mean, rstd] = stats(x, dims, eps);
  return [out, mean, rstd];
}

/**
 * torch.native_batch_norm: F.batchNorm's output (updating the running statistics in training,
 * as it does) with, in training, the batch mean and 1 / sqrt(biased var + eps) per channel;
 * in evaluation both are empty tensors, as PyTorch's CPU kernel returns.
 */
function nativeBatchNorm(x: Tensor, w: T, b: T, rm: T, rv: T, training: boolean, momentum: number, eps: number): [Tensor, Tensor, Tensor] {
  const out = batchNorm(x, rm, rv, w, b, { training, momentum, eps });
  if (!training) {
    const none = empty([0], { dtype: x.dtype, device: x.device });
    return [out, none, none.clone()];
  }
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const [mean, invstd] = stats(x, dims, eps);
  return [out, mean.reshape([-1]), invstd.reshape([-1])];
}

/**
 * torch.native_group_norm(input, weight, bias, N, C, HxW, group, eps): F.groupNorm's output
 * with the mean and rstd of each (sample, group), [N, group]. N, C and HxW must describe input.
 */
function nativeGroupNorm(x: Tensor, w: T, b: T, N: number, C: number, HxW: number, group: number, eps: number): [Tensor, Tensor, Tensor] {
  const op = "nativeGroupNorm";
  const rest = x.shape.slice(2).reduce((a, s) => a * s, 1);
  if (x.ndim < 2 || x.shape[0] !== N || x.shape[1] !== C || rest !== HxW) {
    throw new ShapeError(`${op}: Expected input of shape [N=${N}, C=${C}, *] with ${HxW} (HxW) elements per channel, got shape ${fmtShape(x.shape)}`);
  }
  const out = groupNorm(x, group, w, b, { eps });
  const [mean, rstd] = stats(x.reshape([N, group, -1]), [2], eps);
  return [out, mean.reshape([N, group]), rstd.reshape([N, group])];
}

/**
 * torch.native_dropout(input, p, train): (output, mask) with mask the bool tensor of the kept
 * elements; with train false the input itself and an all-true mask.
 */
function nativeDropout(x: Tensor, p: number, train: boolean | null): [Tensor, Tensor] {
  if (!(p >= 0 && p <= 1)) throw new FluxionError(`nativeDropout: dropout probability has to be between 0 and 1, but got ${p}`);
  if (train === false) return [x, full(x.shape, true, { dtype: "bool", device: x.device })];
  if (!x.isFloatingPoint()) throw new FluxionError(`nativeDropout: expected a floating point input, got ${x.dtype}`);
  const mask = p === 1 ? full(x.shape, false, { dtype: "bool", device: x.device }) : bernoulli(full(x.shape, 1 - p, { dtype: x.dtype, device: x.device })).to("bool");
  const out = p === 1 ? x.mul(0) : x.mul(mask.to(x.dtype)).mul(1 / (1 - p));
  return [out, mask];
}

/** The input-to-hidden plus hidden-to-hidden projections of a cell, checked as PyTorch's cells check them. */
function gates(op: string, x: Tensor, h: Tensor, wIh: Tensor, wHh: Tensor, bIh: T, bHh: T, k: number): Tensor {
  const H = wHh.shape[wHh.ndim - 1]!;
  if (wIh.ndim !== 2 || wHh.ndim !== 2 || wIh.shape[0] !== k * H || wHh.shape[0] !== k * H) {
    throw new ShapeError(`${op}: expected 2-D weights w_ih [${k}*hidden, input] and w_hh [${k}*hidden, hidden], got ${fmtShape(wIh.shape)} and ${fmtShape(wHh.shape)}`);
  }
  if ((x.ndim !== 1 && x.ndim !== 2) || h.ndim !== x.ndim) {
    throw new ShapeError(`${op}: expected input [batch, input_size] and hx [batch, hidden_size] (or both 1-D), got ${fmtShape(x.shape)} and ${fmtShape(h.shape)}`);
  }
  if (x.shape[x.ndim - 1] !== wIh.shape[1]) throw new ShapeError(`${op}: input has inconsistent input_size: got ${x.shape[x.ndim - 1]} expected ${wIh.shape[1]} (input ${fmtShape(x.shape)}, w_ih ${fmtShape(wIh.shape)})`);
  if (h.shape[h.ndim - 1] !== wHh.shape[1]) throw new ShapeError(`${op}: hidden has inconsistent hidden_size: got ${h.shape[h.ndim - 1]}, expected ${wHh.shape[1]} (hx ${fmtShape(h.shape)}, w_hh ${fmtShape(wHh.shape)})`);
  if (x.ndim === 2 && h.ndim === 2 && x.shape[0] !== h.shape[0]) throw new ShapeError(`${op}: Input batch size ${x.shape[0]} doesn't match hidden batch size ${h.shape[0]}`);
  return linear(x, wIh, bIh).add(linear(h, wHh, bHh));
}

/** torch.rnn_tanh_cell: tanh(x w_ih^T + b_ih + h w_hh^T + b_hh). */
function rnnTanhCell(x: Tensor, h: Tensor, wIh: Tensor, wHh: Tensor, bIh: T, bHh: T): Tensor {
  return gates("rnnTanhCell", x, h, wIh, wHh, bIh, bHh, 1).tanh();
}
/** torch.rnn_relu_cell: relu(x w_ih^T + b_ih + h w_hh^T + b_hh). */
function rnnReluCell(x: Tensor, h: Tensor, wIh: Tensor, wHh: Tensor, bIh: T, bHh: T): Tensor {
  return gates("rnnReluCell", x, h, wIh, wHh, bIh, bHh, 1).relu();
}
/** torch.lstm_cell(input, [h, c], ...): (h', c') from the input, forget, cell and output gates in that order. */
function lstmCell(x: Tensor, hx: Tensor[], wIh: Tensor, wHh: Tensor, bIh: T, bHh: T): [Tensor, Tensor] {
  if (hx.length !== 2) throw new ShapeError(`lstmCell: lstm_cell expects two hidden states ([h, c]), got ${hx.length}`);
  const [h, c] = hx as [Tensor, Tensor];
  const [i, f, g, o] = gates("lstmCell", x, h, wIh, wHh, bIh, bHh, 4).chunk(4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const cy = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
  return [o.sigmoid().mul(cy.tanh()), cy];
}
/** torch.gru_cell: r, z from both projections; n = tanh(x_n + r * h_n); h' = (1 - z) * n + z * h. */
function gruCell(x: Tensor, h: Tensor, wIh: Tensor, wHh: Tensor, bIh: T, bHh: T): Tensor {
  gates("gruCell", x, h, wIh, wHh, null, null, 3); // the checks; the projections stay apart below
  const [xr, xz, xn] = linear(x, wIh, bIh).chunk(3, -1) as [Tensor, Tensor, Tensor];
  const [hr, hz, hn] = linear(h, wHh, bHh).chunk(3, -1) as [Tensor, Tensor, Tensor];
  const r = xr.add(hr).sigmoid(), z = xz.add(hz).sigmoid();
  const n = xn.add(r.mul(hn)).tanh();
  return n.add(z.mul(h.sub(n)));
}

/**
 * torch.norm_except_dim(v, pow, dim): the pow-norm over every dim but `dim`, kept as size-1
 * dims ([out, 1, 1] for dim 0); dim -1 is the norm of the whole tensor (0-d), as weight_norm's.
 */
function normExceptDim(v: Tensor, pow: number, dim: number): Tensor {
  if (dim === -1) return v.norm(pow);
  if (dim < 0 || dim >= v.ndim) throw new IndexError(`normExceptDim: Dimension out of range (expected to be in range of [0, ${v.ndim - 1}] or -1, but got ${dim})`);
  const others = v.shape.map((_, i) => i).filter((i) => i !== dim);
  if (others.length === 0) return v.abs();
  return v.norm(pow, others, true);
}

const BAG_MODES: readonly EmbeddingBagMode[] = ["sum", "mean", "max"];

/**
 * torch.embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode, sparse,
 * per_sample_weights, include_last_offset, padding_idx): F.embeddingBag's output (mode as ATen's
 * int: 0 sum, 1 mean, 2 max) and the three tensors ATen's kernel returns beside it, as PyTorch
 * 1.13's CPU kernel fills them: offset2bag (each index's bag; empty on its fast float32/float16
 * sum path), bag_size (the non-padding indices of each bag; zeros, one per offset, in sum mode)
 * and max_indices (in max
 * mode the weight row each output element came from, 0 for an empty bag; bag_size in mean mode;
 * zeros in sum mode). With includeLastOffset the sizes count each bag's own indices (PyTorch's
 * count past the last offset, and its max mode crashes there).
 */
function torchEmbeddingBag(weight: Tensor, indices: Tensor, offsets: Tensor, scaleGradByFreq: boolean, mode: number, sparse: boolean,
  perSampleWeights: T, includeLastOffset: boolean, paddingIdx: number | null): [Tensor, Tensor, Tensor, Tensor] {
  const op = "embeddingBag";
  if (sparse) throw new FluxionError(`${op}: sparse=true (sparse gradients) is not supported; Fluxion computes a dense weight gradient`);
  const m = BAG_MODES[mode];
  if (m === undefined) throw new FluxionError(`${op}: mode must be 0 (sum), 1 (mean) or 2 (max), got ${mode}`);
  if (indices.ndim !== 1) throw new ShapeError(`${op}: input has to be a 1D Tensor (with offsets), but got Tensor of dimension ${indices.ndim} (shape ${fmtShape(indices.shape)})`);
  const out = embeddingBag(indices, weight, { offsets, mode: m, scaleGradByFreq, perSampleWeights, includeLastOffset, paddingIdx });
  const device = weight.device;
  const K = offsets.shape[0]!;
  const B = out.shape[0]!, M = indices.shape[0]!;
  const idx = indices.to("int64"), off = offsets.to("int64");
  // each index's bag: the last offset at or before it
  const bagOf = M === 0 ? zeros([0], { dtype: "int64", device }) : SEARCHSORTED_FNS.searchsorted(off.narrow(0, 0, B), arange(M, { dtype: "int64", device }), { right: true }).sub(1).to("int64");
  const V = weight.shape[0]!;
  const pad = paddingIdx === null ? null : paddingIdx < 0 ? paddingIdx + V : paddingIdx;
  if (m === "sum") {
    // PyTorch's fast float32/float16 sum path (no padding index) leaves offset2bag empty
    const fast = (weight.dtype === "float32" || weight.dtype === "float16") && pad === null;
    return [out, fast ? zeros([0], { dtype: "int64", device }) : bagOf, zeros([K], { dtype: "int64", device }), zeros([K], { dtype: "int64", device })];
  }
  let counted = pad === null ? full([M], true, { dtype: "bool", device }) : idx.ne(BigInt(pad));
  if (includeLastOffset && K > 0) counted = counted.logicalAnd(arange(M, { dtype: "int64", device }).lt(off.narrow(0, K - 1, 1)));
  const slot = where(counted, bagOf, BigInt(B)); // not counted: a dropped slot past the bags
  const bagSize = zeros([B + 1], { dtype: "int64", device }).scatterAdd(0, slot, counted.to("int64")).narrow(0, 0, B);
  if (m === "mean") return [out, bagOf, bagSize, bagSize.clone()];
  // max: the first position of each bag holding the maximum of a feature, then its row index
  const D = weight.shape[1]!;
  const rows = noGrad(() => weight.detach().indexSelect(0, idx.clamp(0, V - 1))); // [M, D]
  const best = noGrad(() => out.detach().indexSelect(0, bagOf.clamp(0, Math.max(B - 1, 0)))); // each index's bag max
  const pos = arange(M, { dtype: "int64", device }).reshape([M, 1]).expand([M, D]);
  const isMax = rows.eq(best).logicalAnd(counted.reshape([M, 1]));
  const first = full([B + 1, D], BigInt(M), { dtype: "int64", device })
    .scatterReduce(0, slot.reshape([M, 1]).expand([M, D]), where(isMax, pos, BigInt(M)), "amin").narrow(0, 0, B);
  const found = first.lt(BigInt(M));
  const maxIndices = where(found, idx.indexSelect(0, first.clamp(0, Math.max(M - 1, 0)).reshape([-1])).reshape([B, D]), 0n);
  return [out, bagOf, bagSize, maxIndices];
}

export const TORCH_NATIVE_FNS = {
  nativeLayerNorm: defineOp("nativeLayerNorm(Tensor input, int[] normalizedShape, Tensor? weight, Tensor? bias, float eps) -> (Tensor, Tensor, Tensor)", nativeLayerNorm, fn),
  nativeBatchNorm: defineOp(
    "nativeBatchNorm(Tensor input, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar, bool training, float momentum, float eps) -> (Tensor, Tensor, Tensor)",
    nativeBatchNorm, fn),
  nativeGroupNorm: defineOp("nativeGroupNorm(Tensor input, Tensor? weight, Tensor? bias, int N, int C, int HxW, int group, float eps) -> (Tensor, Tensor, Tensor)", nativeGroupNorm, fn),
  nativeDropout: defineOp("nativeDropout(Tensor input, float p, bool? train) -> (Tensor, Tensor)", nativeDropout, fn),
  rnnTanhCell: defineOp("rnnTanhCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor? bIh=null, Tensor? bHh=null) -> Tensor", rnnTanhCell, fn),
  rnnReluCell: defineOp("rnnReluCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor? bIh=null, Tensor? bHh=null) -> Tensor", rnnReluCell, fn),
  lstmCell: defineOp("lstmCell(Tensor input, Tensor[] hx, Tensor wIh, Tensor wHh, Tensor? bIh=null, Tensor? bHh=null) -> (Tensor, Tensor)", lstmCell, fn),
  gruCell: defineOp("gruCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor? bIh=null, Tensor? bHh=null) -> Tensor", gruCell, fn),
  embeddingBag: defineOp(
    "embeddingBag(Tensor weight, Tensor indices, Tensor offsets, bool scaleGradByFreq=false, int mode=0, bool sparse=false, Tensor? perSampleWeights=null, bool includeLastOffset=false, int? paddingIdx=null) -> (Tensor, Tensor, Tensor, Tensor)",
    torchEmbeddingBag, fn),
  normExceptDim: defineOp("normExceptDim(Tensor v, int pow=2, int dim=0) -> Tensor", normExceptDim, fn),
  /** torch.matrix_rank: removed in PyTorch 1.13 (it raises there too); use linalg.matrixRank. */
  matrixRank: defineOp("matrixRank(Tensor input, float? tol=null, bool symmetric=false) -> Tensor", (): never => {
    throw new FluxionError("matrixRank: This function was deprecated since version 1.9 and is now removed. Please use the `linalg.matrixRank` function instead (as PyTorch 1.13 raises).");
  }, fn),
};

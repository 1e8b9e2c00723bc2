/**
 * F.ctcLoss: the connectionist temporal classification loss (Graves et al. 2006), as
 * torch.nn.functional.ctc_loss: -log of the total probability of every alignment of a
 * target sequence to the log-probabilities [T, N, C], blanks between and around labels.
 *
 * Forward, the alpha recursion runs over time as dispatched tensor ops on all samples and
 * all 2S + 1 positions of the blank-extended target at once ([N, 2S+1] per step, in log
 * space); backward, the beta recursion likewise, and the gradient is PyTorch's formula
 *   d/d logProbs[t, n, c] = exp(logProbs[t, n, c]) - Σ_{s: l'_s = c} exp(α_t(s) + β_t(s) - logProbs[t, n, c] + nll_n)
 * for t < inputLength (0 after). The exp(logProbs) term is PyTorch's: it is the gradient with
 * respect to the logits of a logSoftmax in front (whose backward it passes through
 * unchanged), not the plain derivative in logProbs; through logSoftmax both agree, and that
 * is what gradcheck can check. As PyTorch, no double backward.
 *
 * Lengths are tensors or arrays; nothing is read on the host except the target lengths of
 * concatenated 1-D targets, whose layout they define (PyTorch reads all lengths there).
 * Departures, where PyTorch 1.13 reads uninitialised memory or returns garbage: an input
 * length of 0 gives 0 for an empty target and inf otherwise (later PyTorch does the same);
 * negative lengths and labels outside [0, C) raise.
 */
import { isGradEnabled, noGrad } from "../../autograd/grad_mode.js";
import { record1 } from "../../autograd/record.js";
import { AutogradError, DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { assertAll } from "../../ops/advanced_indexing.js";
import { where } from "../../ops/elementwise.js";
import { cat, stack } from "../../ops/shape_ops.js";
import { arange, full, tensor, zeros } from "../../tensor/creation.js";
import { readHost } from "../../tensor/host_read.js";
import { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";
import type { Reduction } from "./loss.js";

export interface CtcLossOptions {
  /** The blank label's index (default 0). */
  blank?: number;
  reduction?: Reduction;
  /** Infinite losses (impossible alignments) and their gradients become 0. */
  zeroInfinity?: boolean;
}

/** Lengths as given: a tensor, an array, or (unbatched) one number. */
export type Lengths = Tensor | readonly number[] | number;

const OP = "ctcLoss";

/** `what` as an int64 tensor of N lengths on `device`. */
function lengthsTensor(what: string, v: Lengths, N: number, batched: boolean, device: string): Tensor {
  let t: Tensor;
  if (v instanceof Tensor) {
    if (v.isFloatingPoint() || v.dtype === "bool") throw new DTypeError(`${OP}: ${what} must be integral, got ${v.dtype}`);
    t = v.to("int64").to(device);
  } else {
    const list = typeof v === "number" ? [v] : [...v];
    if (list.some((x) => !Number.isInteger(x))) throw new DTypeError(`${OP}: ${what} must be integers, got [${list.join(", ")}]`);
    t = tensor(list, { dtype: "int64", device });
  }
  if (t.numel() !== N || (batched && t.ndim > 1)) throw new ShapeError(`${OP}: ${what} must be of size batch_size (${N}), got shape ${fmtShape(t.shape)}`);
  return t.reshape([N]);
}

/**
 * Concatenated 1-D targets [Σ lengths] as padded [N, max length] (padding reads element 0 and
 * is masked later). The layout is the lengths' values: read on the host, as PyTorch does.
 */
function padConcatenated(targets: Tensor, targetLengths: Lengths, tl: Tensor): Tensor {
  const lens = targetLengths instanceof Tensor ? Array.from(readHost(tl, OP), Number) : typeof targetLengths === "number" ? [targetLengths] : [...targetLengths];
  const total = lens.reduce((a, b) => a + b, 0);
  if (lens.some((l) => l < 0)) throw new FluxionError(`${OP}: target_lengths must be non-negative, got [${lens.join(", ")}]`);
  if (total !== targets.shape[0]) {
    throw new ShapeError(`${OP}: Expected tensor to have size ${total} (the sum of target_lengths) at dimension 0, but got size ${targets.shape[0]} for argument #2 'targets'`);
  }
  const S = Math.max(0, ...lens);
  const pos: number[] = [];
  let start = 0;
  for (const l of lens) {
    for (let s = 0; s < S; s++) pos.push(s < l ? start + s : 0);
    start += l;
  }
  if (total === 0) return zeros([lens.length, S], { dtype: "int64", device: targets.device });
  return targets.to("int64").take(tensor(pos, { shape: [lens.length, S], dtype: "int64", device: targets.device }));
}

/** log(exp(a) + exp(b) + exp(c)) elementwise, -inf where all three are. */
const lse3 = (a: Tensor, b: Tensor, c: Tensor) => stack([a, b, c], 0).logsumexp(0);
/** Shifts [N, L] right (k > 0) or left (k < 0) along dim 1, filling with -inf. */
function shift(x: Tensor, k: number): Tensor {
  const [N, L] = x.shape as [number, number];
  const n = Math.min(Math.abs(k), L);
  const fill = full([N, n], -Infinity, { dtype: x.dtype, device: x.device });
  return k > 0 ? cat([fill, x.narrow(1, 0, L - n)], 1) : cat([x.narrow(1, n, L - n), fill], 1);
}

/**
 * Per-sample negative log-likelihoods [N] of logProbs [T, N, C] (float), padded targets
 * [N, S] (int64), lengths [N] (int64); one autograd node to logProbs.
 */
function ctcNll(logProbs: Tensor, targets: Tensor, il: Tensor, tl: Tensor, blank: number, zeroInfinity: boolean): Tensor {
  const [T, N, C] = logProbs.shape as [number, number, number];
  const S = targets.shape[1]!;
  const L = 2 * S + 1;
  const device = logProbs.device, dtype = logProbs.dtype;
  const f = noGrad(() => {
    // the blank-extended targets l' [N, L]: blank, l1, blank, l2, ..., blank (labels past a
    // sample's length read as blank, so any padding value works)
    const lab = where(arange(S, { dtype: "int64", device }).reshape([1, S]).lt(tl.reshape([N, 1])), targets, blank);
    const ext = cat([stack([full([N, S], blank, { dtype: "int64", device }), lab], 2).reshape([N, 2 * S]), full([N, 1], blank, { dtype: "int64", device })], 1);
    const lpExt = logProbs.detach().gather(2, ext.reshape([1, N, L]).expand([T, N, L])); // [T, N, L]
    // from s - 2 only onto a label that differs from the one two back (not onto a blank)
    const skip = L < 3 ? full([N, L], false, { dtype: "bool", device }) : cat([full([N, 2], false, { dtype: "bool", device }), ext.narrow(1, 2, L - 2).ne(ext.narrow(1, 0, L - 2))], 1);
    const ilCol = il.reshape([N, 1]);
    // alpha before the first step: all probability at s = 0 (this gives α_0 from the recursion)
    let alpha = cat([zeros([N, 1], { dtype, device }), full([N, L - 1], -Infinity, { dtype, device })], 1);
    let last = alpha; // α at each sample's last step (the start for an empty input)
    const alphas: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      alpha = lse3(alpha, shift(alpha, 1), where(skip, shift(alpha, 2), -Infinity)).add(lpExt.select(0, t));
      last = where(ilCol.eq(t + 1), alpha, last);
      alphas.push(where(ilCol.gt(t), alpha, -Infinity)); // -inf past the input: no gradient there
    }
    // log p = log(α(2|l|) + α(2|l| - 1)) at the last step
    const tlCol = tl.reshape([N, 1]);
    const atEnd = last.gather(1, tlCol.mul(2));
    const beforeEnd = where(tlCol.gt(0), last.gather(1, tlCol.mul(2).sub(1).clampMin(0)), -Infinity);
    const nll = cat([atEnd, beforeEnd], 1).logsumexp(1).rsub(0); // 0 - log p: +0, not -0, for p = 1
    const alphaAll = T > 0 ? stack(alphas, 0) : zeros([0, N, L], { dtype, device });
    return { nll, ext, lpExt, skip, alphaAll };
  });
  const inf = f.nll.eq(Infinity);
  const out = zeroInfinity ? where(inf, 0, f.nll) : f.nll;
  return record1("CtcLossBackward0", [logProbs], out, [logProbs, f.nll, f.ext, f.lpExt, f.skip, f.alphaAll, il, tl], ([g], saved) => {
    const grad = noGrad(() => ctcGrad(g!, saved, zeroInfinity, C));
    // PyTorch has no derivative of this backward either
    if (isGradEnabled()) return [record1("CtcLossBackwardBackward0", [g, logProbs], grad, [], () => {
      throw new AutogradError(`${OP}: the derivative of ctcLoss's backward (double backward) is not implemented, as in PyTorch`);
    })];
    return [grad];
  });
}

/** The gradient to logProbs [T, N, C] of the per-sample losses, given their gradient g [N]. */
function ctcGrad(g: Tensor, saved: Tensor[], zeroInfinity: boolean, C: number): Tensor {
  const [lp, nll, ext, lpExt, skip, alphaAll, il, tl] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const [T, N, L] = lpExt.shape as [number, number, number];
  const device = lp.device;
  const ilCol = il.reshape([N, 1]);
  const twoTl = tl.reshape([N, 1]).mul(2);
  const sPos = arange(L, { dtype: "int64", device }).reshape([1, L]);
  // β starts at each sample's last step on l'(2|l|) and l'(2|l| - 1)
  const isEnd = sPos.eq(twoTl).logicalOr(sPos.eq(twoTl.sub(1)));
  // into s from s + 2: allowed when the skip onto s + 2 is
  const skipNext = L < 3 ? skip : cat([skip.narrow(1, 2, L - 2), full([N, 2], false, { dtype: "bool", device })], 1);
  let beta = full([N, L], -Infinity, { dtype: lp.dtype, device });
  const betas: Tensor[] = new Array(T);
  for (let t = T - 1; t >= 0; t--) {
    const lpt = lpExt.select(0, t);
    const step = lse3(beta, shift(beta, -1), where(skipNext, shift(beta, -2), -Infinity)).add(lpt);
    beta = where(ilCol.eq(t + 1), where(isEnd, lpt, -Infinity), where(ilCol.gt(t + 1), step, -Infinity));
    betas[t] = beta;
  }
  if (T === 0) return zeros(lp.shape, { dtype: lp.dtype, device });
  // each position's share of the alignments through it, summed per class
  const occ = alphaAll.add(stack(betas, 0)).sub(lpExt).add(nll.reshape([1, N, 1])).exp();
  const perClass = zeros([T, N, C], { dtype: lp.dtype, device }).scatterAdd(2, ext.reshape([1, N, L]).expand([T, N, L]), occ);
  let grad = lp.detach().exp().sub(perClass).mul(g.reshape([1, N, 1]));
  // an impossible sample (nll = inf): PyTorch's formula is NaN for every class (-inf + inf),
  // including those its target lacks, unless zeroInfinity zeroes the sample
  const impossible = nll.eq(Infinity).reshape([1, N, 1]);
  grad = where(impossible, zeroInfinity ? 0 : NaN, grad);
  // nothing past each sample's input length
  const inInput = arange(T, { dtype: "int64", device }).reshape([T, 1]).lt(il.reshape([1, N])); // [T, N]
  return where(inInput.reshape([T, N, 1]), grad, 0);
}

/**
 * The CTC loss of log-probabilities [T, N, C] (logSoftmax outputs; unbatched [T, C]) against
 * targets padded [N, S] or concatenated [Σ targetLengths] (unbatched [S]), with per-sample
 * inputLengths and targetLengths (tensors or arrays). reduction "mean" divides each loss by
 * its target length (at least 1), then averages over the batch, as PyTorch.
 * @example
 * const logProbs = randn([50, 16, 20]).logSoftmax(2).detach().requiresGrad_();
 * const loss = F.ctcLoss(logProbs, targets, inputLengths, targetLengths); // targets [16, 30] int64
 */
export function ctcLoss(logProbs: Tensor, targets: Tensor, inputLengths: Lengths, targetLengths: Lengths, opts: CtcLossOptions = {}): Tensor {
  const blank = opts.blank ?? 0, reduction = opts.reduction ?? "mean", zeroInfinity = opts.zeroInfinity ?? false;
  if (!logProbs.isFloatingPoint()) throw new DTypeError(`${OP}: expected floating point log_probs, got ${logProbs.dtype} (shape ${fmtShape(logProbs.shape)})`);
  if (targets.isFloatingPoint() || targets.dtype === "bool") throw new DTypeError(`${OP}: expected integer targets (int64 or int32), got ${targets.dtype} (shape ${fmtShape(targets.shape)})`);
  if (logProbs.ndim !== 3 && logProbs.ndim !== 2) throw new ShapeError(`${OP}: expected log_probs of shape [T, N, C] (or [T, C] unbatched), got ${fmtShape(logProbs.shape)}`);
  const batched = logProbs.ndim === 3;
  const lp = batched ? logProbs : logProbs.unsqueeze(1);
  const [T, N, C] = lp.shape as [number, number, number];
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) throw new FluxionError(`${OP}: blank must be in label range [0, ${C}), got ${blank}`);
  const il = lengthsTensor("input_lengths", inputLengths, N, batched, lp.device);
  const tl = lengthsTensor("target_lengths", targetLengths, N, batched, lp.device);
  let padded: Tensor;
  if (!batched) {
    if (targets.ndim !== 1) throw new ShapeError(`${OP}: unbatched log_probs [T, C] take 1-D targets [S], got shape ${fmtShape(targets.shape)}`);
    padded = targets.to("int64").unsqueeze(0);
  } else if (targets.ndim === 2) {
    if (targets.shape[0] !== N) throw new ShapeError(`${OP}: Expected tensor to have size ${N} (batch_size) at dimension 0, but got size ${targets.shape[0]} for argument #2 'targets' (shape ${fmtShape(targets.shape)})`);
    padded = targets.to("int64");
  } else if (targets.ndim === 1) {
    padded = padConcatenated(targets, targetLengths, tl);
  } else {
    throw new ShapeError(`${OP}: Expected 1 to 2 dimensions, but got ${targets.ndim}-dimensional tensor for argument #2 'targets'`);
  }
  const S = padded.shape[1]!;
  // PyTorch's checks on the lengths, as dispatched assertions (no host read)
  if (N > 0) {
    assertAll(il.le(T), `${OP}: Expected input_lengths to have values at most ${T} (log_probs.size(0))`);
    assertAll(il.ge(0), `${OP}: input_lengths must be non-negative`);
    assertAll(tl.ge(0), `${OP}: target_lengths must be non-negative`);
    assertAll(tl.le(S), `${OP}: Expected target_lengths to be at most ${S}, the size of the padded targets at dimension 1 (shape ${fmtShape(padded.shape)})`);
    if (S > 0) {
      const used = arange(S, { dtype: "int64", device: lp.device }).reshape([1, S]).lt(tl.reshape([N, 1]));
      assertAll(where(used, padded.ge(0).logicalAnd(padded.lt(C)), true), `${OP}: target labels must be in [0, ${C}) (C = log_probs.size(-1))`);
    }
  }
  const nll = ctcNll(lp, padded, il, tl, blank, zeroInfinity);
  if (reduction === "none") return batched ? nll : nll.squeeze(0);
  if (reduction === "sum") return nll.sum();
  return nll.div(tl.clampMin(1).to(nll.dtype)).mean();
}

/** The declared form `F` exports (torch.nn.functional.ctc_loss's signature and order). */
export const CTC_LOSS_FNS = {
  ctcLoss: defineF(
    'ctcLoss(Tensor logProbs, Tensor targets, Tensor|int[] inputLengths, Tensor|int[] targetLengths, int blank=0, "none"|"mean"|"sum" reduction="mean", bool zeroInfinity=false) -> Tensor',
    (logProbs: Tensor, targets: Tensor, inputLengths: Lengths, targetLengths: Lengths, blank: number, reduction: Reduction, zeroInfinity: boolean) =>
      ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank, reduction, zeroInfinity }),
  ),
};

/**
 * nn.CrossMapLRN2d: PyTorch's legacy (Lua Torch) cross-channel LRN for 4-D input, with
 * PyTorch 1.13's own forward and backward (torch/nn/modules/_functions.py), reproduced as they
 * compute, not as LocalResponseNorm does:
 *
 * - forward: scale_c = k + alpha / size · S_c with S_c a running sum of squares over channels
 *   that starts with channels [0, prePad) and for each next channel adds channel c + prePad - 1
 *   (while there is one) and drops channel c - prePad only once c > prePad, so channel 0 is
 *   never dropped (prePad = floor((size - 1) / 2 + 1)); y = x · scale^-beta. Away from channel
 *   0's influence this is LocalResponseNorm's window.
 * - backward: PyTorch's hand-written formula (the Lua one), which is not the exact derivative of
 *   that forward: gx_c = scale_c^-beta · g_c - (2 alpha beta / size) · x_c · Σ_{i in W_c} g_i y_i / scale_i
 *   over the window W_c = [c - q, c - q + size) with q = floor(size - (size - 1) / 2).
 *   PyTorch's backward fails for size 1 (its window narrows past the channels); so does this one.
 *
 * Use LocalResponseNorm for new code; this layer is for translating models that use it.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { record1 } from "../../autograd/record.js";
import { AutogradError, DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { cat, zeros } from "../../functional.js";
import { isFloating } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { pyFloat } from "./repr.js";

const LRN = "CrossMapLRN2d(int size, float alpha=1e-4, float beta=0.75, float k=1)";
const lrnArgs = declareArgs(LRN, "nn");

/** `n` channels of zeros shaped like x's [N, ·, H, W]. */
const zeroChannels = (x: Tensor, n: number) => zeros([x.shape[0]!, n, x.shape[2]!, x.shape[3]!], { dtype: x.dtype, device: x.device });

/** Channels [start, start + len) of x, empty (0 channels) where len <= 0. */
const channels = (x: Tensor, start: number, len: number) => (len > 0 ? x.narrow(1, start, len) : zeroChannels(x, 0));

/** Σ over the channel windows [c - front, c - front + size) of x, channels outside taken as 0 (cumulative sums). */
function windowSums(x: Tensor, front: number, size: number): Tensor {
  const C = x.shape[1]!;
  const padded = cat([zeroChannels(x, front + 1), x, zeroChannels(x, Math.max(0, size - 1 - front))], 1);
  const cs = padded.cumsum(1);
  return cs.narrow(1, size, C).sub(cs.narrow(1, 0, C));
}

/** PyTorch's running scale: k + alpha / size · S (see the file comment). */
function crossMapScale(x: Tensor, size: number, alpha: number, k: number): Tensor {
  const C = x.shape[1]!;
  const sq = x.pow(2);
  const prePad = Math.trunc((size - 1) / 2 + 1);
  const first = channels(sq, 0, Math.min(prePad, C)).sum(1, true);
  // the increments of the running sum: channel c + prePad - 1 added for 1 <= c < C - prePad + 1,
  // channel c - prePad dropped for prePad < c < C
  const nAdd = Math.max(0, Math.min(C - 1, C - prePad)), nSub = Math.max(0, C - 1 - prePad);
  const add = cat([channels(sq, prePad, nAdd), zeroChannels(x, C - 1 - nAdd)], 1);
  const drop = cat([zeroChannels(x, C - 1 - nSub), channels(sq, 1, nSub)], 1);
  const S = cat([first, add.sub(drop)], 1).cumsum(1);
  return S.mul(alpha / size).add(k);
}

/** The forward and PyTorch's backward, recorded as one node (CrossMapLRN2dBackward). */
function crossMapLrn2d(x: Tensor, size: number, alpha: number, beta: number, k: number): Tensor {
  const scale = crossMapScale(x.detach(), size, alpha, k);
  const y = scale.pow(-beta).mul(x.detach());
  return record1("CrossMapLRN2dBackward", [x], y, [x, y, scale], ([g], [xs, ys, sc]) => {
    if (size === 1) throw new AutogradError("CrossMapLRN2d: backward with size 1 fails in PyTorch 1.13 (\"start (1) + length (C) exceeds dimension size (C)\"), and so here; use LocalResponseNorm(1)");
    const front = Math.trunc(size - (size - 1) / 2);
    const ratio = g!.mul(ys!).div(sc!);
    return [sc!.pow(-beta).mul(g!).sub(xs!.mul(windowSums(ratio, front, size)).mul((2 * alpha * beta) / size))];
  });
}

/**
 * Cross-channel local response normalization of [N, C, H, W] input, as PyTorch's legacy layer
 * computes it (see the file comment for how it differs from LocalResponseNorm).
 * @example new nn.CrossMapLRN2d(5, 1e-4, 0.75, 2).forward(randn([1, 8, 4, 4]))
 */
export class CrossMapLRN2d extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  constructor(...args: CtorArgs<typeof LRN>) {
    super();
    [this.size, this.alpha, this.beta, this.k] = lrnArgs.bind(args);
    if (!Number.isInteger(this.size) || this.size < 1) throw new ShapeError(`CrossMapLRN2d: size must be a positive integer, got ${this.size}`);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    if (x.ndim !== 4) throw new ShapeError(`CrossMapLRN2d: expected a 4-D input [N, C, H, W] (PyTorch asserts input.dim() == 4), got shape ${fmtShape(x.shape)}`);
    if (!isFloating(x.dtype)) throw new DTypeError(`CrossMapLRN2d: result type float32 can't be cast to the desired output type ${x.dtype}, as in PyTorch; convert the input with .float()`);
    return crossMapLrn2d(x, this.size, this.alpha, this.beta, this.k);
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${this.k}`;
  }
}

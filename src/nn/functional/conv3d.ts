/**
 * F.conv3d, F.convTranspose1d and F.convTranspose3d, composed from the 2-D machinery
 * (no 3-D primitive):
 * - conv3d: the depth windows are unfolded into channels (the unfold primitive with a
 *   [kd, 1] kernel over [N, C, D, H·W]), giving [N·od, C·kd, H, W]; one conv2d with the
 *   weight seen as [O, C/groups·kd, kh, kw] then does all output depths at once.
 * - convTranspose3d: one convTranspose2d over [N·D, Cin, H, W] with the weight seen as
 *   [Cin, O/groups·kd, kh, kw] gives every depth tap's contribution; the fold primitive
 *   (col2im with a [kd, 1] kernel) sums them into the output depths.
 * - convTranspose1d: convTranspose2d with height 1.
 * Autograd derives the gradients from these ops (unfold/fold are each other's adjoint).
 */
import { ShapeError, fmtShape } from "../../errors.js";
import { pad } from "../../ops/shape_ops.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _batchedInput, _checkBias, _checkDtypes, _checkGroupCount, _checkGroups, _checkOutputPadding, _checkTransposedChannels, _tupleOf, conv2d, convTranspose2d, type IntOrSingle } from "./conv.js";
import { defineF } from "./define.js";
import { fold, unfold } from "./fold.js";

export type IntOrTriple = number | readonly [number, number, number];
export type ConvPadding3d = IntOrTriple | "same" | "valid";

export interface Conv3dOptions {
  stride?: IntOrTriple;
  /** Zero padding per side, or "valid" (none) or "same" (output size = input size; stride 1 only). */
  padding?: ConvPadding3d;
  dilation?: IntOrTriple;
  groups?: number;
}
export interface ConvTranspose3dOptions {
  stride?: IntOrTriple;
  padding?: IntOrTriple;
  outputPadding?: IntOrTriple;
  groups?: number;
  dilation?: IntOrTriple;
}
export interface ConvTranspose1dOptions {
  stride?: IntOrSingle;
  padding?: IntOrSingle;
  outputPadding?: IntOrSingle;
  groups?: number;
  dilation?: IntOrSingle;
}

/** The input batched (an unbatched one gets N = 1), after the weight's rank and the dtype checks. */
function convInput(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, spatial: number): { batched: Tensor; unbatched: boolean } {
  if (weight.ndim !== spatial + 2) throw new ShapeError(`${op}: expected a ${spatial + 2}-D weight, got shape ${fmtShape(weight.shape)}`);
  _checkDtypes(op, x, weight, bias);
  return _batchedInput(op, x, spatial);
}

/**
 * 3-D convolution (cross-correlation) over [N, C, D, H, W] or unbatched [C, D, H, W], weight
 * [O, C/groups, kd, kh, kw].
 * @example F.conv3d(x, weight, bias, { padding: 1 }) // x [2, 3, 8, 16, 16], weight [8, 3, 3, 3, 3] -> [2, 8, 8, 16, 16]
 */
export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: Conv3dOptions): Tensor {
  const op = "conv3d";
  const { batched, unbatched } = convInput(op, x, weight, bias, 3);
  const groups = opts?.groups ?? 1;
  _checkGroups(op, batched, weight, groups);
  const [O, Cg, kd, kh, kw] = weight.shape as [number, number, number, number, number];
  const C = batched.shape[1]!;
  _checkBias(op, bias, O);
  const stride = _tupleOf(op, "stride", opts?.stride ?? 1, 3, 1);
  const dilation = _tupleOf(op, "dilation", opts?.dilation ?? 1, 3, 1);
  const kernel = [kd, kh, kw];
  const p = opts?.padding ?? 0;
  let padding: number[];
  let input = batched;
  if (p === "valid") padding = [0, 0, 0];
  else if (p === "same") {
    if (stride.some((s) => s !== 1)) throw new ShapeError(`${op}: padding='same' is not supported for strided convolutions (stride (${stride.join(", ")}))`);
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    padding = total.map((t) => Math.floor(t / 2));
    // an odd total pads its extra element at the end, as torch
    const extra = total.map((t, i) => t - 2 * padding[i]!);
    if (extra.some((e) => e > 0)) input = pad(batched, [0, extra[2]!, 0, extra[1]!, 0, extra[0]!]);
  } else if (typeof p === "string") throw new ShapeError(`${op}: invalid padding string ${JSON.stringify(p)}; expected "valid" or "same"`);
  else padding = _tupleOf(op, "padding", p, 3);
  const [N, , D, H, W] = input.shape as [number, number, number, number, number];
  const padded = [D, H, W].map((s, i) => s + 2 * padding[i]!);
  const effective = kernel.map((k, i) => dilation[i]! * (k - 1) + 1);
  if (effective.some((e, i) => e > padded[i]!)) {
    throw new ShapeError(`${op}: Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${effective.join(" x ")}). Kernel size can't be greater than actual input size (input ${fmtShape(batched.shape)}, weight ${fmtShape(weight.shape)})`);
  }
  const od = Math.floor((padded[0]! - effective[0]!) / stride[0]!) + 1;
  // depth windows into channels: [N, C·kd, od·H·W] -> [N·od, C·kd, H, W] (channel-major, so groups stay contiguous)
  const cols = kd === 1 && stride[0] === 1 && padding[0] === 0
    ? input.reshape([N, C, D * H * W])
    : unfold(input.reshape([N, C, D, H * W]), [kd, 1], { stride: [stride[0]!, 1], padding: [padding[0]!, 0], dilation: [dilation[0]!, 1] });
  const planes = cols.reshape([N, C * kd, od, H, W]).transpose(1, 2).reshape([N * od, C * kd, H, W]);
  const y2 = conv2d(planes, weight.reshape([O, Cg * kd, kh, kw]), bias, {
    stride: [stride[1]!, stride[2]!],
    padding: [padding[1]!, padding[2]!],
    dilation: [dilation[1]!, dilation[2]!],
    groups,
  });
  // contiguous, as PyTorch's result (so .view() works on it)
  const y = y2.reshape([N, od, O, y2.shape[2]!, y2.shape[3]!]).transpose(1, 2).contiguous();
  return unbatched ? y.squeeze(0) : y;
}

/** Checks and output size of a transposed convolution along each spatial dim. */
function transposeGeometry(op: string, inSize: readonly number[], kernel: readonly number[], stride: number[], padding: number[], outPad: number[], dilation: number[]): { full: number[]; out: number[] } {
  _checkOutputPadding(op, outPad, stride, dilation);
  const full = inSize.map((s, i) => (s - 1) * stride[i]! + dilation[i]! * (kernel[i]! - 1) + 1);
  const out = full.map((f, i) => f - 2 * padding[i]! + outPad[i]!);
  if (out.some((s) => s <= 0)) throw new ShapeError(`${op}: output size (${out.join(", ")}) is non-positive for input spatial size (${inSize.join(", ")}), kernel (${kernel.join(", ")}), padding (${padding.join(", ")})`);
  return { full, out };
}

/** Input, weight and group checks shared by the transposed convolutions; returns the output channels. */
function checkTransposed(op: string, batched: Tensor, weight: Tensor, bias: Tensor | null | undefined, groups: number): number {
  _checkGroupCount(op, groups);
  _checkTransposedChannels(op, batched, weight);
  const Cin = batched.shape[1]!;
  if (Cin % groups !== 0) throw new ShapeError(`${op}: in_channels (${Cin}) must be divisible by groups (${groups})`);
  const O = weight.shape[1]! * groups;
  _checkBias(op, bias, O);
  return O;
}

/**
 * Transposed 3-D convolution over [N, Cin, D, H, W] (or unbatched), weight
 * [Cin, O/groups, kd, kh, kw]; output size per dim (in - 1)·stride - 2·padding +
 * dilation·(k - 1) + outputPadding + 1.
 * @example F.convTranspose3d(x, weight, null, { stride: 2 }) // [1, 4, 3, 3, 3], weight [4, 2, 2, 2, 2] -> [1, 2, 6, 6, 6]
 */
export function convTranspose3d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvTranspose3dOptions): Tensor {
  const op = "convTranspose3d";
  const { batched, unbatched } = convInput(op, x, weight, bias, 3);
  const groups = opts?.groups ?? 1;
  const O = checkTransposed(op, batched, weight, bias, groups);
  const stride = _tupleOf(op, "stride", opts?.stride ?? 1, 3, 1);
  const padding = _tupleOf(op, "padding", opts?.padding ?? 0, 3);
  const outPad = _tupleOf(op, "outputPadding", opts?.outputPadding ?? 0, 3);
  const dilation = _tupleOf(op, "dilation", opts?.dilation ?? 1, 3, 1);
  const [N, Cin, D, H, W] = batched.shape as [number, number, number, number, number];
  const [, Og, kd, kh, kw] = weight.shape as [number, number, number, number, number];
  const { full, out } = transposeGeometry(op, [D, H, W], [kd, kh, kw], stride, padding, outPad, dilation);
  // every depth tap at once: output channel (o, i) of the 2-D transposed convolution is channel o at depth tap i
  const z = convTranspose2d(batched.transpose(1, 2).reshape([N * D, Cin, H, W]), weight.reshape([Cin, Og * kd, kh, kw]), null, {
    stride: [stride[1]!, stride[2]!],
    padding: [padding[1]!, padding[2]!],
    outputPadding: [outPad[1]!, outPad[2]!],
    groups,
    dilation: [dilation[1]!, dilation[2]!],
  });
  const [Ho, Wo] = [z.shape[2]!, z.shape[3]!];
  // sum the taps into the output depths: col2im along depth with a [kd, 1] kernel
  const cols = z.reshape([N, D, O, kd, Ho, Wo]).permute(0, 2, 4, 5, 3, 1).reshape([N, O * Ho * Wo * kd, D]);
  const foldOpts = { stride: [stride[0]!, 1] as [number, number], dilation: [dilation[0]!, 1] as [number, number] };
  let yd: Tensor;
  if (outPad[0]! < stride[0]!) yd = fold(cols, [out[0]!, 1], [kd, 1], { ...foldOpts, padding: [padding[0]!, 0] });
  else {
    // outputPadding >= stride (allowed when < dilation): fold the full depth, then crop/extend
    const whole = fold(cols, [full[0]!, 1], [kd, 1], foldOpts);
    yd = pad(whole, [0, 0, -padding[0]!, out[0]! + padding[0]! - full[0]!]);
  }
  const permuted = yd.reshape([N, O, Ho, Wo, out[0]!]).permute(0, 1, 4, 2, 3);
  const y = bias ? permuted.add(bias.reshape([1, O, 1, 1, 1])) : permuted.contiguous();
  return unbatched ? y.squeeze(0) : y;
}

/**
 * Transposed 1-D convolution over [N, Cin, L] (or [Cin, L]), weight [Cin, O/groups, k].
 * @example F.convTranspose1d(x, weight, null, { stride: 2 }) // [1, 4, 5], weight [4, 2, 3] -> [1, 2, 11]
 */
export function convTranspose1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvTranspose1dOptions): Tensor {
  const op = "convTranspose1d";
  const { batched, unbatched } = convInput(op, x, weight, bias, 1);
  const groups = opts?.groups ?? 1;
  checkTransposed(op, batched, weight, bias, groups);
  const one = (name: string, v: IntOrSingle | undefined, dflt: number, min: number) => _tupleOf(op, name, v ?? dflt, 1, min)[0]!;
  const stride = one("stride", opts?.stride, 1, 1), padding = one("padding", opts?.padding, 0, 0);
  const outPad = one("outputPadding", opts?.outputPadding, 0, 0), dilation = one("dilation", opts?.dilation, 1, 1);
  transposeGeometry(op, [batched.shape[2]!], [weight.shape[2]!], [stride], [padding], [outPad], [dilation]);
  const y = convTranspose2d(batched.unsqueeze(2), weight.unsqueeze(2), bias, {
    stride: [1, stride],
    padding: [0, padding],
    outputPadding: [0, outPad],
    groups,
    dilation: [1, dilation],
  }).squeeze(2);
  return unbatched ? y.squeeze(0) : y;
}

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const CONV3D_FNS = {
  conv3d: defineF(
    'conv3d(Tensor input, Tensor weight, Tensor? bias=null, int[3] stride=1, int[3]|"same"|"valid" padding=0, int[3] dilation=1, int groups=1) -> Tensor',
    (x: Tensor, w: Tensor, b: Tensor | null, stride: IntOrTriple, padding: ConvPadding3d, dilation: IntOrTriple, groups: number) => conv3d(x, w, b, { stride, padding, dilation, groups }),
  ),
  convTranspose1d: defineF(
    "convTranspose1d(Tensor input, Tensor weight, Tensor? bias=null, int[1] stride=1, int[1] padding=0, int[1] outputPadding=0, int groups=1, int[1] dilation=1) -> Tensor",
    (x: Tensor, w: Tensor, b: Tensor | null, stride: IntOrSingle, padding: IntOrSingle, outputPadding: IntOrSingle, groups: number, dilation: IntOrSingle) =>
      convTranspose1d(x, w, b, { stride, padding, outputPadding, groups, dilation }),
  ),
  convTranspose3d: defineF(
    "convTranspose3d(Tensor input, Tensor weight, Tensor? bias=null, int[3] stride=1, int[3] padding=0, int[3] outputPadding=0, int groups=1, int[3] dilation=1) -> Tensor",
    (x: Tensor, w: Tensor, b: Tensor | null, stride: IntOrTriple, padding: IntOrTriple, outputPadding: IntOrTriple, groups: number, dilation: IntOrTriple) =>
      convTranspose3d(x, w, b, { stride, padding, outputPadding, groups, dilation }),
  ),
};

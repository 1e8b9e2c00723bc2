/**
 * F.conv1d, F.conv2d and F.convTranspose2d. An ungrouped convolution is the conv2d
 * primitive (forward, input-gradient and weight-gradient passes). Grouped and transposed
 * convolutions are composed from the unfold/fold primitives and one batched matmul per
 * call (im2col): forward is W · unfold(x); autograd then derives the input gradient
 * (Wᵀ · dy, folded back) and the weight gradient (dy · unfold(x)ᵀ) from the matmul and
 * unfold rules. Nothing here touches a kernel directly. The argument checks (`_batchedInput`,
 * `_check*`) are shared with conv3d.ts and the conv layers, so every convolution words its
 * errors the same way.
 */
import { DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { pad } from "../../ops/shape_ops.js";
import type { Tensor } from "../../tensor/tensor.js";
import { dispatch, dispatchAll } from "../../backend/dispatcher.js";
import { needsGrad, record1 } from "../../autograd/record.js";
import { isGradEnabled } from "../../autograd/grad_mode.js";
import { _reluGrad } from "../../ops/elementwise.js";
import { fold, unfold, windowOutputSize } from "./fold.js";
import { _maxPoolGrad, maxPool2d } from "./pooling.js";
import { defineF } from "./define.js";

export type IntOrPair = number | readonly [number, number];
export type IntOrSingle = number | readonly [number];
export type ConvPadding2d = IntOrPair | "same" | "valid";
export type ConvPadding1d = IntOrSingle | "same" | "valid";

export interface Conv2dOptions {
  stride?: IntOrPair;
  /** Zero padding per side, or "valid" (none) or "same" (output size = input size; stride 1 only). */
  padding?: ConvPadding2d;
  dilation?: IntOrPair;
  groups?: number;
}
export interface Conv1dOptions {
  stride?: IntOrSingle;
  padding?: ConvPadding1d;
  dilation?: IntOrSingle;
  groups?: number;
}
export interface ConvTranspose2dOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  outputPadding?: IntOrPair;
  groups?: number;
  dilation?: IntOrPair;
}

/** @internal Normalises an int-or-tuple argument to `n` non-negative integers. */
export function _tupleOf(op: string, name: string, v: number | readonly number[], n: number, min = 0): number[] {
  const t = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (t.length !== n || !t.every((x) => Number.isInteger(x) && x >= min)) {
    throw new ShapeError(`${op}: ${name} must be ${n === 1 ? "an integer" : `an integer or ${n} integers`} >= ${min}, got ${JSON.stringify(v)}`);
  }
  return t;
}

const DIMS: Record<number, string> = { 1: "[N, C, L]", 2: "[N, C, H, W]", 3: "[N, C, D, H, W]" };

/**
 * @internal Checks a convolution input's rank ([C, *] or [N, C, *] with `spatial` dims) and,
 * given inChannels, its channel count: returns it batched (an unbatched one gets N = 1) and
 * whether it was unbatched. `op` names the caller in messages ("conv2d", or "Conv2d" from
 * the module).
 */
export function _batchedInput(op: string, x: Tensor, spatial: number, inChannels: number | null = null): { batched: Tensor; unbatched: boolean } {
  const ok = x.ndim === spatial + 1 || x.ndim === spatial + 2;
  if (!ok || (inChannels !== null && x.shape[x.ndim - spatial - 1] !== inChannels)) {
    throw new ShapeError(`${op}: expected a ${spatial + 1}-D or ${spatial + 2}-D input ${DIMS[spatial]}${inChannels !== null ? ` with C = ${inChannels}` : ""}, got shape ${fmtShape(x.shape)}`);
  }
  const unbatched = x.ndim === spatial + 1;
  return { batched: unbatched ? x.unsqueeze(0) : x, unbatched };
}

/** @internal Input, weight and bias share one dtype (the kernels take a single one). */
export function _checkDtypes(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): void {
  if (x.dtype !== weight.dtype || (bias && bias.dtype !== weight.dtype)) {
    throw new DTypeError(`${op}: input, weight and bias must have the same dtype, got ${x.dtype}, ${weight.dtype}${bias ? ` and ${bias.dtype}` : ""}`);
  }
}

/** @internal A bias, when given, has one value per output channel. */
export function _checkBias(op: string, bias: Tensor | null | undefined, O: number): void {
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) throw new ShapeError(`${op}: expected bias of shape [${O}], got ${fmtShape(bias.shape)}`);
}

/** @internal groups is a positive integer. */
export function _checkGroupCount(op: string, groups: number): void {
  if (!Number.isInteger(groups) || groups < 1) throw new ShapeError(`${op}: groups must be a positive integer, got ${groups}`);
}

/** @internal torch's "Given groups=..., weight of size ..., expected input[...] to have ... channels" check. */
export function _checkGroups(op: string, x: Tensor, weight: Tensor, groups: number): void {
  _checkGroupCount(op, groups);
  const O = weight.shape[0]!, C = x.shape[1]!, want = weight.shape[1]! * groups;
  if (O % groups !== 0) throw new ShapeError(`${op}: out_channels (weight ${fmtShape(weight.shape)} dim 0 = ${O}) must be divisible by groups (${groups})`);
  if (C !== want) {
    throw new ShapeError(`${op}: Given groups=${groups}, weight of size ${fmtShape(weight.shape)}, expected input${fmtShape(x.shape)} to have ${want} channels, but got ${C} channels instead`);
  }
}

type WindowArgs = { stride: [number, number]; padding: [number, number]; dilation: [number, number] };

/**
 * An ungrouped convolution: the conv2d primitive's forward pass, and its input and weight
 * passes as the backward (the weight pass also gives the bias gradient). Under createGraph
 * the backward is composed from differentiable ops instead (unfold, matmul, fold), so
 * higher derivatives follow from their rules.
 *
 * With `relu` the ReLU runs in the convolution's epilogue, and with `pool` the max pooling
 * too (nn.Sequential fuses Conv2d + ReLU [+ MaxPool2d] this way): the same values without a
 * pass over the full-size output, and a backward that masks the gradient as ReLU's own
 * backward does (by the output, or by the pooled winners' values) before the convolution's.
 */
function convUngrouped(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, a: WindowArgs, relu = false, pool?: PoolWindow): Tensor {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const kernel = weight.shape.slice(2) as [number, number];
  const attrs = { kernel, ...a };
  const ins = bias ? [x, weight, bias] : [x, weight];
  const forward = { pass: "forward" as const, ...attrs, ...(relu ? { activation: "relu" as const } : {}) };
  // the input and weight gradients from the gradient gc of the convolution's output
  const backward = (gc: Tensor, xs: Tensor, ws: Tensor, needs: readonly boolean[]): (Tensor | null)[] => {
    if (isGradEnabled()) return convBackwardComposed(gc, xs, ws, a, needs);
    const dx = needs[0] ? dispatch("conv2d", [gc, ws], { pass: "input", inputSize: [H, W], ...attrs }) : null;
    const [dW, db] = needs[1] || needs[2] ? dispatchAll("conv2d", [xs, gc], { pass: "weight", ...attrs }) : [null, null];
    return [dx, needs[1] ? dW! : null, needs[2] ? db! : null];
  };
  if (pool) {
    if (!needsGrad([x, weight, bias])) return dispatch("conv2d", ins, { ...forward, pool });
    // training: the pooled values and the winners' positions; the gradient goes back
    // through relu on the pooled values (the winners' own values), then to the winners
    const [values, indices] = dispatchAll("conv2d", ins, { ...forward, pool: { ...pool, indices: true } }) as [Tensor, Tensor];
    const outShape = [N, weight.shape[0]!, windowOutputSize(H, kernel[0], a.stride[0], a.padding[0], a.dilation[0]), windowOutputSize(W, kernel[1], a.stride[1], a.padding[1], a.dilation[1])] as const;
    const name = relu ? "ConvolutionReluMaxPoolBackward0" : "ConvolutionMaxPoolBackward0";
    return record1(name, [x, weight, bias], values, [x, weight, values, indices], ([g], [xs, ws, vs, idx], needs) =>
      backward(_maxPoolGrad(relu ? _reluGrad(g!, vs!) : g!, idx!, outShape), xs!, ws!, needs),
    );
  }
  const out = dispatch("conv2d", ins, forward);
  const name = relu ? "ConvolutionReluBackward0" : "ConvolutionBackward0";
  return record1(name, [x, weight, bias], out, relu ? [x, weight, out] : [x, weight], ([g], [xs, ws, ys], needs) =>
    backward(relu ? _reluGrad(g!, ys!) : g!, xs!, ws!, needs),
  );
}

/** The convolution backward from differentiable ops (for createGraph). */
function convBackwardComposed(g: Tensor, x: Tensor, weight: Tensor, a: WindowArgs, needs: readonly boolean[]): (Tensor | null)[] {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const [O, C, kh, kw] = weight.shape as [number, number, number, number];
  const K = C * kh * kw, L = g.shape[2]! * g.shape[3]!;
  const g3 = g.reshape([N, O, L]);
  const dW = needs[1] ? g3.matmul(unfold(x, [kh, kw], a).transpose(1, 2)).sum(0).view(weight.shape) : null;
  const db = needs[2] ? g.sum([0, 2, 3]) : null;
  const dx = needs[0] ? fold(weight.reshape([O, K]).t().matmul(g3), [H, W], [kh, kw], a) : null;
  return [dx, dW, db];
}

/**
 * A depthwise convolution (groups = channels, each channel with its own m filters): the
 * depthwiseConv2d primitive's forward pass, and its input and weight passes as the backward
 * (one node, as convUngrouped), direct loops per channel plane on the CPU instead of the
 * grouped im2col's 9x columns and GEMV-shaped matmuls; backends without the primitive run
 * that im2col as its decomposition. Under createGraph the backward is composed from
 * differentiable ops (unfold, matmul, fold), so higher derivatives follow from their rules.
 */
function convDepthwise(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, a: WindowArgs, m: number): Tensor {
  const [, , H, W] = x.shape as [number, number, number, number];
  const attrs = { multiplier: m, kernel: weight.shape.slice(2) as [number, number], ...a };
  const out = dispatch("depthwiseConv2d", bias ? [x, weight, bias] : [x, weight], { pass: "forward", ...attrs });
  return record1("ConvolutionBackward0", [x, weight, bias], out, [x, weight], ([g], [xs, ws], needs) => {
    if (isGradEnabled()) return depthwiseBackwardComposed(g!, xs!, ws!, a, needs);
    const dx = needs[0] ? dispatch("depthwiseConv2d", [g!, ws!], { pass: "input", inputSize: [H, W], ...attrs }) : null;
    const [dW, db] = needs[1] || needs[2] ? dispatchAll("depthwiseConv2d", [xs!, g!], { pass: "weight", ...attrs }) : [null, null];
    return [dx, needs[1] ? dW! : null, needs[2] ? db! : null];
  });
}

/** The depthwise convolution's backward from differentiable ops (for createGraph): the grouped im2col's. */
function depthwiseBackwardComposed(g: Tensor, x: Tensor, weight: Tensor, a: WindowArgs, needs: readonly boolean[]): (Tensor | null)[] {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , kh, kw] = weight.shape as [number, number, number, number];
  const m = O / C, K = kh * kw, L = g.shape[2]! * g.shape[3]!;
  const g4 = g.reshape([N, C, m, L]);
  const dW = needs[1] ? g4.matmul(unfold(x, [kh, kw], a).reshape([N, C, K, L]).transpose(2, 3)).sum(0).reshape(weight.shape) : null;
  const db = needs[2] ? g.sum([0, 2, 3]) : null;
  const dx = needs[0] ? fold(weight.reshape([C, m, K]).transpose(1, 2).matmul(g4).reshape([N, C * K, L]), [H, W], [kh, kw], a) : null;
  return [dx, dW, db];
}

/** Whether depthwise convolutions take the depthwiseConv2d primitive (else the grouped im2col). */
let depthwisePath = true;

/** @internal Turns the depthwise primitive off or on (benchmarks and tests compare the two); returns the previous setting. */
export function _setDepthwisePath(on: boolean): boolean {
  const prev = depthwisePath;
  depthwisePath = on;
  return prev;
}

interface Conv2dArgs {
  stride: number[];
  padding: number[];
  dilation: number[];
  groups: number;
}

/** The core: x [N, C, H, W], weight [O, C/groups, kh, kw] -> [N, O, oh, ow]. */
function conv2dCore(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, a: Conv2dArgs, relu = false, pool?: PoolWindow): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, kh, kw] = weight.shape as [number, number, number, number];
  const G = a.groups;
  const ph = H + 2 * a.padding[0]!, pw = W + 2 * a.padding[1]!;
  const ekh = a.dilation[0]! * (kh - 1) + 1, ekw = a.dilation[1]! * (kw - 1) + 1;
  if (ekh > ph || ekw > pw) {
    throw new ShapeError(`${op}: Calculated padded input size per channel: (${ph} x ${pw}). Kernel size: (${ekh} x ${ekw}). Kernel size can't be greater than actual input size (input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}, padding (${a.padding.join(", ")}), dilation (${a.dilation.join(", ")}))`);
  }
  _checkBias(op, bias, O);
  const opts = { stride: a.stride as [number, number], padding: a.padding as [number, number], dilation: a.dilation as [number, number] };
  const oh = windowOutputSize(H, kh, a.stride[0]!, a.padding[0]!, a.dilation[0]!);
  const ow = windowOutputSize(W, kw, a.stride[1]!, a.padding[1]!, a.dilation[1]!);
  const K = Cg * kh * kw;
  const fits = !pool || (oh >= pool.kernel[0] && ow >= pool.kernel[1]);
  if (G === 1 && fits) return convUngrouped(x, weight, bias, opts, relu, pool);
  if (pool) return maxPool2d(conv2dCore(op, x, weight, bias, a, relu), pool.kernel, { stride: pool.stride });
  if (Cg === 1 && depthwisePath) {
    const out = convDepthwise(x, weight, bias, opts, O / G);
    return relu ? out.relu() : out;
  }
  const cols = unfold(x, [kh, kw], opts); // [N, C*kh*kw, L], channel-major so groups are contiguous
  const out = weight.reshape([G, O / G, K]).matmul(cols.reshape([N, G, K, oh * ow])).reshape([N, O, oh, ow]);
  const biased = bias ? out.add(bias.reshape([1, O, 1, 1])) : out;
  return relu ? biased.relu() : biased;
}

/** Resolves "same"/"valid"/ints to symmetric padding plus the extra right/bottom padding "same" may need. */
function resolvePadding(op: string, padding: ConvPadding2d, kernel: number[], dilation: number[], stride: number[]): { sym: number[]; extra: number[] } {
  if (padding === "valid") return { sym: [0, 0], extra: [0, 0] };
  if (padding === "same") {
    if (stride.some((s) => s !== 1)) throw new ShapeError(`${op}: padding='same' is not supported for strided convolutions (stride (${stride.join(", ")}))`);
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    const sym = total.map((t) => Math.floor(t / 2));
    return { sym, extra: total.map((t, i) => t - 2 * sym[i]!) };
  }
  if (typeof padding === "string") throw new ShapeError(`${op}: invalid padding string ${JSON.stringify(padding)}; expected "valid" or "same"`);
  return { sym: _tupleOf(op, "padding", padding, 2), extra: [0, 0] };
}

/**
 * 2-D convolution (cross-correlation, as torch) over [N, C, H, W] or unbatched [C, H, W].
 * @example F.conv2d(x, weight, bias, { stride: 2, padding: 1 }) // x [8, 3, 32, 32], weight [16, 3, 3, 3] -> [8, 16, 16, 16]
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: Conv2dOptions): Tensor {
  return conv2dNamed("conv2d", x, weight, bias, opts);
}

/** relu(conv2d(...)) with the ReLU fused into the convolution (internal: nn.Sequential's Conv2d + ReLU). */
export function _conv2dRelu(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions): Tensor {
  return conv2dNamed("conv2d", x, weight, bias, opts, true);
}

/** A max-pooling window without padding or dilation, floor mode. */
export interface PoolWindow {
  kernel: [number, number];
  stride: [number, number];
}

/**
 * maxPool2d(relu(conv2d(...))) in one kernel (internal: nn.Sequential's Conv2d + ReLU +
 * MaxPool2d): each image's activations are pooled while still in cache, so the full-size
 * output is never written; when training, the winners' positions come along for the
 * gradient, which goes through relu on the pooled values only.
 */
export function _conv2dReluMaxPool(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions, pool: PoolWindow): Tensor {
  return conv2dNamed("conv2d", x, weight, bias, opts, true, pool);
}

function conv2dNamed(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions | undefined, relu = false, pool?: PoolWindow): Tensor {
  if (weight.ndim !== 4) throw new ShapeError(`${op}: expected a 4-D weight [out_channels, in_channels/groups, kH, kW], got shape ${fmtShape(weight.shape)}`);
  _checkDtypes(op, x, weight, bias);
  const groups = opts?.groups ?? 1;
  const { batched, unbatched } = _batchedInput(op, x, 2);
  _checkGroups(op, batched, weight, groups);
  const stride = _tupleOf(op, "stride", opts?.stride ?? 1, 2, 1);
  const dilation = _tupleOf(op, "dilation", opts?.dilation ?? 1, 2, 1);
  const { sym, extra } = resolvePadding(op, opts?.padding ?? 0, weight.shape.slice(2), dilation, stride);
  // asymmetric "same": pad the extra element on the right/bottom first, as torch does
  const input = extra[0] || extra[1] ? pad(batched, [0, extra[1]!, 0, extra[0]!]) : batched;
  const y = conv2dCore(op, input, weight, bias, { stride, padding: sym, dilation, groups }, relu, pool);
  return unbatched ? y.squeeze(0) : y;
}

/**
 * @internal The window checks of a 1-D convolution, in 1-D terms (F.conv1d and nn.Conv1d run
 * as a 2-D convolution of height 1, whose own messages would name a height and a 4-D input
 * the user never made): "same" with a stride, and a dilated kernel longer than the padded input.
 */
export function _check1dWindow(op: string, batched: Tensor, weight: Tensor, stride: number, padding: number | "same" | "valid", dilation: number): void {
  if (padding === "same") {
    if (stride !== 1) throw new ShapeError(`${op}: padding='same' is not supported for strided convolutions (stride ${stride})`);
    return;
  }
  const p = padding === "valid" ? 0 : padding;
  const padded = batched.shape[2]! + 2 * p, kernel = dilation * (weight.shape[2]! - 1) + 1;
  if (kernel > padded) {
    throw new ShapeError(`${op}: Calculated padded input size per channel: (${padded}). Kernel size: (${kernel}). Kernel size can't be greater than actual input size (input ${fmtShape(batched.shape)}, weight ${fmtShape(weight.shape)}, padding (${p}), dilation (${dilation}))`);
  }
}

/**
 * 1-D convolution over [N, C, L] or unbatched [C, L] (a 2-D convolution with height 1).
 * @example F.conv1d(x, weight, null, { padding: "same" }) // x [4, 2, 10], weight [6, 2, 3] -> [4, 6, 10]
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: Conv1dOptions): Tensor {
  const op = "conv1d";
  if (weight.ndim !== 3) throw new ShapeError(`${op}: expected a 3-D weight [out_channels, in_channels/groups, kL], got shape ${fmtShape(weight.shape)}`);
  _checkDtypes(op, x, weight, bias);
  const groups = opts?.groups ?? 1;
  const { batched, unbatched } = _batchedInput(op, x, 1);
  _checkGroups(op, batched, weight, groups);
  const stride = _tupleOf(op, "stride", opts?.stride ?? 1, 1, 1)[0]!;
  const dilation = _tupleOf(op, "dilation", opts?.dilation ?? 1, 1, 1)[0]!;
  const p = opts?.padding ?? 0;
  const p1 = typeof p === "string" ? p : _tupleOf(op, "padding", p, 1)[0]!;
  _check1dWindow(op, batched, weight, stride, p1, dilation);
  const padding: ConvPadding2d = typeof p1 === "string" ? p1 : [0, p1];
  const y = conv2dNamed(op, batched.unsqueeze(2), weight.unsqueeze(2), bias, { stride: [1, stride], padding, dilation: [1, dilation], groups }).squeeze(2);
  return unbatched ? y.squeeze(0) : y;
}

/** @internal A transposed convolution's input has weight.shape[0] channels. */
export function _checkTransposedChannels(op: string, batched: Tensor, weight: Tensor): void {
  if (batched.shape[1] !== weight.shape[0]) {
    throw new ShapeError(`${op}: Given transposed=1, weight of size ${fmtShape(weight.shape)}, expected input${fmtShape(batched.shape)} to have ${weight.shape[0]} channels, but got ${batched.shape[1]} channels instead`);
  }
}

/** @internal outputPadding adds to the output's end, so it must stay below the stride or the dilation (as torch). */
export function _checkOutputPadding(op: string, outPad: readonly number[], stride: readonly number[], dilation: readonly number[]): void {
  outPad.forEach((p, i) => {
    if (p >= stride[i]! && p >= dilation[i]!) {
      throw new ShapeError(`${op}: output padding must be smaller than either stride or dilation, but got outputPadding (${outPad.join(", ")}), stride (${stride.join(", ")}), dilation (${dilation.join(", ")})`);
    }
  });
}

/**
 * Transposed 2-D convolution (the gradient of conv2d with respect to its input), with
 * weight [in_channels, out_channels/groups, kH, kW] as torch. Output size per dim:
 * (in - 1)·stride - 2·padding + dilation·(k - 1) + outputPadding + 1.
 * @example F.convTranspose2d(x, weight, null, { stride: 2, padding: 1, outputPadding: 1 }) // [1, 4, 5, 5] -> [1, C, 10, 10] for k = 3
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvTranspose2dOptions): Tensor {
  const op = "convTranspose2d";
  if (weight.ndim !== 4) throw new ShapeError(`${op}: expected a 4-D weight [in_channels, out_channels/groups, kH, kW], got shape ${fmtShape(weight.shape)}`);
  _checkDtypes(op, x, weight, bias);
  const G = opts?.groups ?? 1;
  _checkGroupCount(op, G);
  const { batched, unbatched } = _batchedInput(op, x, 2);
  _checkTransposedChannels(op, batched, weight);
  const stride = _tupleOf(op, "stride", opts?.stride ?? 1, 2, 1);
  const padding = _tupleOf(op, "padding", opts?.padding ?? 0, 2);
  const outPad = _tupleOf(op, "outputPadding", opts?.outputPadding ?? 0, 2);
  const dilation = _tupleOf(op, "dilation", opts?.dilation ?? 1, 2, 1);
  _checkOutputPadding(op, outPad, stride, dilation);
  const [N, Cin, H, W] = batched.shape as [number, number, number, number];
  const [, Og, kh, kw] = weight.shape as [number, number, number, number];
  if (Cin % G !== 0) throw new ShapeError(`${op}: in_channels (${Cin}) must be divisible by groups (${G})`);
  const O = Og * G, Cg = Cin / G, k = kh * kw;
  _checkBias(op, bias, O);
  const full = [(H - 1) * stride[0]! + dilation[0]! * (kh - 1) + 1, (W - 1) * stride[1]! + dilation[1]! * (kw - 1) + 1];
  const outSize = full.map((f, i) => f - 2 * padding[i]! + outPad[i]!);
  if (outSize.some((s) => s <= 0)) throw new ShapeError(`${op}: output size (${outSize.join(", ")}) is non-positive for input ${fmtShape(batched.shape)}, weight ${fmtShape(weight.shape)}, padding (${padding.join(", ")})`);
  // columns: each input pixel scatters weightᵀ · x into its output block
  const xs = batched.reshape([N, G, Cg, H * W]);
  const wt = weight.reshape([G, Cg, Og * k]).transpose(1, 2); // [G, Og*k, Cg]
  const cols = wt.matmul(xs).reshape([N, O * k, H * W]);
  const foldOpts = { stride: stride as [number, number], dilation: dilation as [number, number] };
  let y: Tensor;
  if (outPad[0]! < stride[0]! && outPad[1]! < stride[1]!) {
    y = fold(cols, outSize as [number, number], [kh, kw], { ...foldOpts, padding: padding as [number, number] });
  } else {
    // outputPadding >= stride (allowed when < dilation): fold the full output, then crop/extend
    const whole = fold(cols, full as [number, number], [kh, kw], foldOpts);
    y = pad(whole, [-padding[1]!, outSize[1]! + padding[1]! - full[1]!, -padding[0]!, outSize[0]! + padding[0]! - full[0]!]);
  }
  if (bias) y = y.add(bias.reshape([1, O, 1, 1]));
  return unbatched ? y.squeeze(0) : y;
}

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const CONV_FNS = {
  conv1d: defineF(
    'conv1d(Tensor input, Tensor weight, Tensor? bias=null, int[1] stride=1, int[1]|"same"|"valid" padding=0, int[1] dilation=1, int groups=1) -> Tensor',
    (x: Tensor, w: Tensor, b: Tensor | null, stride: IntOrSingle, padding: ConvPadding1d, dilation: IntOrSingle, groups: number) => conv1d(x, w, b, { stride, padding, dilation, groups }),
  ),
  conv2d: defineF(
    'conv2d(Tensor input, Tensor weight, Tensor? bias=null, int[2] stride=1, int[2]|"same"|"valid" padding=0, int[2] dilation=1, int groups=1) -> Tensor',
    (x: Tensor, w: Tensor, b: Tensor | null, stride: IntOrPair, padding: ConvPadding2d, dilation: IntOrPair, groups: number) => conv2d(x, w, b, { stride, padding, dilation, groups }),
  ),
  convTranspose2d: defineF(
    "convTranspose2d(Tensor input, Tensor weight, Tensor? bias=null, int[2] stride=1, int[2] padding=0, int[2] outputPadding=0, int groups=1, int[2] dilation=1) -> Tensor",
    (x: Tensor, w: Tensor, b: Tensor | null, stride: IntOrPair, padding: IntOrPair, outputPadding: IntOrPair, groups: number, dilation: IntOrPair) =>
      convTranspose2d(x, w, b, { stride, padding, outputPadding, groups, dilation }),
  ),
};

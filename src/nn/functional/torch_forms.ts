/**
 * The nn functions PyTorch also has in the torch namespace (torch.conv2d, torch.layer_norm,
 * torch.dropout(input, p, train), torch.embedding(weight, indices), torch.adaptive_max_pool1d
 * ...), each with *torch's* signature, which is not always F's: torch.dropout's `train` is
 * required and positional, torch.batch_norm takes weight and bias before the running
 * statistics (all required) and a cudnnEnabled flag, torch.embedding takes the weight first,
 * torch.max_pool1d has no returnIndices and torch.adaptive_max_pool1d returns (values,
 * indices), the losses take reduction as ATen's int enum (0 none, 1 mean, 2 sum) with
 * torch.kl_div's log_target keyword-only, torch.convolution is the generic convolution (a
 * transposed flag and outputPadding, the rank from the weight's). Also the function forms of Tensor's in-place ops (torch.relu_(x), torch.exp_(x),
 * torch.clamp_(x, 0) ...), the same declarations as the methods. Each runs the raw function
 * F's declared form runs, so values and checks are F's.
 */
import { defineOp, functionFormOf, type MethodsOf } from "../../api/registry.js";
import { ArgumentError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
// the modules declaring the in-place methods given function forms below
import "../../ops/views.js";
import "../../ops/inplace.js";
import "../../ops/inplace_extra.js";
import "../../ops/indexing.js";
import "../../ops/blas_like.js";
import "../../ops/special.js";
import "../../ops/elementwise_extra.js";
import "../../ops/elementwise_numeric.js";
import "../../ops/aliases.js";
import "../../ops/tensor_compat.js";
import type { Generator } from "../../tensor/random.js";
import type { Tensor } from "../../tensor/tensor.js";
import { celu, celuInPlace, hardshrink, prelu, selu, seluInPlace, threshold, thresholdInPlace } from "./activation.js";
import { adaptiveMaxPool1d } from "./adaptive.js";
import { channelShuffle } from "./channel_shuffle.js";
import { conv1d, conv2d, convTranspose2d, type ConvPadding1d, type ConvPadding2d, type IntOrPair, type IntOrSingle } from "./conv.js";
import { conv3d, convTranspose1d, convTranspose3d, type ConvPadding3d, type IntOrTriple } from "./conv3d.js";
import { dropout } from "./dropout.js";
import { alphaDropout, featureAlphaDropout } from "./dropout_extra.js";
import { embedding } from "./embedding.js";
import { bilinear } from "./linear.js";
import { binaryCrossEntropyWithLogits, klDiv, type Reduction } from "./loss.js";
import { cosineEmbeddingLoss, hingeEmbeddingLoss, marginRankingLoss, poissonNllLoss, tripletMarginLoss } from "./loss_extra.js";
import { ctcLoss } from "./ctc_loss.js";
import { pad } from "../../ops/shape_ops.js";
import { batchNorm, groupNorm, instanceNorm, layerNorm } from "./normalization.js";
import { pixelShuffle, pixelUnshuffle } from "./pixel_shuffle.js";
import { adaptiveAvgPool1d, avgPool1d, maxPool1d, maxPool2d } from "./pooling.js";
import { bernoulli, full } from "../../tensor/creation.js";
import { maxPool3d } from "./pooling3d.js";
import { rrelu } from "./rrelu.js";

const fn = { variants: "function" } as const;

/** ATen's reduction enum (at::Reduction): 0 none, 1 mean, 2 sum. */
function reductionOf(op: string, r: number): Reduction {
  if (r === 0) return "none";
  if (r === 1) return "mean";
  if (r === 2) return "sum";
  throw new ArgumentError(`${op}: reduction must be 0 (none), 1 (mean) or 2 (sum), as ATen's Reduction enum, got ${r}`);
}

/**
 * torch.convolution: conv{1,2,3}d or convTranspose{1,2,3}d by the weight's rank (3, 4 or 5 dims)
 * and `transposed`, every argument required as in ATen; outputPadding is used by the transposed
 * convolutions only (PyTorch ignores it otherwise, as here).
 */
function convolution(x: Tensor, w: Tensor, b: T, stride: number[], padding: number[], dilation: number[], transposed: boolean, outputPadding: number[], groups: number): Tensor {
  const k = w.ndim - 2;
  if (k < 1 || k > 3) throw new ShapeError(`convolution: expected a weight of 3, 4 or 5 dims ([out, in/groups, *kernel] or transposed [in, out/groups, *kernel]), got shape ${fmtShape(w.shape)}`);
  const per = (name: string, v: number[]) => {
    if (v.length === 1) return new Array<number>(k).fill(v[0]!);
    if (v.length !== k) throw new ShapeError(`convolution: expected ${name} to be a single integer value or a list of ${k} values to match the convolution dimensions, but got ${name}=${JSON.stringify(v)}`);
    return v;
  };
  const [st, pd, dl] = [per("stride", stride), per("padding", padding), per("dilation", dilation)];
  if (transposed) {
    const op = per("output_padding", outputPadding);
    const o = { stride: st, padding: pd, outputPadding: op, groups, dilation: dl } as never;
    return k === 1 ? convTranspose1d(x, w, b, o) : k === 2 ? convTranspose2d(x, w, b, o) : convTranspose3d(x, w, b, o);
  }
  const o = { stride: st, padding: pd, dilation: dl, groups } as never;
  return k === 1 ? conv1d(x, w, b, o) : k === 2 ? conv2d(x, w, b, o) : conv3d(x, w, b, o);
}

/**
 * torch.feature_dropout(input, p, train): whole features (dims 0 and 1 index one, the rest share
 * its draw) zeroed with probability p and the rest scaled by 1 / (1 - p), in training.
 */
function featureDropout(op: string, x: Tensor, p: number, train: boolean, inplace: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw new FluxionError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
  if (x.ndim < 2) throw new ShapeError(`${op}: Feature dropout requires at least 2 dimensions in the input (got shape ${fmtShape(x.shape)})`);
  if (!train || p === 0 || x.numel() === 0) return x;
  const keep = full(x.shape.map((s, i) => (i < 2 ? s : 1)), 1 - p, { dtype: x.dtype, device: x.device });
  const mask = p === 1 ? keep.mul(0) : bernoulli(keep).div(1 - p);
  return inplace ? x.mul_(mask) : x.mul(mask);
}

/** The two that are Tensor methods in PyTorch too. */
const METHOD_SIGS = {
  prelu: "prelu(Tensor self, Tensor weight) -> Tensor",
  hardshrink: "hardshrink(Tensor self, float lambd=0.5) -> Tensor",
} as const;
declare module "../../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof METHOD_SIGS> {}
}
type T = Tensor | null;

/** torch.<nn op> with torch's signatures. */
export const TORCH_NN_FNS = {
  conv1d: defineOp('conv1d(Tensor input, Tensor weight, Tensor? bias=null, int[1] stride=1, int[1]|"same"|"valid" padding=0, int[1] dilation=1, int groups=1) -> Tensor',
    (x: Tensor, w: Tensor, b: T, stride: IntOrSingle, padding: ConvPadding1d, dilation: IntOrSingle, groups: number) => conv1d(x, w, b, { stride, padding, dilation, groups }), fn),
  conv2d: defineOp('conv2d(Tensor input, Tensor weight, Tensor? bias=null, int[2] stride=1, int[2]|"same"|"valid" padding=0, int[2] dilation=1, int groups=1) -> Tensor',
    (x: Tensor, w: Tensor, b: T, stride: IntOrPair, padding: ConvPadding2d, dilation: IntOrPair, groups: number) => conv2d(x, w, b, { stride, padding, dilation, groups }), fn),
  conv3d: defineOp('conv3d(Tensor input, Tensor weight, Tensor? bias=null, int[3] stride=1, int[3]|"same"|"valid" padding=0, int[3] dilation=1, int groups=1) -> Tensor',
    (x: Tensor, w: Tensor, b: T, stride: IntOrTriple, padding: ConvPadding3d, dilation: IntOrTriple, groups: number) => conv3d(x, w, b, { stride, padding, dilation, groups }), fn),
  convTranspose1d: defineOp("convTranspose1d(Tensor input, Tensor weight, Tensor? bias=null, int[1] stride=1, int[1] padding=0, int[1] outputPadding=0, int groups=1, int[1] dilation=1) -> Tensor",
    (x: Tensor, w: Tensor, b: T, stride: IntOrSingle, padding: IntOrSingle, outputPadding: IntOrSingle, groups: number, dilation: IntOrSingle) =>
      convTranspose1d(x, w, b, { stride, padding, outputPadding, groups, dilation }), fn),
  convTranspose2d: defineOp("convTranspose2d(Tensor input, Tensor weight, Tensor? bias=null, int[2] stride=1, int[2] padding=0, int[2] outputPadding=0, int groups=1, int[2] dilation=1) -> Tensor",
    (x: Tensor, w: Tensor, b: T, stride: IntOrPair, padding: IntOrPair, outputPadding: IntOrPair, groups: number, dilation: IntOrPair) =>
      convTranspose2d(x, w, b, { stride, padding, outputPadding, groups, dilation }), fn),
  convTranspose3d: defineOp("convTranspose3d(Tensor input, Tensor weight, Tensor? bias=null, int[3] stride=1, int[3] padding=0, int[3] outputPadding=0, int groups=1, int[3] dilation=1) -> Tensor",
    (x: Tensor, w: Tensor, b: T, stride: IntOrTriple, padding: IntOrTriple, outputPadding: IntOrTriple, groups: number, dilation: IntOrTriple) =>
      convTranspose3d(x, w, b, { stride, padding, outputPadding, groups, dilation }), fn),
  pixelShuffle: defineOp("pixelShuffle(Tensor input, int upscaleFactor) -> Tensor", pixelShuffle, fn),
  pixelUnshuffle: defineOp("pixelUnshuffle(Tensor input, int downscaleFactor) -> Tensor", pixelUnshuffle, fn),
  // Tensor.prelu and Tensor.hardshrink are methods in PyTorch too
  prelu: defineOp(METHOD_SIGS.prelu, prelu),
  hardshrink: defineOp(METHOD_SIGS.hardshrink, hardshrink),
  selu: defineOp("selu(Tensor input) -> Tensor", selu, fn),
  selu_: defineOp("selu_(Tensor input) -> Tensor", seluInPlace, fn),
  celu: defineOp("celu(Tensor input, float alpha=1.0) -> Tensor", celu, fn),
  celu_: defineOp("celu_(Tensor input, float alpha=1.0) -> Tensor", celuInPlace, fn),
  rrelu: defineOp("rrelu(Tensor input, float lower=0.125, float upper=0.3333333333333333, bool training=false, Generator? generator=null) -> Tensor",
    (x: Tensor, lower: number, upper: number, training: boolean, generator: Generator | null) => rrelu(x, { lower, upper, training, generator: generator ?? undefined }), fn),
  rrelu_: defineOp("rrelu_(Tensor input, float lower=0.125, float upper=0.3333333333333333, bool training=false, Generator? generator=null) -> Tensor",
    (x: Tensor, lower: number, upper: number, training: boolean, generator: Generator | null) => rrelu(x, { lower, upper, training, inplace: true, generator: generator ?? undefined }), fn),
  threshold: defineOp("threshold(Tensor input, float threshold, float value) -> Tensor", threshold, fn),
  threshold_: defineOp("threshold_(Tensor input, float threshold, float value) -> Tensor", thresholdInPlace, fn),
  // torch's poolings: no returnIndices (torch.max_pool1d_with_indices is not public); stride defaults to the kernel
  maxPool1d: defineOp("maxPool1d(Tensor input, int[1] kernelSize, int[1]? stride=null, int[1] padding=0, int[1] dilation=1, bool ceilMode=false) -> Tensor",
    (x: Tensor, k: IntOrSingle, stride: IntOrSingle | null, padding: IntOrSingle, dilation: IntOrSingle, ceilMode: boolean) => maxPool1d(x, k, { stride, padding, dilation, ceilMode }), fn),
  maxPool2d: defineOp("maxPool2d(Tensor input, int[2] kernelSize, int[2]? stride=null, int[2] padding=0, int[2] dilation=1, bool ceilMode=false) -> Tensor",
    (x: Tensor, k: IntOrPair, stride: IntOrPair | null, padding: IntOrPair, dilation: IntOrPair, ceilMode: boolean) => maxPool2d(x, k, { stride, padding, dilation, ceilMode }), fn),
  maxPool3d: defineOp("maxPool3d(Tensor input, int[3] kernelSize, int[3]? stride=null, int[3] padding=0, int[3] dilation=1, bool ceilMode=false) -> Tensor",
    (x: Tensor, k: IntOrTriple, stride: IntOrTriple | null, padding: IntOrTriple, dilation: IntOrTriple, ceilMode: boolean) => maxPool3d(x, k, { stride, padding, dilation, ceilMode }), fn),
  avgPool1d: defineOp("avgPool1d(Tensor input, int[1] kernelSize, int[1]? stride=null, int[1] padding=0, bool ceilMode=false, bool countIncludePad=true) -> Tensor",
    (x: Tensor, k: IntOrSingle, stride: IntOrSingle | null, padding: IntOrSingle, ceilMode: boolean, countIncludePad: boolean) => avgPool1d(x, k, { stride, padding, ceilMode, countIncludePad }), fn),
  adaptiveAvgPool1d: defineOp("adaptiveAvgPool1d(Tensor input, int[1] outputSize) -> Tensor", (x: Tensor, size: number | number[]) =>
    adaptiveAvgPool1d(x, typeof size === "number" ? size : size[0]!), fn),
  adaptiveMaxPool1d: defineOp("adaptiveMaxPool1d(Tensor input, int[1] outputSize) -> (Tensor, Tensor)", (x: Tensor, size: number | number[]) =>
    adaptiveMaxPool1d(x, size, { returnIndices: true }) as [Tensor, Tensor], fn),
  bilinear: defineOp("bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor? bias=null) -> Tensor", bilinear, fn),
  channelShuffle: defineOp("channelShuffle(Tensor input, int groups) -> Tensor", channelShuffle, fn),
  nativeChannelShuffle: defineOp("nativeChannelShuffle(Tensor input, int groups) -> Tensor", channelShuffle, fn),
  dropout: defineOp("dropout(Tensor input, float p, bool train) -> Tensor", (x: Tensor, p: number, train: boolean) => dropout(x, p, { training: train }), fn),
  dropout_: defineOp("dropout_(Tensor input, float p, bool train) -> Tensor", (x: Tensor, p: number, train: boolean) => dropout(x, p, { training: train, inplace: true }), fn),
  alphaDropout: defineOp("alphaDropout(Tensor input, float p, bool train) -> Tensor", (x: Tensor, p: number, train: boolean) => alphaDropout(x, p, { training: train }), fn),
  alphaDropout_: defineOp("alphaDropout_(Tensor input, float p, bool train) -> Tensor", (x: Tensor, p: number, train: boolean) => alphaDropout(x, p, { training: train, inplace: true }), fn),
  featureAlphaDropout: defineOp("featureAlphaDropout(Tensor input, float p, bool train) -> Tensor", (x: Tensor, p: number, train: boolean) => featureAlphaDropout(x, p, { training: train }), fn),
  featureAlphaDropout_: defineOp("featureAlphaDropout_(Tensor input, float p, bool train) -> Tensor", (x: Tensor, p: number, train: boolean) =>
    featureAlphaDropout(x, p, { training: train, inplace: true }), fn),
  // the cudnn flags are accepted and change nothing (as PyTorch's on the CPU)
  layerNorm: defineOp("layerNorm(Tensor input, int[] normalizedShape, Tensor? weight=null, Tensor? bias=null, float eps=1e-5, bool cudnnEnable=true) -> Tensor",
    (x: Tensor, shape: number | number[], w: T, b: T, eps: number) => layerNorm(x, shape, w, b, { eps }), fn),
  groupNorm: defineOp("groupNorm(Tensor input, int numGroups, Tensor? weight=null, Tensor? bias=null, float eps=1e-5, bool cudnnEnabled=true) -> Tensor",
    (x: Tensor, numGroups: number, w: T, b: T, eps: number) => groupNorm(x, numGroups, w, b, { eps }), fn),
  batchNorm: defineOp("batchNorm(Tensor input, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar, bool training, float momentum, float eps, bool cudnnEnabled) -> Tensor",
    (x: Tensor, w: T, b: T, rm: T, rv: T, training: boolean, momentum: number, eps: number) => batchNorm(x, rm, rv, w, b, { training, momentum, eps }), fn),
  instanceNorm: defineOp(
    "instanceNorm(Tensor input, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar, bool useInputStats, float momentum, float eps, bool cudnnEnabled) -> Tensor",
    (x: Tensor, w: T, b: T, rm: T, rv: T, useInputStats: boolean, momentum: number, eps: number) => instanceNorm(x, rm, rv, w, b, { useInputStats, momentum, eps }), fn),
  featureDropout: defineOp("featureDropout(Tensor input, float p, bool train) -> Tensor", (x: Tensor, p: number, train: boolean) => featureDropout("featureDropout", x, p, train, false), fn),
  featureDropout_: defineOp("featureDropout_(Tensor input, float p, bool train) -> Tensor", (x: Tensor, p: number, train: boolean) => featureDropout("featureDropout_", x, p, train, true), fn),
  // (output, indices), stride defaulting to the kernel, as torch.max_pool1d_with_indices
  maxPool1dWithIndices: defineOp("maxPool1dWithIndices(Tensor input, int[1] kernelSize, int[1]? stride=null, int[1] padding=0, int[1] dilation=1, bool ceilMode=false) -> (Tensor, Tensor)",
    (x: Tensor, k: IntOrSingle, stride: IntOrSingle | null, padding: IntOrSingle, dilation: IntOrSingle, ceilMode: boolean) =>
      maxPool1d(x, k, { stride, padding, dilation, ceilMode, returnIndices: true }) as unknown as [Tensor, Tensor], fn),
  convolution: defineOp("convolution(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, bool transposed, int[] outputPadding, int groups) -> Tensor",
    (x: Tensor, w: Tensor, b: T, stride: number | number[], padding: number | number[], dilation: number | number[], transposed: boolean, outputPadding: number | number[], groups: number) =>
      convolution(x, w, b, [stride].flat(), [padding].flat(), [dilation].flat(), transposed, [outputPadding].flat(), groups), fn),
  /** torch.constant_pad_nd: F.pad's constant mode (negative pads crop). */
  constantPadNd: defineOp("constantPadNd(Tensor input, int[] pad, Scalar value=0) -> Tensor", (x: Tensor, padding: number | number[], value: number) => {
    const p = [padding].flat();
    if (p.length % 2 !== 0) throw new ShapeError(`constantPadNd: Length of pad must be even but instead it equals ${p.length}`);
    return pad(x, p, { mode: "constant", value: Number(value) });
  }, fn),
  // torch's losses: reduction as ATen's int enum (1, mean, by default)
  binaryCrossEntropyWithLogits: defineOp("binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight=null, Tensor? posWeight=null, int reduction=1) -> Tensor",
    (x: Tensor, t: Tensor, weight: T, posWeight: T, r: number) => binaryCrossEntropyWithLogits(x, t, { weight, posWeight, reduction: reductionOf("binaryCrossEntropyWithLogits", r) }), fn),
  cosineEmbeddingLoss: defineOp("cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, float margin=0.0, int reduction=1) -> Tensor",
    (a: Tensor, b: Tensor, t: Tensor, margin: number, r: number) => cosineEmbeddingLoss(a, b, t, { margin, reduction: reductionOf("cosineEmbeddingLoss", r) }), fn),
  hingeEmbeddingLoss: defineOp("hingeEmbeddingLoss(Tensor input, Tensor target, float margin=1.0, int reduction=1) -> Tensor",
    (x: Tensor, t: Tensor, margin: number, r: number) => hingeEmbeddingLoss(x, t, { margin, reduction: reductionOf("hingeEmbeddingLoss", r) }), fn),
  // no warning for the mean, as torch.kl_div (only F.kl_div warns)
  klDiv: defineOp("klDiv(Tensor input, Tensor target, int reduction=1, *, bool logTarget=false) -> Tensor", (x: Tensor, t: Tensor, r: number, { logTarget }: { logTarget: boolean }) => {
    const reduction = reductionOf("klDiv", r);
    const loss = klDiv(x, t, { reduction: "none", logTarget });
    return reduction === "none" ? loss : reduction === "sum" ? loss.sum() : loss.mean();
  }, fn),
  marginRankingLoss: defineOp("marginRankingLoss(Tensor input1, Tensor input2, Tensor target, float margin=0.0, int reduction=1) -> Tensor",
    (a: Tensor, b: Tensor, t: Tensor, margin: number, r: number) => marginRankingLoss(a, b, t, { margin, reduction: reductionOf("marginRankingLoss", r) }), fn),
  poissonNllLoss: defineOp("poissonNllLoss(Tensor input, Tensor target, bool logInput, bool full, float eps, int reduction) -> Tensor",
    (x: Tensor, t: Tensor, logInput: boolean, fullLoss: boolean, eps: number, r: number) => poissonNllLoss(x, t, { logInput, full: fullLoss, eps, reduction: reductionOf("poissonNllLoss", r) }), fn),
  tripletMarginLoss: defineOp("tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, float margin=1.0, float p=2, float eps=1e-6, bool swap=false, int reduction=1) -> Tensor",
    (a: Tensor, pos: Tensor, neg: Tensor, margin: number, p: number, eps: number, swap: boolean, r: number) =>
      tripletMarginLoss(a, pos, neg, { margin, p, eps, swap, reduction: reductionOf("tripletMarginLoss", r) }), fn),
  ctcLoss: defineOp("ctcLoss(Tensor logProbs, Tensor targets, Tensor|int[] inputLengths, Tensor|int[] targetLengths, int blank=0, int reduction=1, bool zeroInfinity=false) -> Tensor",
    (lp: Tensor, t: Tensor, il: Tensor | number[], tl: Tensor | number[], blank: number, r: number, zeroInfinity: boolean) =>
      ctcLoss(lp, t, il, tl, { blank, reduction: reductionOf("ctcLoss", r), zeroInfinity }), fn),
  // the weight first, as ATen's; paddingIdx -1 (any negative) means none; no maxNorm (F.embedding renorms before calling it)
  embedding: defineOp("embedding(Tensor weight, Tensor indices, int paddingIdx=-1, bool scaleGradByFreq=false, bool sparse=false) -> Tensor",
    (weight: Tensor, indices: Tensor, paddingIdx: number, scaleGradByFreq: boolean, sparse: boolean) => {
      if (sparse) throw new FluxionError("embedding(): sparse=true (sparse gradients) is not supported; Fluxion computes a dense weight gradient");
      return embedding(indices, weight, { paddingIdx: paddingIdx < 0 ? null : paddingIdx, scaleGradByFreq });
    }, fn),
};

/** torch's function forms of Tensor's in-place ops (torch.relu_(x) is x.relu_()). */
const INPLACE_FUNCTION_FORMS = [
  "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_",
  "ceil_", "clamp_", "clampMax_", "clampMin_", "clip_", "cos_", "cosh_", "deg2rad_", "detach_", "erf_", "erfc_", "exp_", "exp2_", "expm1_", "fill_",
  "fix_", "floor_", "frac_", "gcd_", "i0_", "indexPut_", "lcm_", "ldexp_", "log_", "log10_", "log1p_", "log2_", "logit_", "nanToNum_", "neg_",
  "negative_", "rad2deg_", "reciprocal_", "relu_", "resizeAs_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_",
  "tanh_", "trunc_", "xlogy_", "zero_",
] as const;
type InplaceName = (typeof INPLACE_FUNCTION_FORMS)[number];
/** A method's overloads (up to four, as the declarations make them) as functions of the tensor first. */
type FnForm<K extends keyof Tensor> = Tensor[K] extends { (...a: infer A1): infer R1; (...a: infer A2): infer R2; (...a: infer A3): infer R3; (...a: infer A4): infer R4 }
  ? { (input: Tensor, ...a: A1): R1; (input: Tensor, ...a: A2): R2; (input: Tensor, ...a: A3): R3; (input: Tensor, ...a: A4): R4 }
  : never;

export const TORCH_INPLACE_FNS = Object.fromEntries(INPLACE_FUNCTION_FORMS.map((name) => [name, functionFormOf(name)])) as unknown as { [K in InplaceName]: FnForm<K> };

/**
 * F.unfold (im2col) and F.fold (col2im) as differentiable ops: each is the other's
 * adjoint, so each one's backward is the other. Convolutions and pooling compose them
 * with matmul and reductions.
 */
import { dispatch } from "../../backend/dispatcher.js";
import { record1 } from "../../autograd/record.js";
import { ShapeError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

export type Pair = number | readonly [number, number];

export function pair(op: string, name: string, v: Pair): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 0)) throw new ShapeError(`${op}: ${name} must be non-negative integers, got ${JSON.stringify(v)}`);
  return p;
}

export interface WindowOptions {
  dilation?: Pair;
  padding?: Pair;
  stride?: Pair;
}

export function windowOutputSize(size: number, k: number, stride: number, pad: number, dil: number): number {
  return Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

function resolve(op: string, kernelSize: Pair, opts?: WindowOptions) {
  const kernel = pair(op, "kernelSize", kernelSize);
  const stride = pair(op, "stride", opts?.stride ?? 1);
  const padding = pair(op, "padding", opts?.padding ?? 0);
  const dilation = pair(op, "dilation", opts?.dilation ?? 1);
  if (kernel.some((k) => k === 0) || stride.some((s) => s === 0) || dilation.some((d) => d === 0)) {
    throw new ShapeError(`${op}: kernelSize, stride and dilation must be positive (kernel ${kernel}, stride ${stride}, dilation ${dilation})`);
  }
  return { kernel, stride, padding, dilation };
}

/** Sliding blocks of a [N, C, H, W] input: [N, C*kh*kw, L]. */
export function unfold(x: Tensor, kernelSize: Pair, opts?: WindowOptions): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`unfold: expected a 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  const a = resolve("unfold", kernelSize, opts);
  const [H, W] = [x.shape[2]!, x.shape[3]!];
  const oh = windowOutputSize(H, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
  const ow = windowOutputSize(W, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
  if (oh <= 0 || ow <= 0) {
    throw new ShapeError(`unfold: input of spatial size ${H}x${W} (shape ${fmtShape(x.shape)}) is too small for kernel ${a.kernel.join("x")} with padding ${a.padding.join(",")} and dilation ${a.dilation.join(",")}`);
  }
  const out = dispatch("unfold", [x], a);
  return record1("Im2ColBackward0", [x], out, [], ([g]) => [fold(g!, [H, W], a.kernel, a)]);
}

/** Sums sliding blocks [N, C*kh*kw, L] back into [N, C, H, W]. */
export function fold(x: Tensor, outputSize: Pair, kernelSize: Pair, opts?: WindowOptions): Tensor {
  if (x.ndim !== 3) throw new ShapeError(`fold: expected a 3-D input [N, C*kh*kw, L], got shape ${fmtShape(x.shape)}`);
  const a = resolve("fold", kernelSize, opts);
  const size = pair("fold", "outputSize", outputSize);
  const k = a.kernel[0] * a.kernel[1];
  const oh = windowOutputSize(size[0], a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
  const ow = windowOutputSize(size[1], a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
  if (x.shape[1]! % k !== 0 || x.shape[2] !== oh * ow) {
    throw new ShapeError(`fold: input shape ${fmtShape(x.shape)} does not match kernel ${a.kernel.join("x")} (dim 1 must be divisible by ${k}) and output size ${size.join("x")} (dim 2 must be ${oh * ow} blocks)`);
  }
  const out = dispatch("fold", [x], { outputSize: size, ...a });
  return record1("Col2ImBackward0", [x], out, [], ([g]) => [unfold(g!, a.kernel, a)]);
}

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const FOLD_FNS = {
  unfold: defineF("unfold(Tensor input, int[2] kernelSize, int[2] dilation=1, int[2] padding=0, int[2] stride=1) -> Tensor", (x: Tensor, k: Pair, dilation: Pair, padding: Pair, stride: Pair) =>
    unfold(x, k, { dilation, padding, stride })),
  fold: defineF(
    "fold(Tensor input, int[2] outputSize, int[2] kernelSize, int[2] dilation=1, int[2] padding=0, int[2] stride=1) -> Tensor",
    (x: Tensor, size: Pair, k: Pair, dilation: Pair, padding: Pair, stride: Pair) => fold(x, size, k, { dilation, padding, stride }),
  ),
};

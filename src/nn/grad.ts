/**
 * nn.grad (torch.nn.grad): the gradients of a convolution with respect to its input and to
 * its weight, as functions of the gradient of its output, for custom autograd Functions that
 * compute a convolution's backward themselves (PyTorch's "fusing convolution and batch norm"
 * recipe). The input gradient is the transposed convolution of the output gradient (with the
 * output padding that gives `inputSize`, as PyTorch's _grad_input_padding); the weight
 * gradient is taken by autograd through the convolution. Both are differentiable.
 */
import { defineOp } from "../api/registry.js";
import { grad } from "../autograd/backward.js";
import { enableGrad } from "../autograd/grad_mode.js";
import { ShapeError, fmtShape } from "../errors.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import * as F from "./functional/index.js";

type Tuple = number | number[];

function expand(v: Tuple, k: number): number[] {
  return Array.isArray(v) ? v : Array.from({ length: k }, () => v);
}

const CONV = { 1: [F.conv1d, F.convTranspose1d], 2: [F.conv2d, F.convTranspose2d], 3: [F.conv3d, F.convTranspose3d] } as const;

function convInput(k: 1 | 2 | 3, inputSize: readonly number[], weight: Tensor, gradOutput: Tensor, stride: Tuple, padding: Tuple, dilation: Tuple, groups: number): Tensor {
  const op = `conv${k}dInput`;
  if (gradOutput.ndim !== k + 2) throw new ShapeError(`${op}: grad_output must be ${k + 2}-D ([N, C_out, ...${k} spatial dims]), got shape ${fmtShape(gradOutput.shape)}`);
  // the input's whole shape, as PyTorch 1.13 (the batch and channels must be the convolution's)
  if (inputSize.length !== k + 2) throw new ShapeError(`${op}: input_size must have ${k + 2} elements (the input's shape), got ${inputSize.length}: [${inputSize.join(", ")}]`);
  if (inputSize[0] !== gradOutput.shape[0] || inputSize[1] !== weight.shape[1]! * groups) {
    throw new ShapeError(`${op}: input_size [${inputSize.join(", ")}] does not fit grad_output ${fmtShape(gradOutput.shape)} and weight ${fmtShape(weight.shape)} with groups=${groups} (expected batch ${gradOutput.shape[0]} and ${weight.shape[1]! * groups} channels)`);
  }
  const size = inputSize.slice(2);
  const s = expand(stride, k), p = expand(padding, k), d = expand(dilation, k);
  const kernel = weight.shape.slice(2);
  const minSizes = size.map((_, i) => (gradOutput.shape[i + 2]! - 1) * s[i]! - 2 * p[i]! + d[i]! * (kernel[i]! - 1) + 1);
  for (let i = 0; i < k; i++) {
    if (size[i]! < minSizes[i]! || size[i]! > minSizes[i]! + s[i]! - 1) {
      throw new ShapeError(`${op}: requested an input grad size of [${size.join(", ")}], but valid sizes range from [${minSizes.join(", ")}] to [${minSizes.map((m, j) => m + s[j]! - 1).join(", ")}] (for a grad_output of ${fmtShape(gradOutput.shape.slice(2))})`);
    }
  }
  const outputPadding = size.map((v, i) => v - minSizes[i]!);
  const transpose = CONV[k][1] as (x: Tensor, w: Tensor, b: Tensor | null, o: object) => Tensor;
  return transpose(gradOutput, weight, null, { stride: s, padding: p, outputPadding, groups, dilation: d });
}

function convWeight(k: 1 | 2 | 3, input: Tensor, weightSize: readonly number[], gradOutput: Tensor, stride: Tuple, padding: Tuple, dilation: Tuple, groups: number): Tensor {
  const op = `conv${k}dWeight`;
  if (weightSize.length !== k + 2) throw new ShapeError(`${op}: weight_size must have ${k + 2} elements (got ${weightSize.length})`);
  const conv = CONV[k][0] as (x: Tensor, w: Tensor, b: Tensor | null, o: object) => Tensor;
  return enableGrad(() => {
    const w = zeros([...weightSize], { dtype: input.dtype, device: input.device, requiresGrad: true });
    const out = conv(input, w, null, { stride, padding, dilation, groups });
    if (out.shape.length !== gradOutput.shape.length || out.shape.some((v, i) => v !== gradOutput.shape[i])) {
      throw new ShapeError(`${op}: grad_output has shape ${fmtShape(gradOutput.shape)}, but the convolution of input ${fmtShape(input.shape)} with a weight of ${fmtShape(weightSize)} gives ${fmtShape(out.shape)}`);
    }
    // a weight gradient PyTorch can differentiate again: keep the graph when its operands need one
    return grad(out, w, { gradOutputs: [gradOutput], createGraph: input.requiresGrad || gradOutput.requiresGrad })[0]!;
  });
}

function inputFn(k: 1 | 2 | 3): InputGrad {
  return defineOp(
    `conv${k}dInput(int[] inputSize, Tensor weight, Tensor gradOutput, int[${k}] stride=1, int[${k}] padding=0, int[${k}] dilation=1, int groups=1) -> Tensor`,
    (inputSize: number[], weight: Tensor, gradOutput: Tensor, stride: number[], padding: number[], dilation: number[], groups: number) =>
      convInput(k, inputSize, weight, gradOutput, stride, padding, dilation, groups),
    { group: "nn.grad", key: `nn.grad.conv${k}dInput` },
  ) as unknown as InputGrad;
}
function weightFn(k: 1 | 2 | 3): WeightGrad {
  return defineOp(
    `conv${k}dWeight(Tensor input, int[] weightSize, Tensor gradOutput, int[${k}] stride=1, int[${k}] padding=0, int[${k}] dilation=1, int groups=1) -> Tensor`,
    (input: Tensor, weightSize: number[], gradOutput: Tensor, stride: number[], padding: number[], dilation: number[], groups: number) =>
      convWeight(k, input, weightSize, gradOutput, stride, padding, dilation, groups),
    { group: "nn.grad", key: `nn.grad.conv${k}dWeight` },
  ) as unknown as WeightGrad;
}

type ConvOpts = { stride?: Tuple; padding?: Tuple; dilation?: Tuple; groups?: number };
type InputGrad = (inputSize: readonly number[], weight: Tensor, gradOutput: Tensor, stride?: Tuple | ConvOpts, padding?: Tuple, dilation?: Tuple, groups?: number) => Tensor;
type WeightGrad = (input: Tensor, weightSize: readonly number[], gradOutput: Tensor, stride?: Tuple | ConvOpts, padding?: Tuple, dilation?: Tuple, groups?: number) => Tensor;

/**
 * The gradient of F.conv1d/2d/3d with respect to its input (whose shape is `inputSize`), given
 * the output's gradient.
 * @example nn.grad.conv2dInput(x.shape, w, gy, { padding: 1 }) // equals x.grad after conv2d(x, w, null, { padding: 1 }).backward(gy)
 */
export const conv1dInput: InputGrad = inputFn(1);
export const conv2dInput: InputGrad = inputFn(2);
export const conv3dInput: InputGrad = inputFn(3);
/** The gradient of F.conv1d/2d/3d with respect to its weight (of `weightSize`), given the output's gradient. */
export const conv1dWeight: WeightGrad = weightFn(1);
export const conv2dWeight: WeightGrad = weightFn(2);
export const conv3dWeight: WeightGrad = weightFn(3);

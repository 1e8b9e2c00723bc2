/**
 * torch.nn.functional's *WithIndices pooling forms (maxPool2dWithIndices,
 * adaptiveMaxPool2dWithIndices, ...): the max poolings' signatures, returnIndices included
 * (PyTorch keeps the parameter but ignores it), always returning [output, indices].
 */
import type { Tensor } from "../../tensor/tensor.js";
import { adaptiveMaxPool1d, adaptiveMaxPool2d, adaptiveMaxPool3d } from "./adaptive.js";
import type { IntOrPair, IntOrSingle } from "./conv.js";
import type { IntOrTriple } from "./conv3d.js";
import { defineF } from "./define.js";
import { maxPool1d, maxPool2d } from "./pooling.js";
import { maxPool3d } from "./pooling3d.js";

const maxPoolDecl = <N extends string, K extends string>(name: N, k: K) =>
  `${name}(Tensor input, int[${k}] kernelSize, int[${k}]? stride=null, int[${k}] padding=0, int[${k}] dilation=1, bool ceilMode=false, bool returnIndices=false) -> (Tensor, Tensor)` as const;
type Sizes = number | readonly (number | null)[];

/** The declared forms `F` exports. */
export const POOL_WITH_INDICES_FNS = {
  maxPool1dWithIndices: defineF(maxPoolDecl("maxPool1dWithIndices", "1"), (x: Tensor, k: IntOrSingle, stride: IntOrSingle | null, padding: IntOrSingle, dilation: IntOrSingle, ceilMode: boolean) =>
    maxPool1d(x, k, { stride, padding, dilation, ceilMode, returnIndices: true })),
  maxPool2dWithIndices: defineF(maxPoolDecl("maxPool2dWithIndices", "2"), (x: Tensor, k: IntOrPair, stride: IntOrPair | null, padding: IntOrPair, dilation: IntOrPair, ceilMode: boolean) =>
    maxPool2d(x, k, { stride, padding, dilation, ceilMode, returnIndices: true })),
  maxPool3dWithIndices: defineF(maxPoolDecl("maxPool3dWithIndices", "3"), (x: Tensor, k: IntOrTriple, stride: IntOrTriple | null, padding: IntOrTriple, dilation: IntOrTriple, ceilMode: boolean) =>
    maxPool3d(x, k, { stride, padding, dilation, ceilMode, returnIndices: true })),
  adaptiveMaxPool1dWithIndices: defineF("adaptiveMaxPool1dWithIndices(Tensor input, int[1] outputSize, bool returnIndices=false) -> (Tensor, Tensor)", (x: Tensor, size: number | number[]) =>
    adaptiveMaxPool1d(x, size, { returnIndices: true }) as [Tensor, Tensor]),
  // output sizes may leave a dim as it is with null ([null, 7]), so the list is checked by the op
  adaptiveMaxPool2dWithIndices: defineF("adaptiveMaxPool2dWithIndices(Tensor input, int|Any[2] outputSize, bool returnIndices=false) -> (Tensor, Tensor)", (x: Tensor, size: Sizes) =>
    adaptiveMaxPool2d(x, size, { returnIndices: true }) as [Tensor, Tensor]),
  adaptiveMaxPool3dWithIndices: defineF("adaptiveMaxPool3dWithIndices(Tensor input, int|Any[3] outputSize, bool returnIndices=false) -> (Tensor, Tensor)", (x: Tensor, size: Sizes) =>
    adaptiveMaxPool3d(x, size, { returnIndices: true }) as [Tensor, Tensor]),
};

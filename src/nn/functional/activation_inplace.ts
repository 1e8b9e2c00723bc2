/**
 * torch.nn.functional's in-place activations (F.relu_, F.elu_, F.hardtanh_, ...): the
 * activation written into the input, which is returned. Same rules as every in-place op
 * (a leaf that requires grad refuses; a tensor another op saved for its backward makes that
 * backward refuse), plus PyTorch's: leakyRelu_, elu_, celu_ and rrelu_ out of training run
 * with a negative slope but refuse to differentiate it. Each equals the `inplace=true` form
 * of the out-of-place function.
 */
import type { Generator } from "../../tensor/random.js";
import type { Tensor } from "../../tensor/tensor.js";
import { celuInPlace, eluInPlace, hardtanhInPlace, seluInPlace, thresholdInPlace } from "./activation.js";
import { defineF } from "./define.js";
import { rrelu } from "./rrelu.js";

/** The declared forms `F` exports (torch.nn.functional's signatures). */
export const INPLACE_ACTIVATION_FNS = {
  relu_: defineF("relu_(Tensor input) -> Tensor", (x: Tensor) => x.relu_()),
  leakyRelu_: defineF("leakyRelu_(Tensor input, float negativeSlope=0.01) -> Tensor", (x: Tensor, slope: number) => x.leakyRelu_(slope)),
  elu_: defineF("elu_(Tensor input, float alpha=1.0) -> Tensor", (x: Tensor, alpha: number) => eluInPlace(x, alpha)),
  selu_: defineF("selu_(Tensor input) -> Tensor", (x: Tensor) => seluInPlace(x)),
  celu_: defineF("celu_(Tensor input, float alpha=1.0) -> Tensor", (x: Tensor, alpha: number) => celuInPlace(x, alpha)),
  hardtanh_: defineF("hardtanh_(Tensor input, float minVal=-1.0, float maxVal=1.0) -> Tensor", (x: Tensor, lo: number, hi: number) => hardtanhInPlace(x, lo, hi)),
  rrelu_: defineF("rrelu_(Tensor input, float lower=0.125, float upper=0.3333333333333333, bool training=false, *, Generator? generator=null) -> Tensor",
    (x: Tensor, lower: number, upper: number, training: boolean, { generator }: { generator: Generator | null }) =>
      rrelu(x, { lower, upper, training, inplace: true, generator: generator ?? undefined })),
  threshold_: defineF("threshold_(Tensor input, float threshold, float value) -> Tensor", (x: Tensor, t: number, v: number) => thresholdInPlace(x, t, v)),
};

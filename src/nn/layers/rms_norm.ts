/**
 * nn.RMSNorm (PyTorch 2.4; 1.13 lacks it): root-mean-square normalization over the trailing
 * normalizedShape dims with an optional learnable weight (initialised to ones).
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { ones } from "../../tensor/creation.js";
import { checkShape } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkLayerSizes, checkTensorArg } from "../args.js";
import { rmsNorm } from "../functional/rms_norm.js";
import * as init from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyFloat, pyValue } from "./repr.js";

const RMS_NORM = "RMSNorm(int[] normalizedShape, float? eps=null, bool elementwiseAffine=true, *, Device? device=null, ScalarType? dtype=null)";
const rmsNormArgs = declareArgs(RMS_NORM, "nn");

/**
 * RMS normalization: x / sqrt(mean(x²) + eps) * weight over the trailing dims; eps null is
 * the input dtype's machine epsilon.
 * @example new nn.RMSNorm([4]); // prints "RMSNorm((4,), eps=None, elementwise_affine=True)"
 */
export class RMSNorm extends Module {
  weight: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;
  constructor(...args: CtorArgs<typeof RMS_NORM>) {
    super();
    const [normalizedShape, eps, elementwiseAffine, { device, dtype }] = rmsNormArgs.bind(args);
    this.normalizedShape = checkShape("RMSNorm", typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape, dtype ?? undefined);
    checkLayerSizes("RMSNorm", {}, device);
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    this.weight = elementwiseAffine ? new Parameter(ones(this.normalizedShape, { dtype, device })) : null;
  }
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }
  override extraRepr(): string {
    return `${pyValue(this.normalizedShape)}, eps=${this.eps === null ? "None" : pyFloat(this.eps)}, elementwise_affine=${pyValue(this.elementwiseAffine)}`;
  }
}

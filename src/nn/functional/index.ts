/** `F`: the functional forms of layers, activations and losses (torch.nn.functional). */
export * from "./activation.js";
export * from "./linear.js";
export * from "./loss.js";
export { unfold, fold } from "./fold.js";
export { conv1d, conv2d, convTranspose2d, type Conv1dOptions, type Conv2dOptions, type ConvTranspose2dOptions, type ConvPadding1d, type ConvPadding2d, type IntOrPair, type IntOrSingle } from "./conv.js";
export * from "./pooling.js";
export * from "./normalization.js";
export * from "./dropout.js";
export * from "./embedding.js";
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from "./attention.js";
import { SHAPE_FNS } from "../../ops/shape_ops.js";
export const { pad } = SHAPE_FNS;
import { ADVANCED_INDEXING_FNS } from "../../ops/advanced_indexing.js";
export const { oneHot } = ADVANCED_INDEXING_FNS;

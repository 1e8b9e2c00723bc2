/** `F`: the functional forms of layers, activations and losses (torch.nn.functional). */
export * from "./activation.js";
export * from "./linear.js";
export * from "./loss.js";
export { unfold, fold } from "./fold.js";
export * from "./conv.js";
export * from "./pooling.js";
export * from "./normalization.js";
export * from "./dropout.js";
export * from "./embedding.js";
export * from "./attention.js";
export { pad } from "../../ops/shape_ops.js";
export { oneHot } from "../../ops/indexing.js";

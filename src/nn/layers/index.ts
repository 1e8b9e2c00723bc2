/** All nn layers. */
export * from "./container.js";
export * from "./linear.js";
export * from "./activation.js";
export * from "./loss.js";
export * from "./conv.js";
export * from "./pooling.js";
export * from "./upsample.js";
export * from "./normalization.js";
export * from "./dropout.js";
export * from "./embedding.js";
export * from "./embedding_bag.js";
export * from "./rnn.js";
export * from "./transformer.js";
export * from "./transformer_decoder.js";
export * from "./distance.js";
export * from "./padding.js";
export * from "./pixel_shuffle.js";

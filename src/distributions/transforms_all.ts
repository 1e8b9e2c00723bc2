/** Every transform (torch.distributions.transforms), gathered for the `distributions.transforms` namespace. */
export * from "./transforms.js";
export * from "./transforms_elementwise.js";
export * from "./transforms_event.js";

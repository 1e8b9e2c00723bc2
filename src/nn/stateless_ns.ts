/** The nn.utils.stateless namespace (torch.nn.utils.stateless): functionalCall. */
export { functionalCall } from "./stateless.js";

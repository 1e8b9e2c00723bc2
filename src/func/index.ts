/**
 * `func` (torch.func, PyTorch 2.0): functionalCall, which also takes an array of dicts
 * (`func.functionalCall(model, [params, buffers], [x])`). The other function transforms
 * (grad, vjp, jacrev, ...) are in autograd.functional.
 */
export { funcFunctionalCall as functionalCall } from "../nn/stateless.js";

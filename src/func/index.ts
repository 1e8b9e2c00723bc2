/**
 * func: torch.func's composable transforms (grad, gradAndValue, vjp, jvp, jacrev, jacfwd,
 * hessian, vmap) over pytrees of tensors, stackModuleState (an ensemble's stacked weights), and functionalCall (which also takes an array of
 * dicts: `func.functionalCall(model, [params, buffers], [x])`).
 * @example
 * import { func } from "fluxion";
 * const perSampleGrads = func.vmap(func.grad(lossOf), { inDims: [null, 0, 0] })(params, xs, ys);
 */
export { grad, gradAndValue, vjp, jvp, jacrev, jacfwd, hessian, vmap, type GradOptions, type VmapOptions } from "./transforms.js";
export { funcFunctionalCall as functionalCall } from "../nn/stateless.js";
export { stackModuleState } from "./stack_module_state.js";

/**
 * func: torch.func's composable transforms (grad, gradAndValue, vjp, jvp, jacrev, jacfwd,
 * hessian, vmap) over pytrees of tensors.
 * @example
 * import { func } from "fluxion";
 * const perSampleGrads = func.vmap(func.grad(lossOf), { inDims: [null, 0, 0] })(params, xs, ys);
 */
export { grad, gradAndValue, vjp, jvp, jacrev, jacfwd, hessian, vmap, type GradOptions, type VmapOptions } from "./transforms.js";

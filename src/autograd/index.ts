/** The `autograd` namespace: grad, Function, gradcheck, grad-mode helpers. */
export { gradFn as grad, backwardFn as backward, type BackwardOptions, type GradOptions } from "./backward.js";
export { Function, FunctionCtx, onceDifferentiable } from "./function.js";
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradgradcheckOptions } from "./gradcheck.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, withGradEnabled } from "./grad_mode.js";
export { Node } from "./node.js";
export { setDetectAnomaly, detectAnomaly, isAnomalyEnabled, isAnomalyCheckNanEnabled, type AnomalyOptions } from "./anomaly_mode.js";
export * as functional from "./functional.js";

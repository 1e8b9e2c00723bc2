/**
 * amp: automatic mixed precision, PyTorch's torch.autocast and GradScaler.
 *
 * @example
 * const scaler = new amp.GradScaler();            // float16 only; bfloat16 needs none
 * const loss = amp.autocast({ deviceType: "cpu", dtype: "bfloat16" }, () => criterion(model(x), y));
 * loss.backward();
 */
export { autocast, AutocastMode, isAutocastEnabled, getAutocastDtype, type AutocastDType, type AutocastOptions } from "./autocast.js";
export { castPolicy, autocastOps, type CastPolicy } from "./policy.js";
export { GradScaler, type GradScalerStateDict } from "./grad_scaler.js";

/**
 * Grad mode: whether ops record the autograd graph. `noGrad(fn)` / `enableGrad(fn)` set it
 * for the duration of a synchronous block, like PyTorch's context managers.
 */
import { ArgumentError } from "../errors.js";

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Sets grad mode and returns the previous value (torch.set_grad_enabled). */
export function setGradEnabled(mode: boolean): boolean {
  const prev = enabled;
  enabled = mode;
  return prev;
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const prev = setGradEnabled(mode);
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs `fn` without recording the graph (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with graph recording on, even inside noGrad (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Runs `fn` with grad mode set to `mode` (torch.set_grad_enabled as a context). */
export function withGradEnabled<T>(mode: boolean, fn: () => T): T {
  return withGradMode(mode, fn);
}

let inference = false;

function describe(v: unknown): string {
  return typeof v === "function" ? "a function" : v === null ? "null" : typeof v === "object" ? (Array.isArray(v) ? "an array" : "an object") : `${typeof v} ${String(v)}`;
}

/** Whether an inferenceMode block is running (torch.is_inference_mode_enabled). */
export function isInferenceModeEnabled(): boolean {
  return inference;
}

/**
 * Runs `fn` in inference mode (torch.inference_mode): no graph is recorded, as in noGrad,
 * and isInferenceModeEnabled() is true. `inferenceMode(false, fn)` (or `{ mode: false }`,
 * also spelled `{ enabled: false }`) runs it outside inference mode with grad mode on, as
 * PyTorch 1.13's `torch.inference_mode(False)` does even inside no_grad. Unlike PyTorch, tensors made inside are ordinary tensors
 * (there are no "inference tensors" that refuse later use in autograd).
 * @example const y = inferenceMode(() => model(x)); // y.requiresGrad === false
 */
export function inferenceMode<T>(fn: () => T): T;
export function inferenceMode<T>(mode: boolean | { mode?: boolean; enabled?: boolean }, fn: () => T): T;
export function inferenceMode<T>(a: unknown, b?: unknown): T {
  const fn = (typeof a === "function" ? a : b) as (() => T) | undefined;
  const args = typeof a === "function" ? 1 : 2;
  if (typeof fn !== "function" || (args === 1 && b !== undefined)) {
    throw new ArgumentError(`inferenceMode(): expected inferenceMode(fn), inferenceMode(mode, fn) or inferenceMode({ mode }, fn) with fn a function, got ${describe(a)}${b === undefined ? "" : `, ${describe(b)}`}`);
  }
  let mode = true;
  if (args === 2) {
    if (typeof a === "boolean") mode = a;
    else if (a !== null && typeof a === "object" && !Array.isArray(a)) {
      const o = a as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (k !== "mode" && k !== "enabled") throw new ArgumentError(`inferenceMode(): unknown option '${k}' (expected 'mode')`);
      }
      const v = o.mode ?? o.enabled ?? true;
      if (typeof v !== "boolean") throw new ArgumentError(`inferenceMode(): argument 'mode' must be bool, but got ${describe(v)}`);
      mode = v;
    } else throw new ArgumentError(`inferenceMode(): argument 'mode' must be bool, but got ${describe(a)}`);
  }
  // as PyTorch's InferenceMode guard: mode false turns inference mode off and grad mode on
  // (even inside noGrad), mode true turns both the other way
  const prevInference = inference;
  const prevGrad = setGradEnabled(!mode);
  inference = mode;
  try {
    return fn();
  } finally {
    inference = prevInference;
    enabled = prevGrad;
  }
}

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

type Method<This, Args extends unknown[], R> = (this: This, ...args: Args) => R;

/**
 * `fn` as a decorator wraps it: the method runs in grad mode `mode` whenever it is called
 * (PyTorch's `@torch.no_grad()` on a method).
 */
function gradModeMethod(op: string, mode: boolean, fn: unknown, context: unknown): unknown {
  const kind = (context as { kind?: unknown } | null)?.kind;
  if (typeof fn !== "function" || kind !== "method") {
    throw new ArgumentError(`${op}: as a decorator it applies to methods (@${op} on a class method), but got ${describe(fn)} with a ${String(kind)} context`);
  }
  return function (this: unknown, ...args: unknown[]): unknown {
    return withGradMode(mode, () => Reflect.apply(fn, this, args));
  };
}

function checkFn(op: string, fn: unknown): void {
  if (typeof fn !== "function") throw new ArgumentError(`${op}: expected a function to run (noGrad(() => ...)), but got ${describe(fn)}`);
}

/**
 * Runs `fn` without recording the graph (torch.no_grad) and returns its result. As a method
 * decorator (PyTorch's `@torch.no_grad()`), every call of the method runs that way.
 * @example const out = noGrad(() => model(x));
 * @example
 * class GPT extends nn.Module {
 *   @noGrad
 *   generate(idx: Tensor, maxNewTokens: number): Tensor { ... }
 * }
 */
export function noGrad<T>(fn: () => T): T;
export function noGrad<This, Args extends unknown[], R>(method: Method<This, Args, R>, context: ClassMethodDecoratorContext<This, Method<This, Args, R>>): Method<This, Args, R>;
export function noGrad(fn: () => unknown, context?: unknown): unknown {
  if (arguments.length >= 2) return gradModeMethod("noGrad", false, fn, context);
  checkFn("noGrad", fn);
  return withGradMode(false, fn);
}

/** Runs `fn` with graph recording on, even inside noGrad (torch.enable_grad); a method decorator too. */
export function enableGrad<T>(fn: () => T): T;
export function enableGrad<This, Args extends unknown[], R>(method: Method<This, Args, R>, context: ClassMethodDecoratorContext<This, Method<This, Args, R>>): Method<This, Args, R>;
export function enableGrad(fn: () => unknown, context?: unknown): unknown {
  if (arguments.length >= 2) return gradModeMethod("enableGrad", true, fn, context);
  checkFn("enableGrad", fn);
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

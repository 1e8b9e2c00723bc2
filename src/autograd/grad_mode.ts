/**
 * Grad mode: whether ops record the autograd graph. `noGrad(fn)` / `enableGrad(fn)` set it
 * for the duration of a synchronous block, like PyTorch's context managers.
 */
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

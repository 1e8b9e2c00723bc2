/**
 * Host reads: the one door through which tensor values reach JavaScript.
 *
 * Under `compile()` or on a GPU a host read is a graph break (what was recorded must run
 * first) or a stall, so ops do not read values to decide what to compute: index bounds are
 * checked by the kernels, data-dependent choices are dispatched computations (`where`,
 * masks). What is left reads through `readHost(t, reason)` (or `readHostItem`), which tells
 * the installed listeners (a compiler counting graph breaks, a profiler, tests) who read.
 * `item()`, `tolist()` and `toTypedArray()` go through it too, named as themselves.
 *
 * The host reads that are inherent (PyTorch reads the host for them too), and so remain:
 * - `nonzero`/`argwhere`, and boolean-mask indexing built on it (x.index(mask),
 *   indexPut_ with a mask, maskedSelect): the output's shape depends on the values.
 * - `repeatInterleave` with a tensor of repeats: the output size is the repeats' sum
 *   (PyTorch's CPU kernel reads it too; passing outputSize does not avoid the check here).
 * - `oneHot` with numClasses -1: the class count is max(labels) + 1.
 * - `bincount`: the output's length is max(input) + 1 (its smallest and largest value are
 *   read, the smallest to refuse negatives); `histc` with min == max: the data's range.
 * - `x.index(t)` with a 0-d integer or bool tensor `t`: selects like an int (a view), so
 *   its value decides the view (PyTorch reads it the same way outside tracing).
 * - `allclose` and `equal`-style predicates that return a JS boolean.
 * - `unique` (and the ops built on it): its output shape is the data's too, but the unique
 *   primitive computes it inside the kernel, so a compiler must treat that primitive as a
 *   break rather than see a readHost.
 * - linalg's errors (src/ops/linalg/checks.ts): linalg.cholesky, inv, solve read their
 *   factorization's `info` to raise PyTorch's LinAlgError, svd checks for non-finite input
 *   (PyTorch reads the same on a GPU); lstsq reads whether every A has full rank to decide
 *   whether residuals exist, and det's backward which matrices are singular (PyTorch masks
 *   them out). Skipped on devices that cannot read synchronously.
 * - `item()`, `tolist()`, `toTypedArray()`, printing, saving: reads the user asked for.
 * - distributions' validateArgs checks (parameters at construction, the value of logProb and
 *   cdf; "Normal validateArgs", "Normal.logProb validateArgs"), on the CPU only (elsewhere a
 *   dispatched assertion), as PyTorch's validate_args reads them; a one-element parameter in
 *   a distribution's repr; Binomial's entropy/enumerateSupport read the total count (their
 *   output's size), as PyTorch's.
 * - Optimizer.loadStateDict reading a tensor `step`, ReduceLROnPlateau.step(metric as a
 *   tensor) (PyTorch's float(metrics)), clipGradNorm with errorIfNonfinite, and
 *   nn.init.orthogonal_'s host QR (initialization, outside any training step).
 * - optim.LBFGS: the loss, its stopping tests, the curvature check and the line search
 *   branch on values, as PyTorch's LBFGS does (float(closure()), `if ys > 1e-10`).
 */
import type { Tensor } from "./tensor.js";
import type { StorageArray } from "./dtype.js";

/** One host read: the reason (the op, or "item"/"tolist"/"toTypedArray"), the tensor's shape and dtype. */
export interface HostRead {
  reason: string;
  shape: readonly number[];
  dtype: string;
}

export type HostReadListener = (read: HostRead) => void;

const listeners: HostReadListener[] = [];

/** Calls `fn` on every host read until the returned function removes it. */
export function onHostRead(fn: HostReadListener): () => void {
  listeners.push(fn);
  return () => {
    const i = listeners.indexOf(fn);
    if (i >= 0) listeners.splice(i, 1);
  };
}

/** Tells the listeners that `t` is about to be read on the host for `reason`. */
export function noteHostRead(t: Tensor, reason: string): void {
  if (listeners.length === 0) return;
  const read: HostRead = { reason, shape: t.shape, dtype: t.dtype };
  for (const l of listeners.slice()) l(read);
}

/**
 * t's elements as a new typed array in row-major order (as `toTypedArray()`), read on the
 * host for `reason` (the op that needs them): a counted graph break under compile().
 */
export function readHost<A extends StorageArray = StorageArray>(t: Tensor, reason: string): A {
  t._checkHostReadable(reason);
  noteHostRead(t, reason);
  return t._readValues() as A;
}

/** The value of a one-element tensor (as `item()`), read on the host for `reason`. */
export function readHostItem<T extends number | boolean | bigint = number>(t: Tensor, reason: string): T {
  t._checkHostReadable(reason);
  noteHostRead(t, reason);
  return t._itemValue() as T;
}

/**
 * utils.checkpoint (torch.utils.checkpoint.checkpoint): runs a piece of a model without
 * keeping its intermediate tensors and runs it again, with grad on, when the backward pass
 * reaches it — memory for compute. The gradients are those of the plain call: those of the
 * tensor arguments and of every tensor requiring grad that the function reads from outside
 * (a module's parameters), found by watching its primitive calls, as PyTorch's non-reentrant
 * checkpoint finds them through the graph. The default generator's state is saved before the
 * first run and restored for the second (preserveRngState), so dropout masks are the same.
 */
import { enableGrad, isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import { grad } from "../autograd/backward.js";
import { record } from "../autograd/record.js";
import { withDispatchLayer } from "../backend/dispatcher.js";
import { ArgumentError } from "../errors.js";
import { defaultGenerator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";

export interface CheckpointOptions {
  /** Restore the default generator's state for the recomputation (default true), so random ops repeat. */
  preserveRngState?: boolean;
  /**
   * PyTorch's choice between its two implementations; both give the gradients of the plain
   * call here (this one behaves as useReentrant false: parameters get gradients even when no
   * tensor argument requires grad). Accepted for translated code.
   */
  useReentrant?: boolean;
}

const OPTION_KEYS = new Set(["preserveRngState", "useReentrant"]);

function isOptions(v: unknown): v is CheckpointOptions {
  if (v === null || typeof v !== "object" || v instanceof Tensor || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => OPTION_KEYS.has(k));
}

function outputsOf(r: unknown): Tensor[] {
  if (r instanceof Tensor) return [r];
  if (Array.isArray(r)) return r.filter((x): x is Tensor => x instanceof Tensor);
  return [];
}

/**
 * Calls `fn(...args)` without saving its intermediate results for backward; backward runs it
 * again to get them. fn returns a tensor or an array (tensors among other values).
 * A trailing `{ preserveRngState, useReentrant }` object is the options.
 * @example const y = utils.checkpoint((x) => block.call(x) as Tensor, x); y.sum().backward();
 */
function checkpointImpl<T>(fn: (...args: any[]) => T, ...rest: unknown[]): T {
  if (typeof fn !== "function") throw new ArgumentError(`checkpoint(): argument 'function' (position 1) must be a function, but got ${fn === null ? "null" : typeof fn}`);
  let opts: CheckpointOptions = {};
  if (rest.length > 0 && isOptions(rest[rest.length - 1])) opts = rest.pop() as CheckpointOptions;
  for (const [k, v] of Object.entries(opts)) {
    if (typeof v !== "boolean") throw new ArgumentError(`checkpoint(): option '${k}' must be bool, but got ${typeof v} ${String(v)}`);
  }
  const args = rest;
  if (!isGradEnabled()) return fn(...args);
  const preserve = opts.preserveRngState ?? true;
  const rngState = preserve ? defaultGenerator.getState() : null;
  // the first run: no graph; every tensor requiring grad that reaches a primitive is an input
  const captured = new Set<Tensor>();
  const result = noGrad(() => withDispatchLayer((call, next) => {
    for (const t of call.inputs) if (t.requiresGrad) captured.add(t);
    return next(call);
  }, () => fn(...args)));
  for (const a of args) if (a instanceof Tensor && a.requiresGrad) captured.add(a);
  const inputs = [...captured];
  const outs = outputsOf(result).filter((o) => o.isFloatingPoint());
  if (inputs.length === 0 || outs.length === 0) return result;
  record("CheckpointFunctionBackward", inputs, outs, [], (grads) => {
    const current = defaultGenerator.getState();
    if (rngState !== null) defaultGenerator.setState(rngState);
    const detached = new Map<Tensor, Tensor>();
    const again = args.map((a) => {
      if (!(a instanceof Tensor) || !a.requiresGrad) return a;
      const d = a.detach().requiresGrad_(true);
      detached.set(a, d);
      return d;
    });
    let recomputed: unknown;
    try {
      recomputed = enableGrad(() => fn(...again));
    } finally {
      if (rngState !== null) defaultGenerator.setState(current);
    }
    const recOuts = outputsOf(recomputed).filter((o) => o.isFloatingPoint());
    const pairs = recOuts.map((o, i) => [o, grads[i]] as const).filter(([o, g]) => o.requiresGrad && g !== undefined && g !== null);
    if (pairs.length === 0) return inputs.map(() => null);
    const targets = inputs.map((t) => detached.get(t) ?? t);
    return enableGrad(() => grad(pairs.map(([o]) => o), targets, { gradOutputs: pairs.map(([, g]) => g), allowUnused: true }));
  });
  return result;
}

/**
 * torch.utils.checkpoint.checkpoint; also reachable as `utils.checkpoint.checkpoint`, the
 * module path PyTorch code spells.
 */
export const checkpoint: typeof checkpointImpl & { checkpoint: typeof checkpointImpl } = Object.assign(checkpointImpl, { checkpoint: checkpointImpl });

type Stage = ((x: any) => unknown) | { forward(...a: any[]): unknown; call(...a: any[]): unknown };

function runStage(m: Stage, x: unknown): unknown {
  // a module runs through call (its hooks); a plain function is called
  return typeof (m as { forward?: unknown }).forward === "function" ? (m as { call(x: unknown): unknown }).call(x) : (m as (x: unknown) => unknown)(x);
}

/**
 * torch.utils.checkpoint.checkpoint_sequential: runs a Sequential (or a list of modules or
 * functions) in `segments` pieces, each but the last checkpointed, as PyTorch 1.13 splits it.
 * @example const y = utils.checkpointSequential(model, 2, x)
 */
export function checkpointSequential<T>(functions: Iterable<Stage>, segments: number, input: T, opts?: CheckpointOptions): unknown {
  const op = "checkpointSequential";
  if (functions === null || typeof (functions as Iterable<Stage> | undefined)?.[Symbol.iterator] !== "function") {
    throw new ArgumentError(`${op}(): argument 'functions' must be a Sequential or a list of modules or functions, got ${functions === null ? "null" : typeof functions}`);
  }
  const fs = [...functions];
  if (!Number.isInteger(segments) || segments < 1) throw new ArgumentError(`${op}(): argument 'segments' must be a positive int, got ${String(segments)}`);
  for (const [i, f] of fs.entries()) {
    if (typeof f !== "function" && typeof (f as { forward?: unknown })?.forward !== "function") throw new ArgumentError(`${op}(): element ${i} of 'functions' is neither a module nor a function`);
  }
  if (opts !== undefined && !isOptions(opts)) throw new ArgumentError(`${op}(): the options are { preserveRngState, useReentrant }, got ${JSON.stringify(opts)}`);
  const runRange = (start: number, end: number) => (x: unknown) => {
    for (let j = start; j <= end; j++) x = runStage(fs[j]!, x);
    return x;
  };
  const size = Math.floor(fs.length / segments);
  let end = -1;
  let x: unknown = input;
  for (let start = 0; start < size * (segments - 1); start += size) {
    end = start + size - 1;
    x = opts === undefined ? checkpointImpl(runRange(start, end), x) : checkpointImpl(runRange(start, end), x, opts);
  }
  return runRange(end + 1, fs.length - 1)(x);
}

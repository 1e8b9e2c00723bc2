/**
 * Module.registerFullBackwardHook's machinery, as torch.utils.hooks.BackwardHook: a module
 * call with full backward hooks passes its tensor inputs through one identity node and its
 * tensor outputs through another (both "BackwardHookFunctionBackward", so forward sees
 * aliases of its inputs and the caller aliases of its outputs). In backward the output node
 * runs first and records the gradients of the outputs; the input node then calls each hook
 * with (module, gradInput, gradOutput) and passes on what the hooks return in place of
 * gradInput.
 *
 * As PyTorch: gradInput has one entry per positional argument (null for non-tensors, zeros
 * for tensors that take no gradient), gradOutput one per output (null where none arrived);
 * when no input requires grad the hooks are called from the output node with an all-null
 * gradInput and may not replace it. Outputs are a tensor or an array of them (JavaScript's
 * tuple); PyTorch treats only tuples so, and never calls the hooks of a module returning a
 * Python list.
 */
import { describeValue } from "../api/args.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import type { BackwardFn } from "../autograd/node.js";
import { record } from "../autograd/record.js";
import { enterUserCode, leaveUserCode } from "../compile/state.js";
import { AutogradError } from "../errors.js";
import { zeros } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import type { Module } from "./module.js";

/** A full backward hook: may return replacement gradients for the inputs (one per input). */
export type FullBackwardHook = (module: Module, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => readonly (Tensor | null | undefined)[] | null | undefined | void;

/** One module call's hooks: set up around forward, run in backward. */
export class BackwardHook {
  private gradOutputs: (Tensor | null)[] | null = null;
  private nInputs = 0;
  /** Positions of the inputs routed through the input node, or null when none requires grad. */
  private inputIdx: number[] | null = null;
  private inputs: unknown[] = [];

  constructor(
    private readonly module: Module,
    private readonly hooks: readonly FullBackwardHook[],
  ) {}

  /** Routes the tensor inputs that require grad through the input node. */
  setupInputHook(args: unknown[]): unknown[] {
    this.nInputs = args.length;
    this.inputs = args;
    const idx = routed(args);
    if (!idx) return args;
    this.inputIdx = idx;
    const aliases = identityNode(idx.map((i) => args[i] as Tensor), true, (grads) => this.onInputGrads(grads));
    const out = args.slice();
    idx.forEach((i, k) => (out[i] = aliases[k]));
    return out;
  }

  /** Routes the tensor outputs that require grad through the output node. */
  setupOutputHook(result: unknown): unknown {
    const tuple = Array.isArray(result);
    const outs: unknown[] = tuple ? result : [result];
    const idx = routed(outs);
    if (!idx) return result;
    const n = outs.length;
    const aliases = identityNode(idx.map((i) => outs[i] as Tensor), false, (grads) => {
      this.gradOutputs = Array.from({ length: n }, () => null);
      idx.forEach((i, k) => (this.gradOutputs![i] = grads[k] ?? null));
      // no input takes a gradient: the hooks run here, and may not replace anything
      if (this.inputIdx === null) {
        const gradInputs = Array.from({ length: this.nInputs }, () => null);
        for (const h of this.hooks) {
          const r = this.call(h, gradInputs);
          if (r !== null && r !== undefined && !(Array.isArray(r) && r.every((g) => g === null || g === undefined))) {
            throw new AutogradError("Backward hook for Modules where no input requires gradient should always return undefined or null for all gradients.");
          }
        }
        this.gradOutputs = null;
      }
      return grads;
    });
    const out = outs.slice();
    idx.forEach((i, k) => (out[i] = aliases[k]));
    return tuple ? out : out[0];
  }

  /** The input node's backward: the hooks see and may replace the inputs' gradients. */
  private onInputGrads(grads: (Tensor | null)[]): (Tensor | null)[] {
    // no output gradient seen: the gradient reached the inputs another way (double backward)
    if (this.gradOutputs === null) return grads;
    const idx = this.inputIdx!;
    let res: (Tensor | null)[] = this.inputs.map((a) => (a instanceof Tensor ? zeros(a.shape, { dtype: a.dtype, device: a.device }) : null));
    idx.forEach((i, k) => (res[i] = grads[k] ?? null));
    for (const h of this.hooks) {
      const r = this.call(h, res);
      if (r === null || r === undefined) continue;
      if (!Array.isArray(r)) throw new AutogradError(`Backward hook must return an array of gradients (one per input, null to drop one) or undefined, but returned ${describeValue(r)}`);
      if (r.length !== res.length) throw new AutogradError(`Backward hook returned an invalid number of grad_input, got ${r.length}, but expected ${res.length}`);
      r.forEach((g, i) => {
        if (g !== null && g !== undefined && !(g instanceof Tensor)) throw new AutogradError(`Backward hook returned ${describeValue(g)} as grad_input[${i}]; expected a Tensor or null`);
      });
      res = r.map((g) => g ?? null);
    }
    this.gradOutputs = null;
    return idx.map((i) => res[i]!);
  }

  private call(h: FullBackwardHook, gradInput: (Tensor | null)[]): unknown {
    const depth = enterUserCode([gradInput, this.gradOutputs]); // a hook is user code: it may keep what it sees
    let r: unknown;
    try {
      r = h(this.module, gradInput.slice(), this.gradOutputs!.slice());
    } finally {
      leaveUserCode(depth, r);
    }
    return r;
  }
}

/** Positions of the tensors among args, when any of them requires grad (and grad mode is on). */
function routed(args: readonly unknown[]): number[] | null {
  if (!isGradEnabled()) return null;
  const idx = args.flatMap((a, i) => (a instanceof Tensor && a.requiresGrad ? [i] : []));
  return idx.length > 0 ? idx : null;
}

/**
 * Aliases of `tensors` joined by one identity node whose backward hands its gradients to
 * `onGrads` and passes on what that returns; `materialize` false: a missing gradient is null.
 */
function identityNode(tensors: Tensor[], materialize: boolean, onGrads: (grads: (Tensor | null)[]) => (Tensor | null)[]): Tensor[] {
  const backward: BackwardFn = (grads) => onGrads(grads as (Tensor | null)[]);
  const aliases = record("BackwardHookFunctionBackward", tensors, tensors.map((t) => t.detach()), [], backward);
  const node = aliases[0]!.gradFn!;
  node.opaque = true; // its backward runs user code: the engine never frees what it saw
  node.materializeGrads = materialize;
  return aliases;
}

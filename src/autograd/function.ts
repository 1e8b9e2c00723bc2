/**
 * Custom differentiable ops (torch.autograd.Function): subclass with static forward and
 * backward, call with `MyOp.apply(...)`. forward runs without recording; ctx.saveForBackward
 * keeps tensors (version-checked) for backward.
 *
 * @example
 * class Cube extends autograd.Function {
 *   static forward(ctx: FunctionCtx, x: Tensor) { ctx.saveForBackward(x); return x.pow(3); }
 *   static backward(ctx: FunctionCtx, g: Tensor) { const [x] = ctx.savedTensors; return [g.mul(x.pow(2)).mul(3)]; }
 * }
 * const y = Cube.apply(x);
 */
import { describeValue } from "../api/args.js";
import { ArgumentError, AutogradError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";
import { record } from "./record.js";
import { enterUserCode, leaveUserCode } from "../compile/state.js";
import type { BackwardFn } from "./node.js";

export class FunctionCtx {
  /** @internal */ _toSave: (Tensor | null)[] = [];
  /** @internal */ _saved: (Tensor | null)[] | null = null;
  /** @internal outputs marked by markNonDifferentiable */ _nonDifferentiable = new Set<Tensor>();
  /** @internal setMaterializeGrads */ _materializeGrads = true;
  /** Which inputs need a gradient (per argument; false for non-tensors). */
  needsInputGrad: boolean[] = [];
  /** Free-form state for backward (non-tensor values). */
  [key: string]: unknown;

  /**
   * Keeps tensors for backward (ctx.save_for_backward): inputs, outputs or null (read back as
   * null, as PyTorch's None), checked against in-place changes when backward reads them.
   */
  saveForBackward(...tensors: (Tensor | null | undefined)[]): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new ArgumentError(`FunctionCtx.saveForBackward(): can only save tensors (or null), but argument ${i} is ${describeValue(t)}; keep other values as fields of ctx (ctx.${"name"} = value)`);
      }
    });
    this._toSave = tensors.map((t) => t ?? null);
  }
  /** The tensors saveForBackward kept, in its order (null where null was saved); inside backward only. */
  get savedTensors(): (Tensor | null)[] {
    if (this._saved === null) throw new AutogradError("FunctionCtx.savedTensors is only available inside backward");
    return this._saved;
  }
  /**
   * Marks outputs as not differentiable (ctx.mark_non_differentiable): they do not require
   * grad, and backward still receives a gradient for each (zeros, or null without
   * materialized gradients). Call it in forward with tensors that forward returns.
   */
  markNonDifferentiable(...outputs: Tensor[]): void {
    outputs.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ArgumentError(`FunctionCtx.markNonDifferentiable(): arguments must be output tensors of forward, but argument ${i} is ${describeValue(t)}`);
      this._nonDifferentiable.add(t);
    });
  }
  /**
   * Whether outputs that received no gradient reach backward as zeros (true, the default) or
   * as null (ctx.set_materialize_grads(False)); call it in forward.
   */
  setMaterializeGrads(value: boolean): void {
    if (typeof value !== "boolean") throw new ArgumentError(`FunctionCtx.setMaterializeGrads(): argument 'value' must be a boolean, but got ${describeValue(value)}`);
    this._materializeGrads = value;
  }
}

type Out = Tensor | Tensor[];

export class Function {
  static forward(_ctx: FunctionCtx, ..._args: any[]): Out {
    throw new AutogradError(`${this.name}.forward is not implemented`);
  }
  /**
   * One gradient per output in (null for an output that got none, under
   * setMaterializeGrads(false)); one per forward argument out (null for non-tensors and
   * inputs that need none), or a single Tensor/null when forward took one argument.
   */
  static backward(_ctx: FunctionCtx, ..._grads: (Tensor | null)[]): (Tensor | null | undefined)[] | Tensor | null {
    throw new AutogradError(`${this.name}.backward is not implemented`);
  }

  /**
   * Runs the op and records its backward: `MyOp.apply(x, ...)`. Works detached from its
   * class too (`const P3 = LegendrePolynomial3.apply; P3(x)`), as in PyTorch.
   */
  static get apply(): <T extends Out = Tensor>(...args: unknown[]) => T {
    let bound = boundApply.get(this);
    if (!bound) boundApply.set(this, (bound = (...args: unknown[]) => applyFunction(this, args)));
    return bound as <T extends Out = Tensor>(...args: unknown[]) => T;
  }
}

const boundApply = new WeakMap<typeof Function, (...args: unknown[]) => unknown>();

/**
 * The node's backward, made in its own scope so the closure holds no input or output
 * (V8 keeps a function's whole closure context alive): saved tensors reach it through the
 * node, which frees them after backward.
 */
function functionBackward(cls: typeof Function, ctx: FunctionCtx, isTensor: readonly boolean[], nonTensorArgs: readonly unknown[], savedNull: readonly boolean[]): BackwardFn {
  const nargs = isTensor.length;
  return (grads, saved) => {
    // saved holds the non-null tensors saveForBackward got; put the nulls back in place
    let k = 0;
    ctx._saved = savedNull.map((isNull) => (isNull ? null : saved[k++]!));
    const depth = enterUserCode([grads, saved]); // the engine calls user code
    let r: ReturnType<typeof cls.backward> | undefined;
    try {
      r = cls.backward(ctx, ...grads);
      let list = r instanceof Tensor || r === null || r === undefined ? [r] : r;
      if (!Array.isArray(list)) throw new AutogradError(`${cls.name}.backward must return a Tensor, null or an array of them (one per forward argument), but returned ${describeValue(list)}`);
      // extra trailing nulls are allowed, as PyTorch allows extra Nones
      if (list.length > nargs && list.slice(nargs).every((g) => g === null || g === undefined)) list = list.slice(0, nargs);
      if (list.length !== nargs) {
        throw new AutogradError(`${cls.name}.backward returned ${list.length} gradients but forward took ${nargs} arguments (return null for non-tensor ones)`);
      }
      list.forEach((g, i) => {
        if (g === null || g === undefined) return;
        if (!(g instanceof Tensor)) throw new AutogradError(`${cls.name}.backward returned ${describeValue(g)} as gradient ${i}; expected a Tensor or null`);
        if (!isTensor[i]) throw new AutogradError(`${cls.name}.backward returned a gradient different than null at position ${i}, but the corresponding forward argument was not a Tensor (${describeValue(nonTensorArgs[i])})`);
      });
      return list.map((g) => g ?? null);
    } finally {
      leaveUserCode(depth, r);
      ctx._saved = null;
    }
  };
}

/** apply's body: forward without recording, then one node whose backward calls cls.backward. */
function applyFunction(cls: typeof Function, args: unknown[]): Out {
  const ctx = new FunctionCtx();
  const grad = isGradEnabled();
  ctx.needsInputGrad = args.map((a) => grad && a instanceof Tensor && a.requiresGrad);
  const depth = enterUserCode(args); // user code, whoever calls apply
  let raw: Out | undefined;
  try {
    raw = noGrad(() => cls.forward(ctx, ...args));
  } finally {
    leaveUserCode(depth, raw);
  }
  const outs = (Array.isArray(raw) ? raw : [raw]).map((o, i) => {
    if (!(o instanceof Tensor)) throw new AutogradError(`${cls.name}.forward must return a Tensor or an array of Tensors (output ${i} is not)`);
    // outputs that alias an input get their own identity so the graph stays a DAG
    return args.includes(o) ? o.detach() : o;
  });
  const tensorArgs = args.map((a) => (a instanceof Tensor ? a : null));
  const toSave = ctx._toSave;
  const savedNull = toSave.map((t) => t === null);
  // the closure holds which arguments are tensors and the non-tensor ones (for messages), never the inputs
  const isTensor = args.map((a) => a instanceof Tensor);
  const nonTensorArgs = args.map((a) => (a instanceof Tensor ? null : a));
  record(`${cls.name}Backward`, tensorArgs, outs, toSave.filter((t): t is Tensor => t !== null), functionBackward(cls, ctx, isTensor, nonTensorArgs, savedNull));
  const node = outs.find((o) => o.gradFn)?.gradFn;
  if (node) {
    // its backward is user code: the engine never frees gradients it saw (recycle.ts)
    node.opaque = true;
    node.materializeGrads = ctx._materializeGrads;
  }
  // non-differentiable outputs keep their slot in the node (backward gets a gradient for them) but do not require grad
  if (ctx._nonDifferentiable.size > 0) {
    const raws = Array.isArray(raw) ? raw : [raw];
    outs.forEach((o, i) => {
      if (ctx._nonDifferentiable.has(raws[i]!) && o.gradFn === node) o.gradFn = null;
    });
  }
  ctx._toSave = [];
  ctx._nonDifferentiable.clear();
  return Array.isArray(raw) ? outs : outs[0]!;
}

/**
 * Marks a custom Function's backward as differentiable once (torch.autograd.function.once_differentiable):
 * it runs without recording the graph, and when a double backward (createGraph) needs the
 * gradients it returned, differentiating them raises instead of silently giving zero.
 * @example
 * class Exp extends autograd.Function {
 *   static forward(ctx, x) { const y = x.exp(); ctx.saveForBackward(y); return y; }
 *   static backward = autograd.onceDifferentiable((ctx: FunctionCtx, g: Tensor) => g.mul(ctx.savedTensors[0]!));
 * }
 */
export function onceDifferentiable<A extends unknown[], R>(fn: (ctx: FunctionCtx, ...grads: A) => R): (ctx: FunctionCtx, ...grads: A) => R {
  if (typeof fn !== "function") throw new ArgumentError(`onceDifferentiable: expected a backward function, got ${describeValue(fn)}`);
  return function (this: unknown, ctx: FunctionCtx, ...grads: A): R {
    const out = noGrad(() => fn.call(this, ctx, ...grads));
    // only a backward with createGraph makes gradients that require grad
    const inputs = grads.filter((g): g is Tensor => g instanceof Tensor && g.requiresGrad);
    if (!isGradEnabled() || inputs.length === 0) return out;
    const delayed = (g: unknown): unknown => {
      if (!(g instanceof Tensor)) return g;
      // a view of the gradient whose backward raises, as PyTorch's DelayedError node
      return record("DelayedError", inputs, [g.detach().viewAs(g)], [], () => {
        throw new AutogradError("trying to differentiate twice a function that was marked with @once_differentiable");
      })[0];
    };
    return (Array.isArray(out) ? out.map(delayed) : delayed(out)) as R;
  };
}

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
import { AutogradError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";
import { record } from "./record.js";
import { enterUserCode, leaveUserCode } from "../compile/state.js";
import type { BackwardFn } from "./node.js";

export class FunctionCtx {
  /** @internal */ _toSave: Tensor[] = [];
  /** @internal */ _saved: Tensor[] | null = null;
  /** Which inputs need a gradient (per argument; false for non-tensors). */
  needsInputGrad: boolean[] = [];
  /** Free-form state for backward (non-tensor values). */
  [key: string]: unknown;

  saveForBackward(...tensors: Tensor[]): void {
    this._toSave = tensors;
  }
  get savedTensors(): Tensor[] {
    if (this._saved === null) throw new AutogradError("FunctionCtx.savedTensors is only available inside backward");
    return this._saved;
  }
}

type Out = Tensor | Tensor[];

export class Function {
  static forward(_ctx: FunctionCtx, ..._args: any[]): Out {
    throw new AutogradError(`${this.name}.forward is not implemented`);
  }
  static backward(_ctx: FunctionCtx, ..._grads: Tensor[]): (Tensor | null | undefined)[] | Tensor {
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
function functionBackward(cls: typeof Function, ctx: FunctionCtx, nargs: number): BackwardFn {
  return (grads, saved) => {
    ctx._saved = saved;
    const depth = enterUserCode([grads, saved]); // the engine calls user code
    let r: ReturnType<typeof cls.backward> | undefined;
    try {
      r = cls.backward(ctx, ...grads);
      const list = r instanceof Tensor ? [r] : r;
      if (list.length !== nargs) {
        throw new AutogradError(`${cls.name}.backward returned ${list.length} gradients but forward took ${nargs} arguments (return null for non-tensor ones)`);
      }
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
  record(`${cls.name}Backward`, tensorArgs, outs, ctx._toSave, functionBackward(cls, ctx, args.length));
  // its backward is user code: the engine never frees gradients it saw (recycle.ts)
  for (const o of outs) if (o.gradFn) o.gradFn.opaque = true;
  ctx._toSave = [];
  return Array.isArray(raw) ? outs : outs[0]!;
}

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

  static apply<T extends Out = Tensor>(this: typeof Function, ...args: unknown[]): T {
    const ctx = new FunctionCtx();
    const grad = isGradEnabled();
    ctx.needsInputGrad = args.map((a) => grad && a instanceof Tensor && a.requiresGrad);
    const raw = noGrad(() => this.forward(ctx, ...args));
    const outs = (Array.isArray(raw) ? raw : [raw]).map((o, i) => {
      if (!(o instanceof Tensor)) throw new AutogradError(`${this.name}.forward must return a Tensor or an array of Tensors (output ${i} is not)`);
      // outputs that alias an input get their own identity so the graph stays a DAG
      return args.includes(o) ? o.detach() : o;
    });
    const tensorArgs = args.map((a) => (a instanceof Tensor ? a : null));
    const backward = this.backward.bind(this);
    const name = `${this.name}Backward`;
    record(name, tensorArgs, outs, ctx._toSave, (grads, saved) => {
      ctx._saved = saved;
      const r = backward(ctx, ...grads);
      const list = r instanceof Tensor ? [r] : r;
      if (list.length !== args.length) {
        throw new AutogradError(`${this.name}.backward returned ${list.length} gradients but forward took ${args.length} arguments (return null for non-tensor ones)`);
      }
      return list.map((g) => g ?? null);
    });
    return (Array.isArray(raw) ? outs : outs[0]) as T;
  }
}

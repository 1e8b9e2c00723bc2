/**
 * Autograd graph nodes. Each recorded op creates a Node holding its backward closure, the
 * tensors it saved (checked against their version counter when used) and one edge per
 * input pointing at the node that produced that input. Leaves that require grad get an
 * AccumulateGrad node (`variable` set), shared by all their uses.
 */
import { AutogradError, fmtShape } from "../errors.js";
import type { DType } from "../tensor/dtype.js";
import type { GradHook, Tensor } from "../tensor/tensor.js";
import { forwardTrace } from "./anomaly_mode.js";
import type { ViewRegion } from "./region_grad.js";

export interface Edge {
  node: Node;
  /** Which output of `node` the gradient flows into. */
  outputNr: number;
}

/**
 * A node's backward: gradients of its outputs and its saved tensors in, one gradient per
 * input out. `needs[i]` says whether input i wants a gradient at all, so formulas can skip
 * work (the weight-only gradient of a layer whose input is data). Outputs that received no
 * gradient get zeros; `defined[i]` says whether output i received one (PyTorch's undefined
 * gradients), for formulas whose terms are 0/0 where a gradient is absent (svd's and eigh's
 * with repeated values, when only the values are used).
 */
export type BackwardFn = (grads: Tensor[], saved: Tensor[], needs: readonly boolean[], defined: readonly boolean[]) => (Tensor | null | undefined)[];

let sequence = 0;

export class Node {
  readonly sequenceNr = sequence++;
  /** The stack of the forward call that recorded this node, kept only under anomaly detection. */
  readonly forwardTrace: string | null = forwardTrace();
  /** Per output: hooks registered on the output tensor (registerHook / retainGrad). */
  private outputHooks: GradHook[][] = [];
  private saved: { tensor: Tensor; version: number }[] | null;
  private readonly hadSaved: boolean;
  /** The backward closure; dropped with the saved tensors, since it may hold them too. */
  private fn: BackwardFn | null;
  /**
   * For views that pick part of their input (select, slice): the region, so a backward
   * without createGraph can pass the gradient on lazily (region_grad.ts) instead of
   * calling the closure, which builds an input-sized tensor.
   */
  region: ViewRegion | null = null;
  /** Made by a custom autograd.Function: its backward is user code, which may keep what it sees. */
  opaque = false;
  /**
   * Whether outputs that got no gradient reach the backward as zeros (the default) or as null
   * (PyTorch's ctx.set_materialize_grads(False); a module's backward-hook node reports them so).
   */
  materializeGrads = true;
  /**
   * Indices of saved tensors the op made for itself and never returned (a recurrent layer's
   * per-step workspaces): a backward without retainGraph or createGraph frees their memory
   * when it releases the node, instead of leaving it to the GC (recycle.ts).
   */
  privateSaved: readonly number[] | null = null;

  constructor(
    /** Like PyTorch's grad_fn names: "MulBackward0". */
    readonly name: string,
    /** One edge per input of the op (null where the input needs no gradient). */
    readonly next: readonly (Edge | null)[],
    /** Shapes, dtypes and devices of the op's outputs, for zero-filling missing gradients. */
    readonly outputs: readonly { shape: readonly number[]; dtype: DType; device?: string }[],
    saved: readonly Tensor[],
    backwardFn: BackwardFn | null,
    /** For AccumulateGrad: the leaf that receives the gradient. */
    readonly variable: Tensor | null = null,
  ) {
    this.saved = saved.map((tensor) => ({ tensor, version: tensor.version }));
    this.hadSaved = saved.length > 0;
    this.fn = backwardFn;
  }

  /**
   * Whether a backward through this node would still read tensors it holds: saved ones (and
   * the closure that may capture more) not yet released, or a custom Function's context.
   */
  get holdsTensors(): boolean {
    return this.saved !== null && (this.hadSaved || this.opaque);
  }

  /** The backward closure (unpackSaved() first: it raises once the node was released). */
  get backwardFn(): BackwardFn | null {
    return this.fn;
  }

  /** PyTorch's grad_fn.next_functions: the node and output each input's gradient flows to. */
  get nextFunctions(): readonly (readonly [Node | null, number])[] {
    return this.next.map((e) => [e?.node ?? null, e?.outputNr ?? 0] as const);
  }

  toString(): string {
    return `<${this.name} object>`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  hooksFor(outputNr: number): GradHook[] {
    return (this.outputHooks[outputNr] ??= []);
  }
  hasHooks(outputNr: number): boolean {
    return (this.outputHooks[outputNr]?.length ?? 0) > 0;
  }

  /** The saved tensors, checked against in-place modification since they were saved. */
  unpackSaved(): Tensor[] {
    if (this.saved === null) {
      if (!this.hadSaved) return [];
      throw new AutogradError(
        `${this.name}: trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call backward() or autograd.grad(). Specify retainGraph: true if you need to backward through the graph a second time.`,
      );
    }
    return this.saved.map(({ tensor, version }) => {
      if (tensor.version !== version) {
        throw new AutogradError(
          `${this.name}: one of the variables needed for gradient computation has been modified by an inplace operation: [${tensor.dtype} ${fmtShape(tensor.shape)}] is at version ${tensor.version}; expected version ${version} instead.`,
        );
      }
      return tensor;
    });
  }

  /**
   * After a backward without retainGraph: frees the saved tensors, and the closure of a
   * node that saved any (a second backward through it raises anyway). The closure matters
   * because V8 keeps a closure's whole scope alive, so a formula can hold inputs it never
   * reads; closures of nodes that saved nothing stay (PyTorch lets such graphs run twice),
   * so they must be made in scopes that hold no tensors (see unaryBackward).
   */
  release(): void {
    this.saved = null;
    if (this.hadSaved) this.fn = null;
  }
}

/**
 * Where retainGrad() sits among a non-leaf's hooks: PyTorch 1.13 keeps the gradient as the
 * hooks registered before retain_grad() left it, before those registered after it run.
 */
export const RETAIN_GRAD_MARK: GradHook = () => undefined;

/** Non-leaf tensors whose .grad is kept (retainGrad), by node and output. */
const retained = new WeakMap<Node, Map<number, Tensor>>();
export function retainOutput(node: Node, outputNr: number, t: Tensor): void {
  let m = retained.get(node);
  if (!m) retained.set(node, (m = new Map()));
  if (m.get(outputNr) === t) return; // a second retainGrad() changes nothing
  m.set(outputNr, t);
  const hooks = node.hooksFor(outputNr);
  if (!hooks.includes(RETAIN_GRAD_MARK)) hooks.push(RETAIN_GRAD_MARK);
}
export function retainedOutput(node: Node, outputNr: number): Tensor | undefined {
  return retained.get(node)?.get(outputNr);
}

/**
 * L-BFGS: PyTorch 1.13's torch.optim.LBFGS, line for line. One `step(closure)` runs up to
 * maxIter quasi-Newton iterations over all parameters as one flat vector: the two-loop
 * recursion over the last historySize curvature pairs gives the direction, and the step
 * length is lr (or found by the strong-Wolfe line search of line_search.ts).
 *
 * Unlike the other optimizers it reads values on the host (the loss, the stopping tests,
 * the curvature check), as PyTorch's does: the algorithm branches on them. Its scalars are
 * Python floats in some places and 0-d tensors in others (see line_search.ts); they are
 * kept the same way here, so float32 runs round as PyTorch's do.
 */
import { ArgumentError, FluxionError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { enableGrad, noGrad } from "../autograd/grad_mode.js";
import { zeros } from "../tensor/creation.js";
import { readHostItem } from "../tensor/host_read.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cat } from "../ops/shape_ops.js";
import { Optimizer, checkOption, type ParamGroup, type ParamGroupInput, type ParamState } from "./optimizer.js";
import { div, gt, le, mul, pyMin, strongWolfe, sub, toNumber, type Num } from "./line_search.js";

const LBFGS_ARGS = 'LBFGS(Any params, float lr=1, int maxIter=20, int? maxEval=null, float toleranceGrad=1e-7, float toleranceChange=1e-9, int historySize=100, "strong_wolfe"? lineSearchFn=null)';
const lbfgsArgs = declareArgs(LBFGS_ARGS, "optim");

export interface LBFGSOptions {
  /** Learning rate: the step length without a line search, the first trial with one (default 1). */
  lr: number;
  /** Maximal number of iterations per step() (default 20). */
  maxIter: number;
  /** Maximal number of closure evaluations per step() (default maxIter · 5/4, rounded down). */
  maxEval: number;
  /** Stop when the largest gradient element is at most this (default 1e-7). */
  toleranceGrad: number;
  /** Stop when the update or the change in loss is smaller than this (default 1e-9). */
  toleranceChange: number;
  /** How many curvature pairs to remember (default 100). */
  historySize: number;
  /** "strong_wolfe" for a line search, null (default) for fixed steps of lr. */
  lineSearchFn: "strong_wolfe" | null;
}

/** The state keys LBFGS keeps (on its first parameter, as PyTorch does), PyTorch's names first. */
const STATE_KEYS: Record<string, string> = {
  func_evals: "funcEvals", n_iter: "nIter", d: "d", t: "t", old_dirs: "oldDirs", old_stps: "oldStps", ro: "ro",
  H_diag: "hDiag", prev_flat_grad: "prevFlatGrad", prev_loss: "prevLoss", al: "al",
};
const CAMEL_STATE_KEYS = new Set(Object.values(STATE_KEYS));

/** A closure's return value as Python's float(loss) reads it. */
function lossValue(v: unknown): number {
  if (v instanceof Tensor) {
    if (v.numel() !== 1) throw new FluxionError(`LBFGS: the closure must return the loss as a one-element Tensor or a number, but it returned a Tensor of shape ${fmtShape(v.shape)}`);
    return Number(readHostItem<number>(v, "LBFGS"));
  }
  if (typeof v === "number") return v;
  throw new FluxionError(`LBFGS: the closure must return the loss (a one-element Tensor or a number), but it returned ${describeValue(v)}`);
}

/**
 * L-BFGS (torch.optim.LBFGS). It takes one parameter group, and `step` needs a closure that
 * clears the gradients, computes the loss, calls backward() and returns the loss; it may be
 * called several times per step. State (on the first parameter): funcEvals, nIter, and the
 * search's d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss, al.
 *
 * @example
 * const opt = new optim.LBFGS(model.parameters(), { lr: 1, lineSearchFn: "strong_wolfe" });
 * const closure = () => {
 *   opt.zeroGrad();
 *   const loss = criterion.forward(model.forward(x), y);
 *   loss.backward();
 *   return loss;
 * };
 * opt.step(closure);
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  constructor(...args: CtorArgs<typeof LBFGS_ARGS>) {
    const [params, lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn] = lbfgsArgs.bind(args);
    const defaults = { lr, maxIter, maxEval: maxEval ?? Math.floor((maxIter * 5) / 4), toleranceGrad, toleranceChange, historySize, lineSearchFn };
    super(params, defaults, "LBFGS", lbfgsArgs.sig);
  }

  /** LBFGS optimizes one flat vector: a second group is refused (PyTorch refuses it at construction). */
  override addParamGroup(group: ParamGroupInput<LBFGSOptions>): void {
    if (this.paramGroups.length >= 1) throw new FluxionError("LBFGS doesn't support per-parameter options (parameter groups)");
    super.addParamGroup(group);
  }

  protected validateGroup(g: ParamGroup<LBFGSOptions>, where: string): void {
    // PyTorch checks none of these; these are the values its step would fail on or loop with
    checkOption("LBFGS", g.lr >= 0, "learning rate", g.lr, where, "lr >= 0");
    checkOption("LBFGS", Number.isInteger(g.maxIter) && g.maxIter >= 0, "maxIter value", g.maxIter, where, "an integer >= 0");
    checkOption("LBFGS", Number.isInteger(g.maxEval) && g.maxEval >= 0, "maxEval value", g.maxEval, where, "an integer >= 0");
    checkOption("LBFGS", Number.isInteger(g.historySize) && g.historySize >= 1, "historySize value", g.historySize, where, "an integer >= 1");
    checkOption("LBFGS", !Number.isNaN(g.toleranceGrad), "toleranceGrad value", g.toleranceGrad, where, "a number");
    checkOption("LBFGS", !Number.isNaN(g.toleranceChange), "toleranceChange value", g.toleranceChange, where, "a number");
    checkOption("LBFGS", g.lineSearchFn === null || g.lineSearchFn === "strong_wolfe", "lineSearchFn", g.lineSearchFn, where, 'null or "strong_wolfe"');
  }

  protected updateGroup(): void {
    throw new FluxionError("LBFGS: the update needs the closure; call step(closure)");
  }

  private get params(): Tensor[] {
    return this.paramGroups[0]!.params;
  }

  /** All gradients as one flat vector (zeros for a parameter without one). */
  private gatherFlatGrad(): Tensor {
    const views = this.params.map((p) => (p.grad === null ? zeros([p.numel()], { dtype: p.dtype, device: p.device }) : p.grad.reshape(-1)));
    return cat(views, 0);
  }

  /** θ ← θ + stepSize·update, the flat update split over the parameters. */
  private addGrad(stepSize: Num, update: Tensor): void {
    const alpha = toNumber(stepSize);
    let offset = 0;
    for (const p of this.params) {
      const n = p.numel();
      p.add_(update.narrow(0, offset, n).reshape(p.shape), { alpha });
      offset += n;
    }
  }

  private directionalEvaluate(closure: () => unknown, x: Tensor[], t: Num, d: Tensor): [number, Tensor] {
    this.addGrad(t, d);
    const loss = lossValue(closure());
    const flatGrad = this.gatherFlatGrad();
    this.params.forEach((p, i) => p.copy_(x[i]!));
    return [loss, flatGrad];
  }

  /**
   * Runs up to maxIter iterations, calling `closure` (with grad mode on) to re-evaluate the
   * loss and gradients; returns the loss the first call returned.
   */
  override step<T = unknown>(...args: [closure: () => T]): T {
    const [closure] = args;
    if (typeof closure !== "function") {
      throw new ArgumentError(`LBFGS.step(): a closure is required (a function that clears the gradients, computes the loss, calls backward() and returns the loss), but got ${describeValue(closure)}`);
    }
    if (args.length > 1) throw new ArgumentError(`LBFGS.step() takes 1 argument (the closure) but ${args.length} were given`);
    this.validateGroup(this.paramGroups[0]!, "parameter group 0");
    return noGrad(() => this.run(() => enableGrad(closure)));
  }

  private run<T>(closure: () => T): T {
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = this.paramGroups[0]!;
    const state = this.stateOf(this.params[0]!);
    state.funcEvals ??= 0;
    state.nIter ??= 0;

    // evaluate initial f(x) and df/dx
    const origLoss = closure();
    let loss = lossValue(origLoss);
    let currentEvals = 1;
    state.funcEvals = (state.funcEvals as number) + 1;
    let flatGrad = this.gatherFlatGrad();
    let optCond = le(flatGrad.abs().max(), toleranceGrad);
    // optimal condition
    if (optCond) return origLoss;

    // tensors cached in state (for tracing)
    let d = state.d as Tensor | undefined;
    let t = state.t as Num | undefined;
    let oldDirs = state.oldDirs as Tensor[] | undefined;
    let oldStps = state.oldStps as Tensor[] | undefined;
    let ro = state.ro as Num[] | undefined;
    let hDiag = state.hDiag as Num | undefined;
    let prevFlatGrad = state.prevFlatGrad as Tensor | undefined;
    let prevLoss = state.prevLoss as number | undefined;

    let nIter = 0;
    // optimize for a max of maxIter iterations
    while (nIter < maxIter) {
      nIter += 1;
      state.nIter = (state.nIter as number) + 1;

      // compute gradient descent direction
      if (state.nIter === 1) {
        d = flatGrad.neg();
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        // do lbfgs update (update memory)
        const y = flatGrad.sub(prevFlatGrad!);
        const s = d!.mul(t!);
        const ys = y.dot(s); // y*s
        if (gt(ys, 1e-10)) {
          // updating memory
          if (oldDirs!.length === historySize) {
            // shift history by one (limited-memory)
            oldDirs!.shift();
            oldStps!.shift();
            ro!.shift();
          }
          // store new direction/step
          oldDirs!.push(y);
          oldStps!.push(s);
          ro!.push(div(1.0, ys));
          // update scale of initial Hessian approximation
          hDiag = ys.div(y.dot(y)); // (y*y)
        }
        // compute the approximate (L-BFGS) inverse Hessian multiplied by the gradient
        const numOld = oldDirs!.length;
        if (state.al === undefined) state.al = new Array<Tensor | null>(historySize).fill(null);
        const al = state.al as Array<Num | null>;
        // iteration in L-BFGS loop collapsed to use just one buffer
        const q = flatGrad.neg();
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = mul(oldStps![i]!.dot(q), ro![i]!);
          q.add_(oldDirs![i]!, { alpha: -toNumber(al[i]!) });
        }
        // multiply by initial Hessian; r/d is the final direction
        const r = q.mul(hDiag!);
        d = r;
        for (let i = 0; i < numOld; i++) {
          const beI = mul(oldDirs![i]!.dot(r), ro![i]!);
          r.add_(oldStps![i]!, { alpha: toNumber(sub(al[i]!, beI)) });
        }
      }
      if (prevFlatGrad === undefined) prevFlatGrad = flatGrad.clone();
      else prevFlatGrad.copy_(flatGrad);
      prevLoss = loss;

      // compute step length: reset the initial guess for the step size on the first iteration
      if (state.nIter === 1) t = mul(pyMin(1.0, div(1.0, flatGrad.abs().sum())), lr);
      else t = lr;

      // directional derivative
      const gtd = flatGrad.dot(d!); // g * d
      // directional derivative is below tolerance
      if (gt(gtd, -toleranceChange)) break;

      // optional line search: user function
      let lsFuncEvals = 0;
      if (lineSearchFn !== null) {
        // perform line search, using user function
        const xInit = this.params.map((p) => p.clone());
        const obj = (x: Tensor[], tt: Num, dd: Tensor) => this.directionalEvaluate(closure, x, tt, dd);
        [loss, flatGrad, t, lsFuncEvals] = strongWolfe(obj, xInit, t, d!, loss, flatGrad, gtd);
        this.addGrad(t, d!);
        optCond = le(flatGrad.abs().max(), toleranceGrad);
      } else {
        // no line search, simply move with fixed step
        this.addGrad(t, d!);
        if (nIter !== maxIter) {
          // re-evaluate the function only if not in the last iteration: in a stochastic
          // setting there is no use re-evaluating it here
          loss = lossValue(closure());
          flatGrad = this.gatherFlatGrad();
          optCond = le(flatGrad.abs().max(), toleranceGrad);
          lsFuncEvals = 1;
        }
      }
      // update func eval
      currentEvals += lsFuncEvals;
      state.funcEvals = (state.funcEvals as number) + lsFuncEvals;

      // check conditions
      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      // optimal condition
      if (optCond) break;
      // lack of progress
      if (le(d!.mul(t!).abs().max(), toleranceChange)) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }

    const kept: Record<string, ParamState[string] | undefined> = { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss };
    for (const [k, v] of Object.entries(kept)) {
      if (v === undefined) delete state[k];
      else state[k] = v;
    }
    return origLoss;
  }

  /**
   * LBFGS's state as saved (by Fluxion, or by PyTorch with its snake_case names): counters
   * and floats as numbers, the flat vectors and the history copied (cast to the parameters'
   * dtype), 0-d tensors kept as 0-d tensors, since PyTorch computes with them.
   */
  protected override loadParamState(p: Tensor, id: string, entries: ReadonlyArray<[string, unknown]>, where: string): ParamState {
    const dtype = p.dtype;
    const numel = this.params.reduce((n, q) => n + q.numel(), 0);
    const copy = (key: string, v: unknown, flat: boolean): Tensor | number => {
      if (typeof v === "number") return v;
      if (!(v instanceof Tensor)) throw new FluxionError(`${where}: LBFGS state '${key}' of parameter ${id} holds ${describeValue(v)}; expected a Tensor or a number`);
      const want = flat ? [numel] : [];
      if (!shapesEqual(v.shape, want)) {
        throw new FluxionError(`${where}: LBFGS state '${key}' of parameter ${id} has shape ${fmtShape(v.shape)}, but ${flat ? `the parameters' flat vector has shape ${fmtShape(want)}` : "it must be a 0-d tensor"}`);
      }
      return noGrad(() => v.to(dtype).clone());
    };
    const s: ParamState = {};
    for (const [raw, v] of entries) {
      const key = STATE_KEYS[raw] ?? raw;
      if (!CAMEL_STATE_KEYS.has(key)) throw new FluxionError(`${where}: unexpected LBFGS state '${raw}' for parameter ${id}; expected ${Object.values(STATE_KEYS).join(", ")}`);
      if (v === null || v === undefined) continue;
      if (key === "funcEvals" || key === "nIter" || key === "prevLoss") s[key] = v instanceof Tensor ? Number(readHostItem<number>(v, "Optimizer.loadStateDict")) : Number(v);
      else if (key === "d" || key === "prevFlatGrad") s[key] = copy(key, v, true);
      else if (key === "t" || key === "hDiag") s[key] = copy(key, v, false);
      else {
        if (!Array.isArray(v)) throw new FluxionError(`${where}: LBFGS state '${key}' of parameter ${id} must be a list, but got ${describeValue(v)}`);
        const flat = key === "oldDirs" || key === "oldStps";
        s[key] = v.map((x, i) => (x === null && key === "al" ? null : (copy(`${key}[${i}]`, x, flat) as Tensor | number)));
      }
    }
    return s;
  }
}

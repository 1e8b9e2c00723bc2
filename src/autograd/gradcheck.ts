/**
 * Finite-difference checks of autograd (torch.autograd.gradcheck / gradgradcheck), declared
 * with PyTorch 1.13's signatures. The numerical Jacobian uses central differences on float64
 * inputs; the analytical one is built row by row with autograd.grad over one recorded forward,
 * twice (backward must be reentrant within nondetTol). Mismatches raise a GradcheckError
 * naming the output, the input and the element. The checks that need vmap or forward-mode AD
 * (checkBatchedGrad, checkForwardAd, ...) raise rather than pass unchecked.
 */
import { ArgumentError, AutogradError, FluxionError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import { zeros, zerosLike, randn } from "../tensor/creation.js";
import { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { describeValue } from "../api/args.js";
import { grad } from "./backward.js";
import { enableGrad, noGrad } from "./grad_mode.js";

export class GradcheckError extends FluxionError {}

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Tolerances: |analytical - numerical| <= atol + rtol * |numerical| (defaults 1e-5, 1e-3). */
  atol?: number;
  rtol?: number;
  /** Throw on failure (default); when false, return false instead. */
  raiseException?: boolean;
  /** How far two backward runs with the same input and gradient may differ (default 0). */
  nondetTol?: number;
  /** Accepted (default true); Fluxion's engine gives zeros for an output's missing gradient, so there is nothing to check. */
  checkUndefinedGrad?: boolean;
  /** Check that each gradient has its input's dtype (default false). */
  checkGradDtypes?: boolean;
  /** Check the backward-mode Jacobian (default true; false checks nothing, as PyTorch without forward AD). */
  checkBackwardAd?: boolean;
  /** Accepted: PyTorch's cheaper random projection; the full (slow-mode) check runs, with the same verdict. */
  fastMode?: boolean;
  /** Not supported: true raises (no sparse tensors). */
  checkSparseNnz?: boolean;
  /** Not supported: true raises (no vmap). */
  checkBatchedGrad?: boolean;
  /** Not supported: true raises (no vmap, no forward-mode AD). */
  checkBatchedForwardGrad?: boolean;
  /** Not supported: true raises (no forward-mode AD). */
  checkForwardAd?: boolean;
}

export interface GradgradcheckOptions extends Omit<GradcheckOptions, "checkSparseNnz" | "checkBatchedForwardGrad" | "checkForwardAd" | "checkBackwardAd"> {
  /** Make the random gradient outputs non-contiguous (default false). */
  genNonContigGradOutputs?: boolean;
  /** Check reverse-over-reverse (default true; false checks nothing). */
  checkRevOverRev?: boolean;
  /** Not supported: true raises (no forward-mode AD). */
  checkFwdOverRev?: boolean;
  /** Seed of the random gradient outputs (Fluxion's; default 0, so runs are reproducible). */
  seed?: number;
}

type CheckOpts = Required<Omit<GradcheckOptions, "checkSparseNnz" | "checkBatchedForwardGrad" | "checkForwardAd">>;

/** The options PyTorch has and Fluxion cannot honour: true raises instead of passing unchecked. */
function refuseUnsupported(where: string, o: Record<string, unknown>): void {
  const why: Record<string, string> = {
    checkSparseNnz: "there are no sparse tensors",
    checkBatchedGrad: "it needs vmap, which Fluxion lacks",
    checkBatchedForwardGrad: "it needs vmap and forward-mode AD, which Fluxion lacks",
    checkForwardAd: "it needs forward-mode AD, which Fluxion lacks",
    checkFwdOverRev: "it needs forward-mode AD, which Fluxion lacks",
  };
  for (const [k, reason] of Object.entries(why)) {
    if (o[k] === true) throw new AutogradError(`${where}: ${k}=true is not supported: ${reason}; leave it false`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...inputs: any[]) => Tensor | Tensor[];
/** gradcheck's inputs: a Tensor, or an array of arguments (PyTorch's tuple; non-tensors are passed through as they are). */
type Inputs = Tensor | readonly unknown[];

function asArgs(where: string, inputs: Inputs): unknown[] {
  if (inputs instanceof Tensor) return [inputs];
  if (!Array.isArray(inputs)) throw new GradcheckError(`${where}: inputs must be a Tensor or an array of arguments, but got ${describeValue(inputs)}`);
  return [...inputs];
}

function outputsOf(where: string, fn: Fn, inputs: readonly unknown[]): Tensor[] {
  const r = fn(...inputs);
  const outs: unknown[] = Array.isArray(r) ? r : [r];
  outs.forEach((o, i) => {
    if (!(o instanceof Tensor)) throw new GradcheckError(`${where}: fn must return a Tensor or an array of Tensors, but output ${i} is ${describeValue(o)}`);
  });
  return outs as Tensor[];
}

/**
 * The outputs checked: those that require grad (PyTorch's differentiable outputs: a
 * Function's markNonDifferentiable outputs and integer results are left out), or every
 * floating one when none does (their numerical Jacobian must then be zero).
 */
function checkedOutputs(where: string, fn: Fn, inputs: readonly unknown[]): number[] {
  const outs = enableGrad(() => outputsOf(where, fn, inputs));
  const diff = outs.flatMap((o, i) => (o.requiresGrad ? [i] : []));
  return diff.length > 0 ? diff : outs.flatMap((o, i) => (o.isFloatingPoint() ? [i] : []));
}

const requiresGrad = (t: unknown): t is Tensor => t instanceof Tensor && t.requiresGrad;

/** Storage offset of the k-th element (row-major) of t. */
function elementOffset(t: Tensor, k: number): number {
  let off = t.offset;
  for (let d = t.ndim - 1; d >= 0; d--) {
    const s = t.shape[d]!;
    off += (k % s) * t.strides[d]!;
    k = Math.floor(k / s);
  }
  return off;
}

function gradcheckImpl(fn: Fn, inputs: Inputs, opts: CheckOpts, where = "gradcheck"): boolean {
  const args = asArgs(where, inputs);
  const { eps, atol, rtol, nondetTol } = opts;
  const diffIdx = args.map((t, i) => (requiresGrad(t) ? i : -1)).filter((i) => i >= 0);
  if (diffIdx.length === 0) throw new GradcheckError(`${where}: no input requires grad`);
  for (const i of diffIdx) {
    const x = args[i] as Tensor;
    if (x.dtype !== "float64") throw new GradcheckError(`${where}: input ${i} has dtype ${x.dtype}; use float64 inputs for finite differences`);
    if (x.shape.some((s, d) => s > 1 && x.strides[d] === 0)) throw new GradcheckError(`${where}: input ${i} (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}) has overlapping memory; clone() it first`);
  }
  const fail = (msg: string) => {
    if (!opts.raiseException) return false;
    throw new GradcheckError(msg);
  };
  if (!opts.checkBackwardAd) return true;

  const checked = checkedOutputs(where, fn, args);
  const pick = (outs: Tensor[]) => checked.map((o) => outs[o]!);
  // numerical: numerical[i][k][o] = d(output o) / d(element k of input i), by central differences
  const numerical = diffIdx.map((i) => {
    const x = args[i] as Tensor, data = x.storage.data;
    return Array.from({ length: x.numel() }, (_, k) => {
      const off = elementOffset(x, k), orig = data[off] as number; // floating inputs only
      const at = (v: number) => {
        data[off] = v;
        return noGrad(() => pick(outputsOf(where, fn, args))).map((o) => o.to("float64").toTypedArray());
      };
      const plus = at(orig + eps), minus = at(orig - eps);
      data[off] = orig;
      return plus.map((p, o) => p.map((v, j) => (v - minus[o]![j]!) / (2 * eps)));
    });
  });

  // analytical: row j of each output's Jacobian is the gradient of its element j; computed
  // twice, as PyTorch does, to catch a backward that is not reentrant
  const diff = diffIdx.map((i) => args[i] as Tensor);
  const outs = enableGrad(() => pick(outputsOf(where, fn, args)));
  for (let o = 0; o < outs.length; o++) {
    const out = outs[o]!;
    for (let j = 0; j < out.numel(); j++) {
      const row = (): (Tensor | null)[] => {
        if (!out.requiresGrad) return diff.map(() => null);
        const go = zeros(out.shape, { dtype: "float64" });
        go.storage.data[j] = 1;
        return grad([out], diff, { gradOutputs: [go], retainGraph: true, allowUnused: true });
      };
      const rows = row(), again = row();
      for (let d = 0; d < diff.length; d++) {
        if (opts.checkGradDtypes && rows[d] && rows[d]!.dtype !== diff[d]!.dtype) {
          return fail(`${where}: Gradient has dtype mismatch: the gradient of output ${checked[o]} with respect to input ${diffIdx[d]} has dtype ${rows[d]!.dtype}, the input ${diff[d]!.dtype}`);
        }
        const a = rows[d] ? rows[d]!.to("float64").toTypedArray() : new Float64Array(diff[d]!.numel());
        const b = again[d] ? again[d]!.to("float64").toTypedArray() : new Float64Array(diff[d]!.numel());
        for (let k = 0; k < a.length; k++) {
          const num = numerical[d]![k]![o]![j]!, ana = a[k]!;
          if (!(Math.abs(ana - num) <= atol + rtol * Math.abs(num))) {
            return fail(`${where}: Jacobian mismatch for output ${checked[o]} (shape ${fmtShape(out.shape)}) with respect to input ${diffIdx[d]} (shape ${fmtShape(diff[d]!.shape)}), element [${j}, ${k}]: numerical ${num}, analytical ${ana}`);
          }
          if (!(Math.abs(b[k]! - ana) <= nondetTol)) {
            return fail(`${where}: Backward is not reentrant, i.e., running backward with same input and grad_output multiple times gives different values, although analytical gradient matches numerical gradient (output ${checked[o]}, input ${diffIdx[d]}, element [${j}, ${k}]: ${ana} then ${b[k]}). The tolerance for nondeterminism was ${nondetTol}.`);
          }
        }
      }
    }
  }
  return true;
}

const GRADCHECK_SIG = "gradcheck(Callable func, Any inputs, *, float eps=1e-6, float atol=1e-5, float rtol=1e-3, bool raiseException=true, bool checkSparseNnz=false, float nondetTol=0.0, bool checkUndefinedGrad=true, bool checkGradDtypes=false, bool checkBatchedGrad=false, bool checkBatchedForwardGrad=false, bool checkForwardAd=false, bool checkBackwardAd=true, bool fastMode=false) -> bool";

/**
 * Checks the gradients of `fn` at `inputs` (those with requiresGrad, float64) against
 * central finite differences (torch.autograd.gradcheck, PyTorch's options). Returns true, or
 * throws a GradcheckError describing the first mismatch (returns false with raiseException:
 * false). Options that need vmap or forward-mode AD raise when true.
 *
 * @example
 * const x = randn([3], { dtype: "float64", requiresGrad: true });
 * autograd.gradcheck((t) => t.sin().mul(t), [x]); // true
 */
export const gradcheck = defineOp(GRADCHECK_SIG, (fn: Fn, inputs: Inputs, o: CheckOpts & Record<string, unknown>): boolean => {
  refuseUnsupported("gradcheck", o);
  return gradcheckImpl(fn, inputs, o);
}, { group: "autograd" }) as unknown as {
  (fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor | readonly Tensor[], opts?: GradcheckOptions): boolean;
  /** With non-tensor arguments among the inputs (`gradcheck(MyFn.apply, [x, 0.5])`): passed to fn as they are. */
  (fn: Fn, inputs: readonly unknown[], opts?: GradcheckOptions): boolean;
};

const GRADGRADCHECK_SIG = "gradgradcheck(Callable func, Any inputs, Any? gradOutputs=null, *, float eps=1e-6, float atol=1e-5, float rtol=1e-3, bool genNonContigGradOutputs=false, bool raiseException=true, float nondetTol=0.0, bool checkUndefinedGrad=true, bool checkGradDtypes=false, bool checkBatchedGrad=false, bool checkFwdOverRev=false, bool checkRevOverRev=true, bool fastMode=false, int seed=0) -> bool";

/**
 * Checks second derivatives (torch.autograd.gradgradcheck): gradcheck of the (createGraph)
 * gradient of `fn`, contracted with `gradOutputs` (a Tensor or an array, one per checked
 * output), or with random ones from a fixed `seed` when left out (they require grad, so the
 * derivative with respect to them is checked too, as PyTorch's).
 *
 * @example
 * autograd.gradgradcheck((t) => t.pow(3), [x]); // true
 */
export const gradgradcheck = defineOp(GRADGRADCHECK_SIG, (fn: Fn, inputs: Inputs, gradOutputsArg: Tensor | readonly Tensor[] | null, o: CheckOpts & Record<string, unknown> & { seed: number; genNonContigGradOutputs: boolean; checkRevOverRev: boolean }): boolean => {
  refuseUnsupported("gradgradcheck", o);
  const args = asArgs("gradgradcheck", inputs);
  const checked = checkedOutputs("gradgradcheck", fn, args);
  const pick = (outs: Tensor[]) => checked.map((i) => outs[i]!);
  let gradOutputs: Tensor[];
  if (gradOutputsArg === null) {
    const generator = new Generator(o.seed);
    const outs = noGrad(() => pick(outputsOf("gradgradcheck", fn, args)));
    gradOutputs = outs.map((out) => {
      // non-contiguous: every other element of a buffer twice as long in the last dim
      const g = o.genNonContigGradOutputs && out.ndim > 0
        ? randn([...out.shape, 2], { dtype: "float64", generator }).select(-1, 0)
        : randn([...out.shape], { dtype: "float64", generator });
      return g.requiresGrad_(true);
    });
  } else {
    if (!(gradOutputsArg instanceof Tensor) && !Array.isArray(gradOutputsArg)) throw new ArgumentError(`gradgradcheck: gradOutputs must be a Tensor, an array of Tensors or null, got ${describeValue(gradOutputsArg)}`);
    gradOutputs = gradOutputsArg instanceof Tensor ? [gradOutputsArg] : [...gradOutputsArg];
    gradOutputs.forEach((g, i) => {
      if (!(g instanceof Tensor)) throw new GradcheckError(`gradgradcheck: gradOutputs[${i}] must be a Tensor, but got ${describeValue(g)}`);
    });
    if (gradOutputs.length !== checked.length) throw new GradcheckError(`gradgradcheck: got ${gradOutputs.length} gradOutputs for ${checked.length} differentiable output${checked.length === 1 ? "" : "s"} of fn; pass one per output`);
  }
  if (!o.checkRevOverRev) return true;
  const diff = args.filter(requiresGrad);
  const gradFn = (...all: unknown[]) => enableGrad(() => {
    const xs = all.slice(0, args.length), gos = all.slice(args.length) as Tensor[];
    const ys = pick(outputsOf("gradgradcheck", fn, xs));
    const gs = grad(ys, xs.filter(requiresGrad), { gradOutputs: gos, createGraph: true, allowUnused: true });
    return gs.map((g, i) => g ?? zerosLike(diff[i]!));
  });
  return gradcheckImpl(gradFn as Fn, [...args, ...gradOutputs] as unknown[], { ...o, checkBackwardAd: true }, "gradgradcheck");
}, { group: "autograd" }) as unknown as {
  (fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor | readonly Tensor[], gradOutputs?: Tensor | readonly Tensor[] | null, opts?: GradgradcheckOptions): boolean;
  (fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor | readonly Tensor[], opts?: GradgradcheckOptions): boolean;
  (fn: Fn, inputs: readonly unknown[], gradOutputs?: Tensor | readonly Tensor[] | null, opts?: GradgradcheckOptions): boolean;
  (fn: Fn, inputs: readonly unknown[], opts?: GradgradcheckOptions): boolean;
};

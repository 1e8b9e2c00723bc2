/**
 * Finite-difference checks of autograd (torch.autograd.gradcheck / gradgradcheck).
 * The numerical Jacobian uses central differences on float64 inputs; the analytical one is
 * built row by row with autograd.grad over one recorded forward. Mismatches raise a
 * GradcheckError naming the output, the input and the worst element.
 */
import { FluxionError, fmtShape } from "../errors.js";
import { zeros, zerosLike, randnLike } from "../tensor/creation.js";
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

/**
 * Checks the gradients of `fn` at `inputs` (those with requiresGrad, float64) against
 * central finite differences. Returns true, or throws a GradcheckError describing the
 * first mismatch (returns false with raiseException: false).
 *
 * @example
 * const x = randn([3], { dtype: "float64", requiresGrad: true });
 * autograd.gradcheck((t) => t.sin().mul(t), [x]); // true
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor | readonly Tensor[], opts?: GradcheckOptions): boolean;
/** With non-tensor arguments among the inputs (`gradcheck(MyFn.apply, [x, 0.5])`): passed to fn as they are. */
export function gradcheck(fn: Fn, inputs: readonly unknown[], opts?: GradcheckOptions): boolean;
export function gradcheck(fn: Fn, inputs: Inputs, opts?: GradcheckOptions): boolean {
  const args = asArgs("gradcheck", inputs);
  const eps = opts?.eps ?? 1e-6, atol = opts?.atol ?? 1e-5, rtol = opts?.rtol ?? 1e-3;
  const diffIdx = args.map((t, i) => (requiresGrad(t) ? i : -1)).filter((i) => i >= 0);
  if (diffIdx.length === 0) throw new GradcheckError("gradcheck: no input requires grad");
  for (const i of diffIdx) {
    const x = args[i] as Tensor;
    if (x.dtype !== "float64") throw new GradcheckError(`gradcheck: input ${i} has dtype ${x.dtype}; use float64 inputs for finite differences`);
    if (x.shape.some((s, d) => s > 1 && x.strides[d] === 0)) throw new GradcheckError(`gradcheck: input ${i} (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}) has overlapping memory; clone() it first`);
  }
  const fail = (msg: string) => {
    if (opts?.raiseException === false) return false;
    throw new GradcheckError(msg);
  };

  const checked = checkedOutputs("gradcheck", fn, args);
  const pick = (outs: Tensor[]) => checked.map((o) => outs[o]!);
  // numerical: numerical[i][k][o] = d(output o) / d(element k of input i), by central differences
  const numerical = diffIdx.map((i) => {
    const x = args[i] as Tensor, data = x.storage.data;
    return Array.from({ length: x.numel() }, (_, k) => {
      const off = elementOffset(x, k), orig = data[off] as number; // floating inputs only
      const at = (v: number) => {
        data[off] = v;
        return noGrad(() => pick(outputsOf("gradcheck", fn, args))).map((o) => o.to("float64").toTypedArray());
      };
      const plus = at(orig + eps), minus = at(orig - eps);
      data[off] = orig;
      return plus.map((p, o) => p.map((v, j) => (v - minus[o]![j]!) / (2 * eps)));
    });
  });

  // analytical: row j of each output's Jacobian is the gradient of its element j
  const diff = diffIdx.map((i) => args[i] as Tensor);
  const outs = enableGrad(() => pick(outputsOf("gradcheck", fn, args)));
  for (let o = 0; o < outs.length; o++) {
    const out = outs[o]!;
    for (let j = 0; j < out.numel(); j++) {
      let rows: (Tensor | null)[] = diff.map(() => null);
      if (out.requiresGrad) {
        const go = zeros(out.shape, { dtype: "float64" });
        go.storage.data[j] = 1;
        rows = grad([out], diff, { gradOutputs: [go], retainGraph: true, allowUnused: true });
      }
      for (let d = 0; d < diff.length; d++) {
        const a = rows[d] ? rows[d]!.to("float64").toTypedArray() : new Float64Array(diff[d]!.numel());
        for (let k = 0; k < a.length; k++) {
          const num = numerical[d]![k]![o]![j]!, ana = a[k]!;
          if (!(Math.abs(ana - num) <= atol + rtol * Math.abs(num))) {
            return fail(`gradcheck: Jacobian mismatch for output ${checked[o]} (shape ${fmtShape(out.shape)}) with respect to input ${diffIdx[d]} (shape ${fmtShape(diff[d]!.shape)}), element [${j}, ${k}]: numerical ${num}, analytical ${ana}`);
          }
        }
      }
    }
  }
  return true;
}

/**
 * Checks second derivatives: gradcheck of the (createGraph) gradient of `fn`, contracted
 * with random output gradients (a fixed seed, so runs are reproducible).
 */
export function gradgradcheck(fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor | readonly Tensor[], opts?: GradcheckOptions & { seed?: number }): boolean;
export function gradgradcheck(fn: Fn, inputs: readonly unknown[], opts?: GradcheckOptions & { seed?: number }): boolean;
export function gradgradcheck(fn: Fn, inputs: Inputs, opts?: GradcheckOptions & { seed?: number }): boolean {
  const args = asArgs("gradgradcheck", inputs);
  const generator = new Generator(opts?.seed ?? 0);
  const checked = checkedOutputs("gradgradcheck", fn, args);
  const pick = (outs: Tensor[]) => checked.map((o) => outs[o]!);
  const outs = noGrad(() => pick(outputsOf("gradgradcheck", fn, args)));
  const gradOutputs = outs.map((o) => randnLike(o, { dtype: "float64", generator }).requiresGrad_(true));
  const diff = args.filter(requiresGrad);
  const gradFn = (...all: unknown[]) => enableGrad(() => {
    const xs = all.slice(0, args.length), gos = all.slice(args.length) as Tensor[];
    const ys = pick(outputsOf("gradgradcheck", fn, xs));
    const gs = grad(ys, xs.filter(requiresGrad), { gradOutputs: gos, createGraph: true, allowUnused: true });
    return gs.map((g, i) => g ?? zerosLike(diff[i]!));
  });
  return gradcheck(gradFn as Fn, [...args, ...gradOutputs] as unknown[], opts);
}

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

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function floatOutputs(fn: Fn, inputs: Tensor[]): Tensor[] {
  const r = fn(...inputs);
  return (Array.isArray(r) ? r : [r]).filter((o) => o.isFloatingPoint());
}

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
export function gradcheck(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): boolean {
  const eps = opts?.eps ?? 1e-6, atol = opts?.atol ?? 1e-5, rtol = opts?.rtol ?? 1e-3;
  const diffIdx = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  if (diffIdx.length === 0) throw new GradcheckError("gradcheck: no input requires grad");
  for (const i of diffIdx) {
    const x = inputs[i]!;
    if (x.dtype !== "float64") throw new GradcheckError(`gradcheck: input ${i} has dtype ${x.dtype}; use float64 inputs for finite differences`);
    if (x.shape.some((s, d) => s > 1 && x.strides[d] === 0)) throw new GradcheckError(`gradcheck: input ${i} (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}) has overlapping memory; clone() it first`);
  }
  const fail = (msg: string) => {
    if (opts?.raiseException === false) return false;
    throw new GradcheckError(msg);
  };

  // numerical: numerical[i][k][o] = d(output o) / d(element k of input i), by central differences
  const numerical = diffIdx.map((i) => {
    const x = inputs[i]!, data = x.storage.data;
    return Array.from({ length: x.numel() }, (_, k) => {
      const off = elementOffset(x, k), orig = data[off] as number; // floating inputs only
      const at = (v: number) => {
        data[off] = v;
        return noGrad(() => floatOutputs(fn, inputs)).map((o) => o.to("float64").toTypedArray());
      };
      const plus = at(orig + eps), minus = at(orig - eps);
      data[off] = orig;
      return plus.map((p, o) => p.map((v, j) => (v - minus[o]![j]!) / (2 * eps)));
    });
  });

  // analytical: row j of each output's Jacobian is the gradient of its element j
  const diff = diffIdx.map((i) => inputs[i]!);
  const outs = enableGrad(() => floatOutputs(fn, inputs));
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
            return fail(`gradcheck: Jacobian mismatch for output ${o} (shape ${fmtShape(out.shape)}) with respect to input ${diffIdx[d]} (shape ${fmtShape(diff[d]!.shape)}), element [${j}, ${k}]: numerical ${num}, analytical ${ana}`);
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
export function gradgradcheck(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions & { seed?: number }): boolean {
  const generator = new Generator(opts?.seed ?? 0);
  const outs = noGrad(() => floatOutputs(fn, inputs));
  const gradOutputs = outs.map((o) => randnLike(o, { dtype: "float64", generator }).requiresGrad_(true));
  const diff = inputs.filter((t) => t.requiresGrad);
  const gradFn = (...args: Tensor[]) => enableGrad(() => {
    const xs = args.slice(0, inputs.length), gos = args.slice(inputs.length);
    const ys = floatOutputs(fn, xs);
    const gs = grad(ys, xs.filter((t) => t.requiresGrad), { gradOutputs: gos, createGraph: true, allowUnused: true });
    return gs.map((g, i) => g ?? zerosLike(diff[i]!));
  });
  return gradcheck(gradFn, [...inputs, ...gradOutputs], opts);
}

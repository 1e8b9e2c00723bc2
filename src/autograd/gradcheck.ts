/**
 * Finite-difference checks of autograd (torch.autograd.gradcheck / gradgradcheck).
 * The numerical Jacobian uses central differences on float64 inputs; the analytical one is
 * built row by row with autograd.grad. Mismatches raise a GradcheckError naming the
 * input, the output and the worst element.
 */
import { FluxionError, fmtShape } from "../errors.js";
import { zerosLike, randnLike } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { grad } from "./backward.js";
import { enableGrad, noGrad } from "./grad_mode.js";

export class GradcheckError extends FluxionError {}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw on failure (default); when false, return false instead. */
  raiseException?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const r = fn(...inputs);
  return Array.isArray(r) ? r : [r];
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

export function gradcheck(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): boolean {
  const eps = opts?.eps ?? 1e-6, atol = opts?.atol ?? 1e-5, rtol = opts?.rtol ?? 1e-3;
  const diffIdx = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  for (const i of diffIdx) {
    if (inputs[i]!.dtype !== "float64") throw new GradcheckError(`gradcheck: input ${i} has dtype ${inputs[i]!.dtype}; use float64 inputs for finite differences`);
  }
  if (diffIdx.length === 0) throw new GradcheckError("gradcheck: no input requires grad");
  const outs = outputsOf(fn, inputs).filter((o) => o.isFloatingPoint());
  const fail = (msg: string) => {
    if (opts?.raiseException === false) return false;
    throw new GradcheckError(msg);
  };

  for (let oi = 0; oi < outs.length; oi++) {
    const out = outs[oi]!;
    const nOut = out.numel();
    for (const ii of diffIdx) {
      const x = inputs[ii]!;
      const n = x.numel();
      // numerical: column k of the Jacobian is (f(x + eps e_k) - f(x - eps e_k)) / 2 eps
      const numerical: Float64Array[] = [];
      const data = x.storage.data;
      for (let k = 0; k < n; k++) {
        const off = elementOffset(x, k);
        const orig = data[off]!;
        const eval_ = (v: number) => {
          data[off] = v;
          const r = noGrad(() => outputsOf(fn, inputs))[oi]!;
          return r.to("float64").data() as Float64Array;
        };
        const plus = eval_(orig + eps), minus = eval_(orig - eps);
        data[off] = orig;
        numerical.push(plus.map((p, j) => (p - minus[j]!) / (2 * eps)));
      }
      // analytical: row j of the Jacobian is the gradient of output element j
      for (let j = 0; j < nOut; j++) {
        const go = zerosLike(out);
        noGrad(() => (go.storage.data[j] = 1));
        const fresh = outputsOf(fn, inputs)[oi]!;
        let row: Tensor | null = null;
        if (fresh.requiresGrad) row = grad([fresh], [x], { gradOutputs: [go], allowUnused: true })[0] ?? null;
        const a = row ? (row.to("float64").data() as Float64Array) : new Float64Array(n);
        for (let k = 0; k < n; k++) {
          const num = numerical[k]![j]!, ana = a[k]!;
          if (!(Math.abs(ana - num) <= atol + rtol * Math.abs(num))) {
            return fail(`gradcheck: Jacobian mismatch for output ${oi} (shape ${fmtShape(out.shape)}) with respect to input ${ii} (shape ${fmtShape(x.shape)}), element [${j}, ${k}]: numerical ${num}, analytical ${ana}`);
          }
        }
      }
    }
  }
  return true;
}

/** Checks second derivatives: gradcheck of the (createGraph) gradient of fn. */
export function gradgradcheck(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): boolean {
  const outs = noGrad(() => outputsOf(fn, inputs));
  const gradOutputs = outs.map((o) => randnLike(o, { dtype: "float64" }).requiresGrad_(true));
  const diff = inputs.filter((t) => t.requiresGrad);
  const gradFn = (...args: Tensor[]) => enableGrad(() => {
    const xs = args.slice(0, inputs.length), gos = args.slice(inputs.length);
    const ys = outputsOf(fn, xs);
    const gs = grad(ys, xs.filter((t) => t.requiresGrad), { gradOutputs: gos, createGraph: true, allowUnused: true });
    return gs.map((g, i) => g ?? zerosLike(diff[i]!));
  });
  return gradcheck(gradFn, [...inputs, ...gradOutputs], opts);
}

/** nn.utils: gradient clipping and flattening parameters to a vector. */
import { noGrad } from "../autograd/grad_mode.js";
import { FluxionError, ShapeError, fmtShape } from "../errors.js";
import { scalarTensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { cat } from "../ops/shape_ops.js";

function gradsOf(parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list = Symbol.iterator in Object(parameters) && !("shape" in (parameters as object)) ? [...(parameters as Iterable<Tensor>)] : [parameters as Tensor];
  return list.filter((p) => p.grad !== null).map((p) => p.grad!);
}

/**
 * Scales gradients so their combined norm is at most maxNorm; returns the total norm
 * (before clipping). normType may be Infinity.
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, opts?: { errorIfNonfinite?: boolean }): Tensor {
  const grads = gradsOf(parameters);
  return noGrad(() => {
    if (grads.length === 0) return scalarTensor(0, "float32");
    const norms = grads.map((g) => g.norm(normType));
    const total = normType === Infinity ? norms.reduce((a, b) => a.maximum(b)) : norms.reduce((a, b) => a.add(b.pow(normType)), scalarTensor(0, norms[0]!.dtype)).pow(1 / normType);
    const t = total.item() as number;
    if (opts?.errorIfNonfinite && !Number.isFinite(t)) throw new FluxionError(`clipGradNorm_: the total norm of order ${normType} for gradients is non-finite (${t}), so it cannot be clipped`);
    const coef = maxNorm / (t + 1e-6);
    if (coef < 1) for (const g of grads) g.mul_(coef);
    return total;
  });
}

/** Clamps every gradient element into [-clipValue, clipValue]. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  noGrad(() => {
    for (const g of gradsOf(parameters)) g.clamp_(-clipValue, clipValue);
  });
}

/** All parameters flattened and concatenated into one vector. */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  return cat([...parameters].map((p) => p.reshape([-1])));
}

/** Copies consecutive slices of vec into the parameters (inverse of parametersToVector). */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const list = [...parameters];
  const total = list.reduce((n, p) => n + p.numel(), 0);
  if (vec.ndim !== 1 || vec.numel() !== total) throw new ShapeError(`vectorToParameters: expected a 1-D vector of ${total} elements, got shape ${fmtShape(vec.shape)}`);
  noGrad(() => {
    let off = 0;
    for (const p of list) {
      p.copy_(vec.narrow(0, off, p.numel()).view(p.shape));
      off += p.numel();
    }
  });
}

/**
 * torch.kron: the Kronecker product. With both operands padded to the same number of dims
 * (leading 1s), out[i·b_k + j] = a[i]·b[j] in every dim k: a laid out as [a0, 1, a1, 1, ...]
 * times b as [1, b0, 1, b1, ...] (one broadcast multiply, so dtype promotion and gradients
 * are the multiply's), merged pairwise into [a0·b0, a1·b1, ...].
 */
import { defineOp, type MethodsOf } from "../api/registry.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * The Kronecker product of a and b (torch.kron): shape [a_k · b_k] per dim, after padding
 * the one with fewer dims with leading 1s.
 * @example kron(tensor([1, 2]), tensor([1, 10])) // [1, 10, 2, 20]
 */
export function kron(a: Tensor, b: Tensor): Tensor {
  const nd = Math.max(a.ndim, b.ndim);
  const pad = (s: readonly number[]) => [...new Array<number>(nd - s.length).fill(1), ...s];
  const sa = pad(a.shape), sb = pad(b.shape);
  const wide = a.reshape(sa.flatMap((s) => [s, 1])).mul(b.reshape(sb.flatMap((s) => [1, s])));
  return wide.reshape(sa.map((s, k) => s * sb[k]!));
}

const SIGS = {
  kron: "kron(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

/** The public, argument-checked forms (torch.kron, Tensor.kron). */
export const KRON_FNS = {
  kron: defineOp(SIGS.kron, kron),
};

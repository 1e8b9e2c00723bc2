/**
 * F.gumbelSoftmax: a differentiable sample from the categorical distribution of `logits`,
 * softmax((logits + g) / tau) with g ~ Gumbel(0, 1), optionally made one-hot with the
 * straight-through trick (the one-hot values, the soft sample's gradient), as PyTorch 1.13.
 */
import { DTypeError } from "../../errors.js";
import { rand, zerosLike } from "../../tensor/creation.js";
import type { Generator } from "../../tensor/random.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

export interface GumbelSoftmaxOptions {
  /** Temperature (default 1): small values give nearly one-hot samples. */
  tau?: number;
  /** Return one-hot samples that are differentiated as the soft ones. */
  hard?: boolean;
  /** Deprecated and unused, as in PyTorch. */
  eps?: number;
  dim?: number;
  generator?: Generator;
}

let warnedEps = false;

/**
 * Samples from the Gumbel-Softmax distribution along `dim` (default -1).
 * @example F.gumbelSoftmax(logits, { tau: 0.5, hard: true }) // one-hot rows, soft gradients
 */
export function gumbelSoftmax(logits: Tensor, opts?: GumbelSoftmaxOptions): Tensor {
  if (!logits.isFloatingPoint()) throw new DTypeError(`gumbelSoftmax: expected floating point logits, got ${logits.dtype}`);
  if (opts?.eps !== undefined && opts.eps !== 1e-10 && !warnedEps) {
    warnedEps = true;
    console.warn("fluxion: gumbelSoftmax: `eps` parameter is deprecated and has no effect (as in PyTorch)");
  }
  const tau = opts?.tau ?? 1, dim = opts?.dim ?? -1;
  // -log(E), E ~ Exp(1) = -log(1 - U): drawn in float64 so that E = 0 (an infinite g) is a 2^-53 event
  const u = rand(logits.shape, { dtype: "float64", device: logits.device, generator: opts?.generator });
  const gumbels = u.rsub(1).log().neg().log().neg().to(logits.dtype);
  const ySoft = logits.add(gumbels).div(tau).softmax(dim);
  if (!opts?.hard) return ySoft;
  const [, index] = ySoft.max(dim, true) as unknown as [Tensor, Tensor];
  const yHard = zerosLike(logits).scatter(dim, index, 1);
  return yHard.sub(ySoft.detach()).add(ySoft); // straight through
}

/** The declared form `F` exports: PyTorch's order and defaults, plus a keyword-only generator. */
export const GUMBEL_SOFTMAX_FNS = {
  gumbelSoftmax: defineF("gumbelSoftmax(Tensor logits, float tau=1, bool hard=false, float eps=1e-10, int dim=-1, *, Generator? generator=null) -> Tensor",
    (logits: Tensor, tau: number, hard: boolean, eps: number, dim: number, { generator }: { generator: Generator | null }) =>
      gumbelSoftmax(logits, { tau, hard, eps, dim, generator: generator ?? undefined })),
};

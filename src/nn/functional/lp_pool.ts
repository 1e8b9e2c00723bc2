/**
 * F.lpPool1d and F.lpPool2d, power-average pooling: (Σ_window x^p)^(1/p), computed as
 * PyTorch 1.13's Python does (avg_pool of x^p times the window size, its negative part
 * cut by sign·relu, then the 1/p power), so values and gradients agree: an all-zero window
 * gets a zero gradient because relu's backward selects rather than multiplies (the 1/p
 * power's infinite slope at 0 never reaches the input).
 */
import { FluxionError } from "../../errors.js";
import { relu } from "../../ops/elementwise.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _tupleOf, type IntOrPair, type IntOrSingle } from "./conv.js";
import { defineF } from "./define.js";
import { avgPool1d, avgPool2d } from "./pooling.js";

function checkNorm(op: string, p: number): void {
  if (typeof p !== "number" || Number.isNaN(p) || p === 0) throw new FluxionError(`${op}: normType must be a non-zero number (the power p), got ${p}`);
}

/** sign(out) · relu(|out|) · windowSize, to the power 1/p. */
function finish(out: Tensor, windowSize: number, p: number): Tensor {
  return out.sign().mul(relu(out.abs())).mul(windowSize).pow(1 / p);
}

/**
 * 2-D power-average pooling over [N, C, H, W] (or [C, H, W]); p = ∞ is not supported (use maxPool2d).
 * @example F.lpPool2d(x, 2, 3, { stride: 2 }) // the L2 norm of each 3x3 window
 */
export function lpPool2d(input: Tensor, normType: number, kernelSize: IntOrPair, opts?: { stride?: IntOrPair | null; ceilMode?: boolean }): Tensor {
  const op = "lpPool2d";
  checkNorm(op, normType);
  const [kh, kw] = _tupleOf(op, "kernelSize", kernelSize, 2, 1) as [number, number];
  const out = avgPool2d(input.pow(normType), [kh, kw], { stride: opts?.stride ?? null, padding: 0, ceilMode: opts?.ceilMode ?? false });
  return finish(out, kh * kw, normType);
}

/**
 * 1-D power-average pooling over [N, C, L] (or [C, L]).
 * @example F.lpPool1d(x, 3, 2) // (Σ x³)^(1/3) over windows of 2
 */
export function lpPool1d(input: Tensor, normType: number, kernelSize: IntOrSingle, opts?: { stride?: IntOrSingle | null; ceilMode?: boolean }): Tensor {
  const op = "lpPool1d";
  checkNorm(op, normType);
  const [k] = _tupleOf(op, "kernelSize", kernelSize, 1, 1) as [number];
  const out = avgPool1d(input.pow(normType), k, { stride: opts?.stride ?? null, padding: 0, ceilMode: opts?.ceilMode ?? false });
  return finish(out, k, normType);
}

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const LP_POOL_FNS = {
  lpPool1d: defineF("lpPool1d(Tensor input, float normType, int[1] kernelSize, int[1]? stride=null, bool ceilMode=false) -> Tensor",
    (x: Tensor, p: number, k: IntOrSingle, stride: IntOrSingle | null, ceilMode: boolean) => lpPool1d(x, p, k, { stride, ceilMode })),
  lpPool2d: defineF("lpPool2d(Tensor input, float normType, int[2] kernelSize, int[2]? stride=null, bool ceilMode=false) -> Tensor",
    (x: Tensor, p: number, k: IntOrPair, stride: IntOrPair | null, ceilMode: boolean) => lpPool2d(x, p, k, { stride, ceilMode })),
};

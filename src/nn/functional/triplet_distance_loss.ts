/**
 * F.tripletMarginWithDistanceLoss: the triplet loss max(0, d(a, p) - d(a, n) + margin) with
 * any distance function (default F.pairwiseDistance), as PyTorch 1.13's Python: with swap,
 * d(a, n) is replaced by d(p, n) where that is smaller.
 */
import { ArgumentError, FluxionError } from "../../errors.js";
import { runUserCode } from "../../compile/state.js";
import { describeValue } from "../../api/args.js";
import { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";
import { pairwiseDistance } from "./distance.js";
import type { Reduction } from "./loss.js";

/** A distance between two batches of embeddings: one value per pair (pairwiseDistance, 1 - cosineSimilarity, ...). */
export type DistanceFunction = (a: Tensor, b: Tensor) => Tensor;

export interface TripletMarginWithDistanceOptions {
  /** Default F.pairwiseDistance (the Euclidean distance). */
  distanceFunction?: DistanceFunction | null;
  margin?: number;
  swap?: boolean;
  reduction?: Reduction;
}

/**
 * Triplet loss with a custom distance.
 * @example F.tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: (x, y) => F.cosineSimilarity(x, y).rsub(1), margin: 0.5 })
 */
export function tripletMarginWithDistanceLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts?: TripletMarginWithDistanceOptions): Tensor {
  const op = "tripletMarginWithDistanceLoss";
  const reduction = opts?.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") throw new ArgumentError(`${op}: ${JSON.stringify(reduction)} is not a valid value for reduction`);
  const margin = opts?.margin ?? 1; // PyTorch 1.13 accepts any margin (later versions require > 0)
  const user = opts?.distanceFunction ?? null;
  const distance = (a: Tensor, b: Tensor): Tensor => {
    if (user === null) return pairwiseDistance(a, b);
    const d = runUserCode([a, b], () => user(a, b)); // user code: compile() keeps what it sees
    if (!(d instanceof Tensor)) throw new FluxionError(`${op}: distanceFunction must return a Tensor, got ${describeValue(d)}`);
    return d;
  };
  const positiveDist = distance(anchor, positive);
  let negativeDist = distance(anchor, negative);
  if (opts?.swap) negativeDist = negativeDist.minimum(distance(positive, negative));
  const loss = positiveDist.sub(negativeDist).add(margin).clampMin(0);
  return reduction === "none" ? loss : reduction === "sum" ? loss.sum() : loss.mean();
}

/** The declared form `F` exports (torch.nn.functional's signature: everything after the tensors is keyword-only). */
export const TRIPLET_DISTANCE_LOSS_FNS = {
  tripletMarginWithDistanceLoss: defineF(
    'tripletMarginWithDistanceLoss(Tensor anchor, Tensor positive, Tensor negative, *, Callable? distanceFunction=null, float margin=1.0, bool swap=false, "mean"|"sum"|"none" reduction="mean") -> Tensor',
    (a: Tensor, p: Tensor, n: Tensor, kw: { distanceFunction: DistanceFunction | null; margin: number; swap: boolean; reduction: Reduction }) => tripletMarginWithDistanceLoss(a, p, n, kw),
  ),
};

/**
 * MultiLabelMarginLoss and TripletMarginWithDistanceLoss modules over their functional forms,
 * with PyTorch's constructor arguments (deprecated sizeAverage / reduce included, deciding
 * the reduction by PyTorch's legacy rule). MultiLabelMarginLoss runs under its module name,
 * so autocast computes it in float32 as PyTorch does.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { runOpLayers } from "../../backend/dispatcher.js";
import type { Tensor } from "../../tensor/tensor.js";
import { multilabelMarginLoss } from "../functional/multilabel_margin_loss.js";
import { tripletMarginWithDistanceLoss, type DistanceFunction } from "../functional/triplet_distance_loss.js";
import type { Reduction } from "../functional/loss.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { PairwiseDistance } from "./distance.js";

/** PyTorch's _Reduction.legacy_get_string: sizeAverage / reduce (when either is given) override reduction. */
function legacyReduction(sizeAverage: boolean | null, reduce: boolean | null, reduction: Reduction): Reduction {
  if (sizeAverage === null && reduce === null) return reduction;
  if (!(reduce ?? true)) return "none";
  return (sizeAverage ?? true) ? "mean" : "sum";
}

const MULTILABEL_MARGIN = 'MultiLabelMarginLoss(bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const multilabelMarginArgs = declareArgs(MULTILABEL_MARGIN, "nn");

/**
 * The multi-class multi-label hinge loss; targets list each sample's classes, ended by -1.
 * @example new nn.MultiLabelMarginLoss()(scores, tensor([[3, 0, -1, 1]], { dtype: "int64" }))
 */
export class MultiLabelMarginLoss extends Module {
  readonly reduction: Reduction;
  constructor(...args: CtorArgs<typeof MULTILABEL_MARGIN>) {
    super();
    const [sizeAverage, reduce, reduction] = multilabelMarginArgs.bind(args);
    this.reduction = legacyReduction(sizeAverage, reduce, reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    checkTensorArg(this, "input", input, 1);
    checkTensorArg(this, "target", target, 2);
    return runOpLayers("nn.MultiLabelMarginLoss", [input, target], (x: Tensor, t: Tensor) => multilabelMarginLoss(x, t, { reduction: this.reduction })) as Tensor;
  }
}

const TRIPLET_DISTANCE = 'TripletMarginWithDistanceLoss(*, Callable? distanceFunction=null, float margin=1.0, bool swap=false, "mean"|"sum"|"none" reduction="mean")';
const tripletDistanceArgs = declareArgs(TRIPLET_DISTANCE, "nn");

/**
 * The triplet loss with any distance (default nn.PairwiseDistance(), registered as the
 * submodule `distance_function` as in PyTorch; a module passed in is registered too).
 * @example new nn.TripletMarginWithDistanceLoss({ distanceFunction: (a, b) => F.cosineSimilarity(a, b).rsub(1), margin: 0.5 })
 */
export class TripletMarginWithDistanceLoss extends Module {
  /** The distance: a module (then a registered submodule, printed as PyTorch prints it) or a function. */
  distance_function: DistanceFunction | Module;
  readonly margin: number;
  readonly swap: boolean;
  readonly reduction: Reduction;
  constructor(...args: CtorArgs<typeof TRIPLET_DISTANCE>) {
    super();
    const [{ distanceFunction, margin, swap, reduction }] = tripletDistanceArgs.bind(args);
    this.distance_function = (distanceFunction as DistanceFunction | Module | null) ?? new PairwiseDistance();
    [this.margin, this.swap, this.reduction] = [margin, swap, reduction];
  }
  /** PyTorch's name is distance_function; this is the same. */
  get distanceFunction(): DistanceFunction | Module {
    return this.distance_function;
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    checkTensorArg(this, "anchor", anchor, 1);
    checkTensorArg(this, "positive", positive, 2);
    checkTensorArg(this, "negative", negative, 3);
    const distanceFunction = this.distance_function as DistanceFunction;
    return tripletMarginWithDistanceLoss(anchor, positive, negative, { distanceFunction, margin: this.margin, swap: this.swap, reduction: this.reduction });
  }
}

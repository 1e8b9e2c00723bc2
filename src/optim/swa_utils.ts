/**
 * optim.swaUtils: Stochastic Weight Averaging and EMA, as torch.optim.swa_utils (PyTorch
 * 1.13): AveragedModel (a deep copy of a model whose parameters are running averages of
 * the model's), SWALR (anneals each group's lr to a fixed SWA lr) and updateBn (recomputes
 * BatchNorm running statistics with a pass over the data). The averaging-function factories
 * (getEmaAvgFn, getSwaAvgFn, getEmaMultiAvgFn, getSwaMultiAvgFn) and AveragedModel's
 * multiAvgFn option are current PyTorch's (1.13 lacks them).
 *
 * What differs: PyTorch reads n_averaged on the host to pick "copy the model" (first update)
 * or "average"; here both are computed and `where(n_averaged == 0, ...)` picks, so nothing
 * is read on the host (an avgFn is therefore also called on the first update, its result
 * unused).
 */
import { noGrad } from "../autograd/grad_mode.js";
import { checkDevice } from "../backend/backend.js";
import { describeValue } from "../api/args.js";
import { declareArgs, defineOp, type CtorArgs } from "../api/registry.js";
import { ArgumentError, FluxionError } from "../errors.js";
import { Module } from "../nn/module.js";
import { BatchNorm1d, BatchNorm2d, BatchNorm3d } from "../nn/layers/normalization.js";
import { onesLike, scalarTensor, zerosLike } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { deepcopy } from "../utils/deepcopy.js";
import { Optimizer } from "./optimizer.js";
import { LRScheduler, perGroup } from "./lr_scheduler/base.js";
import { cos } from "./lr_scheduler/libm.js";

/** avgFn(averagedParam, modelParam, numAveraged): the new averaged value (numAveraged is a 0-d int64 tensor). */
export type AvgFn = (averaged: Tensor, current: Tensor, numAveraged: Tensor) => Tensor;
/** multiAvgFn(averagedParams, modelParams, numAveraged): updates the averaged tensors in place. */
export type MultiAvgFn = (averaged: Tensor[], current: Tensor[], numAveraged: Tensor) => void;

const G = "optim.swaUtils";
const AVERAGED_MODEL = "AveragedModel(Module model, Device? device=null, Callable? avgFn=null, bool useBuffers=false, *, Callable? multiAvgFn=null)";
const averagedModelArgs = declareArgs(AVERAGED_MODEL, G);

/** PyTorch 1.13's default: the equally weighted running average. */
const swaAvg: AvgFn = (averaged, current, n) => averaged.add(current.sub(averaged).div(n.add(1)));

/**
 * A copy of `model` (utils.deepcopy, moved to `device` if given) whose parameters
 * updateParameters(model) sets to running averages of model's (SWA), or to what `avgFn`
 * gives (EMA: `{ avgFn: optim.swaUtils.getEmaAvgFn(0.999) }`); with useBuffers the buffers
 * are averaged too. Calling it runs the averaged copy. Its stateDict holds `n_averaged`
 * (the count of updates, an int64 buffer) and the copy under `module.`.
 * @example
 * const swaModel = new optim.swaUtils.AveragedModel(model);
 * const swaScheduler = new optim.swaUtils.SWALR(optimizer, { swaLr: 0.05 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train(model, optimizer);
 *   if (epoch >= 75) { swaModel.updateParameters(model); swaScheduler.step(); }
 * }
 * optim.swaUtils.updateBn(loader, swaModel);
 */
export class AveragedModel extends Module {
  module: Module;
  avgFn: AvgFn | null;
  multiAvgFn: MultiAvgFn | null;
  useBuffers: boolean;
  declare n_averaged: Tensor;

  constructor(...args: CtorArgs<typeof AVERAGED_MODEL>) {
    super();
    const [model, device, avgFn, useBuffers, { multiAvgFn }] = averagedModelArgs.bind(args);
    if (device !== null) checkDevice(device, "AveragedModel"); // before copying anything
    let copy = deepcopy(model as Module);
    if (device !== null) copy = copy.to(device);
    this.module = copy;
    this.registerBuffer("n_averaged", scalarTensor(0, "int64", device ?? "cpu"));
    this.avgFn = avgFn as AvgFn | null;
    this.multiAvgFn = multiAvgFn as MultiAvgFn | null;
    this.useBuffers = useBuffers;
  }

  /** The number of updates so far (PyTorch name: n_averaged). */
  get nAveraged(): Tensor {
    return this.n_averaged;
  }

  /** Runs the averaged copy (PyTorch's forward: self.module(*args)). */
  forward(...inputs: unknown[]): unknown {
    return this.module.call(...inputs);
  }

  /**
   * Averages `model`'s parameters (and buffers, with useBuffers) into this copy's: the first
   * update copies them, later ones apply avgFn (or multiAvgFn); then n_averaged grows by one.
   * Pairs are matched in order, as PyTorch's zip.
   */
  updateParameters(model: Module): void {
    if (arguments.length !== 1) throw new ArgumentError(`AveragedModel.updateParameters() takes 1 argument (model) but ${arguments.length} were given`);
    if (!(model instanceof Module)) throw new ArgumentError(`AveragedModel.updateParameters(): argument 'model' must be a Module, but got ${describeValue(model)}`);
    const mine: Tensor[] = this.useBuffers ? [...this.module.parameters(), ...this.module.buffers()] : this.parameters();
    const theirs: Tensor[] = this.useBuffers ? [...model.parameters(), ...model.buffers()] : model.parameters();
    const n = Math.min(mine.length, theirs.length);
    noGrad(() => {
      const averaged = mine.slice(0, n).map((p) => p.detach());
      const current = theirs.slice(0, n).map((p, i) => p.detach().to(averaged[i]!.device));
      const first = this.n_averaged.eq(0);
      if (this.multiAvgFn !== null) {
        const byDevice = new Map<string, number[]>();
        averaged.forEach((p, i) => byDevice.set(p.device, [...(byDevice.get(p.device) ?? []), i]));
        for (const [device, idx] of byDevice) {
          this.multiAvgFn(idx.map((i) => averaged[i]!), idx.map((i) => current[i]!), this.n_averaged.to(device));
        }
        averaged.forEach((p, i) => p.copy_(current[i]!.where(first.to(p.device), p)));
      } else {
        const avg = this.avgFn ?? swaAvg;
        averaged.forEach((p, i) => {
          const value = avg(p, current[i]!, this.n_averaged.to(p.device));
          if (!(value instanceof Tensor)) throw new ArgumentError(`AveragedModel.updateParameters(): avgFn must return a Tensor, but returned ${describeValue(value)}`);
          p.copy_(current[i]!.where(first.to(p.device), value));
        });
      }
      this.n_averaged.add_(1);
    });
  }
}

const SWALR_DECL = 'SWALR(Any optimizer, float|float[] swaLr, int annealEpochs=10, "cos"|"linear" annealStrategy="cos", int lastEpoch=-1)';
const swalrArgs = declareArgs(SWALR_DECL, G);

/**
 * Anneals each group's learning rate from its current value to `swaLr` over annealEpochs
 * steps ("cos" or "linear"), then holds it (torch.optim.swa_utils.SWALR); each group keeps
 * its target as `swaLr`. Typically stepped once per epoch after SWA starts.
 * @example const swaScheduler = new optim.swaUtils.SWALR(optimizer, 0.05, { annealEpochs: 5, annealStrategy: "linear" });
 */
export class SWALR extends LRScheduler {
  annealEpochs: number;
  annealStrategy: "cos" | "linear";

  constructor(...args: CtorArgs<typeof SWALR_DECL>) {
    const [optimizer, swaLr, annealEpochs, annealStrategy, lastEpoch] = swalrArgs.bind(args);
    if (!(optimizer instanceof Optimizer)) throw new ArgumentError(`SWALR(): argument 'optimizer' must be an Optimizer, but got ${describeValue(optimizer)}`);
    if (annealEpochs < 0) throw new FluxionError(`SWALR: annealEpochs must be equal or greater than 0, got ${annealEpochs}`);
    const swaLrs = perGroup("SWALR", "swaLr", optimizer, swaLr);
    optimizer.paramGroups.forEach((g, i) => (g.swaLr = swaLrs[i]));
    super(optimizer, lastEpoch, "SWALR");
    this.annealEpochs = annealEpochs;
    this.annealStrategy = annealStrategy;
    this.initialStep();
  }

  private anneal(t: number): number {
    return this.annealStrategy === "cos" ? (1 - cos(Math.PI * t)) / 2 : t;
  }

  protected getLr(): number[] {
    // PyTorch 1.13's rule: undo the previous step's mix to recover the lr being annealed, then mix again
    let step = this._stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const prevAlpha = this.anneal(Math.max(0, Math.min(1, (step - 1) / Math.max(1, this.annealEpochs))));
    const alpha = this.anneal(Math.max(0, Math.min(1, step / Math.max(1, this.annealEpochs))));
    return this.groups.map((g) => {
      const swaLr = g.swaLr as number;
      const prev = prevAlpha === 1 ? swaLr : (g.lr - prevAlpha * swaLr) / (1 - prevAlpha);
      return swaLr * alpha + prev * (1 - alpha);
    });
  }
}

/**
 * Recomputes the running mean and variance of every BatchNorm in `model` with one pass over
 * `loader` (torch.optim.swa_utils.update_bn): the statistics are reset, each module's
 * momentum is set to null (a cumulative average over the batches) and num_batches_tracked
 * to 0, the model runs in training mode on each batch (a batch that is an array gives its
 * first element; `device` moves it there), and momentum and the training flag are restored.
 * A model without BatchNorm is left as it is. Runs without gradients.
 * @example optim.swaUtils.updateBn(trainLoader, swaModel)
 */
export const updateBn = defineOp(
  "updateBn(Any loader, Module model, Device? device=null) -> None",
  (loader: unknown, model: Module, device: string | null): void => {
    if (loader === null || typeof loader !== "object" || typeof (loader as Iterable<unknown>)[Symbol.iterator] !== "function") {
      const isAsync = loader !== null && typeof loader === "object" && typeof (loader as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
      throw new ArgumentError(`updateBn(): argument 'loader' must be an iterable of batches (a DataLoader, an array of tensors), but got ${describeValue(loader)}${isAsync ? " (an async iterable: collect its batches into an array first)" : ""}`);
    }
    if (device !== null) checkDevice(device, "updateBn");
    type BN = BatchNorm1d | BatchNorm2d | BatchNorm3d;
    const bns: [string, BN][] = [];
    for (const [name, m] of model.namedModules()) {
      if (m instanceof BatchNorm1d || m instanceof BatchNorm2d || m instanceof BatchNorm3d) bns.push([name, m]);
    }
    for (const [name, m] of bns) {
      if (m.running_mean === null || m.running_var === null || m.num_batches_tracked === null) {
        throw new FluxionError(`updateBn(): ${m.constructor.name} ${name === "" ? "(the model)" : `'${name}'`} has no running statistics to update (trackRunningStats is false)`);
      }
    }
    if (bns.length === 0) return;
    noGrad(() => {
      const momenta = new Map<BN, number | null>();
      for (const [, m] of bns) {
        m.running_mean = zerosLike(m.running_mean!);
        m.running_var = onesLike(m.running_var!);
        momenta.set(m, m.momentum);
      }
      const wasTraining = model.training;
      model.train();
      try {
        for (const m of momenta.keys()) {
          (m as { momentum: number | null }).momentum = null;
          m.num_batches_tracked!.mul_(0);
        }
        for (let input of loader as Iterable<unknown>) {
          if (Array.isArray(input)) input = input[0];
          if (device !== null) {
            if (!(input instanceof Tensor)) throw new ArgumentError(`updateBn(): with a device, each batch (or its first element) must be a Tensor, but got ${describeValue(input)}`);
            input = input.to(device);
          }
          model.call(input);
        }
      } finally {
        for (const [m, momentum] of momenta) (m as { momentum: number | null }).momentum = momentum;
        model.train(wasTraining);
      }
    });
  },
  { group: G, key: "optim.swaUtils.updateBn" },
);

const EMA = "getEmaAvgFn(float decay=0.999) -> Any";
/**
 * The avgFn of an exponential moving average: decay * averaged + (1 - decay) * current
 * (current PyTorch's torch.optim.swa_utils.get_ema_avg_fn).
 * @example const ema = new optim.swaUtils.AveragedModel(model, { avgFn: optim.swaUtils.getEmaAvgFn(0.999) });
 */
export const getEmaAvgFn = defineOp(
  EMA,
  (decay: number): AvgFn => (averaged, current) => noGrad(() => averaged.mul(decay).add(current.mul(1 - decay))),
  { group: G, key: "optim.swaUtils.getEmaAvgFn" },
) as (decay?: number | { decay?: number }) => AvgFn;

/** The avgFn of the equally weighted average (PyTorch's default; current PyTorch's get_swa_avg_fn). */
export const getSwaAvgFn = defineOp(
  "getSwaAvgFn() -> Any",
  (): AvgFn => (averaged, current, n) => noGrad(() => swaAvg(averaged, current, n)),
  { group: G, key: "optim.swaUtils.getSwaAvgFn" },
) as () => AvgFn;

/**
 * The multiAvgFn of an exponential moving average, updating all tensors in place:
 * averaged.lerp_(current, 1 - decay) (current PyTorch's get_ema_multi_avg_fn).
 * @example const ema = new optim.swaUtils.AveragedModel(model, { multiAvgFn: optim.swaUtils.getEmaMultiAvgFn(0.999) });
 */
export const getEmaMultiAvgFn = defineOp(
  "getEmaMultiAvgFn(float decay=0.999) -> Any",
  (decay: number): MultiAvgFn => (averaged, current) =>
    noGrad(() => {
      averaged.forEach((p, i) => {
        if (p.isFloatingPoint()) p.lerp_(current[i]!, 1 - decay);
        else p.copy_(p.mul(decay).add(current[i]!.mul(1 - decay)));
      });
    }),
  { group: G, key: "optim.swaUtils.getEmaMultiAvgFn" },
) as (decay?: number | { decay?: number }) => MultiAvgFn;

/** The multiAvgFn of the equally weighted average, in place (current PyTorch's get_swa_multi_avg_fn). */
export const getSwaMultiAvgFn = defineOp(
  "getSwaMultiAvgFn() -> Any",
  (): MultiAvgFn => (averaged, current, n) =>
    noGrad(() => {
      averaged.forEach((p, i) => {
        if (p.isFloatingPoint()) p.lerp_(current[i]!, n.add(1).reciprocal().to(p.dtype));
        else p.copy_(p.add(current[i]!.sub(p).div(n.add(1))));
      });
    }),
  { group: G, key: "optim.swaUtils.getSwaMultiAvgFn" },
) as () => MultiAvgFn;

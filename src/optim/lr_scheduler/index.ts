/**
 * optim.lrScheduler: learning-rate schedules, as torch.optim.lr_scheduler.
 *
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingLR(optimizer, 50);
 * for (let epoch = 0; epoch < 50; epoch++) { train(); optimizer.step(); sched.step(); }
 */
export { LRScheduler, type SchedulerStateDict } from "./base.js";
export { StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, CosineAnnealingLR, PolynomialLR, LambdaLR, MultiplicativeLR } from "./schedulers.js";
export { CyclicLR } from "./cyclic.js";
export { OneCycleLR, type OneCycleLROptions } from "./one_cycle.js";
export { SequentialLR } from "./sequential.js";
export { ChainedScheduler } from "./chained.js";
export { CosineAnnealingWarmRestarts } from "./warm_restarts.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./plateau.js";

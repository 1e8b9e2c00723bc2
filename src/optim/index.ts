/**
 * optim: optimizers (SGD, Adam, AdamW, SparseAdam, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam,
 * ASGD, Rprop, LBFGS) and learning-rate schedulers
 * (`optim.lrScheduler`), mirroring torch.optim.
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const sched = new optim.lrScheduler.StepLR(opt, 30, { gamma: 0.1 });
 */
export { Optimizer, type BaseOptions, type ParamGroup, type ParamGroupInput, type ParamState, type Params, type OptimizerStateDict } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, type AdamOptions } from "./adam.js";
export { AdamW, type AdamWOptions } from "./adamw.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradOptions } from "./adagrad.js";
export { SparseAdam, type SparseAdamOptions } from "./sparse_adam.js";
export { Adadelta, type AdadeltaOptions } from "./adadelta.js";
export { Adamax, type AdamaxOptions } from "./adamax.js";
export { NAdam, type NAdamOptions } from "./nadam.js";
export { RAdam, type RAdamOptions } from "./radam.js";
export { ASGD, type ASGDOptions } from "./asgd.js";
export { Rprop, type RpropOptions } from "./rprop.js";
export { LBFGS, type LBFGSOptions } from "./lbfgs.js";
export * as lrScheduler from "./lr_scheduler/index.js";
/** torch.optim.swa_utils: AveragedModel, SWALR, updateBn (and the EMA averaging functions). */
export * as swaUtils from "./swa_utils.js";

import { markBuiltInOptimizers } from "./optimizer.js";
import { Adagrad } from "./adagrad.js";
import { SparseAdam } from "./sparse_adam.js";
import { Adam } from "./adam.js";
import { AdamW } from "./adamw.js";
import { RMSprop } from "./rmsprop.js";
import { SGD } from "./sgd.js";
import { Adadelta } from "./adadelta.js";
import { Adamax } from "./adamax.js";
import { NAdam } from "./nadam.js";
import { RAdam } from "./radam.js";
import { ASGD } from "./asgd.js";
import { Rprop } from "./rprop.js";
// their steps are framework frames (compile/state.ts); LBFGS's step runs the user's closure, so it is not one
markBuiltInOptimizers([SGD, Adam, AdamW, RMSprop, Adagrad, SparseAdam, Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop]);

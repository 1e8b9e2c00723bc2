/**
 * optim: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) and learning-rate schedulers
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
export * as lrScheduler from "./lr_scheduler/index.js";

import { markBuiltInOptimizers } from "./optimizer.js";
import { Adagrad } from "./adagrad.js";
import { Adam } from "./adam.js";
import { AdamW } from "./adamw.js";
import { RMSprop } from "./rmsprop.js";
import { SGD } from "./sgd.js";
markBuiltInOptimizers([SGD, Adam, AdamW, RMSprop, Adagrad]); // their steps are framework frames (compile/state.ts)

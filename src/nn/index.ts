/**
 * `nn`: Module and Parameter, layers, containers, losses, `F` (functional), `init` and
 * `utils` — named as in torch.nn.
 */
export { Module, type StateDict, type IncompatibleKeys, type ForwardHook, type ForwardPreHook, type FullBackwardHook } from "./module.js";
export { Parameter } from "./parameter.js";
export * from "./layers/index.js";
export * as F from "./functional/index.js";
export * as functional from "./functional/index.js";
export * as init from "./init.js";
export * as utils from "./utils.js";
export * as grad from "./grad.js";

import * as layers from "./layers/index.js";
import { markBuiltInModules } from "./module.js";
markBuiltInModules(Object.values(layers)); // their forwards are framework frames (compile/state.ts)

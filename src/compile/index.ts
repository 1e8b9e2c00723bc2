/** compile(): capture, IR, passes and execution (docs/compile.md). */
export { compile, type CompiledFunction, type CompileStats, type CompileOptions, type GraphBreak, type GraphRecord } from "./compile.js";
export { formatGraph, type Graph, type IRNode, type ValueInfo, type BufferInfo } from "./ir.js";
export { DEFAULT_PASSES, optimize, simplify, eliminateCommonSubexpressions, eliminateDeadCode, foldConstants, type Pass } from "./passes/index.js";

/** torch.jit's names for tracing: `jit.trace(fn, exampleInputs)` and `jit.load(path)` (torch.trace, the matrix trace, keeps the top-level name). */
export { trace, loadGraph as load, ExportedProgram } from "./program.js";

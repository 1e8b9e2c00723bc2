/** Static graphs for deployment: trace/exportGraph, saved graphs, ONNX export (docs/export.md). */
export { trace, exportGraph, loadGraph, ExportedProgram, GRAPH_FORMAT } from "./program.js";
export * as onnx from "./onnx/index.js";

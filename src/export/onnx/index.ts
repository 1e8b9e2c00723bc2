/** ONNX export: `onnx.export(model, exampleInput, path, options)` and `onnx.exportBytes` (docs/export.md). */
export { exportModel as export, exportBytes, type OnnxExportOptions } from "./export.js";

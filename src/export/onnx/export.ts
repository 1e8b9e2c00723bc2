/**
 * onnx.export: a Module (or a function of tensors) as an ONNX model file, the inference graph
 * traced on example inputs (capture.ts), lowered to ONNX operators (lower.ts) and encoded
 * with protobufjs (proto.ts). As torch.onnx.export: the model is put in eval mode for the
 * export (and its mode restored afterwards), shapes are the example inputs' (fixed, unless
 * dynamicAxes names symbolic ones: dynamic.ts), control flow is the one the example took.
 */
import { FluxionError } from "../../errors.js";
import { checkArity, checkOptions } from "../../api/check_args.js";
import { Module } from "../../nn/module.js";
import { Tensor } from "../../tensor/tensor.js";
import type { StorageArray } from "../../tensor/dtype.js";
import { writeFileAtomic } from "../../io/node_files.js";
import { traceFunction, type TracedGraph } from "../capture.js";
import { makeAxesDynamic } from "./dynamic.js";
import { Lowering, TRACED_AS_CORE, type Lowered } from "./lower.js";
import { encodeModel, ONNX_DTYPE, type OnnxValueInfo } from "./proto.js";

export interface OnnxExportOptions {
  /** Names of the graph inputs (default "input", or "input_0", "input_1", ... for several). */
  inputNames?: readonly string[];
  /** Names of the graph outputs (default "output", or "output_0", ...). */
  outputNames?: readonly string[];
  /** The ONNX opset, 17 (the default) to 21. */
  opsetVersion?: number;
  /**
   * "eval" (the default, as PyTorch's TrainingMode.EVAL): the model runs in eval mode for the
   * export and gets its mode back afterwards; "preserve": as it is (dropout or BatchNorm in
   * training mode then fail: an inference graph cannot hold them).
   */
  training?: "eval" | "preserve";
  /** A description stored in the model (doc_string). */
  docString?: string;
  /**
   * Dynamic axes by input/output name, as PyTorch's `dynamic_axes`: symbolic sizes, e.g.
   * `{ input: { 0: "batch", 1: "seq" }, output: { 0: "batch", 1: "seq" } }` (or a list of
   * axes, named `<name>_dynamic_axes_<i>`). The model is traced again with each name's size
   * grown; every shape constant must follow the sizes multilinearly (a + b·batch + c·seq +
   * d·batch·seq), else the export fails naming the ONNX node that depends on them.
   */
  dynamicAxes?: Record<string, Record<number, string> | readonly number[]>;
}

const OPTION_KEYS = ["inputNames", "outputNames", "opsetVersion", "dynamicAxes", "training", "docString"];

const IR_VERSION: Record<number, number> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

/** The ONNX model as bytes (works without Node). See `onnx.export`. */
export function exportBytes(model: Module | ((...xs: Tensor[]) => Tensor | Tensor[]), exampleInputs: Tensor | readonly Tensor[], options: OnnxExportOptions = {}): Uint8Array {
  const op = "onnx.export";
  checkArity("onnx.exportBytes", arguments, 3, "model, exampleInputs, options");
  checkOptions(op, options, OPTION_KEYS);
  const opset = options.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || IR_VERSION[opset] === undefined) throw new FluxionError(`${op}: opsetVersion must be an integer from 17 to 21, got ${String(opset)}`);
  const ins = exampleInputs instanceof Tensor ? [exampleInputs] : [...exampleInputs];
  const training = options.training ?? "eval";
  if (training !== "eval" && training !== "preserve") throw new FluxionError(`${op}: training must be "eval" or "preserve", got ${String(training)}`);
  let fn: (...xs: Tensor[]) => Tensor | Tensor[];
  const weightNames = new Map<StorageArray, { name: string; shape: readonly number[] }>();
  let restore: (() => void) | null = null;
  if (model instanceof Module) {
    const m = model as Module & { forward: (...xs: Tensor[]) => Tensor | Tensor[] };
    fn = (...xs) => m.forward(...xs);
    for (const [name, t] of [...m.namedParameters(), ...m.namedBuffers()] as [string, Tensor][]) {
      const data = t.storage._peek();
      if (weightNames.has(data)) continue;
      const whole = t.offset === 0 && t.isContiguous() && t.numel() === data.length;
      weightNames.set(data, { name, shape: whole ? t.shape : [data.length] });
    }
    if (training === "eval") {
      const modes = [...m.modules()].map((sub) => [sub, sub.training] as const);
      m.eval();
      restore = () => modes.forEach(([sub, mode]) => (sub.training = mode));
    }
  } else if (typeof model === "function") fn = model;
  else throw new FluxionError(`${op}: model must be an nn.Module or a function of tensors, got ${model === null ? "null" : typeof model}`);
  const inputNames = names(op, "inputNames", options.inputNames, ins.length, "input");
  let traced: TracedGraph;
  let lowered: Lowered;
  let dynDims: { inputs: (string | number)[][]; outputs: (string | number)[][] } | null = null;
  try {
    // with dynamic axes, masks and positions stay computations their sizes can follow; and
    // the model runs once before, so that what it caches (a mask per length) is cached in
    // every trace alike (a cache keyed by a dynamic size then shows as a changing graph)
    const dynamic = options.dynamicAxes !== undefined;
    if (dynamic) traceFunction(op, fn, ins, TRACED_AS_CORE, false);
    traced = traceFunction(op, fn, ins, TRACED_AS_CORE, !dynamic);
    const lower = (t: TracedGraph) => {
      const outputNames = names(op, "outputNames", options.outputNames, t.outputs.length, "output");
      if (new Set([...inputNames, ...outputNames]).size !== inputNames.length + outputNames.length) throw new FluxionError(`${op}: input and output names must all differ, got ${[...inputNames, ...outputNames].join(", ")}`);
      return { lowered: new Lowering(t, { opsetVersion: opset, inputNames, outputNames, weightNames, symbolicCreation: dynamic }).run(), outputNames };
    };
    const first = lower(traced);
    lowered = first.lowered;
    if (dynamic) {
      const r = makeAxesDynamic(op, fn, ins, traced, lowered, inputNames, first.outputNames, options.dynamicAxes!, (t) => lower(t).lowered);
      lowered = r.lowered;
      dynDims = r.dims;
    }
  } finally {
    restore?.();
  }
  const outputNames = names(op, "outputNames", options.outputNames, traced.outputs.length, "output");
  const info = (name: string, v: number, dims: readonly (string | number)[] | undefined): OnnxValueInfo => {
    const x = traced.graph.values[v]!;
    const t = (ONNX_DTYPE as Record<string, number>)[x.dtype];
    if (t === undefined) throw new FluxionError(`${op}: ${name} has dtype ${x.dtype}, which ONNX cannot hold`);
    return { name, elemType: t, dims: dims ?? x.shape };
  };
  return encodeModel({
    irVersion: IR_VERSION[opset]!,
    opsetVersion: opset,
    producerName: "fluxion",
    producerVersion: "",
    graphName: model instanceof Module ? model.constructor.name : fn.name || "main",
    nodes: lowered.nodes,
    initializers: lowered.initializers,
    inputs: traced.inputs.map((v, k) => info(inputNames[k]!, v, dynDims?.inputs[k])),
    outputs: traced.outputs.map((v, k) => info(outputNames[k]!, v, dynDims?.outputs[k])),
    ...(options.docString ? { docString: options.docString } : {}),
  });
}

function names(op: string, what: string, given: readonly string[] | undefined, n: number, stem: string): string[] {
  if (given === undefined) return n === 1 ? [stem] : Array.from({ length: n }, (_, i) => `${stem}_${i}`);
  if (!Array.isArray(given) || given.length !== n || !given.every((s) => typeof s === "string" && s.length > 0)) {
    throw new FluxionError(`${op}: ${what} must be ${n} non-empty string(s) (one per ${stem}), got ${JSON.stringify(given)}`);
  }
  return [...given];
}

/**
 * Exports `model` (an nn.Module, or a function of tensors) as an ONNX file at `path`, as
 * torch.onnx.export does: the model runs once on `exampleInputs` in eval mode and the tensor
 * operations it performed become the ONNX graph (opset 17 by default), with the weights as
 * initializers. Fixed shapes (the examples'); control flow frozen as traced. Atomic write.
 * Node only (in a browser, `onnx.exportBytes` returns the bytes).
 * @example
 * onnx.export(model, randn([1, 784]), "simplenet.onnx", { inputNames: ["x"], outputNames: ["logits"] });
 */
export function exportModel(model: Module | ((...xs: Tensor[]) => Tensor | Tensor[]), exampleInputs: Tensor | readonly Tensor[], path: string, options: OnnxExportOptions = {}): void {
  checkArity("onnx.export", arguments, 4, "model, exampleInputs, path, options");
  checkOptions("onnx.export", options, OPTION_KEYS);
  if (typeof path !== "string" || path === "") throw new FluxionError(`onnx.export: path must be a file path, got ${JSON.stringify(path)}`);
  writeFileAtomic(path, exportBytes(model, exampleInputs, options), "onnx.export");
}

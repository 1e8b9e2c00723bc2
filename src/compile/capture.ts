/**
 * captureGraph(fn, ...args): runs `fn` once under the recorder and returns its graph with
 * the returned tensors as the live values — the whole-function graph that passes are tested
 * on, and that trace/export will start from. The graph also runs (unoptimized), so the
 * returned tensors hold their values. A host read inside `fn` splits the graph: an error here.
 */
import { FluxionError } from "../errors.js";
import { addDispatchLayer } from "../backend/dispatcher.js";
import { Tensor } from "../tensor/tensor.js";
import { execute } from "./executor.js";
import type { Graph } from "./ir.js";
import { Recorder, type Recording } from "./recorder.js";
import { isRecording, setRecording } from "./state.js";

export interface Captured<R> {
  /** The recorded graph; `live` holds the returned tensors' values. */
  graph: Graph;
  /** The value id of each returned tensor, in order (a tensor or an array of tensors). */
  outputs: number[];
  result: R;
  /** @internal The recording's bindings (tests run a pass's output on them again). */
  recording: Recording;
}

export function captureGraph<R>(fn: (...args: any[]) => R, ...args: unknown[]): Captured<R> {
  if (isRecording()) throw new FluxionError("captureGraph: cannot capture inside a compiled call");
  let last: Recording | null = null;
  let breaks = 0;
  const recorder = new Recorder({
    run(rec, reason) {
      if (reason !== null) breaks++;
      execute(rec.graph(), rec);
    },
  });
  const remove = addDispatchLayer(recorder.layer);
  setRecording(true);
  let result: R;
  try {
    result = fn(...args);
  } finally {
    remove();
    setRecording(false);
  }
  last = recorder.rec;
  const outs = (Array.isArray(result) ? result : [result]).filter((t): t is Tensor => t instanceof Tensor);
  const outputs = outs.map((t) => last!.valueFor(t, recorder));
  recorder.flush(null);
  if (breaks > 0) throw new FluxionError(`captureGraph: the function read tensor values on the host ${breaks} time(s), which splits it into several graphs`);
  return { graph: { ...last.graph(), live: new Set(outputs) }, outputs, result: result!, recording: last };
}

/**
 * Whether a compile()d call is recording now. Kept in a module of its own (no imports) so
 * that op helpers can ask without depending on the compiler: ops/helpers.ts does not reuse
 * its cached scalar tensors while recording (a JS scalar must enter the graph as a `full`
 * node whose value is a graph input, the same way on every call, and a tensor made inside a
 * recording must not outlive it in a global cache).
 */
let recordingNow = false;

export function isRecording(): boolean {
  return recordingNow;
}

/** @internal compile.ts marks the span of a recorded call. */
export function setRecording(on: boolean): void {
  recordingNow = on;
}

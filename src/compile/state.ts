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

let keepSink: ((held: unknown) => void) | null = null;

/**
 * @internal compile.ts: where keepAfterCall() and what user code is handed (see
 * enterFramework) report, for the duration of a recorded call.
 */
export function setKeepSink(sink: ((held: unknown) => void) | null): void {
  keepSink = sink;
}

/**
 * Framework code that stores a tensor where it outlives the call that made it (autograd's
 * `.grad`, an optimizer's or a GradScaler's state object, a module buffer) says so here.
 * At the end of a compiled call, the tensors made inside it that are neither returned nor
 * reported here (directly, or as values of a reported object) give their memory back after
 * their last use in the program (see compile.ts). A no-op outside compiled calls.
 */
export function keepAfterCall(held: object | null | undefined): void {
  if (keepSink !== null && held !== null && held !== undefined) keepSink(held);
}

/**
 * How many framework frames (a declared op, a built-in module's forward, an optimizer step)
 * run since user code last did. A compiled call keeps every tensor user code may hold: what
 * is dispatched while this is 0, and what a framework frame returns to user code. The rest,
 * a framework frame's temporaries, are garbage once the frame returns unless it stored them
 * (keepAfterCall), so their memory is reused within the compiled program.
 */
let frameworkDepth = 0;

/** Whether user code (not a framework frame) is running. */
export function inUserCode(): boolean {
  return frameworkDepth === 0;
}

/** @internal A framework frame starts: pair with leaveFramework in a finally. */
export function enterFramework(): void {
  frameworkDepth++;
}

/** @internal A framework frame ends, handing `result` (when it returns normally) to its caller. */
export function leaveFramework(result?: unknown): void {
  if (--frameworkDepth === 0 && keepSink !== null && result !== undefined) keepSink(result);
}

/**
 * @internal Framework code calls user code (a user Module's forward, a hook, a custom
 * Function, an optimizer's closure) with `seen`, the values it hands over: returns the
 * framework depth to restore with leaveUserCode.
 */
export function enterUserCode(seen?: unknown): number {
  const depth = frameworkDepth;
  frameworkDepth = 0;
  if (keepSink !== null && seen !== undefined) keepSink(seen);
  return depth;
}

/** @internal Back from user code to the framework frame that called it; `result` is what user code returned. */
export function leaveUserCode(depth: number, result?: unknown): void {
  frameworkDepth = depth;
  if (keepSink !== null && result !== undefined) keepSink(result);
}

/** @internal Runs user code (a hook, a user-supplied function) from a framework frame, handing it `seen`. */
export function runUserCode<T>(seen: unknown, fn: () => T): T {
  const depth = enterUserCode(seen);
  let r: T | undefined;
  try {
    return (r = fn());
  } finally {
    leaveUserCode(depth, r);
  }
}

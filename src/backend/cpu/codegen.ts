/**
 * Run-time code generation for the TypeScript kernels, and the way around it. loops.ts and
 * reduce.ts write each kernel's loop as source and compile it with `new Function`, which is
 * what makes them fast. A strict Content-Security-Policy (no 'unsafe-eval') and some edge
 * runtimes forbid that (an EvalError); there every kernel runs instead as closures built
 * from the same descriptions (expr.ts turns the elementwise table's expressions into
 * closures): slower, same results.
 *
 * Not here: the loops themselves (loops.ts, reduce.ts).
 */

let probed: boolean | undefined;
let forcedOff = false;

function probe(): boolean {
  try {
    return new Function("return 1")() === 1;
  } catch {
    return false; // EvalError under a CSP; some runtimes throw other errors
  }
}

/** Whether kernels may be compiled from source here (false when forced off for tests). */
export function codegenAvailable(): boolean {
  if (forcedOff) return false;
  if (probed === undefined) probed = probe();
  return probed;
}

/**
 * `new Function(...params, body)`, or null when code generation is unavailable (then it
 * stays off: the caller builds closures).
 */
export function compileFunction(params: readonly string[], body: string): ((...args: never[]) => unknown) | null {
  if (!codegenAvailable()) return null;
  try {
    return new Function(...params, body) as (...args: never[]) => unknown;
  } catch (e) {
    // a SyntaxError is our bug; anything else means this runtime refuses to compile code
    if (e instanceof SyntaxError) throw e;
    probed = false;
    return null;
  }
}

/**
 * Tests: `true` makes every kernel use the closure path, as under a strict CSP; `false`
 * goes back to compiling where the runtime allows it (probing again).
 */
export function setCodegenDisabled(disabled: boolean): void {
  forcedOff = disabled;
  probed = undefined;
}

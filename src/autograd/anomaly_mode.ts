/**
 * Anomaly detection (torch.autograd.set_detect_anomaly / detect_anomaly). While it is on,
 * every recorded node keeps the stack of the forward call that made it, a backward formula
 * that raises has that stack added to its error, and (with checkNan, the default) a formula
 * that returns NaN raises an AutogradError naming the node: "Function 'DivBackward0' returned
 * nan values in its 0th output." It costs a host read per gradient: a debugging aid only.
 */
import { ArgumentError } from "../errors.js";

let enabled = false;
let checkNan = true;

/** Whether anomaly detection is on (torch.is_anomaly_enabled). */
export function isAnomalyEnabled(): boolean {
  return enabled;
}

/**
 * Whether anomaly detection, when on, checks backward results for NaN
 * (torch.is_anomaly_check_nan_enabled: true by default, even while detection is off).
 */
export function isAnomalyCheckNanEnabled(): boolean {
  return checkNan;
}

export interface AnomalyOptions {
  /** Raise when a backward formula returns NaN (default true). */
  checkNan?: boolean;
}

function readCheckNan(fn: string, arg: boolean | AnomalyOptions | undefined): boolean {
  if (arg === undefined) return true;
  if (typeof arg === "boolean") return arg;
  if (typeof arg === "object" && arg !== null && Object.keys(arg).every((k) => k === "checkNan") && (arg.checkNan === undefined || typeof arg.checkNan === "boolean")) return arg.checkNan ?? true;
  throw new ArgumentError(`autograd.${fn}: checkNan must be a boolean (or { checkNan: boolean }), got ${typeof arg === "object" ? JSON.stringify(arg) : `${typeof arg} ${String(arg)}`}`);
}

/**
 * Turns anomaly detection on or off for everything that follows (torch.autograd.set_detect_anomaly
 * called as a function); returns the previous setting.
 *
 * @example
 * autograd.setDetectAnomaly(true);
 * loss.backward(); // a NaN made by a backward formula raises, naming the formula
 */
export function setDetectAnomaly(mode: boolean, checkNanArg?: boolean | AnomalyOptions): boolean {
  if (typeof mode !== "boolean") throw new ArgumentError(`autograd.setDetectAnomaly: mode must be a boolean, got ${typeof mode} ${String(mode)}`);
  const c = readCheckNan("setDetectAnomaly", checkNanArg);
  const prev = enabled;
  enabled = mode;
  checkNan = c;
  return prev;
}

/**
 * Runs `fn` with anomaly detection on (torch.autograd.detect_anomaly as a context manager),
 * restoring the previous setting afterwards. `fn` must be synchronous, as with noGrad.
 *
 * @example
 * autograd.detectAnomaly(() => model.call(x).sum().backward());
 */
export function detectAnomaly<T>(fn: () => T, checkNanArg?: boolean | AnomalyOptions): T {
  if (typeof fn !== "function") throw new ArgumentError(`autograd.detectAnomaly: expected a function to run with anomaly detection on, got ${typeof fn}`);
  const c = readCheckNan("detectAnomaly", checkNanArg);
  const prev = [enabled, checkNan] as const;
  enabled = true;
  checkNan = c;
  try {
    return fn();
  } finally {
    [enabled, checkNan] = prev;
  }
}

/** The forward stack to keep for a node being recorded (only while anomaly detection is on). */
export function forwardTrace(): string | null {
  if (!enabled) return null;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64; // the default 10 frames rarely reach past the framework into the user's code
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  // drop "Error" and the frames inside the autograd recorder itself
  return stack.split("\n").slice(1).filter((l) => !/autograd[\\/](node|record|anomaly_mode)\.[tj]s/.test(l)).join("\n");
}

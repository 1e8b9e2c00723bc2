/**
 * Run-time argument checks for functions not declared through the op registry (the export
 * functions, initWebGPU, Tensor.toAsync; plain JavaScript callers get no type check): too
 * many positional arguments, and option keys the function does not know, raise an
 * ArgumentError naming the function (with a "did you mean" for a near miss).
 */
import { isPlainObject, nameDistance } from "./args.js";
import { ArgumentError } from "../errors.js";

export function checkArity(op: string, args: IArguments, max: number, names: string): void {
  if (args.length > max) throw new ArgumentError(`${op}() takes at most ${max} argument${max === 1 ? "" : "s"} (${names}) but ${args.length} were given`);
}

export function checkOptions(op: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) throw new ArgumentError(`${op}(): options must be an object, got ${options === null ? "null" : typeof options}`);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => nameDistance(k, key) <= 2);
    throw new ArgumentError(`${op}(): unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ""}; options: ${known.join(", ")}`);
  }
}

/**
 * Fluxion's error types. Every error raised for bad input is a FluxionError whose message
 * names the op, the shapes/dtypes involved and the problem, so a user can fix the call
 * without reading Fluxion's source.
 */
export class FluxionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that cannot be combined (broadcasting, matmul, cat, view). */
export class ShapeError extends FluxionError {}
/** A dtype the op does not accept, or a mix of dtypes PyTorch refuses. */
export class DTypeError extends FluxionError {}
/** An index or dim out of range. */
export class IndexError extends FluxionError {}
/** Misuse of autograd: backward through a freed graph, in-place on a saved tensor, ... */
export class AutogradError extends FluxionError {}
/** A device that does not exist, or tensors on different devices. */
export class DeviceError extends FluxionError {}
/** An op (or a dtype or mode of it) that a device's backend does not run yet: the message names both. */
export class NotImplementedOnDeviceError extends DeviceError {}
/**
 * Python's NotImplementedError: what a method that a subclass may leave out raises (a
 * parametrization's rightInverse that cannot be computed: registerParametrization skips it).
 */
export class NotImplementedError extends FluxionError {}
/** A call whose arguments do not fit the function's signature (PyTorch raises TypeError). */
export class ArgumentError extends FluxionError {}
/**
 * A matrix a linear-algebra op cannot factor: not positive-definite (linalg.cholesky), singular
 * (linalg.inv, linalg.solve), non-finite (linalg.svd). PyTorch's torch.linalg.LinAlgError.
 */
export class LinAlgError extends FluxionError {}

/** Formats a shape the way error messages print it: [2, 3]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

const named = new WeakSet<Error>();
/**
 * Makes a FluxionError raised inside `name` (an op the user called, a module's forward) name
 * it: "Upsample: interpolate: ...". Only the innermost public entry point adds its name (an
 * error it already names, or one named on the way out, is left alone, unless `again`: a
 * distribution built inside another adds the outer one's name too); anything that is not a
 * FluxionError passes through unchanged.
 */
export function nameIn(e: unknown, name: string, label = name, again = false): unknown {
  if (!(e instanceof FluxionError) || (named.has(e) && !again)) return e;
  named.add(e);
  if (new RegExp(`(^|\\W)${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\W|$)`).test(e.message)) return e;
  const before = e.message;
  e.message = `${label}: ${before}`;
  if (typeof e.stack === "string") e.stack = e.stack.replace(before, e.message);
  return e;
}

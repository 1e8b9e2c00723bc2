/**
 * Argument checks shared by the nn layers. Constructors are declared with `declareArgs`
 * (src/api/registry.ts); this file adds the two things forward needs:
 * - `checkTensorArg`: one `instanceof` per tensor input, so `linear.forward([[1, 2]])` is an
 *   ArgumentError naming the module and the argument instead of a TypeError from inside;
 * - `checkLayerSizes`: a layer's sizes and device checked before its parameters are
 *   allocated, so `new nn.Linear(-1, 5)` names Linear and in_features;
 * - `declareMethodArgs`: a declaration for a forward that takes more than tensors
 *   (`MultiheadAttention.forward(query, key, value, keyPaddingMask, needWeights, ...)`),
 *   bound and checked exactly as ops and constructors are, with messages that name the method.
 */
import { bindCall, describeValue } from "../api/args.js";
import { parseSignature } from "../api/schema.js";
import type { BoundArgs } from "../api/types.js";
import { checkDevice } from "../backend/backend.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { MAX_NUMEL } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** `Linear.forward()` for a module, or the given name. */
function opName(op: string | object): string {
  return typeof op === "string" ? op : `${op.constructor.name}.forward()`;
}

/**
 * Throws an ArgumentError unless `value` is a Tensor, e.g.
 * "Linear.forward(): argument 'input' (position 1) must be Tensor, but got array [array]".
 * `op` is a module (named by its class) or a function name.
 */
export function checkTensorArg(op: string | object, name: string, value: unknown, position = 1): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new ArgumentError(`${opName(op)}: argument '${name}' (position ${position}) must be Tensor, but got ${describeValue(value)}`);
}

/** As checkTensorArg, but null and undefined (not given) pass too. */
export function checkOptionalTensorArg(op: string | object, name: string, value: unknown, position = 1): asserts value is Tensor | null | undefined {
  if (value !== null && value !== undefined && !(value instanceof Tensor)) {
    throw new ArgumentError(`${opName(op)}: argument '${name}' (position ${position}) must be Tensor or null, but got ${describeValue(value)}`);
  }
}

/**
 * Declares a method's arguments: `declareMethodArgs("TransformerEncoder.forward(Tensor src,
 * Tensor? mask=null, ...)")`. `bind(args)` returns them as `declareArgs` does (declaration
 * order, defaults filled in, keyword-only ones in a trailing object); messages name
 * `TransformerEncoder.forward()`.
 */
export function declareMethodArgs<const S extends string>(decl: S): { bind(args: ArrayLike<unknown>): BoundArgs<S> } {
  const parsed = parseSignature(decl);
  const sig = { ...parsed, name: parsed.overload ? `${parsed.name}.${parsed.overload}` : parsed.name, overload: "" };
  return { bind: (args) => bindCall([sig], undefined, args, false) as BoundArgs<S> };
}

/**
 * A layer's size arguments and device, checked before anything is allocated, with messages
 * that name the layer and the argument as PyTorch's repr does:
 *   checkLayerSizes("Linear", { in_features: inFeatures, out_features: outFeatures }, device)
 * -> "Linear: in_features must be a non-negative integer, got -1". Each size is an integer
 * from 0 (from 1 for the names in `positive`) up to MAX_NUMEL, a tensor's storage limit.
 */
export function checkLayerSizes(layer: string, sizes: Record<string, number>, device?: string | null, positive: readonly string[] = []): void {
  for (const [name, v] of Object.entries(sizes)) {
    const min = positive.includes(name) ? 1 : 0;
    if (!Number.isInteger(v) || v < min || v > MAX_NUMEL) {
      throw new ShapeError(`${layer}: ${name} must be a ${min ? "positive" : "non-negative"} integer${v > MAX_NUMEL ? ` no larger than ${MAX_NUMEL} (the elements a tensor's storage can hold)` : ""}, got ${v}`);
    }
  }
  if (device !== undefined && device !== null) checkDevice(device, layer);
}
